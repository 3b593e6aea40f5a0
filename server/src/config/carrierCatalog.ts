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
    const entry = this.entries.get(key);
    if (!entry) return true;
    if (entry.inFlight) return false;
    const now = this.now();
    if (entry.failedAt !== undefined && now - entry.failedAt < this.retryMs) return false;
    return entry.fetchedAt === undefined || now - entry.fetchedAt >= this.ttlMs;
  }

  /** Marks a fetch as started; returns false when one is already running. */
  begin(key: string): boolean {
    const entry = this.entries.get(key) ?? { inFlight: false };
    if (entry.inFlight) return false;
    entry.inFlight = true;
    this.entries.set(key, entry);
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
    for (const entry of this.entries.values()) entry.failedAt = undefined;
  }

  fail(key: string): void {
    const entry = this.entries.get(key) ?? { inFlight: false };
    this.entries.set(key, { ...entry, inFlight: false, failedAt: this.now() });
  }
}
