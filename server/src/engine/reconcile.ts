/**
 * `reconcile`: compares, for a period, the Cin7 Core sales in `import.statuses`, the Starshipit
 * orders and the journal, and reports where they disagree. With `apply` it makes only the safe
 * fixes, each through the path a run uses (so each happens exactly once): missing sales are
 * imported by the importer, missing tracking is written back by the writeback, and an order that
 * Starshipit holds for one of our sales but the journal lost is recorded. Nothing is deleted.
 *
 * Reads, cheapest first: Starshipit's unshipped, shipped and printed listings (250 rows a call);
 * Cin7's `saleList` unfiltered from the period's start (up to 1000 rows a call; its
 * `CombinedTrackingNumbers` confirms written tracking without a detail read). Detail reads only
 * where a list cannot settle it: a sale's fulfilments when its row does not show a label's
 * tracking or (fulfilments mode) when only some of its fulfilments may have an order, a sale's
 * detail for an Advanced sale at the order stage that has no order, and a
 * Starshipit order by number or id (cheap) to confirm an absence or read every parcel.
 */
import type { EngineEvent } from '../../../protocol/events';
import type {
  ReconcileEvent,
  ReconcileFinding,
  ReconcileSection,
  ReconcileSummary,
} from '../../../protocol/reconcile';
import type { RunOptions } from './index';
import type { Row } from './dearClient';
import type { RunContext } from './context';
import {
  accountFieldOf,
  accountOf,
  accountView,
  record,
  starshipitCallsOf,
  throwIfCancelled,
} from './context';
import { routeSale } from './warehouses';
import { estimateSeconds, openRun } from './runner';
import { checkApi, checkStarshipitAccounts } from './preflight';
import { importSales, morePages } from './importer';
import { runWriteback } from './writeback';
import { fulfilmentOrderNumber } from './mapping';
import { fulfilmentStage, isAdvancedAtOrder, rowMaySelect, saleSelected } from './saleStage';
import { stageOf } from './wire/cin7';
import {
  labelDate,
  packageTracking,
  readShipmentRow,
  readShippedRow,
  type StarshipitOrder,
} from './wire/starshipit';
import { isCancelled } from './sleep';
import { text, trimmedText } from './coerce';
import type { OrderState, Tracking } from './journal';

export interface ReconcileOptions extends Omit<
  RunOptions,
  'mode' | 'dryRun' | 'onEvent' | 'onlyOrderNumbers'
> {
  /** Start of the period (ISO date or date-time); default `import.since`, else 30 days ago. */
  since?: string;
  /** Make the safe fixes; without it nothing is written anywhere. */
  apply: boolean;
  onEvent: (e: EngineEvent | ReconcileEvent) => void;
}

/** Days back the period starts when no `since` is given. */
const DEFAULT_RECONCILE_DAYS = 30;

const PAGE = 250;
const LABELLED = new Set(['printed', 'shipped', 'delivered', 'dispatched']);
const DISPATCHED = new Set(['shipped', 'delivered', 'dispatched']);
const NOT_LIVE = new Set(['VOIDED', 'CREDITED']);

/** One Starshipit order as the listings show it (merged across the lists by order id). */
interface ListedOrder {
  /** The Starshipit account that holds it (`warehouses.accounts`; `default` otherwise). */
  account: string;
  orderId?: number;
  orderNumber: string;
  status: string;
  carrier: string;
  tracking: Tracking[];
  labelled: boolean;
  /** The rows carried every parcel, status and carrier code (a full order). */
  complete: boolean;
  labelDate?: string;
}

/** What the comparison works from. */
interface Views {
  /** Order number → the Starshipit orders listed with it. */
  orders: Map<string, ListedOrder[]>;
  /** Cin7 sales listed for the period, by order number. */
  sales: Map<string, Row>;
  /** Rows a list answered that the engine cannot interpret (reported, never skipped silently). */
  unreadable: ReconcileFinding[];
  /** Cin7 detail reads, each sale's once for the whole run. */
  reads: SaleReads;
}

/**
 * Cin7 Core detail reads shared by every check of one run: several checks (a missing fulfilment,
 * a label's tracking, an adopted order's TaskID) may need the same sale.
 */
interface SaleReads {
  sale(saleId: string): Promise<Row>;
  fulfilments(saleId: string): Promise<Row[]>;
}

function saleReads(ctx: RunContext): SaleReads {
  const sales = new Map<string, Promise<Row>>();
  const fulfilments = new Map<string, Promise<Row[]>>();
  const once = <T>(
    cache: Map<string, Promise<T>>,
    saleId: string,
    read: () => Promise<T>,
  ): Promise<T> => {
    let pending = cache.get(saleId);
    if (!pending) {
      pending = read();
      cache.set(saleId, pending);
    }
    return pending;
  };
  return {
    sale: (saleId) => once(sales, saleId, () => ctx.dear.sale(saleId)),
    fulfilments: (saleId) => once(fulfilments, saleId, () => ctx.dear.fulfilments(saleId)),
  };
}

