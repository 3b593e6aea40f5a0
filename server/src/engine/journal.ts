/**
 * The durable state of one state directory: an append-only journal of JSON lines.
 *
 * Line format: `<json>\t<sha256 of json, first 12 hex>\n`. Every record is written with
 * `fs.writeSync` and flushed with `fs.fsyncSync` *before* the side effect it protects. On open, a
 * torn last record (killed mid-write: no newline, bad checksum or unparsable) is detected, reported
 * and cut off; a bad record anywhere else means the file was damaged and the engine refuses to
 * guess. When the file grows well beyond the live state it is compacted: the current state is
 * written as fresh records to `journal.jsonl.tmp`, fsynced, renamed over the journal, and the
 * directory is fsynced so the rename itself survives a power cut.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { AttentionEvent, RunMode, SummaryEvent } from '../../../protocol/events';
import { EngineError } from './errors';
// Keeping imported orders in step: its records and state live in keepInStepState.ts.
import { KeepInStepState, type KeepInStepRecord } from './keepInStepState';
import { makeDirectory } from './makeDirectory';

export interface Tracking {
  number: string;
  url?: string;
}

export type JournalRecord =
  /** About to send POST /api/orders for this order number (outcome unknown until `created`). */
  | {
      t: 'intent';
      orderNumber: string;
      saleId: string;
      taskId?: string;
      at: string;
      /** Starshipit account (`warehouses.accounts[].name`); absent: the default account. */
      account?: string;
    }
  /** The Starshipit order exists (created by us, or found by order_number after an unknown outcome). */
  | {
      t: 'created';
      orderNumber: string;
      saleId: string;
      taskId?: string;
      orderId?: number;
      outcome: 'created' | 'alreadyPresent';
      boxes?: string[];
      packAuthorised?: boolean;
      at: string;
      payloadHash?: string;
      saleUpdated?: string;
      payload?: Record<string, unknown>;
      /** Starshipit account holding the order; absent: the default account. */
      account?: string;
    }
  /** The create was refused for good; the intent is void. */
  | { t: 'create-failed'; orderNumber: string; at: string }
  /**
   * The fulfilment a label is written to, learnt at writeback time (none at import, or the one
   * known was voided or re-created). Pack boxes known for the old one no longer apply.
   */
  | { t: 'task'; orderNumber: string; taskId: string }
  /** Pack boxes learnt after import (writeback time). */
  | { t: 'pack'; orderNumber: string; boxes: string[]; packAuthorised: boolean }
  /** Outbox: a label/dispatch seen in Starshipit that must be written to Cin7 Core. */
  | {
      t: 'wb-pending';
      orderNumber: string;
      taskId?: string;
      saleId: string;
      carrierCode: string;
      tracking: Tracking[];
      shipDate: string;
      at: string;
    }
  /** About to send the ship call (outcome unknown until `wb-done`). */
  | { t: 'wb-sending'; orderNumber: string; method: 'POST' | 'PUT'; at: string }
  | {
      t: 'wb-done';
      orderNumber: string;
      outcome: 'written' | 'alreadyDone';
      tracking: Tracking[];
      at: string;
    }
  | {
      t: 'attention';
      key: string;
      kind: 'import' | 'writeback';
      orderNumber?: string;
      saleId?: string;
      taskId?: string;
      code: string;
      reason: string;
      retryable: boolean;
      at: string;
      saleUpdated?: string;
      /** Runs in a row that failed transiently (automatic retries stop after a cap). */
      attempts?: number;
      /** A transient failure is retried by runs starting at or after this time. */
      nextAt?: string;
      /** Fingerprint of the settings the failure depended on: a change retries it. */
      basis?: string;
    }
  | { t: 'resolved'; key: string }
  /** A sale fully processed in fulfilments mode at this `Updated` stamp. */
  | { t: 'seen'; saleId: string; updated: string }
  | {
      t: 'cursor';
      name: 'dear' | 'starshipit' | 'starshipitPrinted';
      value: string;
      /** The Starshipit account a Starshipit cursor belongs to; absent: the default account. */
      account?: string;
    }
  /**
   * Every order number Starshipit held when it was listed in full (→ order_id, null when the
   * answer had none). Its presence establishes that any other order number was absent then.
   */
  | {
      t: 'starshipit-orders';
      at: string;
      orders: Record<string, number | null>;
      /** The Starshipit account listed; absent: the default account. */
      account?: string;
    }
  | { t: 'run'; at: string; mode: RunMode; dryRun: boolean; summary: SummaryEvent }
  /** update-intent, updated, keep-stamp, withdraw-intent, withdrawn (keepInStepState.ts). */
  | KeepInStepRecord;

