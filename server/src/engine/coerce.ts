/**
 * Reading fields of loosely typed JSON (vendor answers): one home for turning an `unknown` field
 * into text, so a missing field and a field of the wrong type read the same everywhere.
 */

/** A string as it is, a number as its decimal text, anything else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
