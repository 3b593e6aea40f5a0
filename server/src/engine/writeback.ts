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
import { DEFAULT_ACCOUNT } from '../../../protocol/settings';
import { objectsOf, trimmedText } from './coerce';

/** The needs-attention key of an account's label poll (one per account, not per order). */
const pollKey = (account: string): string => `writeback-poll:${account}`;

/**
 * Polls each Starshipit account's lists from its own cursors; one report for the run. A list that
 * cannot be read (after the runner's retries) needs attention for that account; its cursor stays
 * where it was, the other accounts and the writebacks already in the outbox still go ahead, and
 * the next poll that reads the lists clears it.
 */
async function pollEveryAccount(
  ctx: RunContext,
  dryOutbox: Map<string, WritebackState>,
  retryOnly: boolean,
): Promise<PollReport> {
  const all: PollReport = { ours: new Set(), queued: new Set(), reasons: new Map() };
  for (const account of ctx.accounts) {
    // `retry` polls only the accounts whose lists could not be read before.
    if (retryOnly && !ctx.journal.state.attention.has(pollKey(account.name))) continue;
    const polled = await pollAccount(ctx, account.name, dryOutbox);
    if (!polled) continue;
    for (const orderNumber of polled.ours) all.ours.add(orderNumber);
    for (const orderNumber of polled.queued) all.queued.add(orderNumber);
    for (const [reason, numbers] of polled.reasons) {
      const into = all.reasons.get(reason) ?? new Set<string>();
      for (const orderNumber of numbers) into.add(orderNumber);
      all.reasons.set(reason, into);
    }
  }
  return all;
}

async function pollAccount(
  ctx: RunContext,
  account: string,
  dryOutbox: Map<string, WritebackState>,
): Promise<PollReport | undefined> {
  try {
    const polled = await pollLabels(accountView(ctx, account), dryOutbox);
    await resolve(ctx, pollKey(account));
    return polled;
  } catch (err) {
    if (isCancelled(err) || ctx.signal?.aborted || !(err instanceof ApiCallError)) throw err;
    const named = account === DEFAULT_ACCOUNT ? '' : ` (account ${account})`;
    await attention(ctx, {
      kind: 'writeback',
      key: pollKey(account),
      code: 'poll-failed',
      reason: `could not read the Starshipit label lists${named}: ${errorMessage(err)}; the poll cursor stays, the next run reads the lists again`,
      retryable: isTransient(err),
    });
    return undefined;
  }
}

