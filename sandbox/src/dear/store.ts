/**
 * Cin7 Core state. Sales are generated from (seed, index) on demand; only changed sales are kept
 * (the overlay). A few typed arrays index status and dates so `saleList` filters 100 000 sales
 * without generating them.
 */
import { GUID_KIND, decodeGuid, encodeGuid } from '../rng';
import { SEED_CARRIERS, generateSale, saleCore } from './generate';
import { SALE_STATUSES } from '../../../protocol/settings';
import { recompute } from './status';
import type { DearSale } from './types';
import { ProductCatalogue } from './products';

export class DearError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Carrier {
  CarrierID: string;
  Description: string;
}

export interface DearStateSnapshot {
  overlay: DearSale[];
  carriers: Carrier[];
  carrierSeq: number;
  shipLineSeq: number;
  shipWrites: Record<string, number>;
}

const UNKNOWN_STATUS = 255;

export class DearStore {
  readonly count: number;
  private statusIdx: Uint8Array;
  private updated: Float64Array;
  private created: Float64Array;
  private problem: Uint8Array;
  private overlay = new Map<number, DearSale>();
  carriers: Carrier[];
  readonly products: ProductCatalogue;
  private carrierSeq: number;
  shipLineSeq = 0;
  /** Ship writes (POST/PUT ship that changed lines) per TaskID — "written back exactly once" checks. */
  shipWrites = new Map<string, number>();
  private lastStamp = 0;

  constructor(
    readonly seed: number,
    count: number,
    fillerProducts = 0,
  ) {
    this.count = count;
    this.products = new ProductCatalogue(seed, fillerProducts);
    this.statusIdx = new Uint8Array(count);
    this.updated = new Float64Array(count);
    this.created = new Float64Array(count);
    this.problem = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const core = saleCore(seed, i);
      this.statusIdx[i] = SALE_STATUSES.indexOf(core.status as (typeof SALE_STATUSES)[number]);
      this.updated[i] = core.updatedMs;
      this.created[i] = core.createdMs;
      this.problem[i] = core.problem ? 1 : 0;
    }
    this.carriers = SEED_CARRIERS.map((description, i) => ({
      CarrierID: encodeGuid(seed, GUID_KIND.carrier, i),
      Description: description,
    }));
    this.carrierSeq = SEED_CARRIERS.length;
  }

  indexOfSaleId(id: string): number | undefined {
    const decoded = decodeGuid(this.seed, GUID_KIND.sale, id);
    return decoded && decoded.sub === 0 && decoded.index < this.count ? decoded.index : undefined;
  }

  /** Resolve a TaskID to its sale index (the TaskID encodes it; existence is checked on the sale). */
  indexOfTaskId(id: string): number | undefined {
    const decoded = decodeGuid(this.seed, GUID_KIND.task, id);
    return decoded && decoded.index < this.count ? decoded.index : undefined;
  }

  get(index: number): DearSale {
    return this.overlay.get(index) ?? generateSale(this.seed, index);
  }

  changedIndexes(): number[] {
    return [...this.overlay.keys()].sort((a, b) => a - b);
  }

  /** A strictly increasing "now" so two changes never share an `Updated` value. */
  stamp(): number {
    const now = Date.now();
    this.lastStamp = now > this.lastStamp ? now : this.lastStamp + 1;
    return this.lastStamp;
  }

  /** Run `fn` on a private copy of the sale; on success store it, bump `Updated` and reindex. */
  mutate<T>(index: number, fn: (sale: DearSale) => T): T {
    const copy = structuredClone(this.get(index));
    const result = fn(copy);
    copy.__meta.updatedMs = this.stamp();
    recompute(copy);
    this.overlay.set(index, copy);
    this.reindex(index, copy);
    return result;
  }

  private reindex(index: number, sale: DearSale): void {
    const si = SALE_STATUSES.indexOf(sale.Status as (typeof SALE_STATUSES)[number]);
    this.statusIdx[index] = si < 0 ? UNKNOWN_STATUS : si;
    this.updated[index] = sale.__meta.updatedMs;
    this.problem[index] = sale.__meta.problems.length ? 1 : 0;
  }

  statusOf(index: number): string {
    const si = this.statusIdx[index];
    return si === UNKNOWN_STATUS ? this.get(index).Status : SALE_STATUSES[si];
  }
  updatedOf(index: number): number {
    return this.updated[index];
  }
  createdOf(index: number): number {
    return this.created[index];
  }
  hasProblem(index: number): boolean {
    return this.problem[index] === 1;
  }

  newCarrierId(): string {
    return encodeGuid(this.seed, GUID_KIND.carrier, this.carrierSeq++);
  }

  newShipLineId(index: number): string {
    return encodeGuid(this.seed, GUID_KIND.shipLine, index, 0x8000 + (this.shipLineSeq++ % 0x7fff));
  }

  snapshot(): DearStateSnapshot {
    return {
      overlay: [...this.overlay.values()],
      carriers: this.carriers,
      carrierSeq: this.carrierSeq,
      shipLineSeq: this.shipLineSeq,
      shipWrites: Object.fromEntries(this.shipWrites),
    };
  }

  restore(snapshot: DearStateSnapshot): void {
    this.overlay.clear();
    for (const sale of snapshot.overlay) {
      if (sale.__meta.index >= this.count) continue;
      this.overlay.set(sale.__meta.index, sale);
      this.reindex(sale.__meta.index, sale);
      this.lastStamp = Math.max(this.lastStamp, sale.__meta.updatedMs);
    }
    this.carriers = snapshot.carriers;
    this.carrierSeq = snapshot.carrierSeq;
    this.shipLineSeq = snapshot.shipLineSeq;
    this.shipWrites = new Map(Object.entries(snapshot.shipWrites));
  }
}
