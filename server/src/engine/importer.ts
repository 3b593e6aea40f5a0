/**
 * Import: Cin7 Core sales → Starshipit orders, exactly once.
 *
 * Listing (fewest Cin7 calls): `saleList` pages of `dear.pageSize` rows from the `UpdatedSince`
 * cursor (minus an overlap). With one selected status the list is filtered by `Status`. With
 * several, page 1 is read unfiltered: if the whole unfiltered list is at most (statuses + 1) pages
 * it is cheaper to read it all and filter here; otherwise one filtered pass per status follows.
 * The cursor's new value is the run's start time (a ceiling fixed before the first page), written
 * only after every listed sale was created, skipped or parked.
 *
 * Each candidate sale costs one detail read. Sales mode skips already-imported sales by order
 * number, and not-imported sales whose row says `CombinedShippingStatus: SHIPPED`, without reading
 * them; fulfilments mode skips sales whose `Updated` stamp is unchanged.
 *
 * Exactly once: no order is created unless Starshipit is known not to hold its number — from a
 * full listing of Starshipit's orders (journaled once it succeeds) or from a lookup by number in
 * this run. An `intent` record is fsynced before each POST /api/orders; a `created` record after
 * it. An intent without `created` (crash, timeout, reset, 5xx after send) is reconciled by
 * looking the order up by order_number before anything is re-sent.
 */
import type { Row, SaleListPage } from './dearClient';
import { ApiCallError, isTransient } from './apiRunner';
import { crashPoint } from './crash';
import { mapSale, type MapResult, type MappedOrder } from './mapping';
import {
  describeStages,
  fulfilmentStage,
  isAdvancedAtOrder,
  listStatuses,
  rowMaySelect,
  saleSelected,
} from './saleStage';
import { payloadHash } from './journal';
import {
  accountField,
  accountOf,
  accountView,
  attention,
  importBasis,
  importKey,
  isDue,
  record,
  resolve,
  saleKey,
  throwIfCancelled,
  type RunContext,
} from './context';
import { sleep, isCancelled } from './sleep';
// Keeping imported orders in step with Cin7 Core: keepInStep.ts decides for sales with imported orders.
import { keepInStep, keepInStepExtraStatuses, keepInStepRow } from './keepInStep';
import { errorMessage } from '../../../protocol/errorMessage';
import { text as str } from './coerce';
import { refreshProducts } from './productCache';
import { routeSale } from './warehouses';
import { DEFAULT_ACCOUNT } from '../../../protocol/settings';

/** Re-read sales updated this long before the cursor (clock skew, late commits on Cin7's side). */
const DEAR_CURSOR_OVERLAP_MS = 5 * 60_000;

export interface ImportOptions {
  /** `retry`: only the needs-attention sales, no listing. */
  retryOnly: boolean;
}

/** What one import run shares between its steps. */
interface ImportRun {
  opts: ImportOptions;
  /** Sales this run dealt with (each at most once). */
  handled: Set<string>;
  /** Sales with a create whose outcome is still unknown (earlier crash or lost answer). */
  intentSales: Set<string>;
  /** Fingerprint of the import settings (a change retries parked sales). */
  basis: string;
  /** The Cin7 cursor's next value: the run's start, fixed before the first page. */
  ceiling: string;
}

export async function runImport(ctx: RunContext, opts: ImportOptions): Promise<void> {
  const run: ImportRun = {
    opts,
    handled: new Set(),
    intentSales: new Set(),
    basis: importBasis(ctx.settings),
    ceiling: new Date().toISOString(),
  };
  for (const order of ctx.journal.state.orders.values())
    if (order.state === 'intent') run.intentSales.add(order.saleId);
  if (!(await loadProducts(ctx))) return;
  for (const account of ctx.accounts) {
    const view = accountView(ctx, account.name);
    const listed =
      account.name === DEFAULT_ACCOUNT
        ? ctx.journal.state.starshipitOrders
        : ctx.journal.state.accountListings.get(account.name);
    view.existingOrders = listed?.orders ?? (await readExistingOrders(view));
  }
  ctx.onImportReading?.();
  const listedAll = opts.retryOnly ? false : await listAndImport(ctx, run);
  await retryParkedSales(ctx, run);
  throwIfCancelled(ctx);
  if (listedAll && !ctx.dryRun && !ctx.onlyOrderNumbers) {
    await resolve(ctx, 'import:list');
    await record(ctx, { t: 'cursor', name: 'dear', value: run.ceiling });
    crashPoint('after-cursor');
  }
}

