/**
 * Turns the engine's event stream of a dry run into the preview's state, and exports rows as
 * CSV/JSON. Pure (no `vscode`), so unit tests cover it in plain Node.
 */
import type {
  EngineEvent,
  OrderEvent,
  SummaryEvent,
  WritebackEvent,
} from '../../../protocol/events';
import { isPreviewState, PREVIEW_ROW_LISTS } from '../../../protocol/preview';
import { activityText } from '../../../protocol/eventText';
import type {
  HostToWebview,
  PreviewHead,
  PreviewRows,
  PreviewKind,
  PreviewOrderRow,
  PreviewState,
  PreviewSummary,
  PreviewWritebackRow,
} from '../../../protocol/preview';

export function emptyPreviewState(
  kind: PreviewKind,
  settingsUri: string,
  fileLabel: string,
  canImport: boolean,
): PreviewState {
  return {
    kind,
    status: 'loading',
    settingsUri,
    fileLabel,
    generatedAt: new Date().toISOString(),
    progress: '',
    orders: [],
    skipped: [],
    writebacks: [],
    changes: [],
    attention: [],
    warnings: [],
    canImport,
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
const joinNonEmpty = (parts: unknown[], sep: string): string =>
  parts
    .map(text)
    .map((s) => s.trim())
    .filter(Boolean)
    .join(sep);

/** One line for a Starshipit destination: `street, building, suburb, city, state post_code, country`. */
export function formatAddress(destination: unknown): string {
  const address = obj(destination);
  const statePost = joinNonEmpty([address.state, address.post_code], ' ');
  return joinNonEmpty(
    [address.building, address.street, address.suburb, address.city, statePost, address.country],
    ', ',
  );
}

/** `2 × SKU-1 Widget; 1 × Gadget` from Starshipit `items[]`. */
export function formatItems(items: unknown): { text: string; count: number } {
  if (!Array.isArray(items)) return { text: '', count: 0 };
  const parts = items.map((raw) => {
    const it = obj(raw);
    const qty = text(it.quantity) || '1';
    const label = joinNonEmpty([it.sku, it.description], ' ');
    return `${qty} × ${label || '(no description)'}`;
  });
  return { text: parts.join('; '), count: items.length };
}

/** `AusPost 3J55, signature, ATL` from the order's carrier fields (set by a shipping rule). */
function formatCourier(order: Obj): string {
  const atl = Array.isArray(order.metadatas)
    ? order.metadatas.map(obj).find((m) => m.metafield_key === 'ATL')
    : undefined;
  const options = [
    order.signature_required === true ? 'signature' : '',
    atl ? (text(atl.value).toLowerCase() === 'true' ? 'ATL' : 'no ATL') : '',
  ];
  return joinNonEmpty(
    [joinNonEmpty([order.carrier, order.carrier_service_code], ' '), ...options],
    ', ',
  );
}

/** `SKU-1 HS 610910 Bangladesh; SKU-2 HS ?` from items with customs data ('' when none has any). */
function formatCustoms(items: unknown): string {
  if (!Array.isArray(items)) return '';
  const rows = items.map(obj);
  if (!rows.some((it) => it.tariff_code !== undefined || it.country_of_origin !== undefined))
    return '';
  return rows
    .map((it) =>
      joinNonEmpty(
        [it.sku, `HS ${text(it.tariff_code) || '?'}`, text(it.country_of_origin) || 'origin ?'],
        ' ',
      ),
    )
    .join('; ');
}

function orderRow(orderEvent: OrderEvent): PreviewOrderRow {
  const order = obj(orderEvent.starshipit);
  const dest = obj(order.destination);
  const items = formatItems(order.items);
  return {
    orderNumber: orderEvent.orderNumber,
    receiver: text(dest.name),
    company: text(dest.company),
    address: formatAddress(dest),
    items: items.text,
    itemCount: items.count,
    deliveryInstructions: text(dest.delivery_instructions) || text(order.delivery_instructions),
    shippingMethod: text(order.shipping_method),
    courier: formatCourier(order),
    customs: formatCustoms(order.items),
    account: orderEvent.account ?? '',
    saleId: orderEvent.source.saleId,
    taskId: orderEvent.source.taskId ?? '',
    warnings: orderEvent.warnings ? [...orderEvent.warnings] : [],
    payload: order,
  };
}

/** Cin7 ship payload `{TaskID, Lines:[{Carrier, TrackingNumber, ShipmentDate, …}]}` → display row. */
export function writebackRow(writebackEvent: WritebackEvent): PreviewWritebackRow {
  const body = obj(writebackEvent.dear);
  const lines = Array.isArray(body.Lines) ? body.Lines.map(obj) : [];
  const unique = (values: string[]): string[] => [...new Set(values.filter(Boolean))];
  return {
    orderNumber: writebackEvent.orderNumber,
    taskId: writebackEvent.taskId,
    carrier: unique(lines.map((l) => text(l.Carrier))).join(', '),
    trackingNumbers: unique(lines.map((l) => text(l.TrackingNumber))).join(', '),
    shipDate: unique(lines.map((l) => text(l.ShipmentDate))).join(', '),
    payload: body,
  };
}

function summaryOf(summaryEvent: SummaryEvent): PreviewSummary {
  return {
    created: summaryEvent.created + summaryEvent.alreadyPresent,
    skipped: summaryEvent.skipped,
    needsAttention: summaryEvent.needsAttention,
    writtenBack: summaryEvent.writtenBack,
    updated: summaryEvent.updated,
    withdrawn: summaryEvent.withdrawn,
    dearCalls: summaryEvent.calls.dear,
    estimatedDearCalls: summaryEvent.estimate.dearCalls,
    estimatedSeconds: summaryEvent.estimate.seconds,
    cancelled: summaryEvent.cancelled === true,
  };
}

const stringifyValue = (v: unknown): string =>
  v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);

/** Applies one engine event to the preview state in place (the host owns the only copy). */
export function applyEvent(state: PreviewState, event: EngineEvent): void {
  switch (event.type) {
    case 'order':
      state.orders.push(orderRow(event));
      break;
    case 'skip':
      state.skipped.push({
        orderNumber: event.orderNumber,
        saleId: event.saleId ?? '',
        code: event.code,
        reason: event.reason,
      });
      break;
    case 'writeback':
      state.writebacks.push(writebackRow(event));
      break;
    case 'update':
      state.changes.push({
        action: 'update',
        orderNumber: event.orderNumber,
        details: event.changes.map(
          (c) => `${c.field}: ${stringifyValue(c.before)} → ${stringifyValue(c.after)}`,
        ),
      });
      break;
    case 'withdraw':
      state.changes.push({
        action: 'withdraw',
        orderNumber: event.orderNumber,
        details: [event.reason],
      });
      break;
    case 'attention':
      state.attention.push({
        orderNumber: event.orderNumber ?? '',
        saleId: event.saleId ?? '',
        code: event.code,
        reason: event.reason,
        retryable: event.retryable,
      });
      break;
    case 'progress':
    case 'wait':
    case 'throttle':
      state.progress = activityText(event) ?? state.progress;
      break;
    case 'log':
      if (event.level === 'warn' || event.level === 'error') state.warnings.push(event.message);
      break;
    case 'summary':
      state.summary = summaryOf(event);
      break;
    case 'retry':
      break;
  }
}

/** How many rows of each list the webview has been sent. */
export type SentCounts = Record<keyof PreviewRows, number>;

/** The preview without its lists. */
function previewHead(state: PreviewState): PreviewHead {
  const { orders, skipped, writebacks, changes, attention, warnings, ...head } = state;
  void [orders, skipped, writebacks, changes, attention, warnings];
  return head;
}

/**
 * The next message for a webview that holds `sent` rows of `state` (undefined: nothing yet): the
 * whole head and at most `batch` rows of each list (`state` first, then `append`s). While rows are
 * still to follow, the head says `loading`, so the webview never offers to import a partial list.
 */
export function nextPreviewMessage(
  state: PreviewState,
  sent: SentCounts | undefined,
  batch: number,
): { message: HostToWebview; sent: SentCounts; more: boolean } {
  const from = sent ?? zeroCounts();
  const next = {} as SentCounts;
  const rows = {} as Record<keyof PreviewRows, unknown[]>;
  let more = false;
  for (const list of PREVIEW_ROW_LISTS) {
    rows[list] = state[list].slice(from[list], from[list] + batch);
    next[list] = from[list] + rows[list].length;
    if (next[list] < state[list].length) more = true;
  }
  const head = previewHead(state);
  if (more && head.status === 'ready') {
    head.status = 'loading';
    head.progress = `showing ${next.orders} of ${state.orders.length} orders…`;
  }
  const lists = rows as unknown as PreviewRows;
  const message: HostToWebview = sent
    ? { type: 'append', head, rows: lists }
    : { type: 'state', state: { ...head, ...lists } };
  return { message, sent: next, more };
}

function zeroCounts(): SentCounts {
  const counts = {} as SentCounts;
  for (const list of PREVIEW_ROW_LISTS) counts[list] = 0;
  return counts;
}

/** Rows in the order the webview listed them; unknown numbers are ignored (validated input). */
export function pickOrders(
  state: PreviewState,
  orderNumbers: readonly string[],
): PreviewOrderRow[] {
  const byNumber = new Map(state.orders.map((o) => [o.orderNumber, o]));
  const out: PreviewOrderRow[] = [];
  for (const orderNumber of orderNumbers) {
    const row = byNumber.get(orderNumber);
    if (row) out.push(row);
  }
  return out;
}

const CSV_COLUMNS: readonly (keyof PreviewOrderRow & string)[] = [
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
  'warnings',
];

/**
 * RFC 4180 CSV (CRLF, quotes doubled). Cells that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, CR at the start) get a leading `'` — order data comes from a third party.
 */
export function toCsv(rows: readonly PreviewOrderRow[]): string {
  return csv(CSV_COLUMNS, rows);
}

const WRITEBACK_COLUMNS: readonly (keyof PreviewWritebackRow & string)[] = [
  'orderNumber',
  'taskId',
  'carrier',
  'trackingNumbers',
  'shipDate',
];

export function writebacksToCsv(rows: readonly PreviewWritebackRow[]): string {
  return csv(WRITEBACK_COLUMNS, rows);
}

export function csvCell(value: unknown): string {
  let cell = Array.isArray(value) ? value.map(text).join(' | ') : text(value);
  if (/^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function csv<R extends object>(columns: readonly (keyof R & string)[], rows: readonly R[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(row[column])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** JSON export: the exact Starshipit payloads with their source, as the engine would send them. */
export function toJson(rows: readonly PreviewOrderRow[]): string {
  return (
    JSON.stringify(
      rows.map((row) => ({
        orderNumber: row.orderNumber,
        source: { saleId: row.saleId, taskId: row.taskId || undefined },
        warnings: row.warnings,
        starshipit: row.payload,
      })),
      null,
      2,
    ) + '\n'
  );
}

/**
 * The state to show after a window reload, from what the webview saved with setState. Invalid data
 * gives undefined (the panel then waits for a new preview); a dry run that was still loading cannot
 * resume, so it becomes an error that asks for a refresh.
 */
export function restoredPreviewState(saved: unknown): PreviewState | undefined {
  const preview =
    typeof saved === 'object' && saved !== null
      ? (saved as { preview?: unknown }).preview
      : undefined;
  if (!isPreviewState(preview)) return undefined;
  if (preview.status !== 'loading') return preview;
  return {
    ...preview,
    status: 'error',
    error: 'The preview was interrupted by a window reload. Refresh it to run the dry run again.',
  };
}
