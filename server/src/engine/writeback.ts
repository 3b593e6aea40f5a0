/**
 * Writeback: Starshipit labels → Cin7 Core shipments, exactly once, none lost.
 *
 * Poll (labels.ts): the printed listing and the shipped list from durable cursors. Each label on
 * an order this engine imported becomes an outbox record (`wb-pending`) fsynced before the cursor
 * moves past it, so a crash can only re-deliver, never lose, a label.
 *
 * Deliver: one Cin7 call when the pack was authorised at import (box names kept in the journal);
 * otherwise read the fulfilments first, and with `writeback.autoPickPack` pick (AUTOPICK) and pack.
 * A missing or stale fulfilment TaskID (a sale imported before it had a fulfilment, a fulfilment
 * voided and re-created) is replaced by the sale's open fulfilment, read in that same call.
 * A `wb-sending` record precedes every ship call. After an unknown outcome (crash, timeout, reset,
 * 5xx) or a "Status is AUTHORISED" answer, the ship stage is read: AUTHORISED with our tracking =
 * done; AUTHORISED with other tracking = `PUT … AddTrackingNumbers: true`; not authorised = send.
 */
import pLimit from 'p-limit';
import type { Row } from './dearClient';
import { ApiCallError, isTransient } from './apiRunner';
import { crashPoint } from './crash';
import { addTrackingBody, carrierFor, shipBody, storedTracking, TrackingOverflow } from './mapping';
import { openFulfilment, stageOf } from './wire/cin7';
import type { WritebackState } from './journal';
import { payloadHash } from './journal';
import {
  accountView,
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
import { nothingWrittenNote, pollLabels, type PollReport } from './labels';
import { checkApi } from './preflight';
import { objectsOf, trimmedText } from './coerce';

/** Polls each Starshipit account's lists from its own cursors; one report for the run. */
async function pollEveryAccount(
  ctx: RunContext,
  dryOutbox: Map<string, WritebackState>,
): Promise<PollReport> {
  const all: PollReport = { ours: new Set(), queued: new Set(), reasons: new Map() };
  for (const a of ctx.accounts) {
    const r = await pollLabels(accountView(ctx, a.name), dryOutbox);
    for (const n of r.ours) all.ours.add(n);
    for (const n of r.queued) all.queued.add(n);
    for (const [reason, numbers] of r.reasons) {
      const into = all.reasons.get(reason) ?? new Set<string>();
      for (const n of numbers) into.add(n);
      all.reasons.set(reason, into);
    }
  }
  return all;
}

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
  const report = opts.retryOnly ? undefined : await pollEveryAccount(ctx, dryOutbox);

  const outbox = new Map<string, WritebackState>();
  for (const w of ctx.journal.state.writebacks.values())
    if (w.state !== 'done') outbox.set(w.orderNumber, w);
  for (const w of dryOutbox.values()) outbox.set(w.orderNumber, w);
  if (outbox.size > 0) await checkApi(ctx, 'dear');
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
          const overflow = err instanceof TrackingOverflow;
          await attention(ctx, {
            kind: 'writeback',
            key: writebackKey(w.orderNumber),
            orderNumber: w.orderNumber,
            saleId: w.saleId,
            taskId: w.taskId,
            code: overflow ? 'tracking-too-long' : transient ? 'dear-unavailable' : 'dear-rejected',
            reason: `${w.orderNumber}: ${errorMessage(err)}${overflow ? '; write the tracking numbers in Cin7 Core by hand' : ''}`,
            retryable: !overflow && transient,
            basis: writebackBasis(ctx, w),
          });
        }
        ctx.emit({ type: 'progress', phase: 'writeback', done: ++done, total: outbox.size });
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const note = report && nothingWrittenNote(report, ctx.counters.writtenBack);
  if (note) {
    (ctx.counters.notes ??= []).push(note);
    ctx.emit({ type: 'log', level: 'warn', message: note });
  }
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

