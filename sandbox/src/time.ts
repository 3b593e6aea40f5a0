/**
 * Date forms the two vendors put on the wire and the sandbox clock. The clock is the real wall
 * clock: windows and waits shrink with the time scale, but timestamps stay real so an engine that
 * mixes its own clock with server dates stays consistent.
 */

/** Cin7 date-only form: `2017-09-29T00:00:00` (no zone). */
export function dearDate(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  let text = dayCache.get(day);
  if (text === undefined) {
    if (dayCache.size > 10_000) dayCache.clear();
    text = new Date(day * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00';
    dayCache.set(day, text);
  }
  return text;
}
const dayCache = new Map<number, string>();

/** Cin7 timestamp form: `2017-09-29T03:03:13.913Z`, trailing zeros of the fraction trimmed (`.75Z`, or none). */
export function dearTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2017-09-29T03:03:13.910Z
  const [head, frac] = iso.slice(0, -1).split('.');
  const trimmed = frac.replace(/0+$/, '');
  return trimmed ? `${head}.${trimmed}Z` : `${head}Z`;
}

/** Starshipit .NET form with a 7-digit fraction: `2025-09-15T04:33:55.6676088` (+ `Z` when `z`). */
export function starshipitDate(ms: number, opts: { z?: boolean; fraction?: boolean } = {}): string {
  const iso = new Date(ms).toISOString();
  const head = iso.slice(0, 19);
  const fraction =
    opts.fraction === false
      ? ''
      : '.' + iso.slice(20, 23) + String(Math.abs(Math.floor(ms * 7919)) % 10000).padStart(4, '0');
  return head + fraction + (opts.z ? 'Z' : '');
}

/**
 * Parse the ISO 8601 variants clients send (`2024-01-02`, `…T10:00:00`, `…T10:00:00.1234567Z`,
 * `+10:00` offsets). A value without a zone is UTC, as both vendors document. Returns NaN when invalid.
 */
export function parseApiDate(value: string): number {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      value.trim(),
    );
  if (!match) return NaN;
  const [, year, month, day, hour = '0', minute = '0', second = '0', frac = '0', zone] = match;
  let ms = Date.UTC(
    +year,
    +month - 1,
    +day,
    +hour,
    +minute,
    +second,
    Math.floor(Number('0.' + frac) * 1000),
  );
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (parseInt(digits.slice(0, 2), 10) * 60 + parseInt(digits.slice(2), 10)) * 60_000;
  }
  return ms;
}