/**
 * `import.customs.enabled`: brings the product cache up to date before any sale is mapped. When
 * the product list cannot be read nothing is imported this run (an order must not go out without
 * customs data because of an outage); the Cin7 cursor stays where it is.
 */
async function loadProducts(ctx: RunContext): Promise<boolean> {
  if (!ctx.settings.import.customs.enabled) return true;
  try {
    const refreshed = await refreshProducts(ctx.dear, ctx.stateDir, {
      write: !ctx.dryRun,
      beforePage: () => throwIfCancelled(ctx),
    });
    ctx.products = refreshed.lookup;
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `product cache: ${refreshed.listed} product(s) ${refreshed.firstFill ? 'read (first fill)' : 'changed since the last refresh'} in ${refreshed.pages} Cin7 Core call(s); ${refreshed.lookup.size} cached`,
    });
    await resolve(ctx, PRODUCTS_KEY);
    return true;
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    await attention(ctx, {
      kind: 'import',
      key: PRODUCTS_KEY,
      code: 'products-failed',
      reason: `could not refresh the product cache for customs data (nothing imported this run): ${errorMessage(err)}`,
      retryable: true,
    });
    return false;
  }
}

/** Needs-attention key of a failed product refresh. */
const PRODUCTS_KEY = 'import:products';

/**
 * The fingerprint a parked sale is compared against: the import settings, and for an order held
 * for customs data also the product cache's generation (a refresh that changed products retries it).
 */
function currentBasis(ctx: RunContext, run: ImportRun, code: string): string {
  return code === 'customs-missing' ? customsBasis(ctx, run.basis) : run.basis;
}

function customsBasis(ctx: RunContext, basis: string): string {
  return `${basis}:products-${ctx.products?.generation ?? 0}`;
}

/** Lists the sales changed since the cursor and handles each row; true once every page was read. */
async function listAndImport(ctx: RunContext, run: ImportRun): Promise<boolean> {
  const settings = ctx.settings;
  const cursor = ctx.journal.state.cursors.dear;
  const updatedSince = cursor
    ? new Date(Date.parse(cursor) - DEAR_CURSOR_OVERLAP_MS).toISOString()
    : settings.import.since;
  const limit = Math.max(1, Math.min(1000, settings.dear.pageSize));
  const statusList = listStatuses(settings.import.statuses);
  let pages = 0;
  const readPage = async (page: number, status?: string): Promise<SaleListPage> => {
    throwIfCancelled(ctx);
    const answer = await ctx.dear.saleList({
      page,
      limit,
      status,
      updatedSince: updatedSince ? dearDate(updatedSince) : undefined,
    });
    pages++;
    ctx.emit({
      type: 'progress',
      phase: 'list',
      done: pages,
      message: `saleList${status ? ` ${status}` : ''} page ${page}`,
    });
    return answer;
  };
  const pass = (status: string | undefined, first?: SaleListPage): Promise<void> =>
    listingPass(ctx, { limit, readPage, status, first }, (row) => handleRow(ctx, run, row));
  try {
    let filteredPasses = statusList.length === 1;
    if (statusList.length === 1) {
      await pass(statusList[0]);
    } else {
      const first = await readPage(1);
      const unfilteredPages = Math.ceil((first.total ?? first.rows.length) / limit);
      if (unfilteredPages <= statusList.length + 1) await pass(undefined, first);
      else for (const st of statusList) await pass(st);
      filteredPasses ||= unfilteredPages > statusList.length + 1;
    }
    // Filtered passes never list voided/credited sales; keeping in step needs those too.
    if (filteredPasses) for (const st of keepInStepExtraStatuses(ctx, statusList)) await pass(st);
    return true;
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    await attention(ctx, {
      kind: 'import',
      key: 'import:list',
      code: 'list-failed',
      reason: `could not list sales: ${errorMessage(err)}`,
      retryable: true,
    });
    return false;
  }
}

