/**
 * Pure diffing for keeping imported orders in step: the field-by-field difference
 * between the payload Starshipit was last given and a fresh mapping of the sale, and the minimal
 * `PUT /api/orders` body that brings the live Starshipit order there.
 *
 * Items are identified by SKU (the n-th line of a SKU is `SKU#n` when a SKU repeats); in Starshipit
 * they are matched to the live order's `item_id`s the same way, so a PUT whose outcome was lost can
 * be rebuilt from the live order without adding a line twice.
 */
import type { Payload } from './keepInStepState';
import { isObject } from './coerce';

/** `before`/`after` are `null` for an absent value (so both survive JSON). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

const orNull = (v: unknown): unknown => (v === undefined ? null : v);

const empty = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Equal as our mapping means it: empty ≡ absent, numbers by value, dates by instant. */
function same(a: unknown, b: unknown, field = ''): boolean {
  if (empty(a) && empty(b)) return true;
  if (field.endsWith('order_date') && typeof a === 'string' && typeof b === 'string') {
    const x = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(a) ? a : `${a}Z`);
    const y = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(b) ? b : `${b}Z`);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x === y;
  }
  if (typeof a === 'number' || typeof b === 'number')
    return Number(a) === Number(b) && !empty(a) && !empty(b);
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k])) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return a === b;
}

/** Item identity: SKU (else description), with `#n` for the n-th repeat. */
function keyedItems(items: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const seen = new Map<string, number>();
  for (const it of Array.isArray(items) ? items : []) {
    if (!isObject(it)) continue;
    const base = String(it.sku ?? '') || `(${String(it.description ?? '')})`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(n === 1 ? base : `${base}#${n}`, it);
  }
  return out;
}

const ITEM_FIELDS = ['sku', 'description', 'quantity', 'value', 'weight'];

/** Field-by-field difference, in a stable order (order fields, destination, items). */
export function diffPayload(before: Payload, after: Payload): FieldChange[] {
  const out: FieldChange[] = [];
  const top = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => k !== 'destination' && k !== 'items' && k !== 'packages' && k !== 'order_number',
  );
  for (const k of top)
    if (!same(before[k], after[k], k))
      out.push({ field: k, before: orNull(before[k]), after: orNull(after[k]) });
  const bd = isObject(before.destination) ? before.destination : {};
  const ad = isObject(after.destination) ? after.destination : {};
  for (const k of [...new Set([...Object.keys(bd), ...Object.keys(ad)])]) {
    if (!same(bd[k], ad[k]))
      out.push({ field: `destination.${k}`, before: orNull(bd[k]), after: orNull(ad[k]) });
  }
  const bi = keyedItems(before.items);
  const ai = keyedItems(after.items);
  for (const [key, b] of bi) {
    const a = ai.get(key);
    if (!a) {
      out.push({ field: `items[${key}]`, before: b, after: null });
      continue;
    }
    for (const f of ITEM_FIELDS)
      if (!same(b[f], a[f]))
        out.push({ field: `items[${key}].${f}`, before: orNull(b[f]), after: orNull(a[f]) });
  }
  for (const [key, a] of ai)
    if (!bi.has(key)) out.push({ field: `items[${key}]`, before: null, after: a });
  return out;
}

/**
 * The `order` object of `PUT /api/orders` that applies `changes` to the live Starshipit order:
 * only fields the live order does not already hold (so a PUT re-sent after a lost answer changes
 * nothing twice), items by `item_id`, removed items as `{item_id, delete: true}`, cleared fields as
 * `""`. The destination goes whole whenever any part of it differs: Starshipit documents no
 * field-by-field merge of `destination`, so a partial one could clear the rest of the address.
 * Returns undefined when the live order already equals the fresh payload in every changed field.
 */
