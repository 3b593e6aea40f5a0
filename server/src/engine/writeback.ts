/**
 * Writeback: Starshipit labels → Cin7 Core shipments, exactly once, none lost.
 *
 * Poll: `GET /api/orders/shipped?since_last_updated=` from a durable cursor (minus an overlap),
 * every page. Each label on an order this engine imported becomes an outbox record (`wb-pending`)
 * fsynced before the cursor moves past it, so a crash can only re-deliver, never lose, a label.
 *
 * Deliver: one Cin7 call when the pack was authorised at import (box names kept in the journal);
 * otherwise read the fulfilment first, and with `writeback.autoPickPack` pick (AUTOPICK) and pack.
 * A `wb-sending` record precedes every ship call. After an unknown outcome (crash, timeout, reset,
 * 5xx) or a "Status is AUTHORISED" answer, the ship stage is read: AUTHORISED with our tracking =
 * done; AUTHORISED with other tracking = `PUT … AddTrackingNumbers: true`; not authorised = send.
 */
import pLimit from 'p-limit';
import type { Row } from './dearClient';
import { ApiCallError, isTransient } from './apiRunner';
import { crashPoint } from './crash';
import { addTrackingBody, carrierFor, shipBody, storedTracking } from './mapping';
import type { Tracking, WritebackState } from './journal';
import { payloadHash } from './journal';
import {
  attention,
  isDue,
  record,
  resolve,
  throwIfCancelled,
  writebackKey,
  type RunContext,
} from './context';
import { isCancelled } from './sleep';
import { errorMessage } from '../../../protocol/errorMessage';

const str = (v: unknown): string =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
const arr = (v: unknown): Row[] =>
  Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Row[]) : [];
const STARSHIPIT_CURSOR_OVERLAP_MS = 10 * 60_000;
const PAGE = 250;

const LABELLED = new Set(['printed', 'shipped', 'delivered', 'dispatched']);
const DISPATCHED = new Set(['shipped', 'delivered', 'dispatched']);