/** One pass over the listing (one status, or all): every page, each row handled. */
async function listingPass(
  ctx: RunContext,
  pass: {
    limit: number;
    readPage: (page: number, status?: string) => Promise<SaleListPage>;
    status: string | undefined;
    first?: SaleListPage;
  },
  handle: (row: Row) => Promise<void>,
): Promise<void> {
  let page = 1;
  let cur = pass.first ?? (await pass.readPage(1, pass.status));
  let seen = 0;
  for (;;) {
    seen += cur.rows.length;
    const more = morePages(cur, seen, pass.limit);
    // The next page is read while this one's sales are processed (no stall at page ends);
    // only the keys of one or two pages are held at a time.
    const next = more ? pass.readPage(page + 1, pass.status) : undefined;
    next?.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    await settleAll(cur.rows.map((r) => guard(ctx, () => handle(r))));
    if (!next) break;
    page++;
    cur = await next;
  }
}

/** One listed sale: keep-in-step, status, already imported, parked, shipped — else it is read. */
async function handleRow(ctx: RunContext, run: ImportRun, row: Row): Promise<void> {
  const settings = ctx.settings;
  const saleId = str(row.SaleID);
  const orderNumber = str(row.OrderNumber);
  if (!saleId || run.handled.has(saleId)) return;
  if (ctx.onlyOrderNumbers && !wanted(ctx.onlyOrderNumbers, orderNumber, settings.import.source))
    return;
  run.handled.add(saleId);
  // Keeping in step: re-read a sale with imported orders only when its Updated stamp moved;
  // a voided/credited sale with nothing to do is skipped without a detail read.
  const keep = keepInStepRow(ctx, row);
  if (keep === 'read') return processSale(ctx, saleId, row);
  // A filtered pass may list sales of a status only needed for Advanced sales (listStatuses).
  if (keep === 'cancelled' || !rowMaySelect(row, settings.import.statuses)) {
    if (run.intentSales.has(saleId)) await settleIntents(ctx, saleId, new Set()); // an earlier create with an unknown outcome
    const status = str(row.Status) || (keep === 'cancelled' ? '' : '(none)');
    skip(ctx, {
      orderNumber,
      saleId,
      code: 'status-not-selected',
      reason: `status ${status} is not in import.statuses`,
    });
    return;
  }
  if (alreadyImported(ctx, row) || waitsParked(ctx, run, row)) return;
  // Sales mode: a sale the list row already shows as shipped in full, with nothing imported from
  // it by us (an imported one took the keep-in-step path above), has nothing to import: skipped
  // without its detail read, exactly as the mapping would after reading it.
  if (
    settings.import.source === 'sales' &&
    str(row.CombinedShippingStatus) === 'SHIPPED' &&
    str(row.Status) !== 'VOIDED'
  ) {
    if (run.intentSales.has(saleId)) await settleIntents(ctx, saleId, new Set()); // an earlier create with an unknown outcome
    await resolve(ctx, saleKey(saleId)); // an earlier failed detail read no longer matters
    skip(ctx, {
      orderNumber,
      saleId,
      code: 'already-shipped',
      reason: 'every fulfilment of the sale is already shipped in Cin7 Core',
    });
    return;
  }
  await processSale(ctx, saleId, row);
}

/** Skips (and reports) a row whose orders the journal shows as imported and unchanged. */
function alreadyImported(ctx: RunContext, row: Row): boolean {
  const saleId = str(row.SaleID);
  const orderNumber = str(row.OrderNumber);
  if (ctx.settings.import.source === 'sales') {
    const order = ctx.journal.state.orders.get(orderNumber);
    if (order?.state !== 'created') return false;
    skip(ctx, {
      orderNumber,
      saleId,
      code: 'already-imported',
      reason: `already imported${order.orderId ? ` as Starshipit order ${order.orderId}` : ''}`,
    });
    return true;
  }
  if (!str(row.Updated) || ctx.journal.state.seen.get(saleId) !== str(row.Updated)) return false;
  skip(ctx, {
    orderNumber,
    saleId,
    code: 'already-imported',
    reason: 'unchanged since its fulfilments were imported',
  });
  return true;
}