export function putBody(
  orderId: number,
  changes: FieldChange[],
  fresh: Payload,
  live: Record<string, unknown>,
): Payload | undefined {
  const body: Payload = { order_id: orderId };
  let any = false;
  const liveDest = isObject(live.destination) ? live.destination : {};
  const freshDest = isObject(fresh.destination) ? fresh.destination : {};
  let destChanged = false;
  const cleared: string[] = [];
  const liveItems = keyedItems(live.items);
  const freshItems = keyedItems(fresh.items);
  const items: Record<string, unknown>[] = [];
  const itemsDone = new Set<string>();
  for (const c of changes) {
    if (c.field.startsWith('destination.')) {
      const k = c.field.slice('destination.'.length);
      if (!same(liveDest[k], freshDest[k])) {
        destChanged = true;
        if (empty(freshDest[k])) cleared.push(k);
      }
      continue;
    }
    const m = /^items\[(.+?)\](?:\.(\w+))?$/.exec(c.field);
    if (m) {
      const key = m[1];
      if (itemsDone.has(key)) continue;
      itemsDone.add(key);
      const want = freshItems.get(key);
      const have = liveItems.get(key);
      if (!want) {
        if (have && have.item_id !== undefined) items.push({ item_id: have.item_id, delete: true });
      } else if (!have) {
        items.push({ ...want });
      } else {
        const patch: Record<string, unknown> = {};
        for (const f of ITEM_FIELDS) if (!same(have[f], want[f])) patch[f] = want[f] ?? '';
        if (Object.keys(patch).length) items.push({ item_id: have.item_id, ...patch });
      }
      continue;
    }
    if (!same(live[c.field], fresh[c.field], c.field)) {
      body[c.field] = fresh[c.field] ?? '';
      any = true;
    }
  }
  if (destChanged) {
    body.destination = { ...freshDest, ...Object.fromEntries(cleared.map((k) => [k, ''])) };
    any = true;
  }
  if (items.length) {
    body.items = items;
    any = true;
  }
  return any ? body : undefined;
}

/**
 * The live Starshipit order in our payload's shape (for orders imported before the engine kept
 * the payload it sent): only the fields our mapping produces.
 */
export function liveAsPayload(live: Record<string, unknown>, like: Payload): Payload {
  const out: Payload = {};
  for (const k of Object.keys(like)) {
    if (k === 'destination' && isObject(live.destination) && isObject(like.destination)) {
      const d: Record<string, unknown> = {};
      const ld = live.destination;
      for (const dk of Object.keys(like.destination)) if (!empty(ld[dk])) d[dk] = ld[dk];
      out.destination = d;
    } else if (k === 'items') {
      out.items = (Array.isArray(live.items) ? live.items : [])
        .filter(isObject)
        .map((it) =>
          Object.fromEntries(ITEM_FIELDS.filter((f) => !empty(it[f])).map((f) => [f, it[f]])),
        );
    } else if (!empty(live[k])) out[k] = live[k];
  }
  return out;
}

/** "address and lines" — what changed, in words, for the needs-attention reason. */
export function changeSummary(changes: FieldChange[]): string {
  const words: string[] = [];
  const add = (w: string): void => {
    if (!words.includes(w)) words.push(w);
  };
  for (const c of changes) {
    const f = c.field;
    if (/^destination\.(street|building|suburb|city|state|post_code|country)$/.test(f))
      add('address');
    else if (/^destination\.(name|company)$/.test(f)) add('contact');
    else if (/^destination\.(phone|email)$/.test(f)) add('phone/email');
    else if (f === 'destination.delivery_instructions') add('delivery instructions');
    else if (f.startsWith('items[')) add('lines');
    else if (f === 'shipping_method') add('shipping method');
    else add(f.replace(/_/g, ' '));
  }
  if (words.length <= 1) return words[0] ?? 'the sale';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function describeChanges(changes: FieldChange[]): string {
  const v = (x: unknown): string =>
    x === undefined || x === null
      ? '(none)'
      : isObject(x)
        ? `${String(x.sku ?? '')} × ${String(x.quantity ?? '')}`
        : JSON.stringify(x);
  return changes.map((c) => `${c.field}: ${v(c.before)} → ${v(c.after)}`).join('; ');
}