/** A label to write back, learnt while checking tracking. */
interface Label {
  carrier: string;
  tracking: Tracking[];
  labelDate?: string;
}

interface Found {
  finding: ReconcileFinding;
  /** `import`: the sale row to import; `writeback`: the label; `adopt`: the order id. */
  row?: Row;
  label?: Label;
  orderId?: number;
  /** `adopt`: the Starshipit account holding the order. */
  account?: string;
}

/** Starshipit order ids of listed orders. */
function idsOf(list: ListedOrder[]): number[] {
  return list.map((x) => x.orderId).filter((id): id is number => id !== undefined);
}

/** Every Starshipit account of the run, the default one first. */
function allAccounts(ctx: RunContext): string[] {
  return ctx.accounts.map((account) => account.name);
}

export async function runReconcileImpl(options: ReconcileOptions): Promise<ReconcileSummary> {
  const since = periodStart(options.since ?? (options.settings.import.since || undefined));
  const emitAny = options.onEvent;
  const run = openRun({
    ...options,
    mode: 'sync',
    dryRun: !options.apply,
    onEvent: (e) => emitAny(e),
  });
  const { ctx } = run;
  let cancelled = false;
  const found: Found[] = [];
  let views: Views | undefined;
  try {
    try {
      await checkStarshipitAccounts(ctx);
      await checkApi(ctx, 'dear');
      views = await readViews(ctx, since, (e) => emitAny(e));
      found.push(...(await compare(ctx, views, since)));
      for (const item of found) emitAny(item.finding);
      if (options.apply) await applyFixes(ctx, views, found);
    } catch (err) {
      if (!isCancelled(err) && !options.signal?.aborted) throw err;
      cancelled = true;
    }
    const findings = found.map((f) => f.finding);
    const summary: ReconcileSummary = {
      type: 'reconcile',
      since,
      apply: options.apply,
      checked: {
        sales: views?.sales.size ?? 0,
        orders: views ? [...views.orders.values()].reduce((n, list) => n + list.length, 0) : 0,
        journal: ctx.journal.state.orders.size,
      },
      counts: countSections(findings),
      fixable: findings.filter((f) => f.fix).length,
      fixed: findings.filter((f) => f.outcome === 'fixed').length,
      failed: findings.filter((f) => f.outcome === 'failed').length,
      calls: { dear: run.dearRunner.calls, starshipit: starshipitCallsOf(ctx) },
      findings,
      ...(cancelled ? { cancelled: true } : {}),
    };
    if (options.apply) await ctx.journal.drain();
    emitAny(summary);
    return summary;
  } finally {
    await run.close();
  }
}

