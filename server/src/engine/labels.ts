/**
 * Finding the labels to write back (the poll half of the writeback).
 *
 * `writeback.when: dispatched` reads `GET /api/orders/shipped?since_last_updated=`.
 * `labelPrinted` also reads the printed listing, `GET /api/orders/shipments?status=recently_printed
 * &since_created_date=`, first: a printed order that is not manifested yet may not be in the shipped
 * list. Each list has its own durable cursor (minus an overlap).
 *
 * Shipped rows come as full orders or as flat summaries (one order-level tracking number, no
 * status, no packages); printed rows name the carrier only by display name. Whenever a row does not
 * carry the parcels, the order is read (`GET /api/orders?order_id=`) for its carrier code and every
 * tracking number, except when the row's tracking numbers were already written back.
 *
 * A row the engine cannot interpret becomes needs-attention with the shape it saw, and the cursor
 * of that list stays where it was, so the row is read again on the next run.
 */
import type { Tracking, WritebackState } from './journal';
import {
  accountField,
  accountOf,
  attention,
  record,
  resolve,
  throwIfCancelled,
  type RunContext,
} from './context';
import { trimmedText } from './coerce';
import { DEFAULT_ACCOUNT } from '../../../protocol/settings';
import { crashPoint } from './crash';
import {
  labelDate,
  packageTracking,
  readShipmentRow,
  readShippedRow,
  type StarshipitOrder,
} from './wire/starshipit';

const CURSOR_OVERLAP_MS = 10 * 60_000;
const PAGE = 250;
const LABELLED = new Set(['printed', 'shipped', 'delivered', 'dispatched']);
const DISPATCHED = new Set(['shipped', 'delivered', 'dispatched']);

/** What one poll saw, for the run summary's "why nothing was written back". */
export interface PollReport {
  /** Labelled orders of ours seen in the lists. */
  ours: Set<string>;
  /** Orders queued for writeback by this poll. */
  queued: Set<string>;
  /** Why a labelled order of ours was not queued → order numbers. */
  reasons: Map<string, Set<string>>;
}

interface Poll {
  ctx: RunContext;
  dryOutbox: Map<string, WritebackState>;
  report: PollReport;
  /** Order number → tracking numbers queued or confirmed in this poll (the lists overlap). */
  handled: Map<string, Set<string>>;
}

/** A label as the engine writes it back. */
interface Label {
  carrier: string;
  tracking: Tracking[];
  labelDate?: string;
}

export async function pollLabels(
  ctx: RunContext,
  dryOutbox: Map<string, WritebackState>,
): Promise<PollReport> {
  const report: PollReport = { ours: new Set(), queued: new Set(), reasons: new Map() };
  // Nothing imported (or attempted) into this account yet: nothing of ours can have a label.
  if (![...ctx.journal.state.orders.values()].some((o) => accountOf(o) === ctx.account))
    return report;
  const poll: Poll = { ctx, dryOutbox, report, handled: new Map() };
  if (ctx.settings.writeback.when === 'labelPrinted') await pollPrinted(poll);
  await pollShipped(poll);
  return report;
}

/** This account's cursor (the default account's are the journal's plain Starshipit cursors). */
function cursorOf(ctx: RunContext, name: 'starshipit' | 'starshipitPrinted'): string | undefined {
  return ctx.account === DEFAULT_ACCOUNT
    ? ctx.journal.state.cursors[name]
    : ctx.journal.state.accountCursors.get(ctx.account)?.[name];
}

function since(ctx: RunContext, name: 'starshipit' | 'starshipitPrinted', now: string): string {
  let cursor = cursorOf(ctx, name);
  if (!cursor) {
    cursor = now;
    for (const order of ctx.journal.state.orders.values())
      if (accountOf(order) === ctx.account && order.at < cursor) cursor = order.at;
  }
  return new Date(Date.parse(cursor) - CURSOR_OVERLAP_MS).toISOString();
}

async function pollShipped(poll: Poll): Promise<void> {
  const { ctx } = poll;
  const pollStart = new Date().toISOString();
  const from = since(ctx, 'starshipit', pollStart);
  let held = false;
  for (let page = 1; ; page++) {
    throwIfCancelled(ctx);
    const listed = await ctx.starshipit.shippedRows({ since: from, page, limit: PAGE });
    ctx.emit({ type: 'progress', phase: 'poll', done: page, total: listed.totalPages });
    for (const raw of listed.rows) if (!(await considerShipped(poll, raw))) held = true;
    if (page >= listed.totalPages || listed.rows.length < PAGE) break;
  }
  if (held) return;
  await record(ctx, { t: 'cursor', name: 'starshipit', value: pollStart, ...accountField(ctx) });
  if (!ctx.dryRun) crashPoint('after-cursor');
}