async function deliver(ctx: RunContext, w: WritebackState, refreshed = false): Promise<void> {
  const carrier = carrierFor(w.carrierCode, ctx.settings);
  const order = ctx.journal.state.orders.get(w.orderNumber);
  let boxes = w.taskId && order?.packAuthorised ? (order.boxes ?? ['Box 1']) : undefined;

  // A ship call whose outcome is unknown, or a reprint after a written label: read the ship stage.
  if (w.taskId && (w.state === 'sending' || w.doneTracking)) {
    const ship = await ctx.dear.ship(w.taskId);
    if (await settleFromShip(ctx, w, ship, carrier, boxes)) return;
  }
  if (!boxes) {
    const packed = await packedBoxes(ctx, w, carrier);
    if (!packed) return;
    ({ w, boxes } = packed);
  }
  const body = shipBody({
    taskId: w.taskId ?? '',
    carrier,
    boxes,
    tracking: w.tracking,
    shipDate: w.shipDate,
  });
  try {
    await sendShip(ctx, w, body, 'POST', carrier);
  } catch (err) {
    if (refreshed || !(err instanceof ApiCallError) || err.failure !== 'permanent') throw err;
    await redeliverToOpenFulfilment(ctx, w, err);
  }
}

/**
 * The boxes to ship, read from the sale's fulfilments: the label's fulfilment (or the open one,
 * journaled as the label's), its authorised pack, or a pick and pack (`writeback.autoPickPack`).
 * Undefined when the writeback is settled, parked, or (dry run) only counted.
 */
async function packedBoxes(
  ctx: RunContext,
  w: WritebackState,
  carrier: string,
): Promise<{ w: WritebackState; boxes: string[] } | undefined> {
  const fulfilments = await ctx.dear.fulfilments(w.saleId);
  const known = fulfilments.find((x) => w.taskId && trimmedText(x.TaskID) === w.taskId);
  let f = known && !isVoided(known) ? known : undefined;
  if (!f) {
    f = openFulfilment(fulfilments);
    if (!f) {
      await parkNoFulfilment(ctx, w, fulfilments);
      return undefined;
    }
    w = await switchTask(ctx, w, trimmedText(f.TaskID));
  }
  const taskId = w.taskId ?? '';
  const ship = stageOf(f, 'Ship');
  if (
    ship.status === 'AUTHORISED' &&
    (await settleFromShip(ctx, w, f.Ship as Row, carrier, undefined))
  )
    return undefined;
  const pack = stageOf(f, 'Pack');
  if (pack.status === 'AUTHORISED') {
    const named = [...new Set(pack.lines.map((l) => trimmedText(l.Box)).filter(Boolean))];
    const boxes = named.length ? named : ['Box 1'];
    await record(ctx, { t: 'pack', orderNumber: w.orderNumber, boxes, packAuthorised: true });
    return { w, boxes };
  }
  if (!ctx.settings.writeback.autoPickPack) {
    await parkUnpacked(ctx, w, taskId, pack.status);
    return undefined;
  }
  const boxes = await pickAndPack(ctx, w, taskId, f);
  return boxes ? { w, boxes } : undefined; // dry run counted the planned calls
}

async function parkUnpacked(
  ctx: RunContext,
  w: WritebackState,
  taskId: string,
  packStatus: string,
): Promise<void> {
  await attention(ctx, {
    kind: 'writeback',
    key: writebackKey(w.orderNumber),
    orderNumber: w.orderNumber,
    saleId: w.saleId,
    taskId,
    code: 'pack-not-authorised',
    reason: `${w.orderNumber}: the fulfilment's pack is ${packStatus || 'NOT AVAILABLE'} in Cin7 Core, so it cannot be shipped; authorise pick and pack, or set writeback.autoPickPack: true`,
    retryable: true,
    basis: writebackBasis(ctx, w),
  });
}

/**
 * A TaskID known from import can go stale (the fulfilment voided or re-created): after a refused
 * ship, one read of the sale's fulfilments decides, and only on this failure path. A current
 * fulfilment keeps the refusal; otherwise the label goes to the open one (once).
 */
async function redeliverToOpenFulfilment(
  ctx: RunContext,
  w: WritebackState,
  refusal: ApiCallError,
): Promise<void> {
  const fulfilments = await ctx.dear.fulfilments(w.saleId);
  const current = fulfilments.find((x) => trimmedText(x.TaskID) === w.taskId);
  if (current && !isVoided(current)) throw refusal;
  const open = openFulfilment(fulfilments);
  if (!open) return parkNoFulfilment(ctx, w, fulfilments);
  await deliver(ctx, await switchTask(ctx, w, trimmedText(open.TaskID)), true);
}

function isVoided(f: Row): boolean {
  return trimmedText(f.FulFilmentStatus) === 'VOIDED' || stageOf(f, 'Pick').status === 'VOIDED';
}