export interface OrderState {
  orderNumber: string;
  saleId: string;
  taskId?: string;
  state: 'intent' | 'created';
  orderId?: number;
  boxes?: string[];
  packAuthorised?: boolean;
  at: string;
  /** sha-256 (16 hex) of the canonical JSON of the payload last sent (keeping orders in step). */
  payloadHash?: string;
  /** The sale's `Updated` stamp when it was imported. */
  saleUpdated?: string;
  /** Starshipit account holding the order; absent: the default account. */
  account?: string;
}

export interface WritebackState {
  orderNumber: string;
  saleId: string;
  taskId?: string;
  carrierCode: string;
  tracking: Tracking[];
  shipDate: string;
  state: 'pending' | 'sending' | 'done';
  method?: 'POST' | 'PUT';
  /** Tracking last written successfully (to recognise reprints and re-seen labels). */
  doneTracking?: Tracking[];
}

/** A needs-attention item as journaled: the event the user saw, plus what the engine needs to retry it. */
export interface AttentionState extends Omit<AttentionEvent, 'type'> {
  key: string;
  kind: 'import' | 'writeback';
  at: string;
  /** The sale's `Updated` stamp when it was parked: unchanged data is not sent again. */
  saleUpdated?: string;
  attempts?: number;
  nextAt?: string;
  basis?: string;
}

type RecordOf<T extends JournalRecord['t']> = Extract<JournalRecord, { t: T }>;

/** A Starshipit listing as its journal record (an unknown order_id as null). */
function listingRecord(
  listing: { at: string; orders: Map<string, number | undefined> },
  account?: string,
): JournalRecord {
  return {
    t: 'starshipit-orders',
    at: listing.at,
    orders: Object.fromEntries([...listing.orders].map(([n, id]) => [n, id ?? null])),
    ...(account ? { account } : {}),
  };
}

export class JournalState {
  orders = new Map<string, OrderState>();
  writebacks = new Map<string, WritebackState>();
  attention = new Map<string, AttentionState>();
  seen = new Map<string, string>();
  /** dear: saleList; starshipit: the shipped list; starshipitPrinted: the printed listing. */
  cursors: { dear?: string; starshipit?: string; starshipitPrinted?: string } = {};
  /** The full listing of Starshipit's orders this state directory is based on, once one succeeded. */
  starshipitOrders?: { at: string; orders: Map<string, number | undefined> };
  /** The same for each other Starshipit account (`warehouses.accounts`), by account name. */
  accountListings = new Map<string, { at: string; orders: Map<string, number | undefined> }>();
  /** Starshipit cursors of the other accounts, by account name. */
  accountCursors = new Map<string, { starshipit?: string; starshipitPrinted?: string }>();
  lastRun?: { at: string; mode: RunMode; dryRun: boolean; summary: SummaryEvent };
  firstCreatedAt?: string;
  /** Keeping imported orders in step: last payload sent, stamps, pending updates/withdrawals. */
  readonly keep = new KeepInStepState();

  apply(rec: JournalRecord): void {
    this.applyOwn(rec);
    this.keep.apply(this, rec); // sees every record (created carries the payload sent)
  }

  private applyOwn(rec: JournalRecord): void {
    switch (rec.t) {
      case 'intent':
        return this.applyIntent(rec);
      case 'created':
        return this.applyCreated(rec);
      case 'create-failed':
        if (this.orders.get(rec.orderNumber)?.state === 'intent')
          this.orders.delete(rec.orderNumber);
        return;
      case 'task':
        return this.applyTask(rec);
      case 'pack':
        return this.applyPack(rec);
      case 'wb-pending':
        return this.applyWritebackPending(rec);
      case 'wb-sending':
        return this.applyWritebackSending(rec);
      case 'wb-done':
        return this.applyWritebackDone(rec);
      case 'attention':
        return this.applyAttention(rec);
      case 'resolved':
        this.attention.delete(rec.key);
        return;
      case 'seen':
        this.seen.set(rec.saleId, rec.updated);
        return;
      case 'cursor':
        return this.applyCursor(rec);
      case 'starshipit-orders':
        return this.applyListing(rec);
      case 'run':
        this.lastRun = { at: rec.at, mode: rec.mode, dryRun: rec.dryRun, summary: rec.summary };
        return;
    }
  }