async function pollPrinted(poll: Poll): Promise<void> {
  const { ctx } = poll;
  const pollStart = new Date().toISOString();
  const from = since(ctx, 'starshipitPrinted', pollStart);
  let held = false;
  for (let page = 1; ; page++) {
    throwIfCancelled(ctx);
    const listed = await ctx.starshipit.printedRows({ since: from, page, limit: PAGE });
    ctx.emit({ type: 'progress', phase: 'poll', done: page, total: listed.totalPages });
    for (const raw of listed.rows) if (!(await considerPrinted(poll, raw))) held = true;
    if (page >= listed.totalPages || listed.rows.length < PAGE) break;
  }
  if (held) return;
  await record(ctx, {
    t: 'cursor',
    name: 'starshipitPrinted',
    value: pollStart,
    ...accountField(ctx),
  });
}

/** An order this state directory imported into the account being polled. */
const isOurs = (ctx: RunContext, orderNumber: string | undefined): boolean => {
  const o = orderNumber ? ctx.journal.state.orders.get(orderNumber) : undefined;
  return !!o && accountOf(o) === ctx.account;
};

/** False when the row could not be interpreted (the cursor must not pass it). */
async function considerShipped(poll: Poll, raw: unknown): Promise<boolean> {
  const { ctx } = poll;
  const row = readShippedRow(raw);
  if (row.form === 'unreadable') {
    if (row.orderNumber && !isOurs(ctx, row.orderNumber)) return true;
    await unreadable(ctx, 'GET /api/orders/shipped', row);
    return false;
  }
  if (!isOurs(ctx, row.orderNumber)) return true;
  await resolve(ctx, rowKey(row.orderId, row.orderNumber));
  await reconcileIntent(ctx, row.orderNumber, row.orderId);
  if (row.form === 'full') {
    const status = row.status.toLowerCase();
    if (!LABELLED.has(status)) return true; // no label yet
    poll.report.ours.add(row.orderNumber);
    if (!wanted(ctx).has(status)) {
      because(poll, row.orderNumber, notDispatched);
      return true;
    }
    if (row.tracking.length > 0)
      return queue(poll, row.orderNumber, {
        carrier: row.carrier,
        tracking: row.tracking,
        labelDate: row.labelDate,
      });
    // A labelled order whose row lists no tracking: the order itself says.
    return fromOrder(poll, row.orderNumber, row.orderId, []);
  }
  poll.report.ours.add(row.orderNumber);
  return fromOrder(
    poll,
    row.orderNumber,
    row.orderId,
    row.trackingNumber ? [row.trackingNumber] : [],
  );
}

async function considerPrinted(poll: Poll, raw: unknown): Promise<boolean> {
  const { ctx } = poll;
  const row = readShipmentRow(raw);
  if (!row.ok) {
    if (row.orderNumber && !isOurs(ctx, row.orderNumber)) return true;
    await unreadable(ctx, 'GET /api/orders/shipments', row);
    return false;
  }
  if (!isOurs(ctx, row.orderNumber)) return true;
  await resolve(ctx, rowKey(row.orderId, row.orderNumber));
  await reconcileIntent(ctx, row.orderNumber, row.orderId);
  poll.report.ours.add(row.orderNumber);
  return fromOrder(poll, row.orderNumber, row.orderId, row.trackingNumbers);
}

/**
 * A labelled order of ours whose row does not carry every parcel: skip it when the row's tracking
 * numbers are already written back (or queued in this poll), else read the order for the label.
 */
async function fromOrder(
  poll: Poll,
  orderNumber: string,
  orderId: number | undefined,
  rowTracking: string[],
): Promise<boolean> {
  const { ctx } = poll;
  if (rowTracking.length > 0 && known(poll, orderNumber, rowTracking)) {
    because(poll, orderNumber, alreadyWritten);
    return true;
  }
  if (orderId === undefined) {
    await unreadable(ctx, 'GET /api/orders/shipped', {
      orderNumber,
      shape: 'no order_id',
      problem: 'the row has no order_id to read the order by',
    });
    return false;
  }
  const order = await ctx.starshipit.orderById(orderId);
  if (!order) {
    because(poll, orderNumber, 'the order is no longer in Starshipit');
    return true;
  }
  const status = trimmedText(order.status).toLowerCase();
  if (!LABELLED.has(status)) {
    because(
      poll,
      orderNumber,
      `the order is ${trimmedText(order.status) || 'without a status'} in Starshipit`,
    );
    return true;
  }
  const tracking = packageTracking(order);
  if (tracking.length === 0) {
    await unreadable(ctx, `GET /api/orders?order_id=${orderId}`, {
      orderId,
      orderNumber,
      shape: describeOrder(order),
      problem: `the order is ${trimmedText(order.status)} but no package has a tracking_number`,
    });
    return false;
  }
  if (!wanted(ctx).has(status)) {
    because(poll, orderNumber, notDispatched);
    return true;
  }
  return queue(poll, orderNumber, {
    carrier: trimmedText(order.carrier),
    tracking,
    labelDate: labelDate(order),
  });
}

const alreadyWritten = 'its tracking is already written back';
const notDispatched = 'the label is printed but not dispatched yet (writeback.when: dispatched)';

function wanted(ctx: RunContext): Set<string> {
  return ctx.settings.writeback.when === 'dispatched' ? DISPATCHED : LABELLED;
}