/** Skips (and reports) a row parked earlier that is not due again yet. */
function waitsParked(ctx: RunContext, run: ImportRun, row: Row): boolean {
  const saleId = str(row.SaleID);
  const updated = str(row.Updated);
  for (const item of ctx.journal.state.attention.values()) {
    if (item.kind !== 'import' || item.saleId !== saleId) continue;
    if (isDue(item, currentBasis(ctx, run, item.code), run.opts.retryOnly)) continue;
    const orderNumber = item.orderNumber ?? str(row.OrderNumber);
    // A data rejection waits for the sale (or, for customs data, its products) to change; a
    // transient failure for its backoff.
    if (!item.retryable && updated && item.saleUpdated === updated) {
      const fix =
        item.code === 'customs-missing'
          ? 'add the customs data to its products in Cin7 Core'
          : 'fix the sale in Cin7 Core';
      skip(ctx, {
        orderNumber,
        saleId,
        code: 'needs-attention',
        reason: `unchanged since it was parked (${item.code}); ${fix} or run "retry"`,
      });
      return true;
    }
    if (item.retryable && (!item.saleUpdated || item.saleUpdated === updated)) {
      skip(ctx, {
        orderNumber,
        saleId,
        code: 'needs-attention',
        reason: `parked (${item.code}); retried automatically from ${item.nextAt ?? 'the next run'}`,
      });
      return true;
    }
  }
  return false;
}

/**
 * Needs-attention sales that are due (all in `retry`; otherwise transient failures past their
 * backoff and those whose import settings changed) and intents whose outcome is still unknown
 * from an earlier run.
 */
async function retryParkedSales(ctx: RunContext, run: ImportRun): Promise<void> {
  const source = ctx.settings.import.source;
  const again = new Map<string, Row>();
  for (const item of ctx.journal.state.attention.values()) {
    if (item.kind !== 'import' || !item.saleId || run.handled.has(item.saleId)) continue;
    if (!isDue(item, currentBasis(ctx, run, item.code), run.opts.retryOnly)) continue;
    if (ctx.onlyOrderNumbers && item.orderNumber && !ctx.onlyOrderNumbers.has(item.orderNumber))
      continue;
    again.set(item.saleId, {
      SaleID: item.saleId,
      OrderNumber: baseOrderNumber(item.orderNumber ?? '', source),
    });
  }
  for (const order of ctx.journal.state.orders.values()) {
    if (order.state !== 'intent' || run.handled.has(order.saleId)) continue;
    // An intent parked after its lookup found nothing waits like any parked order; an intent
    // left by a crash is reconciled now.
    const parked = ctx.journal.state.attention.get(importKey(order.orderNumber));
    if (parked && !isDue(parked, currentBasis(ctx, run, parked.code), run.opts.retryOnly)) continue;
    again.set(order.saleId, {
      SaleID: order.saleId,
      OrderNumber: baseOrderNumber(order.orderNumber, source),
    });
  }
  if (run.opts.retryOnly && ctx.journal.state.attention.has('import:list'))
    await resolve(ctx, 'import:list');
  await settleAll(
    [...again.entries()].map(([saleId, row]) =>
      guard(ctx, async () => {
        run.handled.add(saleId);
        await processSale(ctx, saleId, row);
      }),
    ),
  );
}

/**
 * Until one full listing of Starshipit's orders succeeded on this state directory: the order
 * numbers Starshipit already holds, journaled so later runs know them too. 250 orders per call
 * (unshipped and shipped lists) instead of one lookup per sale. If listing fails, each order is
 * looked up by number before it is created, and the next run lists again.
 */
async function readExistingOrders(
  ctx: RunContext,
): Promise<Map<string, number | undefined> | undefined> {
  const known = new Map<string, number | undefined>();
  try {
    for (const kind of ['unshipped', 'shipped'] as const) {
      for (let page = 1; ; page++) {
        throwIfCancelled(ctx);
        const listed = await ctx.starshipit.list(kind, {
          since: '2000-01-01T00:00:00Z',
          page,
          limit: 250,
        });
        for (const order of listed.orders) {
          const orderNumber = str(order.order_number);
          if (orderNumber)
            known.set(orderNumber, typeof order.order_id === 'number' ? order.order_id : undefined);
        }
        if (page >= listed.totalPages || listed.orders.length < 250) break;
      }
    }
    await record(ctx, {
      t: 'starshipit-orders',
      at: new Date().toISOString(),
      orders: Object.fromEntries([...known].map(([n, id]) => [n, id ?? null])),
      ...accountField(ctx),
    });
    return known;
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `could not list existing Starshipit orders (${errorMessage(err)}); each order is looked up before it is created instead`,
    });
    return undefined;
  }
}

/**
 * Imports these listed sales through the same exactly-once path as a run (detail read, mapping,
 * intent before each create, lookup by order number first), without listing or moving the cursor.
 * Starshipit is not assumed to be listed in full: every order is looked up before it is created.
 */