  private applyIntent(intent: RecordOf<'intent'>): void {
    // An intent never turns an order already created back into an intent.
    if (this.orders.get(intent.orderNumber)?.state === 'created') return;
    this.orders.set(intent.orderNumber, {
      orderNumber: intent.orderNumber,
      saleId: intent.saleId,
      taskId: intent.taskId,
      state: 'intent',
      at: intent.at,
      ...(intent.account ? { account: intent.account } : {}),
    });
  }

  private applyCreated(created: RecordOf<'created'>): void {
    this.orders.set(created.orderNumber, {
      orderNumber: created.orderNumber,
      saleId: created.saleId,
      taskId: created.taskId,
      state: 'created',
      orderId: created.orderId,
      boxes: created.boxes,
      packAuthorised: created.packAuthorised,
      at: created.at,
      payloadHash: created.payloadHash,
      saleUpdated: created.saleUpdated,
      ...(created.account ? { account: created.account } : {}),
    });
    if (!this.firstCreatedAt || created.at < this.firstCreatedAt) this.firstCreatedAt = created.at;
  }

  /** Another fulfilment task: the order's packing is no longer known. */
  private applyTask(task: RecordOf<'task'>): void {
    const order = this.orders.get(task.orderNumber);
    if (order) {
      order.taskId = task.taskId;
      order.boxes = undefined;
      order.packAuthorised = false;
    }
    const writeback = this.writebacks.get(task.orderNumber);
    if (writeback) writeback.taskId = task.taskId;
  }

  private applyPack(pack: RecordOf<'pack'>): void {
    const order = this.orders.get(pack.orderNumber);
    if (!order) return;
    order.boxes = pack.boxes;
    order.packAuthorised = pack.packAuthorised;
  }

  private applyWritebackPending(pending: RecordOf<'wb-pending'>): void {
    const prev = this.writebacks.get(pending.orderNumber);
    this.writebacks.set(pending.orderNumber, {
      orderNumber: pending.orderNumber,
      saleId: pending.saleId,
      taskId: pending.taskId,
      carrierCode: pending.carrierCode,
      tracking: pending.tracking,
      shipDate: pending.shipDate,
      state: 'pending',
      doneTracking: prev?.doneTracking,
    });
  }

  private applyWritebackSending(sending: RecordOf<'wb-sending'>): void {
    const writeback = this.writebacks.get(sending.orderNumber);
    if (!writeback) return;
    writeback.state = 'sending';
    writeback.method = sending.method;
  }

  private applyWritebackDone(done: RecordOf<'wb-done'>): void {
    const writeback = this.writebacks.get(done.orderNumber);
    if (!writeback) return;
    writeback.state = 'done';
    writeback.doneTracking = done.tracking;
  }

  private applyAttention(attention: RecordOf<'attention'>): void {
    this.attention.set(attention.key, {
      key: attention.key,
      kind: attention.kind,
      orderNumber: attention.orderNumber,
      saleId: attention.saleId,
      taskId: attention.taskId,
      code: attention.code,
      reason: attention.reason,
      retryable: attention.retryable,
      at: attention.at,
      saleUpdated: attention.saleUpdated,
      attempts: attention.attempts,
      nextAt: attention.nextAt,
      basis: attention.basis,
    });
  }

  /** The Cin7 cursor is shared; Starshipit cursors of other accounts are kept per account. */
  private applyCursor(cursor: RecordOf<'cursor'>): void {
    if (cursor.account && cursor.name !== 'dear') {
      const cursors = this.accountCursors.get(cursor.account) ?? {};
      cursors[cursor.name] = cursor.value;
      this.accountCursors.set(cursor.account, cursors);
    } else this.cursors[cursor.name] = cursor.value;
  }

  private applyListing(listed: RecordOf<'starshipit-orders'>): void {
    const listing = {
      at: listed.at,
      orders: new Map(Object.entries(listed.orders).map(([n, id]) => [n, id ?? undefined])),
    };
    if (listed.account) this.accountListings.set(listed.account, listing);
    else this.starshipitOrders = listing;
  }

  /** The records that rebuild this state (compaction). */
  toRecords(): JournalRecord[] {
    return [
      ...this.orderRecords(),
      ...this.writebackRecords(),
      ...[...this.attention.values()].map((a): JournalRecord => ({ t: 'attention', ...a })),
      ...[...this.seen].map(([saleId, updated]): JournalRecord => ({ t: 'seen', saleId, updated })),
      ...this.cursorAndListingRecords(),
      ...(this.lastRun ? [{ t: 'run' as const, ...this.lastRun }] : []),
      ...this.keep.toRecords(this),
    ];
  }

