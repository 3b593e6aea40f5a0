/** Everything one run shares: settings, clients, journal, counters and the event sink. */
import { DEFAULT_ACCOUNT, type DearSettings } from '../../../protocol/settings';
import type { AttentionEvent, EngineEvent, RunMode } from '../../../protocol/events';
import type { DearClient } from './dearClient';
import type { StarshipitClient } from './starshipitClient';
import { payloadHash, type AttentionState, type Journal, type JournalRecord } from './journal';
import type { ApiRunner } from './apiRunner';
import { CancelledError } from './sleep';
import type { ProductLookup } from './productCache';

export interface Counters {
  created: number;
  alreadyPresent: number;
  skipped: number;
  needsAttention: number;
  writtenBack: number;
  detailsRead: number;
  /** Cin7 write calls a live run would make that this dry run did not (estimate). */
  plannedDearWrites: number;
  /** Keeping imported orders in step: orders updated / withdrawn (dry run: would be). */
  updated?: number;
  withdrawn?: number;
  /** Sentences for the run summary (e.g. why labelled orders were not written back). */
  notes?: string[];
}

/** One Starshipit account of the run: its client and runner (own limiter). */
export interface StarshipitAccount {
  name: string;
  client: StarshipitClient;
  runner: ApiRunner;
}

export interface RunContext {
  settings: DearSettings;
  mode: RunMode;
  dryRun: boolean;
  journal: Journal;
  dear: DearClient;
  starshipit: StarshipitClient;
  dearRunner: ApiRunner;
  starshipitRunner: ApiRunner;
  /** Every Starshipit account, the default one first; `starshipit` is the one named `account`. */
  accounts: StarshipitAccount[];
  /** The account `starshipit` and `existingOrders` belong to (`default` unless an account view). */
  account: string;
  counters: Counters;
  signal?: AbortSignal;
  onlyOrderNumbers?: Set<string>;
  /** No import has completed on this state directory yet (no Cin7 cursor). */
  firstImport: boolean;
  /**
   * Order numbers Starshipit holds (→ order_id), from this run's full listing or the journal's.
   * Undefined while no listing ever succeeded: every order is then looked up by order number
   * before it is created, so a lost state directory, a switch from Starshipit's own Cin7
   * integration or a failed first run cannot duplicate orders.
   */
  existingOrders?: Map<string, number | undefined>;
  /** Customs data per product, once the product cache was refreshed this run. */
  products?: ProductLookup;
  /** The state directory (journal, product cache). */
  stateDir: string;
  emit: (e: EngineEvent) => void;
  /** Time scale relative to the vendors' real windows (1 = real APIs; 0.01 = sandbox at 100×). */
  timeScale: number;
  /** The import starts listing and reading Cin7 sales (its Starshipit listing is done). */
  onImportReading?: () => void;
}

/** Runs in a row a transient failure is retried automatically before it waits for `retry`. */
const MAX_AUTOMATIC_RETRIES = 10;

/**
 * Wait before the next automatic retry of an item that failed transiently `attempts` runs in a
 * row: none after the first failure (the next run retries), then 30 s doubling up to 1 h, in
 * the vendors' real time.
 */
function retryDelayMs(attempts: number, timeScale: number): number {
  if (attempts <= 1) return 0;
  return Math.min(3_600_000, 30_000 * 2 ** (attempts - 2)) * timeScale;
}

/** Fingerprint of the import settings a parked sale depended on: editing them retries it. */
export function importBasis(settings: DearSettings): string {
  return payloadHash(settings.import);
}

/**
 * Whether this run retries a parked item: always under `retry`; when the settings it depended
 * on changed; otherwise only transient failures, once their backoff has passed.
 */
export function isDue(
  item: AttentionState,
  currentBasis: string | undefined,
  retryOnly: boolean,
): boolean {
  if (retryOnly) return true;
  if (item.basis !== undefined && currentBasis !== undefined && item.basis !== currentBasis)
    return true;
  if (!item.retryable) return false;
  return !item.nextAt || Date.parse(item.nextAt) <= Date.now();
}

/** Journal a record durably unless this is a dry run (a dry run writes nothing anywhere). */
export async function record(ctx: RunContext, rec: JournalRecord): Promise<void> {
  if (!ctx.dryRun) await ctx.journal.appendDurable(rec);
}

