/**
 * Keeping imported orders in step with Cin7 Core.
 *
 * The importer calls two hooks:
 *  - `keepInStepRow` for every listed sale row: a sale with orders imported by this state
 *    directory is re-read (one detail call) only when its `Updated` stamp moved since it was
 *    imported or last compared; a voided/credited row with nothing to do is skipped unread.
 *  - `keepInStep` after a sale's detail was read: each imported order is mapped afresh and
 *    compared with the payload Starshipit was last given. A difference is sent as a partial
 *    `PUT /api/orders` (items by `item_id`, removed items with `delete: true`) while the order is
 *    still unshipped; a printed/shipped order is never touched and goes to "needs attention" with
 *    what changed. A voided/credited sale (or voided fulfilment) is withdrawn (DELETE) or reported,
 *    per `import.onCancelled`.
 *
 * Exactly once: `update-intent` is fsynced before the PUT and `updated` after; the PUT body is
 * always rebuilt against the live order (read first, to confirm it is unshipped), so after a lost
 * answer nothing is applied twice — an item added by the lost PUT is found by SKU, not added again.
 * A withdrawal is journaled with the order_id it targets, so it can never hit a re-imported order.
 */
import type { Row } from './dearClient';
import { text } from './coerce';
import type { OrderState } from './journal';
import { payloadHash } from './journal';
import { mapSale } from './mapping';
import { saleSelected } from './saleStage';
import { ApiCallError } from './apiRunner';
import { crashPoint } from './crash';
import {
  accountOf,
  accountView,
  attention,
  keepKey,
  record,
  resolve,
  type RunContext,
} from './context';
import type { StarshipitClient } from './starshipitClient';
import { isCancelled } from './sleep';
import type { KeptOrder, Payload } from './keepInStepState';
import {
  changeSummary,
  describeChanges,
  diffPayload,
  liveAsPayload,
  putBody,
  type FieldChange,
} from './keepInStepDiff';
import { errorMessage } from '../../../protocol/errorMessage';

/** Sale statuses that withdraw (or report) an imported order. Merely leaving `import.statuses` does not. */
const CANCELLED_STATUSES: readonly string[] = ['VOIDED', 'CREDITED'];

/** saleId → order numbers imported from it, built once per run (no scan of the journal per row). */
const indexes = new WeakMap<RunContext, Map<string, string[]>>();

function ordersOfSale(ctx: RunContext, saleId: string): OrderState[] {
  let idx = indexes.get(ctx);
  if (!idx) {
    idx = new Map();
    for (const order of ctx.journal.state.orders.values()) {
      if (order.state !== 'created') continue;
      const list = idx.get(order.saleId);
      if (list) list.push(order.orderNumber);
      else idx.set(order.saleId, [order.orderNumber]);
    }
    indexes.set(ctx, idx);
  }
  const out: OrderState[] = [];
  for (const orderNumber of idx.get(saleId) ?? []) {
    const order = ctx.journal.state.orders.get(orderNumber);
    // A label already seen (writeback outbox) means the order has left "unshipped" for good.
    if (order?.state === 'created' && !ctx.journal.state.writebacks.has(orderNumber))
      out.push(order);
  }
  return out;
}

function stampOf(ctx: RunContext, order: OrderState): string | undefined {
  return ctx.journal.state.keep.orders.get(order.orderNumber)?.stamp ?? order.saleUpdated;
}

/**
 * Row hook: `read` = re-read this sale (its imported orders may have changed); `cancelled` =
 * a voided/credited sale with nothing (more) to do, skipped (status not selected) without a detail
 * read; undefined = the importer's usual path.
 */
export function keepInStepRow(ctx: RunContext, row: Row): 'read' | 'cancelled' | undefined {
  const saleId = text(row.SaleID);
  const updated = text(row.Updated);
  const cancelled =
    CANCELLED_STATUSES.includes(text(row.Status)) &&
    !(ctx.settings.import.statuses as readonly string[]).includes(text(row.Status));
  const orders = ordersOfSale(ctx, saleId);
  if (orders.length === 0 || !updated) return cancelled ? 'cancelled' : undefined;
  const fulfilmentsSeen =
    ctx.settings.import.source === 'fulfilments' && ctx.journal.state.seen.get(saleId) === updated;
  const moved = !fulfilmentsSeen && orders.some((o) => stampOf(ctx, o) !== updated);
  if (moved) return 'read';
  return cancelled ? 'cancelled' : undefined;
}

/**
 * The Cin7 statuses worth an extra filtered listing pass: with a single selected status the list
 * is filtered by it, so voided/credited sales would never be seen. Only when something was imported.
 */
