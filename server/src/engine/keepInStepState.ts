/**
 * Durable state for keeping imported orders in step with Cin7 Core: the journal records
 * it adds, and the in-memory state they rebuild. Kept out of journal.ts so the journal stays the
 * engine's; journal.ts only forwards every record here (`KeepInStepState.apply`) and appends
 * `toRecords()` on compaction.
 *
 * Exactly once: `update-intent` is fsynced before `PUT /api/orders`, `updated` after it. An intent
 * without `updated` means the outcome is unknown: the next run re-reads the Starshipit order and
 * sends only what it does not hold yet (see keepInStep.ts). `withdraw-intent` carries the
 * Starshipit order_id, so a recovered withdrawal can only ever touch that order — never one
 * re-imported later under the same order number.
 */
import type { JournalRecord, JournalState } from './journal';

export type Payload = Record<string, unknown>;

export type KeepInStepRecord =
  /** About to send `PUT /api/orders` for this order (outcome unknown until `updated`). */
  | {
      t: 'update-intent';
      orderNumber: string;
      orderId?: number;
      payloadHash: string;
      payload?: Payload;
      at: string;
    }
  /** Starshipit holds `payload` (as far as our mapping goes) — after a PUT, or when nothing needed sending. */
  | {
      t: 'updated';
      orderNumber: string;
      payloadHash: string;
      payload: Payload;
      saleUpdated?: string;
      at: string;
    }
  /** The sale was compared at this `Updated` stamp and nothing is to be sent (no change, reported, or parked). */
  | { t: 'keep-stamp'; orderNumber: string; saleUpdated: string }
  /** About to withdraw (DELETE) this Starshipit order. */
  | { t: 'withdraw-intent'; orderNumber: string; orderId?: number; at: string }
  /** The order is gone from Starshipit (deleted by us, or already gone). The journal forgets the order. */
  | {
      t: 'withdrawn';
      orderNumber: string;
      orderId?: number;
      outcome: 'deleted' | 'archived' | 'gone';
      at: string;
    };

export interface KeptOrder {
  /** The payload Starshipit was last given (create or update); undefined for orders imported before this was kept. */
  payload?: Payload;
  payloadHash?: string;
  /** The sale's `Updated` stamp when it was last compared. */
  stamp?: string;
  pending?:
    | { kind: 'update'; payloadHash: string; orderId?: number; payload?: Payload }
    | { kind: 'withdraw'; orderId?: number };
}

export class KeepInStepState {
  readonly orders = new Map<string, KeptOrder>();
  /** order number → Starshipit order_id withdrawn (never withdrawn twice). */
  readonly withdrawn = new Map<string, number | undefined>();

  private entry(orderNumber: string): KeptOrder {
    let kept = this.orders.get(orderNumber);
    if (!kept) this.orders.set(orderNumber, (kept = {}));
    return kept;
  }

  /** Called by JournalState.apply for every record (after the journal's own handling). */
  apply(state: JournalState, rec: JournalRecord): void {
    switch (rec.t) {
      case 'created':
        // A (re-)import starts a fresh history: any pending withdrawal was for an older order.
        this.orders.set(rec.orderNumber, {
          payload: rec.payload,
          payloadHash: rec.payloadHash,
          stamp: rec.saleUpdated,
        });
        this.withdrawn.delete(rec.orderNumber);
        break;
      case 'update-intent':
        this.entry(rec.orderNumber).pending = {
          kind: 'update',
          payloadHash: rec.payloadHash,
          orderId: rec.orderId,
          ...(rec.payload ? { payload: rec.payload } : {}),
        };
        break;
      case 'updated': {
        const entry = this.entry(rec.orderNumber);
        entry.payload = rec.payload;
        entry.payloadHash = rec.payloadHash;
        if (rec.saleUpdated) entry.stamp = rec.saleUpdated;
        if (entry.pending?.kind === 'update') entry.pending = undefined;
        break;
      }
      case 'keep-stamp': {
        // Settled at this stamp without a PUT (unchanged, reported, parked, or refused): no update pending.
        const entry = this.entry(rec.orderNumber);
        if (rec.saleUpdated) entry.stamp = rec.saleUpdated;
        if (entry.pending?.kind === 'update') entry.pending = undefined;
        break;
      }
      case 'withdraw-intent':
        this.entry(rec.orderNumber).pending = { kind: 'withdraw', orderId: rec.orderId };
        break;
      case 'withdrawn':
        this.orders.delete(rec.orderNumber);
        this.withdrawn.set(rec.orderNumber, rec.orderId);
        // The Starshipit order is gone: nothing to write back or keep in step any more.
        if (state.orders.get(rec.orderNumber)?.state === 'created')
          state.orders.delete(rec.orderNumber);
        break;
      default:
        break;
    }
  }

  /** Records that rebuild this state after the journal's own (compaction). */
  toRecords(state: JournalState): KeepInStepRecord[] {
    const out: KeepInStepRecord[] = [];
    const at = new Date().toISOString();
    for (const [orderNumber, orderId] of this.withdrawn)
      out.push({ t: 'withdrawn', orderNumber, orderId, outcome: 'gone', at });
    for (const [orderNumber, kept] of this.orders) {
      if (!state.orders.has(orderNumber)) continue;
      if (kept.payload && kept.payloadHash)
        out.push({
          t: 'updated',
          orderNumber,
          payload: kept.payload,
          payloadHash: kept.payloadHash,
          ...(kept.stamp ? { saleUpdated: kept.stamp } : {}),
          at,
        });
      else if (kept.stamp) out.push({ t: 'keep-stamp', orderNumber, saleUpdated: kept.stamp });
      if (kept.pending?.kind === 'update')
        out.push({
          t: 'update-intent',
          orderNumber,
          orderId: kept.pending.orderId,
          payloadHash: kept.pending.payloadHash,
          payload: kept.pending.payload,
          at,
        });
      if (kept.pending?.kind === 'withdraw')
        out.push({ t: 'withdraw-intent', orderNumber, orderId: kept.pending.orderId, at });
    }
    return out;
  }
}
