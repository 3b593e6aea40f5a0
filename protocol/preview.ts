/**
 * The one message protocol between the extension host and the order-preview webview
 * (client/src/preview/previewPanel.ts ↔ client/src/webview/preview/main.ts).
 *
 * Both sides validate every message they receive with the guards below: a webview is a browser page
 * and the host must not trust what it posts, and the webview must not render a malformed state.
 * No `vscode` import here: the webview bundle and the Node unit tests load this file too.
 */

import type { ReconcileSection } from './reconcile';

export type PreviewKind = 'import' | 'writeback' | 'sync' | 'reconcile';
export type PreviewStatus = 'loading' | 'ready' | 'error';

/** One Starshipit order as it would be created (dry run). Strings are display text. */
export interface PreviewOrderRow {
  orderNumber: string;
  receiver: string;
  company: string;
  address: string;
  /** e.g. `2 × SKU-1 Widget; 1 × SKU-2 Gadget`. */
  items: string;
  itemCount: number;
  deliveryInstructions: string;
  shippingMethod: string;
  /** Courier and service a shipping rule set, e.g. `AusPost 3J55, signature`; '' when none. */
  courier: string;
  /** Customs data per item, e.g. `SKU-1 HS 610910 Bangladesh`; '' for a domestic order. */
  customs: string;
  /** Starshipit account the order goes to; '' when the settings name only one. */
  account: string;
  saleId: string;
  taskId: string;
  warnings: string[];
  /** The exact `order` object the run would send (already free of secrets: engine contract). */
  payload: Record<string, unknown>;
}

export interface PreviewSkipRow {
  orderNumber: string;
  saleId: string;
  code: string;
  reason: string;
}

export interface PreviewWritebackRow {
  orderNumber: string;
  taskId: string;
  carrier: string;
  trackingNumbers: string;
  shipDate: string;
  payload: Record<string, unknown>;
}

/** `update` / `withdraw` events (keeping imported orders in step). */
export interface PreviewChangeRow {
  action: 'update' | 'withdraw';
  orderNumber: string;
  /** `field: before → after` lines, or the withdraw reason. */
  details: string[];
}

export interface PreviewAttentionRow {
  orderNumber: string;
  saleId: string;
  code: string;
  reason: string;
  retryable: boolean;
}

/** One `reconcile` finding as the preview shows it (protocol/reconcile.ts). */
export interface PreviewFindingRow {
  section: ReconcileSection;
  orderNumber: string;
  saleId: string;
  /** Starshipit order ids, comma-separated. */
  orderIds: string;
  detail: string;
  /** What `--apply` would do, or `reported only`. */
  fix: string;
}

/** The `reconcile` mode of the preview: its sections replace the dry-run lists. */
export interface PreviewReconcile {
  since: string;
  findings: PreviewFindingRow[];
  checked: { sales: number; orders: number; journal: number };
  fixable: number;
  dearCalls: number;
  starshipitCalls: number;
}

export interface PreviewSummary {
  created: number;
  skipped: number;
  needsAttention: number;
  writtenBack: number;
  updated: number;
  withdrawn: number;
  dearCalls: number;
  estimatedDearCalls: number;
  estimatedSeconds: number;
  cancelled: boolean;
}

/** The lists of a preview: they grow while the dry run streams its events. */
export interface PreviewRows {
  orders: PreviewOrderRow[];
  skipped: PreviewSkipRow[];
  writebacks: PreviewWritebackRow[];
  changes: PreviewChangeRow[];
  attention: PreviewAttentionRow[];
  /** Run-level warnings (engine `log` warn/error events). */
  warnings: string[];
}

export const PREVIEW_ROW_LISTS: readonly (keyof PreviewRows)[] = [
  'orders',
  'skipped',
  'writebacks',
  'changes',
  'attention',
  'warnings',
];

/** Rows of each list one message carries at most (a 50,000-row preview is sent in batches). */
export const PREVIEW_BATCH_ROWS = 1000;

/** Everything of a preview but its lists. */
export type PreviewHead = Omit<PreviewState, keyof PreviewRows>;