function because(poll: Poll, orderNumber: string, reason: string): void {
  const set = poll.report.reasons.get(reason) ?? new Set<string>();
  set.add(orderNumber);
  poll.report.reasons.set(reason, set);
}

/** True when every one of these tracking numbers is written back, pending, or queued in this poll. */
function known(poll: Poll, orderNumber: string, numbers: string[]): boolean {
  const prev = poll.ctx.journal.state.writebacks.get(orderNumber);
  const have = new Set<string>([
    ...(poll.handled.get(orderNumber) ?? []),
    ...(prev?.state === 'done' ? (prev.doneTracking ?? []) : (prev?.tracking ?? [])).map(
      (t) => t.number,
    ),
  ]);
  return numbers.every((n) => have.has(n));
}

function sameTracking(a: Tracking[] | undefined, b: Tracking[]): boolean {
  if (!a || a.length !== b.length) return false;
  const x = a.map((t) => t.number).sort();
  const y = b.map((t) => t.number).sort();
  return x.every((v, i) => v === y[i]);
}

/** Put a label in the outbox (journaled before any cursor moves past it). */
async function queue(poll: Poll, orderNumber: string, label: Label): Promise<boolean> {
  const { ctx } = poll;
  const ours = ctx.journal.state.orders.get(orderNumber);
  if (!ours) return true;
  poll.handled.set(orderNumber, new Set(label.tracking.map((t) => t.number)));
  const prev = ctx.journal.state.writebacks.get(orderNumber);
  const same =
    prev &&
    (prev.state === 'done'
      ? sameTracking(prev.doneTracking, label.tracking)
      : sameTracking(prev.tracking, label.tracking));
  if (same) {
    because(poll, orderNumber, alreadyWritten);
    return true;
  }
  const shipDate = `${(label.labelDate || new Date().toISOString()).slice(0, 10)}T00:00:00`;
  const writeback: WritebackState = {
    orderNumber,
    saleId: ours.saleId,
    taskId: ours.taskId,
    carrierCode: label.carrier,
    tracking: label.tracking,
    shipDate,
    state: 'pending',
    doneTracking: prev?.doneTracking,
  };
  poll.report.queued.add(orderNumber);
  if (ctx.dryRun) poll.dryOutbox.set(orderNumber, writeback);
  else
    await record(ctx, {
      t: 'wb-pending',
      orderNumber,
      saleId: ours.saleId,
      taskId: ours.taskId,
      carrierCode: writeback.carrierCode,
      tracking: writeback.tracking,
      shipDate,
      at: new Date().toISOString(),
    });
  return true;
}

/**
 * Our create's outcome was unknown, and here is the order with a label: it exists. Record it now,
 * or the cursor would move past this label before the import reconciles the intent.
 */
async function reconcileIntent(
  ctx: RunContext,
  orderNumber: string,
  orderId: number | undefined,
): Promise<void> {
  const ours = ctx.journal.state.orders.get(orderNumber);
  if (!ours || ours.state !== 'intent' || ctx.dryRun) return;
  await record(ctx, {
    t: 'created',
    orderNumber,
    saleId: ours.saleId,
    taskId: ours.taskId,
    orderId,
    outcome: 'alreadyPresent',
    at: new Date().toISOString(),
    ...accountField(ctx),
  });
  ctx.counters.alreadyPresent++;
}

const rowKey = (orderId: number | undefined, orderNumber: string | undefined): string =>
  `writeback-row:${orderId ?? orderNumber ?? 'unknown'}`;

function describeOrder(order: StarshipitOrder): string {
  const packages = Array.isArray(order.packages) ? order.packages : [];
  return `{status: ${trimmedText(order.status) || '(none)'}, packages: ${packages.length} without tracking_number}`;
}

async function unreadable(
  ctx: RunContext,
  call: string,
  row: { orderId?: number; orderNumber?: string; shape: string; problem: string },
): Promise<void> {
  const which =
    row.orderNumber ?? (row.orderId !== undefined ? `order_id ${row.orderId}` : 'a row');
  await attention(ctx, {
    kind: 'writeback',
    key: rowKey(row.orderId, row.orderNumber),
    orderNumber: row.orderNumber,
    code: 'unreadable-starshipit-row',
    reason: `${which}: ${call} answered a row the engine cannot interpret (${row.problem}); it saw ${row.shape}. The poll will read it again; nothing past it is skipped.`,
    retryable: true,
  });
}

/** One line for the run summary when labelled orders of ours were seen and nothing was written back. */
export function nothingWrittenNote(report: PollReport, writtenBack: number): string | undefined {
  if (report.ours.size === 0 || writtenBack > 0) return undefined;
  const parts = [...report.reasons.entries()].map(
    ([reason, orders]) =>
      `${orders.size}: ${reason} (${[...orders].slice(0, 5).join(', ')}${orders.size > 5 ? ', …' : ''})`,
  );
  const queued = report.queued.size;
  if (queued > 0) parts.push(`${queued}: queued but not written (see needs attention)`);
  return `saw ${report.ours.size} labelled order(s) of ours in Starshipit and wrote nothing back — ${parts.join('; ') || 'see needs attention'}`;
}