  private orderRecords(): JournalRecord[] {
    return [...this.orders.values()].map((order): JournalRecord =>
      order.state === 'intent'
        ? {
            t: 'intent',
            orderNumber: order.orderNumber,
            saleId: order.saleId,
            taskId: order.taskId,
            at: order.at,
            ...(order.account ? { account: order.account } : {}),
          }
        : {
            t: 'created',
            orderNumber: order.orderNumber,
            saleId: order.saleId,
            taskId: order.taskId,
            orderId: order.orderId,
            outcome: 'created',
            boxes: order.boxes,
            packAuthorised: order.packAuthorised,
            at: order.at,
            payloadHash: order.payloadHash,
            saleUpdated: order.saleUpdated,
            ...(order.account ? { account: order.account } : {}),
          },
    );
  }

  /** A finished writeback as pending+done; an unfinished one (after it, if any) as it stands. */
  private writebackRecords(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (const writeback of this.writebacks.values()) {
      const at = new Date().toISOString();
      const pending = (tracking: typeof writeback.tracking): JournalRecord => ({
        t: 'wb-pending',
        orderNumber: writeback.orderNumber,
        saleId: writeback.saleId,
        taskId: writeback.taskId,
        carrierCode: writeback.carrierCode,
        tracking,
        shipDate: writeback.shipDate,
        at,
      });
      if (writeback.doneTracking) {
        out.push(pending(writeback.doneTracking));
        out.push({
          t: 'wb-done',
          orderNumber: writeback.orderNumber,
          outcome: 'written',
          tracking: writeback.doneTracking,
          at,
        });
      }
      if (writeback.state !== 'done' || !writeback.doneTracking) {
        out.push(pending(writeback.tracking));
        if (writeback.state === 'sending')
          out.push({
            t: 'wb-sending',
            orderNumber: writeback.orderNumber,
            method: writeback.method ?? 'POST',
            at,
          });
      }
    }
    return out;
  }

  private cursorAndListingRecords(): JournalRecord[] {
    const out: JournalRecord[] = [];
    if (this.cursors.dear) out.push({ t: 'cursor', name: 'dear', value: this.cursors.dear });
    if (this.cursors.starshipit)
      out.push({ t: 'cursor', name: 'starshipit', value: this.cursors.starshipit });
    if (this.cursors.starshipitPrinted)
      out.push({ t: 'cursor', name: 'starshipitPrinted', value: this.cursors.starshipitPrinted });
    if (this.starshipitOrders) out.push(listingRecord(this.starshipitOrders));
    for (const [account, cursors] of this.accountCursors) {
      if (cursors.starshipit)
        out.push({ t: 'cursor', name: 'starshipit', value: cursors.starshipit, account });
      if (cursors.starshipitPrinted)
        out.push({
          t: 'cursor',
          name: 'starshipitPrinted',
          value: cursors.starshipitPrinted,
          account,
        });
    }
    for (const [account, listing] of this.accountListings)
      out.push(listingRecord(listing, account));
    return out;
  }

  liveSize(): number {
    return this.orders.size + this.writebacks.size * 2 + this.attention.size + this.seen.size + 4;
  }
}

/** Stable hash of a payload: keys sorted at every level. */
export function payloadHash(payload: unknown): string {
  const canon = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canon);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canon((value as Record<string, unknown>)[k])]),
      );
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canon(payload)))
    .digest('hex')
    .slice(0, 16);
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 12);
}

export function encodeRecord(rec: JournalRecord): string {
  const json = JSON.stringify(rec);
  return `${json}\t${checksum(json)}\n`;
}

export interface LoadResult {
  state: JournalState;
  records: number;
  /** Bytes of the valid prefix. */
  validBytes: number;
  tornTail: boolean;
}

/** Parses journal text; a bad last line is a torn write, a bad line before that is corruption. */
function parseJournal(buf: Buffer, file: string): LoadResult {
  const state = new JournalState();
  let offset = 0;
  let records = 0;
  let tornTail = false;
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.subarray(offset, end).toString('utf8');
    const rec = nl === -1 ? undefined : decodeLine(line);
    if (!rec) {
      if (nl === -1 || (buf.indexOf(0x0a, nl + 1) === -1 && buf.subarray(nl + 1).length === 0)) {
        tornTail = true;
        break;
      }
      const lineNo = buf.subarray(0, offset).toString('utf8').split('\n').length;
      throw new EngineError(
        `journal ${file} is damaged at line ${lineNo} (bad checksum or JSON) and is followed by valid records; refusing to guess. Move the file away to start over (Starshipit orders already created are then found again by order number).`,
        'journal-corrupt',
      );
    }
    state.apply(rec);
    records++;
    offset = end + 1;
  }
  return { state, records, validBytes: Math.min(offset, buf.length), tornTail };
}

