/**
 * Cache of Cin7 Core carrier names per (baseUrl, account). Pure: no network, injectable clock.
 * Stale entries are still served (completion never waits); `needsRefresh` says when to fetch again.
 */
export interface CarrierCatalogOptions {
  /** How long a fetched list counts as fresh. */
  ttlMs?: number;
  /** Back-off after a failed fetch before trying again. */
  retryAfterFailureMs?: number;
  now?: () => number;
}

interface Entry {
  names?: string[];
  fetchedAt?: number;
  failedAt?: number;
  inFlight: boolean;
}

export class CarrierCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(options: CarrierCatalogOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.retryMs = options.retryAfterFailureMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  static key(baseUrl: string, account: string): string {
    return `${baseUrl.toLowerCase()}\u0000${account}`;
  }

  /** Names last fetched for `key` (possibly stale), or undefined if never fetched. */
  names(key: string): readonly string[] | undefined {
    return this.entries.get(key)?.names;
  }

  needsRefresh(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    if (e.inFlight) return false;
    const t = this.now();
    if (e.failedAt !== undefined && t - e.failedAt < this.retryMs) return false;
    return e.fetchedAt === undefined || t - e.fetchedAt >= this.ttlMs;
  }

  /** Marks a fetch as started; returns false when one is already running. */
  begin(key: string): boolean {
    const e = this.entries.get(key) ?? { inFlight: false };
    if (e.inFlight) return false;
    e.inFlight = true;
    this.entries.set(key, e);
    return true;
  }

  succeed(key: string, names: readonly string[]): void {
    this.entries.set(key, {
      names: [...new Set(names)].sort((a, b) => a.localeCompare(b)),
      fetchedAt: this.now(),
      inFlight: false,
    });
  }

  /** Allows an immediate retry everywhere (e.g. the user just stored the missing secret). */
  forgetFailures(): void {
    for (const e of this.entries.values()) e.failedAt = undefined;
  }

  fail(key: string): void {
    const e = this.entries.get(key) ?? { inFlight: false };
    this.entries.set(key, { ...e, inFlight: false, failedAt: this.now() });
  }
}