export interface PreviewState extends PreviewRows {
  kind: PreviewKind;
  status: PreviewStatus;
  /** Set when status is `error`; already redacted by the host. */
  error?: string;
  /** Settings file URI (string) the preview was made from. */
  settingsUri: string;
  /** Short label for the header, e.g. `samples/dear-starshipit.yaml`. */
  fileLabel: string;
  generatedAt: string;
  /** Progress while loading, e.g. `detail 12/40`. */
  progress: string;
  summary?: PreviewSummary;
  /** Set in the `reconcile` mode once the comparison is done. */
  reconcile?: PreviewReconcile;
  /** Whether "Import these now" may be offered (trusted workspace, import preview, orders present). */
  canImport: boolean;
}

export type SortKey =
  | 'orderNumber'
  | 'receiver'
  | 'company'
  | 'address'
  | 'items'
  | 'deliveryInstructions'
  | 'shippingMethod'
  | 'courier'
  | 'customs'
  | 'account'
  | 'saleId';
export const SORT_KEYS: readonly SortKey[] = [
  'orderNumber',
  'receiver',
  'company',
  'address',
  'items',
  'deliveryInstructions',
  'shippingMethod',
  'courier',
  'customs',
  'account',
  'saleId',
];

/** What the webview actually rendered; sent after every render (test hook `dear.test.previewState`). */
export interface RenderReport {
  status: PreviewStatus;
  kind: PreviewKind;
  error?: string;
  /** Order numbers of the order rows in the DOM, in display order (after filter and sort). */
  orderNumbers: string[];
  /** Order rows that match the filter (the DOM holds those scrolled into view when there are many). */
  matchingOrders: number;
  totalOrders: number;
  skipped: number;
  writebacks: number;
  changes: number;
  attention: number;
  filter: string;
  sortKey: SortKey;
  sortDescending: boolean;
  /** `reconcile` mode: finding rows in the DOM per section. */
  findings?: Partial<Record<ReconcileSection, number>>;
}

// ---- messages ---------------------------------------------------------------------------------

/**
 * `state` replaces the webview's preview (a new dry run, or the panel was (re)loaded); `append`
 * adds the rows that arrived since the last message and the new head (status, progress, summary),
 * so a long dry run reaches the webview in batches instead of as its whole state again each time.
 */
export type HostToWebview =
  { type: 'state'; state: PreviewState } | { type: 'append'; head: PreviewHead; rows: PreviewRows };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'rendered'; report: RenderReport }
  | { type: 'importThese'; orderNumbers: string[] }
  | { type: 'export'; format: 'csv' | 'json'; orderNumbers: string[] }
  | { type: 'refresh' }
  | { type: 'showOutput' };

/** Largest list the host accepts from the webview (a preview never holds more orders). */
export const MAX_ORDER_NUMBERS = 100_000;

// ---- guards -----------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrArray = (v: unknown, max = Infinity): v is string[] =>
  Array.isArray(v) && v.length <= max && v.every(isStr);
const arrayOf = <T>(v: unknown, guard: (x: unknown) => x is T): v is T[] =>
  Array.isArray(v) && v.every(guard);
const optional = <T>(v: unknown, guard: (x: unknown) => x is T): boolean =>
  v === undefined || guard(v);

const KINDS: readonly string[] = ['import', 'writeback', 'sync', 'reconcile'];
const SECTIONS: readonly string[] = ['missing', 'duplicates', 'tracking', 'unexplained', 'journal'];
const STATUSES: readonly string[] = ['loading', 'ready', 'error'];

function hasStrings(fields: Obj, keys: readonly string[]): boolean {
  return keys.every((k) => isStr(fields[k]));
}

function isOrderRow(value: unknown): value is PreviewOrderRow {
  return (
    isObj(value) &&
    hasStrings(value, [
      'orderNumber',
      'receiver',
      'company',
      'address',
      'items',
      'deliveryInstructions',
      'shippingMethod',
      'courier',
      'customs',
      'account',
      'saleId',
      'taskId',
    ]) &&
    isNum(value.itemCount) &&
    isStrArray(value.warnings) &&
    isObj(value.payload)
  );
}

function isSkipRow(value: unknown): value is PreviewSkipRow {
  return isObj(value) && hasStrings(value, ['orderNumber', 'saleId', 'code', 'reason']);
}

function isWritebackRow(value: unknown): value is PreviewWritebackRow {
  return (
    isObj(value) &&
    hasStrings(value, ['orderNumber', 'taskId', 'carrier', 'trackingNumbers', 'shipDate']) &&
    isObj(value.payload)
  );
}