export function keepInStepExtraStatuses(ctx: RunContext, listed: readonly string[]): string[] {
  // First import: nothing was imported before this run (a sale voided meanwhile is caught next run).
  if (ctx.firstImport || ctx.journal.state.orders.size === 0) return [];
  return CANCELLED_STATUSES.filter((s) => !listed.includes(s));
}

export interface KeepResult {
  /** Order numbers this hook dealt with (the importer does not report them again). */
  handled: Set<string>;
  /** Nothing left for the importer (voided/credited, or left `import.statuses`, with imported orders). */
  saleDone: boolean;
}

/** Detail hook: compare, update, withdraw or report every order imported from this sale. */
export async function keepInStep(ctx: RunContext, sale: Row, row: Row): Promise<KeepResult> {
  const saleId = text(sale.ID) || text(row.SaleID);
  const handled = new Set<string>();
  const orders = ordersOfSale(ctx, saleId); // (builds the run's saleId index)
  // Orders whose label was written back are shipped for good: an old "changed after print" note is
  // settled when the sale is read again (`retry` reads every parked sale).
  for (const orderNumber of indexes.get(ctx)?.get(saleId) ?? []) {
    if (ctx.journal.state.writebacks.get(orderNumber)?.state === 'done')
      await resolve(ctx, keepKey(orderNumber));
  }
  if (orders.length === 0) return { handled, saleDone: false };
  const stamp = text(row.Updated) || text(sale.LastModifiedOn) || undefined;
  const status = text(sale.Status) || text(row.Status);
  const byNumber = new Map(orders.map((o) => [o.orderNumber, o]));
  if (CANCELLED_STATUSES.includes(status)) {
    for (const order of orders) {
      handled.add(order.orderNumber);
      await cancelOrder(
        ctx,
        order,
        `the sale was ${status.toLowerCase()} in Cin7 Core after import`,
        stamp,
      );
    }
    return { handled, saleDone: true };
  }
  const mapped = mapSale(sale, row, ctx.settings, { products: ctx.products });
  for (const skip of mapped.skips) {
    const order = byNumber.get(skip.orderNumber);
    // Shipped in Cin7 Core (by hand, not by our writeback): nothing to send; compared at this
    // stamp, so the sale is not read again on every run until it changes.
    if (order && skip.code === 'already-shipped') {
      await stampOnly(ctx, order, stamp); // (not `handled`: the importer still reports it as imported)
      continue;
    }
    if (!order || skip.code !== 'fulfilment-voided') continue;
    handled.add(order.orderNumber);
    await cancelOrder(ctx, order, 'the fulfilment was voided in Cin7 Core after import', stamp);
  }
  for (const mappedOrder of mapped.orders) {
    const order = byNumber.get(mappedOrder.orderNumber);
    if (!order) continue;
    handled.add(order.orderNumber);
    await compareAndUpdate(ctx, order, mappedOrder.payload, stamp);
  }
  const selected = saleSelected({ ...sale, Status: status }, ctx.settings.import.statuses);
  if (!selected) {
    // Left import.statuses without being voided: never withdrawn; its orders were compared above.
    for (const order of orders)
      if (!handled.has(order.orderNumber)) await stampOnly(ctx, order, stamp);
  }
  return { handled, saleDone: !selected };
}

async function stampOnly(
  ctx: RunContext,
  order: OrderState,
  stamp: string | undefined,
): Promise<void> {
  if (stamp && stampOf(ctx, order) !== stamp)
    await record(ctx, { t: 'keep-stamp', orderNumber: order.orderNumber, saleUpdated: stamp });
}

/** The Starshipit client of the account holding the order. */
const starshipitOf = (ctx: RunContext, o: OrderState): StarshipitClient =>
  accountView(ctx, accountOf(o)).starshipit;

const isUnshipped = (live: Row): boolean =>
  (text(live.status) === 'Unshipped' || text(live.status) === 'Saved') && live.archived !== true;

