/**
 * The two vendors' limiters. Cin7 Core: a sliding log of N calls per W seconds per application key
 * (counted on arrival). Starshipit (Azure APIM): a token bucket per subscription key. Both windows
 * are divided by the time scale.
 */

export class SlidingWindow {
  private log = new Map<string, number[]>();
  constructor(
    public limit: number,
    public windowMs: number,
  ) {}

  private prune(key: string, now: number): number[] {
    const entries = (this.log.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.log.set(key, entries);
    return entries;
  }

  /**
   * Try to take one slot. `foreignShare` (0..1) of the window is treated as already spent by another
   * app on the same key. Returns the ms until a slot frees when refused.
   */
  take(key: string, now: number, foreignShare = 0): { ok: true } | { ok: false; waitMs: number } {
    const entries = this.prune(key, now);
    const foreign = Math.min(
      this.limit,
      Math.round(Math.max(0, Math.min(1, foreignShare)) * this.limit),
    );
    const capacity = this.limit - foreign;
    if (entries.length < capacity) {
      entries.push(now);
      return { ok: true };
    }
    const oldest = entries.length > 0 ? (entries[entries.length - capacity] ?? entries[0]) : now;
    return { ok: false, waitMs: Math.max(1, oldest + this.windowMs - now) };
  }

  /** Count a call without checking (used when throttled calls are configured to count). */
  record(key: string, now: number): void {
    this.prune(key, now).push(now);
  }
}

export class TokenBucket {
  private buckets = new Map<string, { tokens: number; at: number }>();
  /** `rate` tokens per `perMs`; burst capacity = max(1, rate). */
  constructor(
    private readonly rateFor: (key: string) => number,
    private readonly perMs: number,
  ) {}

  take(key: string, now: number): { ok: true } | { ok: false; waitMs: number } {
    const rate = Math.max(0.001, this.rateFor(key));
    const capacity = Math.max(1, rate);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * rate) / this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - bucket.tokens) * this.perMs) / rate) };
  }
}