export async function runWriteback(ctx: RunContext, opts: { retryOnly: boolean }): Promise<void> {
  const s = ctx.settings;
  if (!s.writeback.enabled) {
    ctx.emit({
      type: 'log',
      level: 'info',
      message: 'writeback.enabled is false: nothing written back',
    });
    return;
  }
  const dryOutbox = new Map<string, WritebackState>();
  if (!opts.retryOnly) await poll(ctx, dryOutbox);

  const outbox = new Map<string, WritebackState>();
  for (const w of ctx.journal.state.writebacks.values())
    if (w.state !== 'done') outbox.set(w.orderNumber, w);
  for (const w of dryOutbox.values()) outbox.set(w.orderNumber, w);
  // Deliveries run side by side (each Cin7 call still goes through the limiter and the
  // concurrency cap); every flow finishes before the run ends.
  let done = 0;
  const cap = pLimit(Math.max(1, s.engine.concurrency) * 2);
  const results = await Promise.allSettled(
    [...outbox.values()].map((w) =>
      cap(async () => {
        throwIfCancelled(ctx);
        const parked = ctx.journal.state.attention.get(writebackKey(w.orderNumber));
        // Not due: a data rejection waits for a change (or `retry`), a transient one for its backoff.
        if (parked && !isDue(parked, writebackBasis(ctx, w), opts.retryOnly)) return;
        if (ctx.onlyOrderNumbers && !ctx.onlyOrderNumbers.has(w.orderNumber)) return;
        try {
          await deliver(ctx, w);
        } catch (err) {
          if (isCancelled(err) || ctx.signal?.aborted) throw err;
          const transient = isTransient(err);
          await attention(ctx, {
            kind: 'writeback',
            key: writebackKey(w.orderNumber),
            orderNumber: w.orderNumber,
            saleId: w.saleId,
            taskId: w.taskId,
            code: transient ? 'dear-unavailable' : 'dear-rejected',
            reason: `${w.orderNumber}: ${errorMessage(err)}`,
            retryable: transient,
            basis: writebackBasis(ctx, w),
          });
        }
        ctx.emit({ type: 'progress', phase: 'writeback', done: ++done, total: outbox.size });
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Fingerprint of the settings a writeback depends on (the Cin7 carrier its Starshipit courier
 * maps to, auto pick/pack): changing them, e.g. fixing a courier mapping, retries a parked one.
 */
function writebackBasis(ctx: RunContext, w: WritebackState): string {
  const s = ctx.settings.writeback;
  return payloadHash({
    carrier: carrierFor(w.carrierCode, ctx.settings),
    autoPickPack: s.autoPickPack,
  });
}

async function poll(ctx: RunContext, dryOutbox: Map<string, WritebackState>): Promise<void> {
  const st = ctx.journal.state;
  // Nothing imported (or attempted) yet: nothing of ours can have a label.
  if (st.orders.size === 0) return;
  const pollStart = new Date().toISOString();
  let cursor = st.cursors.starshipit;
  if (!cursor) {
    cursor = pollStart;
    for (const o of st.orders.values()) if (o.at < cursor) cursor = o.at;
  }
  const since = new Date(Date.parse(cursor) - STARSHIPIT_CURSOR_OVERLAP_MS).toISOString();
  let page = 1;
  for (;;) {
    throwIfCancelled(ctx);
    const r = await ctx.starshipit.shipped({ since, page, limit: PAGE });
    ctx.emit({ type: 'progress', phase: 'poll', done: page, total: r.totalPages });
    for (const o of r.orders) await consider(ctx, o, dryOutbox);
    if (page >= r.totalPages || r.orders.length < PAGE) break;
    page++;
  }
  await record(ctx, { t: 'cursor', name: 'starshipit', value: pollStart });
  if (!ctx.dryRun) crashPoint('after-cursor');
}

function sameTracking(a: Tracking[] | undefined, b: Tracking[]): boolean {
  if (!a || a.length !== b.length) return false;
  const x = a.map((t) => t.number).sort();
  const y = b.map((t) => t.number).sort();
  return x.every((v, i) => v === y[i]);
}

async function consider(
  ctx: RunContext,
  o: Row,
  dryOutbox: Map<string, WritebackState>,
): Promise<void> {
  const orderNumber = str(o.order_number);
  const ours = ctx.journal.state.orders.get(orderNumber);
  if (!ours) return; // not imported by this engine
  if (ours.state === 'intent' && !ctx.dryRun) {
    // Our create's outcome was unknown, and here is the order with a label: it exists. Record it
    // now, or the cursor would move past this label before the import reconciles the intent.
    await record(ctx, {
      t: 'created',
      orderNumber,
      saleId: ours.saleId,
      taskId: ours.taskId,
      orderId: typeof o.order_id === 'number' ? o.order_id : undefined,
      outcome: 'alreadyPresent',
      at: new Date().toISOString(),
    });
    ctx.counters.alreadyPresent++;
  }
  const status = str(o.status).toLowerCase();
  const wanted = ctx.settings.writeback.when === 'dispatched' ? DISPATCHED : LABELLED;
  if (!wanted.has(status)) return;
  const packages = arr(o.packages);
  const tracking: Tracking[] = packages
    .filter((p) => str(p.tracking_number))
    .map((p) => ({
      number: str(p.tracking_number),
      ...(str(p.tracking_url) ? { url: str(p.tracking_url) } : {}),
    }));
  if (tracking.length === 0) return; // no label yet
  const prev = ctx.journal.state.writebacks.get(orderNumber);
  if (
    prev &&
    (prev.state === 'done'
      ? sameTracking(prev.doneTracking, tracking)
      : sameTracking(prev.tracking, tracking))
  )
    return;
  const labelDate = str(packages.find((p) => str(p.label_created_date))?.label_created_date);
  const shipDate = `${(labelDate || new Date().toISOString()).slice(0, 10)}T00:00:00`;
  const w: WritebackState = {
    orderNumber,
    saleId: ours.saleId,
    taskId: ours.taskId,
    carrierCode: str(o.carrier),
    tracking,
    shipDate,
    state: 'pending',
    doneTracking: prev?.doneTracking,
  };
  if (ctx.dryRun) dryOutbox.set(orderNumber, w);
  else
    await record(ctx, {
      t: 'wb-pending',
      orderNumber,
      saleId: ours.saleId,
      taskId: ours.taskId,
      carrierCode: w.carrierCode,
      tracking,
      shipDate,
      at: new Date().toISOString(),
    });
}

async function deliver(ctx: RunContext, w: WritebackState): Promise<void> {
  const s = ctx.settings;
  const key = writebackKey(w.orderNumber);
  const taskId = w.taskId;
  if (!taskId) {
    await attention(ctx, {
      kind: 'writeback',
      key,
      orderNumber: w.orderNumber,
      saleId: w.saleId,
      code: 'no-fulfilment',
      reason: `${w.orderNumber}: the sale had no fulfilment TaskID at import; write the tracking in Cin7 Core by hand`,
      retryable: false,
      basis: writebackBasis(ctx, w),
    });
    return;
  }
  const carrier = carrierFor(w.carrierCode, s);
  const order = ctx.journal.state.orders.get(w.orderNumber);
  let boxes = order?.packAuthorised ? (order.boxes ?? ['Box 1']) : undefined;

  // A ship call whose outcome is unknown, or a reprint after a written label: read the ship stage.
  if (w.state === 'sending' || w.doneTracking) {
    const ship = await ctx.dear.ship(taskId);
    if (await settleFromShip(ctx, w, ship, carrier, boxes)) return;
  }
  if (!boxes) {
    const fulfilments = await ctx.dear.fulfilments(w.saleId);
    const f = fulfilments.find((x) => str(x.TaskID) === taskId);
    if (!f)
      throw new ApiCallError(
        'dear',
        `GET sale/fulfilment?SaleID=${w.saleId}`,
        'permanent',
        `fulfilment ${taskId} not found`,
      );
    const ship = (f.Ship ?? {}) as Row;
    if (
      str(ship.Status) === 'AUTHORISED' &&
      (await settleFromShip(ctx, w, ship, carrier, undefined))
    )
      return;
    const pack = (f.Pack ?? {}) as Row;
    if (str(pack.Status) === 'AUTHORISED') {
      boxes = [
        ...new Set(
          arr(pack.Lines)
            .map((l) => str(l.Box))
            .filter(Boolean),
        ),
      ];
      if (!boxes.length) boxes = ['Box 1'];
      await record(ctx, { t: 'pack', orderNumber: w.orderNumber, boxes, packAuthorised: true });
    } else if (!s.writeback.autoPickPack) {
      await attention(ctx, {
        kind: 'writeback',
        key,
        orderNumber: w.orderNumber,
        saleId: w.saleId,
        taskId,
        code: 'pack-not-authorised',
        reason: `${w.orderNumber}: the fulfilment's pack is ${str(pack.Status) || 'NOT AVAILABLE'} in Cin7 Core, so it cannot be shipped; authorise pick and pack, or set writeback.autoPickPack: true`,
        retryable: true,
        basis: writebackBasis(ctx, w),
      });
      return;
    } else {
      boxes = await pickAndPack(ctx, w, taskId, f);
      if (!boxes) return; // dry run counted the planned calls
    }
  }
  const body = shipBody({ taskId, carrier, boxes, tracking: w.tracking, shipDate: w.shipDate });
  await sendShip(ctx, w, body, 'POST', carrier);
}

async function pickAndPack(
  ctx: RunContext,
  w: WritebackState,
  taskId: string,
  f: Row,
): Promise<string[] | undefined> {
  const pick = (f.Pick ?? {}) as Row;
  let pickLines = arr(pick.Lines);
  if (ctx.dryRun) {
    ctx.counters.plannedDearWrites += str(pick.Status) === 'AUTHORISED' ? 1 : 2;
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `${w.orderNumber}: would auto-pick and pack fulfilment ${taskId} before shipping (writeback.autoPickPack)`,
    });
    const body = shipBody({
      taskId,
      carrier: carrierFor(w.carrierCode, ctx.settings),
      boxes: ['Box 1'],
      tracking: w.tracking,
      shipDate: w.shipDate,
    });
    emitWriteback(ctx, w, body);
    return undefined;
  }
  if (str(pick.Status) !== 'AUTHORISED') {
    try {
      const picked = await ctx.dear.autoPick(taskId);
      if (arr(picked.Lines).length) pickLines = arr(picked.Lines);
    } catch (err) {
      if (!(err instanceof ApiCallError && /Status is AUTHORISED/i.test(err.detail))) throw err;
    }
    if (!pickLines.length) {
      const again = (await ctx.dear.fulfilments(w.saleId)).find((x) => str(x.TaskID) === taskId);
      pickLines = arr(((again?.Pick ?? {}) as Row).Lines);
    }
  }
  const boxes = ['Box 1'];
  const lines = pickLines.map((l) => ({
    ProductID: l.ProductID,
    SKU: l.SKU,
    Name: l.Name,
    Location: l.Location,
    LocationID: l.LocationID,
    Quantity: l.Quantity,
    BatchSN: l.BatchSN ?? null,
    ExpiryDate: l.ExpiryDate ?? null,
    NonInventory: l.NonInventory ?? false,
    Box: boxes[0],
  }));
  try {
    // A DRAFT pack already has lines: replace them (PUT) rather than add to them (POST).
    await ctx.dear.writePack(
      { TaskID: taskId, Status: 'AUTHORISED', Lines: lines },
      str(((f.Pack ?? {}) as Row).Status) === 'DRAFT' ? 'PUT' : 'POST',
    );
  } catch (err) {
    if (!(err instanceof ApiCallError && /Status is AUTHORISED/i.test(err.detail))) throw err;
  }
  await record(ctx, { t: 'pack', orderNumber: w.orderNumber, boxes, packAuthorised: true });
  return boxes;
}

function emitWriteback(
  ctx: RunContext,
  w: WritebackState,
  body: Record<string, unknown>,
  outcome?: 'written' | 'alreadyDone',
): void {
  ctx.emit({
    type: 'writeback',
    orderNumber: w.orderNumber,
    taskId: w.taskId ?? '',
    dear: body,
    dryRun: ctx.dryRun,
    ...(outcome ? { outcome } : {}),
  });
  ctx.counters.writtenBack++;
}

/** Cin7 Core holds our tracking: journal it as done (a live run), clear any parked entry, report it. */
async function finishWriteback(
  ctx: RunContext,
  w: WritebackState,
  body: Record<string, unknown>,
  outcome: 'written' | 'alreadyDone',
): Promise<void> {
  if (!ctx.dryRun) {
    await record(ctx, {
      t: 'wb-done',
      orderNumber: w.orderNumber,
      outcome,
      tracking: w.tracking,
      at: new Date().toISOString(),
    });
    crashPoint('after-journal-writeback');
  }
  await resolve(ctx, writebackKey(w.orderNumber));
  emitWriteback(ctx, w, body, outcome);
}

/** A ship stage that Cin7 Core treats as shipped (wholly or in part). */
function isShipAuthorised(ship: Row): boolean {
  const status = str(ship.Status);
  return status === 'AUTHORISED' || status === 'PARTIALLY AUTHORISED';
}

/** Decides from the stored ship stage. True when nothing more is to be sent. */
async function settleFromShip(
  ctx: RunContext,
  w: WritebackState,
  ship: Row,
  carrier: string,
  boxes: string[] | undefined,
): Promise<boolean> {
  const lines = arr(ship.Lines);
  const authorised = isShipAuthorised(ship);
  if (!authorised) return false;
  const stored = storedTracking(lines);
  if (w.tracking.every((t) => stored.has(t.number))) {
    const shipBoxes = boxes ?? [...new Set(lines.map((l) => str(l.Boxes)).filter(Boolean))];
    const body = shipBody({
      taskId: w.taskId ?? '',
      carrier,
      boxes: shipBoxes,
      tracking: w.tracking,
      shipDate: w.shipDate,
    });
    await finishWriteback(ctx, w, body, 'alreadyDone');
    return true;
  }
  // Authorised with other tracking (a reprint, or shipped by hand): add ours to the stored lines.
  const body = addTrackingBody({
    taskId: w.taskId ?? '',
    carrier,
    shipLines: lines,
    tracking: w.tracking,
  });
  await sendShip(ctx, w, body, 'PUT', carrier);
  return true;
}

async function sendShip(
  ctx: RunContext,
  w: WritebackState,
  body: Record<string, unknown>,
  method: 'POST' | 'PUT',
  carrier: string,
): Promise<void> {
  if (ctx.dryRun) {
    ctx.counters.plannedDearWrites++;
    emitWriteback(ctx, w, body);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(ctx);
    await record(ctx, {
      t: 'wb-sending',
      orderNumber: w.orderNumber,
      method,
      at: new Date().toISOString(),
    });
    crashPoint('before-dear-ship');
    try {
      await ctx.dear.postShip(body, method);
      crashPoint('after-dear-ship');
      await finishWriteback(ctx, w, body, 'written');
      return;
    } catch (err) {
      if (!(err instanceof ApiCallError)) throw err;
      const authorisedAlready =
        err.failure === 'permanent' && /Status is AUTHORISED/i.test(err.detail);
      if (err.failure !== 'unknown-outcome' && !authorisedAlready) throw err;
      if (attempt >= ctx.settings.engine.maxRetries) throw err;
      // Unknown outcome or already shipped: read what Cin7 Core holds before sending anything.
      const ship = await ctx.dear.ship(w.taskId ?? '');
      const lines = arr(ship.Lines);
      const stored = storedTracking(lines);
      const authorised = isShipAuthorised(ship);
      if (authorised && w.tracking.every((t) => stored.has(t.number))) {
        await finishWriteback(
          ctx,
          w,
          body,
          authorisedAlready && method === 'POST' ? 'alreadyDone' : 'written',
        );
        return;
      }
      if (authorised) {
        method = 'PUT';
        body = addTrackingBody({
          taskId: w.taskId ?? '',
          carrier,
          shipLines: lines,
          tracking: w.tracking,
        });
      }
    }
  }
}