/** The live Starshipit order (by order_id when known), or undefined when Starshipit has none. */
async function readLive(
  ctx: RunContext,
  entry: OrderState,
  orderId: number | undefined,
): Promise<Row | undefined> {
  if (orderId === undefined) return starshipitOf(ctx, entry).findOrder(entry.orderNumber);
  const json = (await starshipitOf(ctx, entry).runner.call({
    method: 'GET',
    path: '/api/orders',
    idempotent: true,
    query: { order_id: orderId },
    accept: (status, text) =>
      status === 404 ||
      (status === 200 && /"success"\s*:\s*(false|0)/.test(text) && !/"order"\s*:\s*\{/.test(text)),
  })) as Row | undefined;
  const order = json?.order;
  return order && typeof order === 'object' ? (order as Row) : undefined;
}

async function park(
  ctx: RunContext,
  order: OrderState,
  code: string,
  reason: string,
  retryable: boolean,
  stamp: string | undefined,
): Promise<void> {
  await attention(ctx, {
    kind: 'import',
    key: keepKey(order.orderNumber),
    orderNumber: order.orderNumber,
    saleId: order.saleId,
    taskId: order.taskId,
    code,
    reason: `${order.orderNumber}: ${reason}`,
    retryable,
    ...(retryable ? {} : { saleUpdated: stamp }),
  });
  // Parked for good at this stamp: not read again until the sale changes (or `retry`).
  if (!retryable) await stampOnly(ctx, order, stamp);
}

const errText = (err: unknown): string => errorMessage(err);

/** One changed sale's update: what it maps to now and what the journal holds for it. */
interface OrderUpdate {
  order: OrderState;
  fresh: Payload;
  hash: string;
  stamp: string | undefined;
  kept: KeptOrder | undefined;
  /** An earlier update's outcome is unknown. */
  pending: boolean;
}

async function compareAndUpdate(
  ctx: RunContext,
  order: OrderState,
  fresh: Payload,
  stamp: string | undefined,
): Promise<void> {
  const kept = ctx.journal.state.keep.orders.get(order.orderNumber);
  const hash = payloadHash(fresh);
  const pending = kept?.pending?.kind === 'update';
  if (!pending && kept?.payloadHash === hash) return stampOnly(ctx, order, stamp);
  try {
    await updateChangedOrder(ctx, { order, fresh, hash, stamp, kept, pending });
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    // Outcome unknown or Starshipit unavailable: the intent (if any) stays; the next run re-reads
    // the live order and sends only what it lacks.
    return park(
      ctx,
      order,
      'starshipit-unavailable',
      `could not update the Starshipit order: ${errText(err)}`,
      true,
      stamp,
    );
  }
}

/** Works out the changes, checks the live order can take them, then sends them. */
async function updateChangedOrder(ctx: RunContext, update: OrderUpdate): Promise<void> {
  const { order, fresh, stamp, kept, pending } = update;
  let live: Row | undefined;
  let before = kept?.payload;
  if (!before) {
    // Imported before the engine kept what it sent: compare with what Starshipit holds.
    live = await readLive(ctx, order, order.orderId);
    if (!live)
      return park(
        ctx,
        order,
        'starshipit-order-missing',
        'the sale changed in Cin7 Core but its Starshipit order no longer exists; nothing was sent',
        false,
        stamp,
      );
    before = liveAsPayload(live, fresh);
  }
  const changes = changesToSend(before, fresh, kept);
  if (changes.length === 0 && !pending) return recordUpdated(ctx, update);
  if (!ctx.settings.import.propagateChanges) {
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `${order.orderNumber}: changed in Cin7 Core after import, not sent to Starshipit (import.propagateChanges: false): ${describeChanges(changes)}`,
    });
    return stampOnly(ctx, order, stamp);
  }
  live ??= await readLive(ctx, order, order.orderId);
  if (!live)
    return park(
      ctx,
      order,
      'starshipit-order-missing',
      `${changeSummary(changes)} changed in Cin7 Core but the Starshipit order no longer exists; nothing was sent (${describeChanges(changes)})`,
      false,
      stamp,
    );
  if (!isUnshipped(live)) return parkPrinted(ctx, order, changes, live, stamp);
  const orderId = typeof live.order_id === 'number' ? live.order_id : order.orderId;
  if (orderId === undefined)
    return park(
      ctx,
      order,
      'starshipit-order-missing',
      'the Starshipit order has no order_id; nothing was sent',
      false,
      stamp,
    );
  return sendUpdate(ctx, update, changes, live, orderId);
}

/**
 * The fields that differ from what Starshipit was given. An update whose outcome is unknown may
 * have applied its payload: the fields it touched are compared too (the PUT is still built
 * against the live order).
 */
function changesToSend(
  before: Payload,
  fresh: Payload,
  kept: KeptOrder | undefined,
): FieldChange[] {
  const changes = diffPayload(before, fresh);
  const intended = kept?.pending?.kind === 'update' ? kept.pending.payload : undefined;
  if (!intended) return changes;
  const seen = new Set(changes.map((change) => change.field));
  return [...changes, ...diffPayload(intended, fresh).filter((change) => !seen.has(change.field))];
}