export async function importSales(ctx: RunContext, rows: Row[]): Promise<void> {
  // Customs data comes from the product cache, as in a run: without it nothing is imported.
  if (!(await loadProducts(ctx))) return;
  ctx.existingOrders = undefined;
  await settleAll(rows.map((row) => guard(ctx, () => processSale(ctx, str(row.SaleID), row))));
}

function wanted(only: Set<string>, orderNumber: string, source: 'sales' | 'fulfilments'): boolean {
  if (source === 'sales') return only.has(orderNumber);
  for (const o of only) if (o.startsWith(`${orderNumber}-F`) || o === orderNumber) return true;
  return false;
}

function baseOrderNumber(orderNumber: string, source: 'sales' | 'fulfilments'): string {
  return source === 'fulfilments' ? orderNumber.replace(/-F\d+$/, '') : orderNumber;
}

/**
 * Whether another `saleList` page follows. `Total` decides, not a short page: a server may
 * answer fewer rows than `Limit` asked for (a silent cap), and stopping on the first short page
 * would hide every sale after it. Without `Total`, a full page means there may be more.
 */
export function morePages(page: SaleListPage, seen: number, limit: number): boolean {
  if (page.rows.length === 0) return false;
  if (page.total === undefined) return page.rows.length >= limit;
  return seen < page.total;
}

/** Cin7 `UpdatedSince` in its documented form `yyyy-MM-ddTHH:mm:ss` (UTC). */
function dearDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 19);
}

/**
 * Waits for every flow to finish before passing on the first failure (cancellation), so no flow
 * is still writing to the journal when the run tears down.
 */
async function settleAll(flows: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(flows);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One sale's failure never stops the run; cancellation does. */
async function guard(ctx: RunContext, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    ctx.emit({
      type: 'log',
      level: 'error',
      message: errorMessage(err),
    });
    ctx.counters.needsAttention++;
  }
}

function skip(
  ctx: RunContext,
  skipped: { orderNumber: string; saleId?: string; code: string; reason: string },
): void {
  ctx.counters.skipped++;
  ctx.emit({ type: 'skip', ...skipped });
}

/** The sale's detail, or undefined when it could not be read (then parked with the reason). */
async function readSaleDetail(ctx: RunContext, saleId: string, row: Row): Promise<Row | undefined> {
  try {
    const sale = await ctx.dear.sale(saleId);
    ctx.counters.detailsRead++;
    ctx.emit({ type: 'progress', phase: 'detail', done: ctx.counters.detailsRead });
    await resolve(ctx, saleKey(saleId));
    return sale;
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    const transient = isTransient(err);
    await attention(ctx, {
      kind: 'import',
      key: saleKey(saleId),
      saleId,
      orderNumber: str(row.OrderNumber) || undefined,
      code: transient ? 'sale-read-unavailable' : 'sale-read-failed',
      reason: errorMessage(err),
      retryable: transient,
    });
    return undefined;
  }
}

/** A sale with nothing to import any more: its parked items and unknown creates are closed. */
async function leaveSale(
  ctx: RunContext,
  saleId: string,
  problem: { orderNumber: string; code: string; reason: string },
): Promise<void> {
  for (const item of [...ctx.journal.state.attention.values()])
    if (item.kind === 'import' && item.saleId === saleId) await resolve(ctx, item.key);
  await settleIntents(ctx, saleId, new Set());
  skip(ctx, { saleId, ...problem });
}

/** Reports the mapping's skips and parks its problems. */
async function fileSkipsAndProblems(
  ctx: RunContext,
  saleId: string,
  row: Row,
  mapped: MapResult,
): Promise<void> {
  for (const skipped of mapped.skips) {
    const existing = ctx.journal.state.orders.get(skipped.orderNumber);
    skip(
      ctx,
      existing?.state === 'created'
        ? { ...skipped, code: 'already-imported', reason: 'already imported' }
        : skipped,
    );
  }
  for (const problem of mapped.problems) {
    await attention(ctx, {
      kind: 'import',
      key: importKey(problem.orderNumber || saleId),
      orderNumber: problem.orderNumber || undefined,
      saleId,
      taskId: problem.taskId,
      code: problem.code,
      reason: `sale ${problem.orderNumber || saleId}: ${problem.reason}`,
      retryable: false,
      saleUpdated: str(row.Updated) || undefined,
      ...(problem.code === 'customs-missing'
        ? { basis: customsBasis(ctx, importBasis(ctx.settings)) }
        : {}),
    });
  }
}