export async function runWriteback(ctx: RunContext, opts: { retryOnly: boolean }): Promise<void> {
  const settings = ctx.settings;
  if (!settings.writeback.enabled) {
    ctx.emit({
      type: 'log',
      level: 'info',
      message: 'writeback.enabled is false: nothing written back',
    });
    return;
  }
  const dryOutbox = new Map<string, WritebackState>();
  const polled = await pollEveryAccount(ctx, dryOutbox, opts.retryOnly);
  const report = opts.retryOnly ? undefined : polled;

  const outbox = new Map<string, WritebackState>();
  for (const writeback of ctx.journal.state.writebacks.values())
    if (writeback.state !== 'done') outbox.set(writeback.orderNumber, writeback);
  for (const writeback of dryOutbox.values()) outbox.set(writeback.orderNumber, writeback);
  if (outbox.size > 0) await checkApi(ctx, 'dear');
  // Deliveries run side by side (each Cin7 call still goes through the limiter and the
  // concurrency cap); every flow finishes before the run ends.
  let done = 0;
  const cap = pLimit(Math.max(1, settings.engine.concurrency) * 2);
  const results = await Promise.allSettled(
    [...outbox.values()].map((writeback) =>
      cap(async () => {
        throwIfCancelled(ctx);
        const parked = ctx.journal.state.attention.get(writebackKey(writeback.orderNumber));
        // Not due: a data rejection waits for a change (or `retry`), a transient one for its backoff.
        if (parked && !isDue(parked, writebackBasis(ctx, writeback), opts.retryOnly)) return;
        if (ctx.onlyOrderNumbers && !ctx.onlyOrderNumbers.has(writeback.orderNumber)) return;
        try {
          await deliver(ctx, writeback);
        } catch (err) {
          if (isCancelled(err) || ctx.signal?.aborted) throw err;
          const transient = isTransient(err);
          const overflow = err instanceof TrackingOverflow;
          await attention(ctx, {
            kind: 'writeback',
            key: writebackKey(writeback.orderNumber),
            orderNumber: writeback.orderNumber,
            saleId: writeback.saleId,
            taskId: writeback.taskId,
            code: overflow ? 'tracking-too-long' : transient ? 'dear-unavailable' : 'dear-rejected',
            reason: `${writeback.orderNumber}: ${errorMessage(err)}${overflow ? '; write the tracking numbers in Cin7 Core by hand' : ''}`,
            retryable: !overflow && transient,
            basis: writebackBasis(ctx, writeback),
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
function writebackBasis(ctx: RunContext, writeback: WritebackState): string {
  const settings = ctx.settings.writeback;
  return payloadHash({
    carrier: carrierFor(writeback.carrierCode, ctx.settings),
    autoPickPack: settings.autoPickPack,
  });
}

async function deliver(
  ctx: RunContext,
  writeback: WritebackState,
  refreshed = false,
): Promise<void> {
  const carrier = carrierFor(writeback.carrierCode, ctx.settings);
  const order = ctx.journal.state.orders.get(writeback.orderNumber);
  let boxes = writeback.taskId && order?.packAuthorised ? (order.boxes ?? ['Box 1']) : undefined;

  // A ship call whose outcome is unknown, or a reprint after a written label: read the ship stage.
  if (writeback.taskId && (writeback.state === 'sending' || writeback.doneTracking)) {
    const ship = await ctx.dear.ship(writeback.taskId);
    if (await settleFromShip(ctx, writeback, ship, carrier, boxes)) return;
  }
  if (!boxes) {
    const packed = await packedBoxes(ctx, writeback, carrier);
    if (!packed) return;
    ({ writeback, boxes } = packed);
  }
  const body = shipBody({
    taskId: writeback.taskId ?? '',
    carrier,
    boxes,
    tracking: writeback.tracking,
    shipDate: writeback.shipDate,
  });
  try {
    await sendShip(ctx, writeback, body, 'POST', carrier);
  } catch (err) {
    if (refreshed || !(err instanceof ApiCallError) || err.failure !== 'permanent') throw err;
    await redeliverToOpenFulfilment(ctx, writeback, err);
  }
}

/**
 * The boxes to ship, read from the sale's fulfilments: the label's fulfilment (or the open one,
 * journaled as the label's), its authorised pack, or a pick and pack (`writeback.autoPickPack`).
 * Undefined when the writeback is settled, parked, or (dry run) only counted.
 */
async function packedBoxes(
  ctx: RunContext,
  writeback: WritebackState,
  carrier: string,
): Promise<{ writeback: WritebackState; boxes: string[] } | undefined> {
  const fulfilments = await ctx.dear.fulfilments(writeback.saleId);
  const known = fulfilments.find(
    (x) => writeback.taskId && trimmedText(x.TaskID) === writeback.taskId,
  );
  let fulfilment = known && !isVoided(known) ? known : undefined;
  if (!fulfilment) {
    fulfilment = openFulfilment(fulfilments);
    if (!fulfilment) {
      await parkNoFulfilment(ctx, writeback, fulfilments);
      return undefined;
    }
    writeback = await switchTask(ctx, writeback, trimmedText(fulfilment.TaskID));
  }
  const taskId = writeback.taskId ?? '';
  const ship = stageOf(fulfilment, 'Ship');
  if (
    ship.status === 'AUTHORISED' &&
    (await settleFromShip(ctx, writeback, fulfilment.Ship as Row, carrier, undefined))
  )
    return undefined;
  const pack = stageOf(fulfilment, 'Pack');
  if (pack.status === 'AUTHORISED') {
    const named = [...new Set(pack.lines.map((l) => trimmedText(l.Box)).filter(Boolean))];
    const boxes = named.length ? named : ['Box 1'];
    await record(ctx, {
      t: 'pack',
      orderNumber: writeback.orderNumber,
      boxes,
      packAuthorised: true,
    });
    return { writeback, boxes };
  }
  if (!ctx.settings.writeback.autoPickPack) {
    await parkUnpacked(ctx, writeback, taskId, pack.status);
    return undefined;
  }
  const boxes = await pickAndPack(ctx, writeback, taskId, fulfilment);
  return boxes ? { writeback, boxes } : undefined; // dry run counted the planned calls
}

async function parkUnpacked(
  ctx: RunContext,
  writeback: WritebackState,
  taskId: string,
  packStatus: string,
): Promise<void> {
  await attention(ctx, {
    kind: 'writeback',
    key: writebackKey(writeback.orderNumber),
    orderNumber: writeback.orderNumber,
    saleId: writeback.saleId,
    taskId,
    code: 'pack-not-authorised',
    reason: `${writeback.orderNumber}: the fulfilment's pack is ${packStatus || 'NOT AVAILABLE'} in Cin7 Core, so it cannot be shipped; authorise pick and pack, or set writeback.autoPickPack: true`,
    retryable: true,
    basis: writebackBasis(ctx, writeback),
  });
}

/**
 * A TaskID known from import can go stale (the fulfilment voided or re-created): after a refused
 * ship, one read of the sale's fulfilments decides, and only on this failure path. A current
 * fulfilment keeps the refusal; otherwise the label goes to the open one (once).
 */
async function redeliverToOpenFulfilment(
  ctx: RunContext,
  writeback: WritebackState,
  refusal: ApiCallError,
): Promise<void> {
  const fulfilments = await ctx.dear.fulfilments(writeback.saleId);
  const current = fulfilments.find((x) => trimmedText(x.TaskID) === writeback.taskId);
  if (current && !isVoided(current)) throw refusal;
  const open = openFulfilment(fulfilments);
  if (!open) return parkNoFulfilment(ctx, writeback, fulfilments);
  await deliver(ctx, await switchTask(ctx, writeback, trimmedText(open.TaskID)), true);
}

function isVoided(fulfilment: Row): boolean {
  return (
    trimmedText(fulfilment.FulFilmentStatus) === 'VOIDED' ||
    stageOf(fulfilment, 'Pick').status === 'VOIDED'
  );
}

/** Journal the fulfilment the label now goes to (pack boxes of the old one no longer apply). */
async function switchTask(
  ctx: RunContext,
  writeback: WritebackState,
  taskId: string,
): Promise<WritebackState> {
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${writeback.orderNumber}: ${writeback.taskId ? `fulfilment ${writeback.taskId} is gone or voided` : 'no fulfilment was known at import'}; writing to the open fulfilment ${taskId}`,
  });
  await record(ctx, { t: 'task', orderNumber: writeback.orderNumber, taskId });
  return { ...writeback, taskId };
}

async function parkNoFulfilment(
  ctx: RunContext,
  writeback: WritebackState,
  fulfilments: Row[],
): Promise<void> {
  const seen = fulfilments.length
    ? `its fulfilments are ${fulfilments.map((f) => `${trimmedText(f.FulfillmentNumber) || '?'}: ${trimmedText(f.FulFilmentStatus) || 'unknown'}, ship ${stageOf(f, 'Ship').status || 'unknown'}`).join('; ')}`
    : 'it has no fulfilment yet (order not authorised?)';
  await attention(ctx, {
    kind: 'writeback',
    key: writebackKey(writeback.orderNumber),
    orderNumber: writeback.orderNumber,
    saleId: writeback.saleId,
    taskId: writeback.taskId,
    code: 'no-fulfilment',
    reason: `${writeback.orderNumber}: the sale has no open fulfilment in Cin7 Core to write the tracking to (${seen}); authorise the order or add a fulfilment, then retry`,
    retryable: true,
    basis: writebackBasis(ctx, writeback),
  });
}

async function pickAndPack(
  ctx: RunContext,
  writeback: WritebackState,
  taskId: string,
  fulfilment: Row,
): Promise<string[] | undefined> {
  const pick = (fulfilment.Pick ?? {}) as Row;
  let pickLines = objectsOf(pick.Lines);
  if (ctx.dryRun) {
    planPickAndPack(ctx, writeback, taskId, trimmedText(pick.Status) === 'AUTHORISED');
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
      const again = (await ctx.dear.fulfilments(writeback.saleId)).find(
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
      trimmedText(((fulfilment.Pack ?? {}) as Row).Status) === 'DRAFT' ? 'PUT' : 'POST',
    );
  } catch (err) {
    if (!(err instanceof ApiCallError && /Status is AUTHORISED/i.test(err.detail))) throw err;
  }
  await record(ctx, { t: 'pack', orderNumber: writeback.orderNumber, boxes, packAuthorised: true });
  return boxes;
}

/** Dry run: counts the pick (unless authorised) and pack writes, and shows the ship it would send. */
function planPickAndPack(
  ctx: RunContext,
  writeback: WritebackState,
  taskId: string,
  picked: boolean,
): void {
  ctx.counters.plannedDearWrites += picked ? 1 : 2;
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${writeback.orderNumber}: would auto-pick and pack fulfilment ${taskId} before shipping (writeback.autoPickPack)`,
  });
  const body = shipBody({
    taskId,
    carrier: carrierFor(writeback.carrierCode, ctx.settings),
    boxes: ['Box 1'],
    tracking: writeback.tracking,
    shipDate: writeback.shipDate,
  });
  emitWriteback(ctx, writeback, body);
}

/** The pack lines of an auto-pack: every picked line, all in one box. */
function packLines(pickLines: Row[], box: string): Row[] {
  return pickLines.map((line) => ({
    ProductID: line.ProductID,
    SKU: line.SKU,
    Name: line.Name,
    Location: line.Location,
    LocationID: line.LocationID,
    Quantity: line.Quantity,
    BatchSN: line.BatchSN ?? null,
    ExpiryDate: line.ExpiryDate ?? null,
    NonInventory: line.NonInventory ?? false,
    Box: box,
  }));
}

function emitWriteback(
  ctx: RunContext,
  writeback: WritebackState,
  body: Record<string, unknown>,
  outcome?: 'written' | 'alreadyDone',
): void {
  ctx.emit({
    type: 'writeback',
    orderNumber: writeback.orderNumber,
    taskId: writeback.taskId ?? '',
    dear: body,
    dryRun: ctx.dryRun,
    ...(outcome ? { outcome } : {}),
  });
  ctx.counters.writtenBack++;
}

/** Cin7 Core holds our tracking: journal it as done (a live run), clear any parked entry, report it. */
async function finishWriteback(
  ctx: RunContext,
  writeback: WritebackState,
  body: Record<string, unknown>,
  outcome: 'written' | 'alreadyDone',
): Promise<void> {
  if (!ctx.dryRun) {
    await record(ctx, {
      t: 'wb-done',
      orderNumber: writeback.orderNumber,
      outcome,
      tracking: writeback.tracking,
      at: new Date().toISOString(),
    });
    crashPoint('after-journal-writeback');
  }
  await resolve(ctx, writebackKey(writeback.orderNumber));
  emitWriteback(ctx, writeback, body, outcome);
}

/** A ship stage that Cin7 Core treats as shipped (wholly or in part). */
function isShipAuthorised(ship: Row): boolean {
  const status = trimmedText(ship.Status);
  return status === 'AUTHORISED' || status === 'PARTIALLY AUTHORISED';
}

/** Decides from the stored ship stage. True when nothing more is to be sent. */
async function settleFromShip(
  ctx: RunContext,
  writeback: WritebackState,
  ship: Row,
  carrier: string,
  boxes: string[] | undefined,
): Promise<boolean> {
  const lines = objectsOf(ship.Lines);
  const authorised = isShipAuthorised(ship);
  if (!authorised) return false;
  const stored = storedTracking(lines);
  if (writeback.tracking.every((t) => stored.has(t.number))) {
    const shipBoxes = boxes ?? [...new Set(lines.map((l) => trimmedText(l.Boxes)).filter(Boolean))];
    const body = shipBody({
      taskId: writeback.taskId ?? '',
      carrier,
      boxes: shipBoxes,
      tracking: writeback.tracking,
      shipDate: writeback.shipDate,
    });
    await finishWriteback(ctx, writeback, body, 'alreadyDone');
    return true;
  }
  // Authorised with other tracking (a reprint, or shipped by hand): add ours to the stored lines.
  const body = addTrackingBody({
    taskId: writeback.taskId ?? '',
    carrier,
    shipLines: lines,
    tracking: writeback.tracking,
    shipDate: writeback.shipDate,
  });
  await sendShip(ctx, writeback, body, 'PUT', carrier);
  return true;
}

async function sendShip(
  ctx: RunContext,
  writeback: WritebackState,
  body: Record<string, unknown>,
  method: 'POST' | 'PUT',
  carrier: string,
): Promise<void> {
  if (ctx.dryRun) {
    ctx.counters.plannedDearWrites++;
    emitWriteback(ctx, writeback, body);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(ctx);
    await record(ctx, {
      t: 'wb-sending',
      orderNumber: writeback.orderNumber,
      method,
      at: new Date().toISOString(),
    });
    crashPoint('before-dear-ship');
    try {
      await ctx.dear.postShip(body, method);
      crashPoint('after-dear-ship');
      await finishWriteback(ctx, writeback, body, 'written');
      return;
    } catch (err) {
      if (!(err instanceof ApiCallError)) throw err;
      const authorisedAlready =
        err.failure === 'permanent' && /Status is AUTHORISED/i.test(err.detail);
      if (err.failure !== 'unknown-outcome' && !authorisedAlready) throw err;
      if (attempt >= ctx.settings.engine.maxRetries) throw err;
      // Unknown outcome or already shipped: read what Cin7 Core holds before sending anything.
      const ship = await ctx.dear.ship(writeback.taskId ?? '');
      const lines = objectsOf(ship.Lines);
      const stored = storedTracking(lines);
      const authorised = isShipAuthorised(ship);
      if (authorised && writeback.tracking.every((t) => stored.has(t.number))) {
        await finishWriteback(
          ctx,
          writeback,
          body,
          authorisedAlready && method === 'POST' ? 'alreadyDone' : 'written',
        );
        return;
      }
      if (authorised) {
        method = 'PUT';
        body = addTrackingBody({
          taskId: writeback.taskId ?? '',
          carrier,
          shipLines: lines,
          tracking: writeback.tracking,
          shipDate: writeback.shipDate,
        });
      }
    }
  }
}