async function recordUpdated(ctx: RunContext, update: OrderUpdate): Promise<void> {
  await record(ctx, {
    t: 'updated',
    orderNumber: update.order.orderNumber,
    payloadHash: update.hash,
    payload: update.fresh,
    ...(update.stamp ? { saleUpdated: update.stamp } : {}),
    at: new Date().toISOString(),
  });
}

function announceUpdate(
  ctx: RunContext,
  update: OrderUpdate,
  changes: FieldChange[],
  starshipit: Payload,
): void {
  ctx.counters.updated = (ctx.counters.updated ?? 0) + 1;
  ctx.emit({
    type: 'update',
    orderNumber: update.order.orderNumber,
    changes,
    starshipit,
    dryRun: ctx.dryRun,
  });
  ctx.emit({ type: 'progress', phase: 'update', done: ctx.counters.updated });
}

/** Journals the intent, sends the PUT, then journals the outcome (a dry run only announces it). */
async function sendUpdate(
  ctx: RunContext,
  update: OrderUpdate,
  changes: FieldChange[],
  live: Row,
  orderId: number,
): Promise<void> {
  const { order } = update;
  const body = putBody(orderId, changes, update.fresh, live);
  const announce = (): void => announceUpdate(ctx, update, changes, body ?? { order_id: orderId });
  if (ctx.dryRun) return announce();
  const finish = async (): Promise<void> => {
    await recordUpdated(ctx, update);
    await resolve(ctx, keepKey(order.orderNumber));
  };
  if (!body) {
    // Starshipit already holds every change (a PUT whose answer was lost): journal, do not resend.
    await finish();
    if (update.pending) announce();
    return;
  }
  await record(ctx, {
    t: 'update-intent',
    orderNumber: order.orderNumber,
    orderId,
    payloadHash: update.hash,
    payload: update.fresh,
    at: new Date().toISOString(),
  });
  crashPoint('before-starshipit-update');
  try {
    await starshipitOf(ctx, order).runner.call({
      method: 'PUT',
      path: '/api/orders',
      idempotent: false,
      body: { order: body },
    });
  } catch (err) {
    if (!(err instanceof ApiCallError) || err.failure !== 'permanent') throw err;
    return parkRefusedUpdate(ctx, update, changes, orderId, err);
  }
  crashPoint('after-starshipit-update');
  await finish();
  announce();
}

/** Refused: printed meanwhile, or a validation error. Nothing was applied. */
async function parkRefusedUpdate(
  ctx: RunContext,
  update: OrderUpdate,
  changes: FieldChange[],
  orderId: number,
  err: ApiCallError,
): Promise<void> {
  const { order, stamp } = update;
  const reread = await readLive(ctx, order, orderId).catch(() => undefined);
  await record(ctx, {
    t: 'keep-stamp',
    orderNumber: order.orderNumber,
    saleUpdated: stamp ?? stampOf(ctx, order) ?? '',
  });
  if (reread && !isUnshipped(reread)) return parkPrinted(ctx, order, changes, reread, stamp);
  return park(
    ctx,
    order,
    'starshipit-rejected',
    `Starshipit refused the update (${describeChanges(changes)}): ${err.message}`,
    false,
    stamp,
  );
}

function parkPrinted(
  ctx: RunContext,
  order: OrderState,
  changes: FieldChange[],
  live: Row,
  stamp: string | undefined,
): Promise<void> {
  return park(
    ctx,
    order,
    'changed-after-print',
    `${changeSummary(changes)} changed in Cin7 Core after the label was printed (Starshipit status ${text(live.status) || 'unknown'}${live.archived === true ? ', archived' : ''}); the Starshipit order was not changed — ${describeChanges(changes)}`,
    false,
    stamp,
  );
}

/** One cancelled sale's withdrawal from Starshipit. */
interface Withdrawal {
  order: OrderState;
  reason: string;
  stamp: string | undefined;
  /** The order_id the journal knows (a pending withdrawal's, else the import's). */
  orderId: number | undefined;
  /** A withdrawal whose outcome is unknown is on record. */
  pendingWithdraw: boolean;
}

async function cancelOrder(
  ctx: RunContext,
  order: OrderState,
  reason: string,
  stamp: string | undefined,
): Promise<void> {
  const keep = ctx.journal.state.keep;
  if (keep.withdrawn.has(order.orderNumber)) return;
  if (ctx.settings.import.onCancelled !== 'withdraw') {
    return park(
      ctx,
      order,
      'cancelled-after-import',
      `${reason}; its Starshipit order was left as it is (import.onCancelled: attention) — delete it in Starshipit, or set import.onCancelled: withdraw`,
      false,
      stamp,
    );
  }
  const pending = keep.orders.get(order.orderNumber)?.pending;
  const orderId =
    pending?.kind === 'withdraw' && pending.orderId !== undefined ? pending.orderId : order.orderId;
  const withdrawal: Withdrawal = {
    order,
    reason,
    stamp,
    orderId,
    pendingWithdraw: pending?.kind === 'withdraw',
  };
  try {
    await withdrawOrder(ctx, withdrawal);
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted) throw err;
    return park(
      ctx,
      order,
      'starshipit-unavailable',
      `${reason}; could not withdraw the Starshipit order: ${errText(err)}`,
      true,
      stamp,
    );
  }
}