export async function attention(
  ctx: RunContext,
  item: Omit<AttentionEvent, 'type'> & {
    kind: 'import' | 'writeback';
    key: string;
    saleUpdated?: string;
    /** Fingerprint of the settings the failure depends on (import items: the import settings). */
    basis?: string;
  },
): Promise<void> {
  ctx.counters.needsAttention++;
  const prev = ctx.journal.state.attention.get(item.key);
  const attempts = item.retryable ? (prev?.retryable ? (prev.attempts ?? 1) : 0) + 1 : undefined;
  const gaveUp = attempts !== undefined && attempts > MAX_AUTOMATIC_RETRIES;
  const retryable = item.retryable && !gaveUp;
  const reason = gaveUp
    ? `${item.reason} (failed ${attempts} runs in a row; fix the cause, then run "retry")`
    : item.reason;
  const nextAt =
    retryable && attempts !== undefined
      ? new Date(Date.now() + retryDelayMs(attempts, ctx.timeScale)).toISOString()
      : undefined;
  const basis = item.basis ?? (item.kind === 'import' ? importBasis(ctx.settings) : undefined);
  ctx.emit({
    type: 'attention',
    orderNumber: item.orderNumber,
    saleId: item.saleId,
    taskId: item.taskId,
    code: item.code,
    reason,
    retryable,
  });
  await record(ctx, {
    t: 'attention',
    key: item.key,
    kind: item.kind,
    orderNumber: item.orderNumber,
    saleId: item.saleId,
    taskId: item.taskId,
    code: item.code,
    reason,
    retryable,
    at: new Date().toISOString(),
    ...(item.saleUpdated ? { saleUpdated: item.saleUpdated } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(nextAt ? { nextAt } : {}),
    ...(basis ? { basis } : {}),
  });
}

export async function resolve(ctx: RunContext, key: string): Promise<void> {
  if (ctx.journal.state.attention.has(key)) await record(ctx, { t: 'resolved', key });
}

export const importKey = (orderNumber: string): string => `import:${orderNumber}`;
export const saleKey = (saleId: string): string => `import-sale:${saleId}`;
export const writebackKey = (orderNumber: string): string => `writeback:${orderNumber}`;
export const keepKey = (orderNumber: string): string => `keep:${orderNumber}`;

export function throwIfCancelled(ctx: RunContext): void {
  if (ctx.signal?.aborted) throw new CancelledError();
}

/** The account an order (journal entry) belongs to: absent means the default account. */
export const accountOf = (o: { account?: string }): string => o.account ?? DEFAULT_ACCOUNT;

/** `{ account }` for a journal record of a non-default account; nothing for the default one. */
export const accountFieldOf = (account: string | undefined): { account?: string } =>
  account === undefined || account === DEFAULT_ACCOUNT ? {} : { account };

/** `{ account }` for a journal record of this view's account (nothing for the default one). */
export const accountField = (ctx: RunContext): { account?: string } => accountFieldOf(ctx.account);

/** Starshipit calls of every account so far. */
export const starshipitCallsOf = (ctx: RunContext): number =>
  ctx.accounts.reduce((n, account) => n + account.runner.calls, 0);

const views = new WeakMap<RunContext, Map<string, RunContext>>();

/**
 * The run as seen by one Starshipit account: its own client, runner and listing of existing
 * orders; everything else is the run's. One view per account and run (so the connection
 * check runs once per account).
 */
export function accountView(ctx: RunContext, name: string): RunContext {
  if (ctx.account === name) return ctx;
  let byName = views.get(ctx);
  if (!byName) views.set(ctx, (byName = new Map([[ctx.account, ctx]])));
  const hit = byName.get(name);
  if (hit) return hit;
  const acct = ctx.accounts.find((a) => a.name === name);
  if (!acct)
    throw new Error(
      `Starshipit account "${name}" is not in warehouses.accounts (an order was imported into it); add the account back to reach its orders`,
    );
  // The view inherits from the run (not a copy of it), so what the run sets later, such as the
  // order numbers a reconcile applies or the product cache, is what every account sees.
  const view: RunContext = Object.assign(Object.create(ctx) as RunContext, {
    starshipit: acct.client,
    starshipitRunner: acct.runner,
    account: name,
    existingOrders: undefined,
  });
  byName.set(name, view);
  views.set(view, byName);
  return view;
}
