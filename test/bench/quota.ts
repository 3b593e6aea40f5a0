/**
 * Quota figures computed from the sandbox's own call log (what the server saw), never from the
 * client's counters.
 *
 * Cin7 Core allows `quota` calls in any sliding window of `windowMs` (sandbox/src/ratelimit.ts).
 * A perfect client with a backlog of n calls sends call k (0-based) at floor(k / quota) × window
 * after the first, so its first→last span is floor((n − 1) / quota) × window. "Quota used while
 * backlogged" is that ideal span divided by the measured first→last span of accepted calls
 * (100 % = never a slot left unused while work was waiting). It is n/a when n ≤ quota. The leading
 * saleList call(s) are left out: until the first page is read there is no backlog.
 */
import type { CallLogEntry } from '../../sandbox/src/api';

export interface QuotaFigures {
  /** Every Cin7 request that reached the sandbox (accepted + throttled). */
  calls: number;
  accepted: number;
  /** Accepted calls after the leading list call(s): the ones the quota figure is computed from. */
  backlogged: number;
  throttled: number;
  firstAt: number;
  lastAt: number;
  /** ms between the first and the last accepted call (server clock). */
  spanMs: number;
  idealSpanMs: number;
  /** (span − idealSpan) / windows: the time each window boundary cost (RTT, ε, scheduling). */
  overheadPerWindowMs: number;
  /** idealSpan / span, capped at 1; NaN when never backlogged. */
  use: number;
  /** calls ÷ quota × window — the brief's "theoretical minimum" wall time. */
  theoreticalMs: number;
  byRoute: Record<string, number>;
}

export function isThrottle(e: CallLogEntry): boolean {
  return e.fault === 'rate-limit' || e.fault === 'throttle';
}

export function quotaFigures(
  log: CallLogEntry[],
  api: 'dear' | 'starshipit',
  quota: number,
  windowMs: number,
): QuotaFigures {
  const calls = log.filter((e) => e.api === api);
  const all = calls.filter((e) => !isThrottle(e));
  const throttled = calls.length - all.length;
  // The backlog starts once the first list page has been read: skip the leading list calls.
  let lead = 0;
  while (lead < all.length && /saleList$/i.test(all[lead].route)) lead++;
  const accepted = lead < all.length ? all.slice(lead) : all;
  const firstAt = accepted.length ? Math.min(...accepted.map((e) => e.at)) : NaN;
  const lastAt = accepted.length ? Math.max(...accepted.map((e) => e.at)) : NaN;
  const spanMs = lastAt - firstAt;
  const idealSpanMs =
    accepted.length > quota ? Math.floor((accepted.length - 1) / quota) * windowMs : NaN;
  const windows = Math.floor((accepted.length - 1) / quota);
  const overheadPerWindowMs = windows > 0 ? (spanMs - idealSpanMs) / windows : NaN;
  const use = accepted.length > quota && spanMs > 0 ? Math.min(1, idealSpanMs / spanMs) : NaN;
  const byRoute: Record<string, number> = {};
  for (const e of calls) {
    const key = `${e.method} ${e.route.replace(/^\/ExternalApi\/v2\//i, '')}`;
    byRoute[key] = (byRoute[key] ?? 0) + 1;
  }
  return {
    calls: calls.length,
    accepted: all.length,
    backlogged: accepted.length,
    throttled,
    firstAt,
    lastAt,
    spanMs,
    idealSpanMs,
    overheadPerWindowMs,
    use,
    theoreticalMs: (calls.length / quota) * windowMs,
    byRoute,
  };
}