/** `since` as an ISO date-time; a bare date means its start (UTC). */
export function periodStart(since: string | undefined, now = Date.now()): string {
  if (!since) return new Date(now - DEFAULT_RECONCILE_DAYS * 86_400_000).toISOString();
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00Z` : since);
  if (Number.isNaN(ms)) throw new Error(`--since "${since}" is not a date (e.g. 2026-11-01)`);
  return new Date(ms).toISOString();
}

function countSections(findings: ReconcileFinding[]): Record<ReconcileSection, number> {
  const counts = { missing: 0, duplicates: 0, tracking: 0, unexplained: 0, journal: 0 };
  for (const f of findings) counts[f.section]++;
  return counts;
}

// ---- reading both sides ------------------------------------------------------------------

async function readViews(
  ctx: RunContext,
  since: string,
  emit: (e: ReconcileEvent) => void,
): Promise<Views> {
  const views: Views = {
    orders: new Map(),
    sales: new Map(),
    unreadable: [],
    reads: saleReads(ctx),
  };
  await readStarshipit(ctx, since, views);
  const limit = Math.max(1, Math.min(1000, ctx.settings.dear.pageSize));
  const updatedSince = since.slice(0, 19);
  const first = await ctx.dear.saleList({ page: 1, limit, updatedSince });
  const pages = Math.max(1, Math.ceil((first.total ?? first.rows.length) / limit));
  const labelled = [...views.orders.values()].flat().filter((x) => x.labelled).length;
  emit({
    type: 'estimate',
    since,
    dearCalls: { listPages: pages - 1, detailsAtMost: labelled + salesWithOrders(ctx, views) },
    starshipitCalls: starshipitCallsOf(ctx),
    seconds: estimateSeconds(
      pages - 1 + labelled,
      ctx.settings.dear.rateLimit,
      0.3,
      ctx.settings.engine.concurrency,
    ),
  });
  let page = first;
  let seen = 0;
  for (let pageNumber = 1; ; pageNumber++) {
    for (const row of page.rows) {
      const number = text(row.OrderNumber);
      if (number) views.sales.set(number, row);
    }
    seen += page.rows.length;
    ctx.emit({ type: 'progress', phase: 'list', done: pageNumber, total: pages });
    if (!morePages(page, seen, limit)) break;
    throwIfCancelled(ctx);
    page = await ctx.dear.saleList({ page: pageNumber + 1, limit, updatedSince });
  }
  return views;
}

/**
 * Fulfilments mode: the sales with an order listed or journaled, whose fulfilments may be read to
 * find one without an order (none in sales mode).
 */
function salesWithOrders(ctx: RunContext, views: Views): number {
  if (ctx.settings.import.source !== 'fulfilments') return 0;
  const numbers = [...views.orders.keys(), ...ctx.journal.state.orders.keys()];
  return new Set(numbers.map((n) => saleNumberOf(ctx, n))).size;
}

/** Every Starshipit account's listings (each through its own limiter). */
async function readStarshipit(ctx: RunContext, since: string, views: Views): Promise<void> {
  const byId = new Map<string, ListedOrder>();
  const add = (order: ListedOrder): void => {
    const key = `${order.account}:${order.orderId}`;
    const same =
      order.orderId !== undefined
        ? byId.get(key)
        : views.orders
            .get(order.orderNumber)
            ?.find((x) => x.orderId === undefined && x.account === order.account);
    if (same) return mergeInto(same, order);
    if (order.orderId !== undefined) byId.set(key, order);
    const list = views.orders.get(order.orderNumber) ?? [];
    list.push(order);
    views.orders.set(order.orderNumber, list);
  };
  for (const account of ctx.accounts)
    await readAccount(accountView(ctx, account.name), since, views, add);
}

async function readAccount(
  ctx: RunContext,
  since: string,
  views: Views,
  add: (o: ListedOrder) => void,
): Promise<void> {
  const account = ctx.account;
  const unshipped = await eachPage(ctx, async (page) => {
    const r = await ctx.starshipit.list('unshipped', { since, page, limit: PAGE });
    return { rows: r.orders, totalPages: r.totalPages };
  });
  for (const raw of unshipped) listRow(raw, 'unshipped', account, add, views);
  const shipped = await eachPage(ctx, (page) =>
    ctx.starshipit.shippedRows({ since, page, limit: PAGE }),
  );
  for (const raw of shipped) listRow(raw, 'shipped', account, add, views);
  const printed = await eachPage(ctx, (page) =>
    ctx.starshipit.printedRows({ since, page, limit: PAGE }),
  );
  for (const raw of printed) {
    const row = readShipmentRow(raw);
    if (!row.ok) {
      views.unreadable.push(unreadableFinding('GET /api/orders/shipments', row));
      continue;
    }
    add({
      account,
      orderId: row.orderId,
      orderNumber: row.orderNumber,
      status: 'Printed',
      carrier: '',
      tracking: row.trackingNumbers.map((number) => ({ number })),
      labelled: true,
      complete: false,
      labelDate: row.date,
    });
  }
}

function listRow(
  raw: unknown,
  kind: 'unshipped' | 'shipped',
  account: string,
  add: (o: ListedOrder) => void,
  views: Views,
): void {
  const row = readShippedRow(raw);
  if (row.form === 'unreadable') {
    views.unreadable.push(unreadableFinding(`GET /api/orders/${kind}`, row));
    return;
  }
  if (row.form === 'full') {
    add({
      account,
      orderId: row.orderId,
      orderNumber: row.orderNumber,
      status: row.status,
      carrier: row.carrier,
      tracking: row.tracking,
      labelled: LABELLED.has(row.status.toLowerCase()) || row.tracking.length > 0,
      complete: true,
      labelDate: row.labelDate,
    });
    return;
  }
  // The flat shipped row: one order-level tracking number, no status, no parcels.
  add({
    account,
    orderId: row.orderId,
    orderNumber: row.orderNumber,
    status: kind === 'shipped' ? 'Shipped' : '',
    carrier: row.carrier,
    tracking: row.trackingNumber ? [{ number: row.trackingNumber }] : [],
    labelled: kind === 'shipped',
    complete: false,
    labelDate: row.shippedDate,
  });
}

function mergeInto(into: ListedOrder, other: ListedOrder): void {
  for (const tracking of other.tracking)
    if (!into.tracking.some((x) => x.number === tracking.number)) into.tracking.push(tracking);
  into.labelled ||= other.labelled;
  if (other.complete && !into.complete) {
    into.status = other.status;
    into.carrier = other.carrier;
    into.complete = true;
  }
  into.carrier ||= other.carrier;
  into.labelDate ??= other.labelDate;
}

async function eachPage(
  ctx: RunContext,
  read: (page: number) => Promise<{ rows: unknown[]; totalPages: number }>,
): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (let page = 1; ; page++) {
    throwIfCancelled(ctx);
    const listed = await read(page);
    rows.push(...listed.rows);
    if (page >= listed.totalPages || listed.rows.length < PAGE) return rows;
  }
}

function unreadableFinding(
  call: string,
  row: { orderId?: number; orderNumber?: string; shape: string; problem: string },
): ReconcileFinding {
  return {
    type: 'finding',
    section: 'unexplained',
    orderNumber: row.orderNumber ?? (row.orderId !== undefined ? `order_id ${row.orderId}` : '?'),
    ...(row.orderId !== undefined ? { orderIds: [row.orderId] } : {}),
    detail: `${call} answered a row the engine cannot interpret (${row.problem}); it saw ${row.shape}`,
  };
}

// ---- comparing ---------------------------------------------------------------------------

/** The sale order number a Starshipit order number belongs to (fulfilments mode adds `-F<n>`). */
function saleNumberOf(ctx: RunContext, orderNumber: string): string {
  return ctx.settings.import.source === 'fulfilments'
    ? orderNumber.replace(/-F\d+$/, '')
    : orderNumber;
}

async function compare(ctx: RunContext, views: Views, since: string): Promise<Found[]> {
  const found: Found[] = views.unreadable.map((finding) => ({ finding }));
  found.push(...duplicates(views));
  found.push(...(await journalAgainstStarshipit(ctx, views, since)));
  found.push(...(await missingSales(ctx, views)));
  found.push(...unexplainedOrders(ctx, views));
  found.push(...(await missingTracking(ctx, views)));
  return found;
}

function duplicates(views: Views): Found[] {
  const out: Found[] = [];
  for (const [orderNumber, list] of views.orders) {
    const ids = list.map((x) => x.orderId).filter((id): id is number => id !== undefined);
    if (ids.length < 2) continue;
    out.push({
      finding: {
        type: 'finding',
        section: 'duplicates',
        orderNumber,
        orderIds: ids,
        detail: `Starshipit holds ${ids.length} orders with this number (order_id ${ids.join(', ')}); delete the extra ones in Starshipit (reconcile never deletes)`,
      },
    });
  }
  return out;
}

/**
 * Journal orders against Starshipit: an order the journal records that Starshipit does not hold
 * (looked up by number when the listings do not show it), a different order id, and a create
 * whose outcome the journal never learnt although Starshipit holds the order.
 */
async function journalAgainstStarshipit(
  ctx: RunContext,
  views: Views,
  since: string,
): Promise<Found[]> {
  const entries = [...ctx.journal.state.orders.values()];
  const found = await Promise.all(entries.map((entry) => compareEntry(ctx, views, since, entry)));
  return found.filter((f): f is Found => f !== undefined);
}

/** One journal order against what Starshipit holds under its number. */
async function compareEntry(
  ctx: RunContext,
  views: Views,
  since: string,
  entry: OrderState,
): Promise<Found | undefined> {
  // Withdrawn by keeping in step (sale voided or credited): gone from Starshipit on purpose.
  if (ctx.journal.state.keep.withdrawn.has(entry.orderNumber)) return undefined;
  // Older entries are compared only when the listings show their order: a lookup for each
  // would cost one Starshipit call per order ever imported.
  const listed =
    views.orders.get(entry.orderNumber) ??
    (entry.at >= since
      ? await lookUp(ctx, views, entry.orderNumber, [accountOf(entry)])
      : undefined);
  if (!listed && entry.at < since) return undefined;
  if (listed) return heldOrderFinding(entry, listed);
  if (entry.state === 'intent') return undefined; // never created: the sale shows as missing
  return {
    finding: {
      ...findingOf(entry),
      section: 'journal',
      ...(entry.orderId !== undefined ? { orderIds: [entry.orderId] } : {}),
      detail: `the journal records Starshipit order ${entry.orderId ?? '(id unknown)'} but Starshipit has no order with this number (deleted there?); reconcile does not create it again`,
    },
  };
}

/** The finding fields every journal entry's finding starts from. */
function findingOf(entry: OrderState): Pick<ReconcileFinding, 'type' | 'orderNumber' | 'saleId'> {
  return { type: 'finding', orderNumber: entry.orderNumber, saleId: entry.saleId };
}

/**
 * A journal order Starshipit holds under its number: held in another account, a create whose
 * outcome the journal never learnt (adopted), or a different order id.
 */
function heldOrderFinding(entry: OrderState, listed: ListedOrder[]): Found | undefined {
  const base = findingOf(entry);
  const account = accountOf(entry);
  const inAccount = listed.filter((x) => x.account === account);
  if (inAccount.length === 0)
    return {
      finding: {
        ...base,
        section: 'journal',
        orderIds: idsOf(listed),
        detail: `the journal records the order in Starshipit account "${account}"; Starshipit holds it in ${[...new Set(listed.map((x) => `"${x.account}"`))].join(', ')}`,
      },
    };
  const ids = idsOf(inAccount);
  if (entry.state === 'intent') {
    if (ids.length !== 1) return undefined; // duplicates are reported on their own
    return {
      finding: {
        ...base,
        section: 'journal',
        orderIds: ids,
        detail: `the journal holds a create whose outcome it never learnt; Starshipit holds order ${ids[0]}`,
        fix: 'adopt',
      },
      orderId: ids[0],
      account,
    };
  }
  if (entry.orderId === undefined || ids.length === 0 || ids.includes(entry.orderId))
    return undefined;
  return {
    finding: {
      ...base,
      section: 'journal',
      orderIds: ids,
      detail: `the journal records order_id ${entry.orderId}; Starshipit holds ${ids.join(', ')} with this number`,
    },
  };
}

/** Starshipit's order with this number, looked up (one call) and kept with the listed ones. */
async function lookUp(
  ctx: RunContext,
  views: Views,
  orderNumber: string,
  accounts: string[],
): Promise<ListedOrder[] | undefined> {
  for (const account of accounts) {
    const order = await accountView(ctx, account).starshipit.findOrder(orderNumber);
    if (!order) continue;
    const listed = [listedFromOrder(order, orderNumber, account)];
    views.orders.set(orderNumber, listed);
    return listed;
  }
  return undefined;
}

function listedFromOrder(
  order: StarshipitOrder,
  orderNumber: string,
  account: string,
): ListedOrder {
  const status = trimmedText(order.status);
  const tracking = packageTracking(order);
  return {
    account,
    orderId: typeof order.order_id === 'number' ? order.order_id : undefined,
    orderNumber,
    status,
    carrier: trimmedText(order.carrier),
    tracking,
    labelled: LABELLED.has(status.toLowerCase()) || tracking.length > 0,
    complete: true,
    labelDate: labelDate(order),
  };
}

/** Whether a listed sale is one the import selects and should have an order in Starshipit. */
async function shouldBeImported(ctx: RunContext, views: Views, row: Row): Promise<boolean> {
  const statuses = ctx.settings.import.statuses;
  if (NOT_LIVE.has(text(row.Status)) || text(row.CombinedShippingStatus) === 'SHIPPED')
    return false;
  if (!rowMaySelect(row, statuses)) return false;
  const warehouses = ctx.settings.warehouses;
  const byLocation = warehouses.locations.length > 0 || warehouses.unrouted === 'skip';
  if (!isAdvancedAtOrder(row) && !byLocation) return true;
  // The row names neither the location nor (Advanced sale at the order stage) the stages of
  // its fulfilments: the sale decides.
  const sale = await views.reads.sale(text(row.SaleID));
  if (byLocation && 'skip' in routeSale(warehouses, sale)) return false;
  return saleSelected({ ...sale, Status: text(sale.Status) || text(row.Status) }, statuses);
}

async function missingSales(ctx: RunContext, views: Views): Promise<Found[]> {
  const fulfilmentsMode = ctx.settings.import.source === 'fulfilments';
  const orderNumbersOf = new Map<string, string[]>();
  for (const number of [...views.orders.keys(), ...ctx.journal.state.orders.keys()]) {
    const base = saleNumberOf(ctx, number);
    orderNumbersOf.set(base, [...(orderNumbersOf.get(base) ?? []), number]);
  }
  const out: Found[] = [];
  const checks = [...views.sales.entries()].map(async ([orderNumber, row]) => {
    const known = orderNumbersOf.get(orderNumber) ?? [];
    const anyKnown = known.some((n) => hasOrder(ctx, views, n));
    if (anyKnown && !fulfilmentsMode) return;
    if (!(await shouldBeImported(ctx, views, row))) return;
    if (anyKnown) {
      out.push(...(await missingFulfilments(ctx, views, row)));
      return;
    }
    const saleId = text(row.SaleID);
    const parked = parkedImport(ctx, saleId);
    // Outside the listings' window, an older order may still exist: one lookup by number (not
    // for a sale the import parked: it never created one).
    if (!fulfilmentsMode && !parked && (await lookUp(ctx, views, orderNumber, allAccounts(ctx))))
      return;
    const detail = parked
      ? `the sale (status ${text(row.Status)}) has no Starshipit order; it needs attention: ${parked.reason}`
      : `the sale (status ${text(row.Status)}) is in import.statuses and Starshipit has no order ${fulfilmentsMode ? 'for any of its fulfilments' : 'with this number'}`;
    out.push(missingFinding(row, orderNumber, saleId, detail, parked));
  });
  await Promise.all(checks);
  return out;
}

/** The import's needs-attention item for this sale (and order number, when given), if any. */
function parkedImport(
  ctx: RunContext,
  saleId: string,
  orderNumber?: string,
): { reason: string } | undefined {
  return [...ctx.journal.state.attention.values()].find(
    (item) =>
      item.kind === 'import' &&
      item.saleId === saleId &&
      (orderNumber === undefined || item.orderNumber === orderNumber),
  );
}

/** A "missing in Starshipit" finding; only an order the import did not park is offered a fix. */
function missingFinding(
  row: Row,
  orderNumber: string,
  saleId: string,
  detail: string,
  parked: { reason: string } | undefined,
): Found {
  return {
    finding: {
      type: 'finding',
      section: 'missing',
      orderNumber,
      saleId,
      detail,
      ...(parked ? {} : { fix: 'import' as const }),
    },
    row,
  };
}

/** Whether Starshipit lists an order with this number or the journal records it created. */
function hasOrder(ctx: RunContext, views: Views, orderNumber: string): boolean {
  return (
    views.orders.has(orderNumber) || ctx.journal.state.orders.get(orderNumber)?.state === 'created'
  );
}

/**
 * Fulfilments mode, a sale with an order for some of its fulfilments: each other fulfilment the
 * import would make an order for (open, at a selected stage, its lines known) that Starshipit
 * does not hold. One fulfilments read for the sale; one lookup by number per candidate, since the
 * order may be older than the listings' window.
 */
async function missingFulfilments(ctx: RunContext, views: Views, row: Row): Promise<Found[]> {
  const saleNumber = text(row.OrderNumber);
  const saleId = text(row.SaleID);
  const fulfilments = await views.reads.fulfilments(saleId);
  const out: Found[] = [];
  for (const fulfilment of fulfilments) {
    if (!fulfilmentWanted(ctx, row, fulfilment, fulfilments)) continue;
    const orderNumber = fulfilmentOrderNumber(saleNumber, fulfilment.FulfillmentNumber);
    if (hasOrder(ctx, views, orderNumber)) continue;
    const parked = parkedImport(ctx, saleId, orderNumber);
    if (!parked && (await lookUp(ctx, views, orderNumber, allAccounts(ctx)))) continue;
    const detail = parked
      ? `fulfilment ${text(fulfilment.FulfillmentNumber)} of the sale has no Starshipit order; it needs attention: ${parked.reason}`
      : `fulfilment ${text(fulfilment.FulfillmentNumber)} of the sale (status ${text(row.Status)}) is open and Starshipit has no order with this number, although it holds one for another fulfilment of the sale`;
    out.push(missingFinding(row, orderNumber, saleId, detail, parked));
  }
  return out;
}

/**
 * Whether the import makes an order for this fulfilment: not voided, not shipped, at a selected
 * stage (an Advanced sale at the order stage), and with lines it can tell (its own pick or pack
 * lines, or the rest of the order when it is the only live fulfilment not yet started).
 */
function fulfilmentWanted(ctx: RunContext, row: Row, fulfilment: Row, all: Row[]): boolean {
  if (
    text(fulfilment.FulFilmentStatus) === 'VOIDED' ||
    stageOf(fulfilment, 'Pick').status === 'VOIDED'
  )
    return false;
  if (stageOf(fulfilment, 'Ship').status === 'AUTHORISED') return false;
  if (isAdvancedAtOrder(row)) {
    const stage = fulfilmentStage(fulfilment, text(row.Status));
    if (!(ctx.settings.import.statuses as readonly string[]).includes(stage)) return false;
  }
  if (hasOwnLines(fulfilment)) return true;
  return !all.some(
    (other) =>
      other !== fulfilment &&
      text(other.FulFilmentStatus) !== 'VOIDED' &&
      stageOf(other, 'Ship').status !== 'AUTHORISED' &&
      !hasOwnLines(other),
  );
}

function hasOwnLines(fulfilment: Row): boolean {
  return (
    stageOf(fulfilment, 'Pack').lines.length > 0 || stageOf(fulfilment, 'Pick').lines.length > 0
  );
}

/**
 * Starshipit orders explained by neither a listed sale nor the journal; orders of listed sales
 * that the journal does not record are adopted (recorded) by `--apply`.
 */
function unexplainedOrders(ctx: RunContext, views: Views): Found[] {
  const out: Found[] = [];
  for (const [orderNumber, list] of views.orders) {
    const entry = ctx.journal.state.orders.get(orderNumber);
    const sale = views.sales.get(saleNumberOf(ctx, orderNumber));
    const ids = list.map((x) => x.orderId).filter((id): id is number => id !== undefined);
    if (entry) continue; // compared in journalAgainstStarshipit
    if (!sale) {
      out.push({
        finding: {
          type: 'finding',
          section: 'unexplained',
          orderNumber,
          orderIds: ids,
          detail: `no Cin7 Core sale updated in the period and no journal entry explains Starshipit order ${ids.join(', ') || '(no id)'} (created by hand or another channel?)`,
        },
      });
      continue;
    }
    out.push({
      finding: {
        type: 'finding',
        section: 'journal',
        orderNumber,
        saleId: text(sale.SaleID),
        orderIds: ids,
        detail: `Starshipit holds order ${ids.join(', ') || '(no id)'} for this sale but the journal has no record of it (lost state directory, or created by another integration)`,
        ...(ids.length === 1 && list.length === 1 ? { fix: 'adopt' as const } : {}),
      },
      orderId: ids[0],
      account: list[0].account,
    });
  }
  return out;
}

/** Tracking numbers a saleList row's `CombinedTrackingNumbers` names (a list in one string). */
function combinedTracking(row: Row | undefined): Set<string> {
  return new Set(
    text(row?.CombinedTrackingNumbers)
      .split(/[\s,;]+/)
      .filter(Boolean),
  );
}

/**
 * Labelled orders of ours (or of a listed sale) whose tracking Cin7 Core does not hold. The sale
 * row settles most; the sale's fulfilments are read only when it does not, and the Starshipit
 * order only when the listings did not carry every parcel.
 */
async function missingTracking(ctx: RunContext, views: Views): Promise<Found[]> {
  const wb = ctx.settings.writeback;
  if (!wb.enabled) return [];
  const check: LabelCheck = {
    ctx,
    views,
    wanted: wb.when === 'dispatched' ? DISPATCHED : LABELLED,
  };
  const found = await Promise.all(
    [...views.orders.entries()].map(([orderNumber, list]) =>
      // Duplicates: which label counts is for a person to decide.
      list.length === 1 ? labelFinding(check, orderNumber, list[0]) : undefined,
    ),
  );
  return found.filter((f): f is Found => f !== undefined);
}

interface LabelCheck {
  ctx: RunContext;
  views: Views;
  /** Starshipit statuses whose tracking belongs in Cin7 Core (`writeback.when`). */
  wanted: Set<string>;
}

/** Tracking numbers on the ship lines of a sale's fulfilments (one read per sale). */
async function shipTracking(check: LabelCheck, saleId: string): Promise<Set<string>> {
  const fulfilments = await check.views.reads.fulfilments(saleId);
  return new Set(
    fulfilments.flatMap((fulfilment) =>
      stageOf(fulfilment, 'Ship')
        .lines.map((l) => text(l.TrackingNumber))
        .filter(Boolean),
    ),
  );
}

/** A labelled order of one of our sales whose tracking Cin7 Core does not hold, if it is one. */
async function labelFinding(
  check: LabelCheck,
  orderNumber: string,
  order: ListedOrder,
): Promise<Found | undefined> {
  const { ctx, views } = check;
  if (!order.labelled) return undefined;
  const entry = ctx.journal.state.orders.get(orderNumber);
  const row = views.sales.get(saleNumberOf(ctx, orderNumber));
  const saleId = entry?.saleId ?? (row ? text(row.SaleID) : '');
  if (!saleId) return undefined; // no sale of ours: reported as unexplained
  const inList = combinedTracking(row);
  if (order.tracking.length > 0 && order.tracking.every((t) => inList.has(t.number)))
    return undefined;
  const label = await fullLabel(ctx, order);
  if (!label || !check.wanted.has(label.status.toLowerCase())) return undefined;
  const held = await shipTracking(check, saleId);
  const missing = label.tracking.filter((t) => !held.has(t.number) && !inList.has(t.number));
  if (missing.length === 0) return undefined;
  const done = ctx.journal.state.writebacks.get(orderNumber);
  const journalSays =
    done?.state === 'done' &&
    missing.every((t) => done.doneTracking?.some((d) => d.number === t.number))
      ? '; the journal records it as written back'
      : '';
  return {
    finding: {
      type: 'finding',
      section: 'tracking',
      orderNumber,
      saleId,
      ...(order.orderId !== undefined ? { orderIds: [order.orderId] } : {}),
      detail: `Starshipit order is ${label.status} with tracking ${missing.map((t) => t.number).join(', ')} (${label.carrier || 'carrier unknown'}), not in Cin7 Core${journalSays}`,
      fix: 'writeback',
    },
    label: { carrier: label.carrier, tracking: label.tracking, labelDate: label.labelDate },
    orderId: order.orderId,
  };
}

/** The order's status, carrier code and every parcel: from the listing, or the order itself. */
async function fullLabel(
  ctx: RunContext,
  order: ListedOrder,
): Promise<(Label & { status: string }) | undefined> {
  if (order.complete && order.carrier && order.tracking.length > 0)
    return {
      status: order.status,
      carrier: order.carrier,
      tracking: order.tracking,
      labelDate: order.labelDate,
    };
  if (order.orderId === undefined) return undefined;
  const full = await accountView(ctx, order.account).starshipit.orderById(order.orderId);
  if (!full) return undefined;
  const tracking = packageTracking(full);
  if (tracking.length === 0) return undefined;
  return {
    status: trimmedText(full.status),
    carrier: trimmedText(full.carrier),
    tracking,
    labelDate: labelDate(full),
  };
}

// ---- applying the safe fixes ---------------------------------------------------------------

async function applyFixes(ctx: RunContext, views: Views, found: Found[]): Promise<void> {
  const fixable = found.filter((f) => f.finding.fix);
  for (const item of fixable.filter((x) => x.finding.fix === 'adopt'))
    await adopt(ctx, views, item);
  const imports = fixable.filter((x) => x.finding.fix === 'import');
  if (imports.length > 0) {
    // A fulfilment finding names its own order number: only that fulfilment is created.
    ctx.onlyOrderNumbers = new Set(imports.map((f) => f.finding.orderNumber));
    try {
      await importSales(ctx, uniqueRows(imports));
    } finally {
      ctx.onlyOrderNumbers = undefined;
    }
    for (const item of imports) item.finding.outcome = imported(ctx, item) ? 'fixed' : 'failed';
  }
  const writebacks = fixable.filter((x) => x.finding.fix === 'writeback');
  if (writebacks.length > 0) {
    for (const item of writebacks) await queueLabel(ctx, item);
    ctx.onlyOrderNumbers = new Set(writebacks.map((f) => f.finding.orderNumber));
    await runWriteback(ctx, { retryOnly: true });
    ctx.onlyOrderNumbers = undefined;
    for (const item of writebacks)
      item.finding.outcome =
        ctx.journal.state.writebacks.get(item.finding.orderNumber)?.state === 'done'
          ? 'fixed'
          : 'failed';
  }
}

/** The sale rows of these findings, each sale once (several of its fulfilments may be missing). */
function uniqueRows(found: Found[]): Row[] {
  const rows = new Map<string, Row>();
  for (const f of found) if (f.row) rows.set(text(f.row.SaleID), f.row);
  return [...rows.values()];
}

function imported(ctx: RunContext, found: Found): boolean {
  const { orderNumber, saleId } = found.finding;
  if (orderNumber !== text(found.row?.OrderNumber))
    return ctx.journal.state.orders.get(orderNumber)?.state === 'created';
  const orders = [...ctx.journal.state.orders.values()];
  return orders.some((o) => o.saleId === saleId && o.state === 'created');
}

/** Records an order Starshipit holds for one of our sales, as the importer does after a lookup. */
async function adopt(ctx: RunContext, views: Views, found: Found): Promise<void> {
  const { orderNumber, saleId } = found.finding;
  throwIfCancelled(ctx);
  try {
    const taskId = await taskIdFor(ctx, views, orderNumber, saleId ?? '');
    await record(ctx, {
      t: 'created',
      orderNumber,
      saleId: saleId ?? '',
      ...(taskId ? { taskId } : {}),
      orderId: found.orderId,
      outcome: 'alreadyPresent',
      at: new Date().toISOString(),
      ...accountFieldOf(found.account),
    });
    ctx.counters.alreadyPresent++;
    found.finding.outcome = 'fixed';
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    found.finding.outcome = 'failed';
    ctx.emit({
      type: 'log',
      level: 'error',
      message: `${orderNumber}: could not record the Starshipit order in the journal: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}