/** Journals the outcome (not in a dry run); `count` announces it as a withdrawal of this run. */
async function recordWithdrawn(
  ctx: RunContext,
  withdrawal: Withdrawal,
  outcome: 'deleted' | 'archived' | 'gone',
  count: boolean,
): Promise<void> {
  const { order, reason } = withdrawal;
  if (!ctx.dryRun) {
    await record(ctx, {
      t: 'withdrawn',
      orderNumber: order.orderNumber,
      orderId: withdrawal.orderId,
      outcome,
      at: new Date().toISOString(),
    });
    await resolve(ctx, keepKey(order.orderNumber));
  }
  if (count) {
    ctx.counters.withdrawn = (ctx.counters.withdrawn ?? 0) + 1;
    ctx.emit({
      type: 'withdraw',
      orderNumber: order.orderNumber,
      reason: `${reason}${outcome === 'archived' ? ' (archived: Starshipit refused the deletion)' : ''}`,
      dryRun: ctx.dryRun,
    });
  }
}

/** Deletes the live order while it is unshipped (intent journalled first). */
async function withdrawOrder(ctx: RunContext, withdrawal: Withdrawal): Promise<void> {
  const { order, reason, stamp } = withdrawal;
  const live = await readLive(ctx, order, withdrawal.orderId);
  if (!live) {
    // Already gone: deleted by an earlier run whose answer was lost (count it now), or by hand.
    if (ctx.dryRun) return;
    return recordWithdrawn(ctx, withdrawal, 'gone', withdrawal.pendingWithdraw);
  }
  if (!isUnshipped(live)) {
    return park(
      ctx,
      order,
      'cancelled-after-print',
      `${reason}, but the label was already printed (Starshipit status ${text(live.status) || 'unknown'}); the Starshipit order was left as it is`,
      false,
      stamp,
    );
  }
  if (ctx.dryRun) return recordWithdrawn(ctx, withdrawal, 'deleted', true);
  const liveId = typeof live.order_id === 'number' ? live.order_id : withdrawal.orderId;
  await record(ctx, {
    t: 'withdraw-intent',
    orderNumber: order.orderNumber,
    orderId: liveId,
    at: new Date().toISOString(),
  });
  crashPoint('before-starshipit-update');
  try {
    await starshipitOf(ctx, order).runner.call({
      method: 'DELETE',
      path: '/api/orders/delete',
      idempotent: false,
      query: { order_id: liveId },
    });
  } catch (err) {
    if (!(err instanceof ApiCallError) || err.failure !== 'permanent') throw err;
    return archiveInstead(ctx, withdrawal, liveId, err);
  }
  crashPoint('after-starshipit-update');
  await recordWithdrawn(ctx, withdrawal, 'deleted', true);
}

/** Starshipit refused the deletion: gone or printed meanwhile, else archive the order. */
async function archiveInstead(
  ctx: RunContext,
  withdrawal: Withdrawal,
  liveId: number | undefined,
  deleteError: ApiCallError,
): Promise<void> {
  const { order, reason, stamp } = withdrawal;
  const reread = await readLive(ctx, order, liveId).catch(() => undefined);
  if (!reread) return recordWithdrawn(ctx, withdrawal, 'gone', true);
  if (!isUnshipped(reread))
    return park(
      ctx,
      order,
      'cancelled-after-print',
      `${reason}, but the label was printed meanwhile (Starshipit status ${text(reread.status)}); the Starshipit order was left as it is`,
      false,
      stamp,
    );
  try {
    await starshipitOf(ctx, order).runner.call({
      method: 'POST',
      path: '/api/orders/archive',
      idempotent: true,
      query: { order_id: liveId },
    });
    crashPoint('after-starshipit-update');
    return recordWithdrawn(ctx, withdrawal, 'archived', true);
  } catch (archiveError) {
    if (isCancelled(archiveError) || ctx.signal?.aborted) throw archiveError;
    return park(
      ctx,
      order,
      'starshipit-rejected',
      `${reason}; Starshipit refused to delete (${deleteError.message}) and to archive (${errText(archiveError)}) the order`,
      false,
      stamp,
    );
  }
}
