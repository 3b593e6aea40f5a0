/**
 * Deterministic randomness. Every generated value derives from (seed, index, stream) so a sale can be
 * regenerated on demand without storing it, and the same seed always yields the same data.
 */

/** One round of a murmur3-style finaliser; mixes `v` into `h`. */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash any number of 32-bit integers into one 32-bit integer. */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) h = mix(h, v);
  return mix(h, values.length);
}

/** mulberry32: small, fast, good enough for test data and fault dice. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  hex(digits: number): string {
    let s = '';
    while (s.length < digits) s += this.int(0x10000).toString(16).padStart(4, '0');
    return s.slice(0, digits);
  }
}

export function rngFor(seed: number, ...parts: number[]): Rng {
  return new Rng(hash32(seed, ...parts));
}

/**
 * A GUID that encodes what it names: `kind` (4 hex) in the second group and `index`/`sub` in the last
 * group, so `sale?ID=` and `TaskID` lookups need no map of 100 000 ids. The other groups are hashed
 * from the seed, so ids differ between seeds.
 */
export function encodeGuid(seed: number, kind: string, index: number, sub = 0): string {
  // Products, locations and customers repeat on every generated sale: memoise those (bounded).
  if (MEMO_KINDS.has(kind)) {
    const key = `${seed}|${kind}|${index}|${sub}`;
    let v = memo.get(key);
    if (v === undefined) {
      if (memo.size > 50_000) memo.clear();
      v = rawGuid(seed, kind, index, sub);
      memo.set(key, v);
    }
    return v;
  }
  return rawGuid(seed, kind, index, sub);
}

const memo = new Map<string, string>();
const MEMO_KINDS = new Set(['b0d1', '10ca', 'c057']);

function rawGuid(seed: number, kind: string, index: number, sub: number): string {
  const h = hash32(seed, index, sub, parseInt(kind, 16));
  const h2 = hash32(h, 7);
  const a = h.toString(16).padStart(8, '0');
  const b = h2.toString(16).padStart(8, '0');
  return `${a}-${kind}-4${b.slice(0, 3)}-a${b.slice(3, 6)}-${(index >>> 0).toString(16).padStart(8, '0')}${(sub & 0xffff).toString(16).padStart(4, '0')}`;
}

/** Inverse of encodeGuid; returns undefined unless the GUID is exactly one this seed would produce. */
export function decodeGuid(
  seed: number,
  kind: string,
  guid: string,
): { index: number; sub: number } | undefined {
  const m =
    /^[0-9a-f]{8}-([0-9a-f]{4})-4[0-9a-f]{3}-a[0-9a-f]{3}-([0-9a-f]{8})([0-9a-f]{4})$/i.exec(
      guid.trim(),
    );
  if (!m || m[1].toLowerCase() !== kind) return undefined;
  const index = parseInt(m[2], 16);
  const sub = parseInt(m[3], 16);
  return encodeGuid(seed, kind, index, sub) === guid.trim().toLowerCase()
    ? { index, sub }
    : undefined;
}

export const GUID_KIND = {
  sale: '5a1e',
  task: '7a5c',
  customer: 'c057',
  product: 'b0d1',
  shipLine: 'd1e5',
  carrier: 'ca11',
  location: '10ca',
  invoice: '1a0c',
} as const;