/** Fulfilments mode: the TaskID of fulfilment `n` of `<sale>-F<n>` (the run's fulfilments read). */
async function taskIdFor(
  ctx: RunContext,
  views: Views,
  orderNumber: string,
  saleId: string,
): Promise<string | undefined> {
  const known = ctx.journal.state.orders.get(orderNumber)?.taskId;
  if (known) return known;
  const fulfilmentNumber = /-F(\d+)$/.exec(orderNumber)?.[1];
  if (ctx.settings.import.source !== 'fulfilments' || !fulfilmentNumber || !saleId)
    return undefined;
  const fulfilments = await views.reads.fulfilments(saleId);
  return (
    text(fulfilments.find((x) => text(x.FulfillmentNumber) === fulfilmentNumber)?.TaskID) ||
    undefined
  );
}

/**
 * Puts the label in the writeback outbox unless the journal already holds it there (a pending or
 * interrupted writeback of the same tracking is finished by the writeback path as it is).
 */
async function queueLabel(ctx: RunContext, found: Found): Promise<void> {
  const { orderNumber } = found.finding;
  const ours = ctx.journal.state.orders.get(orderNumber);
  const label = found.label;
  if (!ours || !label) return;
  const prev = ctx.journal.state.writebacks.get(orderNumber);
  const numbers = (list: Tracking[] | undefined): string =>
    (list ?? [])
      .map((t) => t.number)
      .sort()
      .join(',');
  if (prev && prev.state !== 'done' && numbers(prev.tracking) === numbers(label.tracking)) return;
  await record(ctx, {
    t: 'wb-pending',
    orderNumber,
    saleId: ours.saleId,
    taskId: ours.taskId,
    carrierCode: label.carrier,
    tracking: label.tracking,
    shipDate: `${(label.labelDate || new Date().toISOString()).slice(0, 10)}T00:00:00`,
    at: new Date().toISOString(),
  });
}
