/**
 * Reading fields of loosely typed JSON (vendor answers): one home for turning an `unknown` field
 * into text, an object or a list of objects, so a missing field and a field of the wrong type read
 * the same everywhere. A number counts as text (vendors send some identifiers either way);
 * anything else reads as empty.
 */

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

function numberText(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** A string as it is, a finite number as its decimal text, anything else `''`. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : numberText(value);
}

/** {@link text} without leading and trailing white space: for identifiers, statuses, codes. */
export function trimmedText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : numberText(value);
}

/**
 * {@link trimmedText} with every run of control characters (line breaks, tabs, NUL…) turned into
 * one space: text a label or an address line can show.
 */
export function printableText(value: unknown): string {
  return typeof value === 'string'
    ? // eslint-disable-next-line no-control-regex -- matching control characters is the point
      value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
    : numberText(value);
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The object itself, or an empty one for anything else, so `objectOf(x).Field` is always safe. */
export function objectOf(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/**
 * The object entries of an array, `[]` for anything that is not an array. Strings, numbers and
 * nulls are dropped; a nested array is kept and reads as an object without fields, so a malformed
 * line still shows up (as a line missing everything) instead of vanishing.
 */
export function objectsOf(value: unknown): JsonObject[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry) => entry !== null && typeof entry === 'object') as JsonObject[];
}