/** Creates each mapped order in the sale's account; true when none was parked. */
async function createMapped(
  target: RunContext,
  saleId: string,
  row: Row,
  orders: MappedOrder[],
): Promise<boolean> {
  let allSettled = true;
  const attempted = new Set<string>();
  for (const order of orders) {
    const only = target.onlyOrderNumbers;
    if (only && !only.has(order.orderNumber) && !only.has(str(row.OrderNumber))) {
      // Left for a later run: the sale is not settled, so it is not recorded as seen.
      allSettled = false;
      continue;
    }
    attempted.add(order.orderNumber);
    if (!(await createOnce(target, order, str(row.Updated) || undefined))) allSettled = false;
  }
  await settleIntents(target, saleId, attempted);
  return allSettled;
}

/** One candidate sale: read, kept in step, status and location checked, mapped, created. */
async function processSale(ctx: RunContext, saleId: string, row: Row): Promise<void> {
  const settings = ctx.settings;
  const sale = await readSaleDetail(ctx, saleId, row);
  if (!sale) return;
  // Orders already imported from this sale are compared, updated or withdrawn by keepInStep.
  const kept = await keepInStep(ctx, sale, row);
  if (kept.saleDone) return;
  const status = str(sale.Status) || str(row.Status);
  const withStatus = { ...sale, Status: status };
  const orderNumber = str(row.OrderNumber);
  // The list row was stale, or a parked sale moved on: nothing to import any more.
  if (status && !saleSelected(withStatus, settings.import.statuses))
    return leaveSale(ctx, saleId, {
      orderNumber,
      code: 'status-not-selected',
      reason: `${describeStages(withStatus)}: not in import.statuses`,
    });
  const route = routeSale(settings.warehouses, sale);
  if ('skip' in route) return leaveSale(ctx, saleId, { orderNumber, ...route.skip });
  const mapped = mapSale(sale, row, settings, { products: ctx.products });
  if (settings.import.source === 'fulfilments') skipUnselectedFulfilments(ctx, withStatus, mapped);
  if (kept.handled.size) {
    // already dealt with by keepInStep, not reported twice
    mapped.orders = mapped.orders.filter((m) => !kept.handled.has(m.orderNumber));
    mapped.skips = mapped.skips.filter((k) => !kept.handled.has(k.orderNumber));
  }
  await fileSkipsAndProblems(ctx, saleId, row, mapped);
  const created = await createMapped(accountView(ctx, route.account), saleId, row, mapped.orders);
  const allSettled = created && mapped.problems.length === 0;
  if (
    settings.import.source === 'fulfilments' &&
    allSettled &&
    str(sale.LastModifiedOn ?? row.Updated)
  ) {
    const updated = str(row.Updated);
    if (updated) await record(ctx, { t: 'seen', saleId, updated });
  }
}

/**
 * Fulfilments mode, Advanced sale at the order stage: a fulfilment whose own stage is not in
 * `import.statuses` (and that was not imported before) waits, like a simple sale in that status.
 */
function skipUnselectedFulfilments(ctx: RunContext, sale: Row, mapped: MapResult): void {
  if (!isAdvancedAtOrder(sale)) return;
  const selected: readonly string[] = ctx.settings.import.statuses;
  const fulfilments = Array.isArray(sale.Fulfilments) ? (sale.Fulfilments as Row[]) : [];
  mapped.orders = mapped.orders.filter((order) => {
    const fulfilment = fulfilments.find((x) => str(x.TaskID) === order.taskId);
    if (!fulfilment || ctx.journal.state.orders.get(order.orderNumber)?.state === 'created')
      return true;
    const stage = fulfilmentStage(fulfilment, str(sale.Status));
    if (selected.includes(stage)) return true;
    mapped.skips.push({
      orderNumber: order.orderNumber,
      saleId: order.saleId,
      code: 'status-not-selected',
      reason: `fulfilment ${str(fulfilment.FulfillmentNumber)} of this Advanced sale is at stage ${stage}: not in import.statuses`,
    });
    return false;
  });
}

/**
 * Intents of this sale that this run will not send again (the sale was voided, shipped, or left
 * `import.statuses` after a create whose outcome was unknown): look each up once — found means it
 * was created; not found means it never will be, so the intent is closed.
 */