/** Journal the fulfilment the label now goes to (pack boxes of the old one no longer apply). */
async function switchTask(
  ctx: RunContext,
  w: WritebackState,
  taskId: string,
): Promise<WritebackState> {
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${w.orderNumber}: ${w.taskId ? `fulfilment ${w.taskId} is gone or voided` : 'no fulfilment was known at import'}; writing to the open fulfilment ${taskId}`,
  });
  await record(ctx, { t: 'task', orderNumber: w.orderNumber, taskId });
  return { ...w, taskId };
}

async function parkNoFulfilment(
  ctx: RunContext,
  w: WritebackState,
  fulfilments: Row[],
): Promise<void> {
  const seen = fulfilments.length
    ? `its fulfilments are ${fulfilments.map((f) => `${trimmedText(f.FulfillmentNumber) || '?'}: ${trimmedText(f.FulFilmentStatus) || 'unknown'}, ship ${stageOf(f, 'Ship').status || 'unknown'}`).join('; ')}`
    : 'it has no fulfilment yet (order not authorised?)';
  await attention(ctx, {
    kind: 'writeback',
    key: writebackKey(w.orderNumber),
    orderNumber: w.orderNumber,
    saleId: w.saleId,
    taskId: w.taskId,
    code: 'no-fulfilment',
    reason: `${w.orderNumber}: the sale has no open fulfilment in Cin7 Core to write the tracking to (${seen}); authorise the order or add a fulfilment, then retry`,
    retryable: true,
    basis: writebackBasis(ctx, w),
  });
}

async function pickAndPack(
  ctx: RunContext,
  w: WritebackState,
  taskId: string,
  f: Row,
): Promise<string[] | undefined> {
  const pick = (f.Pick ?? {}) as Row;
  let pickLines = objectsOf(pick.Lines);
  if (ctx.dryRun) {
    planPickAndPack(ctx, w, taskId, trimmedText(pick.Status) === 'AUTHORISED');
    return undefined;
  }
  if (trimmedText(pick.Status) !== 'AUTHORISED') {
    try {
      const picked = await ctx.dear.autoPick(taskId);
      if (objectsOf(picked.Lines).length) pickLines = objectsOf(picked.Lines);
    } catch (err) {
      if (!(err instanceof ApiCallError && /Status is AUTHORISED/i.test(err.detail))) throw err;
    }
    if (!pickLines.length) {
      const again = (await ctx.dear.fulfilments(w.saleId)).find(
        (x) => trimmedText(x.TaskID) === taskId,
      );
      pickLines = objectsOf(((again?.Pick ?? {}) as Row).Lines);
    }
  }
  const boxes = ['Box 1'];
  const lines = packLines(pickLines, boxes[0]);
  try {
    // A DRAFT pack already has lines: replace them (PUT) rather than add to them (POST).
    await ctx.dear.writePack(
      { TaskID: taskId, Status: 'AUTHORISED', Lines: lines },
      trimmedText(((f.Pack ?? {}) as Row).Status) === 'DRAFT' ? 'PUT' : 'POST',
    );
  } catch (err) {
    if (!(err instanceof ApiCallError && /Status is AUTHORISED/i.test(err.detail))) throw err;
  }
  await record(ctx, { t: 'pack', orderNumber: w.orderNumber, boxes, packAuthorised: true });
  return boxes;
}

/** Dry run: counts the pick (unless authorised) and pack writes, and shows the ship it would send. */
function planPickAndPack(
  ctx: RunContext,
  w: WritebackState,
  taskId: string,
  picked: boolean,
): void {
  ctx.counters.plannedDearWrites += picked ? 1 : 2;
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
}

/** The pack lines of an auto-pack: every picked line, all in one box. */
function packLines(pickLines: Row[], box: string): Row[] {
  return pickLines.map((l) => ({
    ProductID: l.ProductID,
    SKU: l.SKU,
    Name: l.Name,
    Location: l.Location,
    LocationID: l.LocationID,
    Quantity: l.Quantity,
    BatchSN: l.BatchSN ?? null,
    ExpiryDate: l.ExpiryDate ?? null,
    NonInventory: l.NonInventory ?? false,
    Box: box,
  }));
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
  const status = trimmedText(ship.Status);
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
  const lines = objectsOf(ship.Lines);
  const authorised = isShipAuthorised(ship);
  if (!authorised) return false;
  const stored = storedTracking(lines);
  if (w.tracking.every((t) => stored.has(t.number))) {
    const shipBoxes = boxes ?? [...new Set(lines.map((l) => trimmedText(l.Boxes)).filter(Boolean))];
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
    shipDate: w.shipDate,
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
      const lines = objectsOf(ship.Lines);
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
          shipDate: w.shipDate,
        });
      }
    }
  }
}