function isChangeRow(value: unknown): value is PreviewChangeRow {
  return (
    isObj(value) &&
    (value.action === 'update' || value.action === 'withdraw') &&
    isStr(value.orderNumber) &&
    isStrArray(value.details)
  );
}

function isAttentionRow(value: unknown): value is PreviewAttentionRow {
  return (
    isObj(value) &&
    hasStrings(value, ['orderNumber', 'saleId', 'code', 'reason']) &&
    isBool(value.retryable)
  );
}

function isSummary(value: unknown): value is PreviewSummary {
  return (
    isObj(value) &&
    [
      'created',
      'skipped',
      'needsAttention',
      'writtenBack',
      'updated',
      'withdrawn',
      'dearCalls',
      'estimatedDearCalls',
      'estimatedSeconds',
    ].every((k) => isNum(value[k])) &&
    isBool(value.cancelled)
  );
}

function isFindingRow(value: unknown): value is PreviewFindingRow {
  return (
    isObj(value) &&
    isStr(value.section) &&
    SECTIONS.includes(value.section) &&
    hasStrings(value, ['orderNumber', 'saleId', 'orderIds', 'detail', 'fix'])
  );
}

function isReconcileView(value: unknown): value is PreviewReconcile {
  return (
    isObj(value) &&
    isStr(value.since) &&
    arrayOf(value.findings, isFindingRow) &&
    isObj(value.checked) &&
    ['sales', 'orders', 'journal'].every((k) => isNum((value.checked as Obj)[k])) &&
    ['fixable', 'dearCalls', 'starshipitCalls'].every((k) => isNum(value[k]))
  );
}

function isSectionCounts(value: unknown): boolean {
  return isObj(value) && Object.entries(value).every(([k, n]) => SECTIONS.includes(k) && isNum(n));
}

function isPreviewRows(view: Obj): boolean {
  return (
    arrayOf(view.orders, isOrderRow) &&
    arrayOf(view.skipped, isSkipRow) &&
    arrayOf(view.writebacks, isWritebackRow) &&
    arrayOf(view.changes, isChangeRow) &&
    arrayOf(view.attention, isAttentionRow) &&
    isStrArray(view.warnings)
  );
}

function isPreviewHead(view: Obj): boolean {
  return (
    isStr(view.kind) &&
    KINDS.includes(view.kind) &&
    isStr(view.status) &&
    STATUSES.includes(view.status) &&
    optional(view.error, isStr) &&
    hasStrings(view, ['settingsUri', 'fileLabel', 'generatedAt', 'progress']) &&
    optional(view.summary, isSummary) &&
    optional(view.reconcile, isReconcileView) &&
    isBool(view.canImport)
  );
}

export function isPreviewState(value: unknown): value is PreviewState {
  return isObj(value) && isPreviewHead(value) && isPreviewRows(value);
}

export function isRenderReport(value: unknown): value is RenderReport {
  return (
    isObj(value) &&
    isStr(value.status) &&
    STATUSES.includes(value.status) &&
    isStr(value.kind) &&
    KINDS.includes(value.kind) &&
    optional(value.error, isStr) &&
    isStrArray(value.orderNumbers, MAX_ORDER_NUMBERS) &&
    ['matchingOrders', 'totalOrders', 'skipped', 'writebacks', 'changes', 'attention'].every((k) =>
      isNum(value[k]),
    ) &&
    isStr(value.filter) &&
    isStr(value.sortKey) &&
    (SORT_KEYS as readonly string[]).includes(value.sortKey) &&
    isBool(value.sortDescending) &&
    (value.findings === undefined || isSectionCounts(value.findings))
  );
}

export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isObj(value)) return false;
  if (value.type === 'state') return isPreviewState(value.state);
  return (
    value.type === 'append' &&
    isObj(value.head) &&
    isPreviewHead(value.head) &&
    isObj(value.rows) &&
    isPreviewRows(value.rows)
  );
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isObj(value) || !isStr(value.type)) return false;
  switch (value.type) {
    case 'ready':
    case 'refresh':
    case 'showOutput':
      return true;
    case 'rendered':
      return isRenderReport(value.report);
    case 'importThese':
      return isStrArray(value.orderNumbers, MAX_ORDER_NUMBERS) && value.orderNumbers.length > 0;
    case 'export':
      return (
        (value.format === 'csv' || value.format === 'json') &&
        isStrArray(value.orderNumbers, MAX_ORDER_NUMBERS)
      );
    default:
      return false;
  }
}