async function settleIntents(
  ctx: RunContext,
  saleId: string,
  attempted: Set<string>,
): Promise<void> {
  if (ctx.dryRun) return;
  const open = [...ctx.journal.state.orders.values()].filter(
    (o) => o.saleId === saleId && o.state === 'intent' && !attempted.has(o.orderNumber),
  );
  for (const order of open) {
    try {
      const found = await accountView(ctx, accountOf(order)).starshipit.findOrder(
        order.orderNumber,
      );
      if (found) {
        await record(ctx, {
          t: 'created',
          orderNumber: order.orderNumber,
          saleId,
          taskId: order.taskId,
          orderId: typeof found.order_id === 'number' ? found.order_id : undefined,
          outcome: 'alreadyPresent',
          at: new Date().toISOString(),
          ...(order.account ? { account: order.account } : {}),
        });
        ctx.counters.alreadyPresent++;
      } else {
        await record(ctx, {
          t: 'create-failed',
          orderNumber: order.orderNumber,
          at: new Date().toISOString(),
        });
      }
    } catch (err) {
      if (isCancelled(err) || ctx.signal?.aborted) throw err;
      // Still unknown: the intent stays and is looked at again on the next run.
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `${order.orderNumber}: could not check an earlier create: ${errorMessage(err)}`,
      });
    }
  }
}

/** Creates the Starshipit order for `order` exactly once. Returns false when it is parked. */
async function createOnce(
  ctx: RunContext,
  order: MappedOrder,
  saleUpdated: string | undefined,
): Promise<boolean> {
  const existing = ctx.journal.state.orders.get(order.orderNumber);
  if (existing?.state === 'created') {
    skip(ctx, {
      orderNumber: order.orderNumber,
      saleId: order.saleId,
      code: 'already-imported',
      reason: `already imported${existing.orderId ? ` as Starshipit order ${existing.orderId}` : ''}`,
    });
    return true;
  }
  const call: CreateCall = { ctx, order, saleUpdated };
  try {
    // Created only when absence is established: by a full listing (this run's or the journal's)
    // or by a lookup just now; an earlier create with an unknown outcome is always looked up.
    const preexisting = !existing && ctx.existingOrders?.has(order.orderNumber) === true;
    const lookFirst = existing?.state === 'intent' || (!existing && !ctx.existingOrders);
    if (ctx.dryRun) return await planCreate(call, preexisting, lookFirst);
    return await createLive(call, preexisting, lookFirst);
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    return await park(call, 'starshipit-unavailable', errorMessage(err), true);
  }
}

/** One order's create: what its steps share. */
interface CreateCall {
  ctx: RunContext;
  order: MappedOrder;
  saleUpdated: string | undefined;
}

function orderEvent(
  call: CreateCall,
  outcome?: 'created' | 'alreadyPresent',
  orderId?: number,
): void {
  const { ctx, order } = call;
  ctx.emit({
    type: 'order',
    orderNumber: order.orderNumber,
    // Named when the settings have more than one Starshipit account.
    ...(ctx.accounts.length > 1 ? { account: ctx.account } : {}),
    source: { saleId: order.saleId, ...(order.taskId ? { taskId: order.taskId } : {}) },
    starshipit: order.payload,
    dryRun: ctx.dryRun,
    ...(order.warnings.length ? { warnings: order.warnings } : {}),
    ...(outcome ? { outcome } : {}),
    ...(orderId !== undefined ? { starshipitOrderId: orderId } : {}),
  });
}

/** Journals the order as existing in Starshipit (created by us, or found there). */
async function markCreated(
  call: CreateCall,
  outcome: 'created' | 'alreadyPresent',
  found: Row,
): Promise<void> {
  const { ctx, order } = call;
  const orderId = typeof found.order_id === 'number' ? found.order_id : undefined;
  await record(ctx, {
    t: 'created',
    orderNumber: order.orderNumber,
    saleId: order.saleId,
    taskId: order.taskId,
    orderId,
    outcome,
    boxes: order.boxes,
    packAuthorised: order.packAuthorised,
    at: new Date().toISOString(),
    payloadHash: payloadHash(order.payload),
    ...(call.saleUpdated ? { saleUpdated: call.saleUpdated } : {}),
    payload: order.payload /* keep-in-step: last payload sent */,
    ...accountField(ctx),
  });
  if (outcome === 'created') crashPoint('after-journal-created');
  if (outcome === 'created') ctx.counters.created++;
  else ctx.counters.alreadyPresent++;
  ctx.emit({
    type: 'progress',
    phase: 'create',
    done: ctx.counters.created + ctx.counters.alreadyPresent,
  });
  await resolve(ctx, importKey(order.orderNumber));
  await resolve(ctx, saleKey(order.saleId));
  orderEvent(call, outcome, orderId);
}

