/**
 * Deterministic randomness. Every generated value derives from (seed, index, stream) so a sale can be
 * regenerated on demand without storing it, and the same seed always yields the same data.
 */

/** One round of a murmur3-style finaliser; mixes `value` into `hash`. */
function mix(hash: number, value: number): number {
  hash = Math.imul(hash ^ (value >>> 0), 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Hash any number of 32-bit integers into one 32-bit integer. */
export function hash32(...values: number[]): number {
  let hash = 0x9e3779b9;
  for (const value of values) hash = mix(hash, value);
  return mix(hash, values.length);
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
    let mixed = this.state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  hex(digits: number): string {
    let hexText = '';
    while (hexText.length < digits) hexText += this.int(0x10000).toString(16).padStart(4, '0');
    return hexText.slice(0, digits);
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
    let guid = memo.get(key);
    if (guid === undefined) {
      if (memo.size > 50_000) memo.clear();
      guid = rawGuid(seed, kind, index, sub);
      memo.set(key, guid);
    }
    return guid;
  }
  return rawGuid(seed, kind, index, sub);
}

const memo = new Map<string, string>();
const MEMO_KINDS = new Set(['b0d1', '10ca', 'c057']);

function rawGuid(seed: number, kind: string, index: number, sub: number): string {
  const hash = hash32(seed, index, sub, parseInt(kind, 16));
  const secondHash = hash32(hash, 7);
  const firstGroup = hash.toString(16).padStart(8, '0');
  const middleDigits = secondHash.toString(16).padStart(8, '0');
  return `${firstGroup}-${kind}-4${middleDigits.slice(0, 3)}-a${middleDigits.slice(3, 6)}-${(index >>> 0).toString(16).padStart(8, '0')}${(sub & 0xffff).toString(16).padStart(4, '0')}`;
}

/** Inverse of encodeGuid; returns undefined unless the GUID is exactly one this seed would produce. */
export function decodeGuid(
  seed: number,
  kind: string,
  guid: string,
): { index: number; sub: number } | undefined {
  const match =
    /^[0-9a-f]{8}-([0-9a-f]{4})-4[0-9a-f]{3}-a[0-9a-f]{3}-([0-9a-f]{8})([0-9a-f]{4})$/i.exec(
      guid.trim(),
    );
  if (!match || match[1].toLowerCase() !== kind) return undefined;
  const index = parseInt(match[2], 16);
  const sub = parseInt(match[3], 16);
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