function decodeLine(line: string): JournalRecord | undefined {
  const tab = line.lastIndexOf('\t');
  if (tab < 0) return undefined;
  const json = line.slice(0, tab);
  if (checksum(json) !== line.slice(tab + 1)) return undefined;
  try {
    return JSON.parse(json) as JournalRecord;
  } catch {
    return undefined;
  }
}

export const JOURNAL_FILE = 'journal.jsonl';

export class Journal {
  private fd: number;
  private lines: number;
  readonly state: JournalState;
  readonly recoveredTornTail: boolean;

  private constructor(
    private readonly dir: string,
    loaded: LoadResult,
    fd: number,
  ) {
    this.state = loaded.state;
    this.lines = loaded.records;
    this.recoveredTornTail = loaded.tornTail;
    this.fd = fd;
  }

  get file(): string {
    return path.join(this.dir, JOURNAL_FILE);
  }

  /** Opens (creating) the journal; cuts a torn last record off (the caller holds the lock). */
  static open(dir: string): Journal {
    makeDirectory(dir);
    const file = path.join(dir, JOURNAL_FILE);
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    const loaded = parseJournal(buf, file);
    const fd = fs.openSync(file, 'a+');
    if (loaded.tornTail) {
      fs.ftruncateSync(fd, loaded.validBytes);
      fs.fsyncSync(fd);
    }
    return new Journal(dir, loaded, fd);
  }

  /**
   * A journal that is never written: the state as of now, for a dry run beside a run that holds
   * the lock (its last line may be mid-append, so a torn tail is ignored, not cut off).
   */
  static snapshot(dir: string): Journal {
    const file = path.join(dir, JOURNAL_FILE);
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    return new Journal(dir, { ...parseJournal(buf, file), tornTail: false }, -1);
  }

  /** Read-only load (status): never modifies the file, ignores a torn tail. */
  static read(dir: string): JournalState {
    const file = path.join(dir, JOURNAL_FILE);
    if (!fs.existsSync(file)) return new JournalState();
    return parseJournal(fs.readFileSync(file), file).state;
  }

  /** Durably appends one record (write + fsync) and applies it to the in-memory state. */
  append(rec: JournalRecord): void {
    this.write(rec);
    fs.fsyncSync(this.fd);
  }

  /**
   * Appends one record and resolves once it is on disk. The fsync runs off the event loop and is
   * shared (group commit): every record written before an fsync starts is covered by it, so
   * concurrent orders do not each pay a full disk flush, and HTTP keeps flowing meanwhile.
   * Callers await this before the side effect the record protects.
   */
  appendDurable(rec: JournalRecord): Promise<void> {
    this.write(rec);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private syncing = false;

  private kick(): void {
    if (this.syncing || this.waiters.length === 0) return;
    const batch = this.waiters;
    this.waiters = [];
    this.syncing = true;
    fs.fsync(this.fd, (err) => {
      this.syncing = false;
      for (const write of batch) {
        if (err) write.reject(new Error(`journal ${this.file}: fsync failed: ${err.message}`));
        else write.resolve();
      }
      this.kick();
    });
  }

  /** write(2) of the whole line; the in-memory state follows the file order exactly. */
  private write(rec: JournalRecord): void {
    if (this.fd < 0)
      throw new EngineError(
        `journal ${this.file} was opened read-only (a snapshot)`,
        'journal-read-only',
      );
    const line = Buffer.from(encodeRecord(rec));
    let off = 0;
    while (off < line.length) off += fs.writeSync(this.fd, line, off);
    this.state.apply(rec);
    this.lines++;
  }

  /** Waits for every pending fsync (before compaction or close). */
  async drain(): Promise<void> {
    if (!this.syncing && this.waiters.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  maybeCompact(): boolean {
    if (this.lines < 2000 || this.lines < this.state.liveSize() * 3) return false;
    this.compact();
    return true;
  }

  compact(): void {
    const file = this.file;
    const tmp = `${file}.tmp`;
    const recs = this.state.toRecords();
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, recs.map(encodeRecord).join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(this.dir);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(file, 'a+');
    this.lines = recs.length;
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Directory fsync is not supported on Windows; the rename is still atomic there.
  }
}