async function park(
  call: CreateCall,
  code: string,
  reason: string,
  retryable: boolean,
): Promise<false> {
  const { ctx, order } = call;
  await attention(ctx, {
    kind: 'import',
    key: importKey(order.orderNumber),
    orderNumber: order.orderNumber,
    saleId: order.saleId,
    taskId: order.taskId,
    code,
    reason: `${order.orderNumber}: ${reason}`,
    retryable,
    saleUpdated: call.saleUpdated,
  });
  return false;
}

/** Dry run: what the live run would do, with the same look-ups and no writes. */
async function planCreate(
  call: CreateCall,
  preexisting: boolean,
  lookFirst: boolean,
): Promise<true> {
  const { ctx, order } = call;
  const present =
    preexisting || (lookFirst && !!(await ctx.starshipit.findOrder(order.orderNumber)));
  if (present) {
    skip(ctx, {
      orderNumber: order.orderNumber,
      saleId: order.saleId,
      code: 'already-in-starshipit',
      reason:
        'Starshipit already has an order with this number; the live run records it without creating another',
    });
    return true;
  }
  ctx.counters.created++;
  orderEvent(call);
  return true;
}

/** Live run: record a known order, or journal the intent and send the create. */
async function createLive(
  call: CreateCall,
  preexisting: boolean,
  lookFirst: boolean,
): Promise<boolean> {
  const { ctx, order } = call;
  if (preexisting) {
    await markCreated(call, 'alreadyPresent', {
      order_id: ctx.existingOrders?.get(order.orderNumber),
    });
    return true;
  }
  if (lookFirst) {
    const found = await ctx.starshipit.findOrder(order.orderNumber);
    if (found) {
      await markCreated(call, 'alreadyPresent', found);
      return true;
    }
  }
  crashPoint('before-journal-intent');
  await record(ctx, {
    t: 'intent',
    orderNumber: order.orderNumber,
    saleId: order.saleId,
    taskId: order.taskId,
    at: new Date().toISOString(),
    ...accountField(ctx),
  });
  crashPoint('after-journal-intent');
  return sendCreate(call);
}

/**
 * POST /api/orders until the outcome is known: created, refused (the intent is voided), or
 * unknown — then looked up by order number before anything is sent again.
 */
async function sendCreate(call: CreateCall): Promise<boolean> {
  const { ctx, order } = call;
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(ctx);
    try {
      const created = await ctx.starshipit.createOrder(order.payload);
      crashPoint('after-starshipit-create');
      await markCreated(call, 'created', created);
      return true;
    } catch (err) {
      if (!(err instanceof ApiCallError)) throw err;
      if (err.failure === 'permanent' && !/already exists|duplicate/i.test(err.detail)) {
        // Refused before anything was applied: void the intent. Refused credentials are
        // retried by later runs; a validation error is parked with Starshipit's words.
        await record(ctx, {
          t: 'create-failed',
          orderNumber: order.orderNumber,
          at: new Date().toISOString(),
        });
        if (isTransient(err)) return await park(call, 'starshipit-unavailable', err.message, true);
        return await park(call, 'starshipit-rejected', err.message, false);
      }
      if (err.failure === 'exhausted')
        return await park(call, 'starshipit-unavailable', err.message, true);
      // Unknown outcome (or "already exists"): look before re-sending.
      const found = await ctx.starshipit.findOrder(order.orderNumber);
      if (found) {
        await markCreated(call, 'alreadyPresent', found);
        return true;
      }
      if (err.failure === 'permanent')
        return await park(call, 'starshipit-rejected', err.message, false);
      if (attempt >= ctx.settings.engine.maxRetries)
        return await park(
          call,
          'starshipit-unavailable',
          `${err.message} (outcome unknown; not found by order number; gave up after ${attempt + 1} attempts)`,
          true,
        );
      ctx.emit({
        type: 'retry',
        api: 'starshipit',
        attempt: attempt + 1,
        waitMs: 0,
        reason: `${order.orderNumber}: ${err.message}; not found by order number, sending again`,
      });
      await sleep(0, ctx.signal);
    }
  }
}
