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
function same(left: unknown, right: unknown, field = ''): boolean {
  if (empty(left) && empty(right)) return true;
  if (field.endsWith('order_date') && typeof left === 'string' && typeof right === 'string') {
    const leftMs = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(left) ? left : `${left}Z`);
    const rightMs = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(right) ? right : `${right}Z`);
    if (!Number.isNaN(leftMs) && !Number.isNaN(rightMs)) return leftMs === rightMs;
  }
  if (typeof left === 'number' || typeof right === 'number')
    return Number(left) === Number(right) && !empty(left) && !empty(right);
  if (isObject(left) && isObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!same(left[key], right[key])) return false;
    return true;
  }
  if (Array.isArray(left) && Array.isArray(right))
    return left.length === right.length && left.every((x, i) => same(x, right[i]));
  return left === right;
}

/** Item identity: SKU (else description), with `#n` for the n-th repeat. */
function keyedItems(items: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const seen = new Map<string, number>();
  for (const it of Array.isArray(items) ? items : []) {
    if (!isObject(it)) continue;
    const base = String(it.sku ?? '') || `(${String(it.description ?? '')})`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    out.set(count === 1 ? base : `${base}#${count}`, it);
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
  for (const field of top)
    if (!same(before[field], after[field], field))
      out.push({ field, before: orNull(before[field]), after: orNull(after[field]) });
  const bd = isObject(before.destination) ? before.destination : {};
  const ad = isObject(after.destination) ? after.destination : {};
  for (const field of [...new Set([...Object.keys(bd), ...Object.keys(ad)])]) {
    if (!same(bd[field], ad[field]))
      out.push({
        field: `destination.${field}`,
        before: orNull(bd[field]),
        after: orNull(ad[field]),
      });
  }
  const bi = keyedItems(before.items);
  const ai = keyedItems(after.items);
  for (const [key, beforeItem] of bi) {
    const afterItem = ai.get(key);
    if (!afterItem) {
      out.push({ field: `items[${key}]`, before: beforeItem, after: null });
      continue;
    }
    for (const field of ITEM_FIELDS)
      if (!same(beforeItem[field], afterItem[field]))
        out.push({
          field: `items[${key}].${field}`,
          before: orNull(beforeItem[field]),
          after: orNull(afterItem[field]),
        });
  }
  for (const [key, afterItem] of ai)
    if (!bi.has(key)) out.push({ field: `items[${key}]`, before: null, after: afterItem });
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
  for (const change of changes) {
    if (change.field.startsWith('destination.')) {
      const field = change.field.slice('destination.'.length);
      if (!same(liveDest[field], freshDest[field])) {
        destChanged = true;
        if (empty(freshDest[field])) cleared.push(field);
      }
      continue;
    }
    const match = /^items\[(.+?)\](?:\.(\w+))?$/.exec(change.field);
    if (match) {
      const key = match[1];
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
        for (const field of ITEM_FIELDS)
          if (!same(have[field], want[field])) patch[field] = want[field] ?? '';
        if (Object.keys(patch).length) items.push({ item_id: have.item_id, ...patch });
      }
      continue;
    }
    if (!same(live[change.field], fresh[change.field], change.field)) {
      body[change.field] = fresh[change.field] ?? '';
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
  for (const key of Object.keys(like)) {
    if (key === 'destination' && isObject(live.destination) && isObject(like.destination)) {
      const picked: Record<string, unknown> = {};
      const ld = live.destination;
      for (const dk of Object.keys(like.destination)) if (!empty(ld[dk])) picked[dk] = ld[dk];
      out.destination = picked;
    } else if (key === 'items') {
      out.items = (Array.isArray(live.items) ? live.items : [])
        .filter(isObject)
        .map((it) =>
          Object.fromEntries(ITEM_FIELDS.filter((f) => !empty(it[f])).map((f) => [f, it[f]])),
        );
    } else if (!empty(live[key])) out[key] = live[key];
  }
  return out;
}

/** "address and lines" — what changed, in words, for the needs-attention reason. */
export function changeSummary(changes: FieldChange[]): string {
  const words: string[] = [];
  const add = (w: string): void => {
    if (!words.includes(w)) words.push(w);
  };
  for (const change of changes) {
    const field = change.field;
    if (/^destination\.(street|building|suburb|city|state|post_code|country)$/.test(field))
      add('address');
    else if (/^destination\.(name|company)$/.test(field)) add('contact');
    else if (/^destination\.(phone|email)$/.test(field)) add('phone/email');
    else if (field === 'destination.delivery_instructions') add('delivery instructions');
    else if (field.startsWith('items[')) add('lines');
    else if (field === 'shipping_method') add('shipping method');
    else add(field.replace(/_/g, ' '));
  }
  if (words.length <= 1) return words[0] ?? 'the sale';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function describeChanges(changes: FieldChange[]): string {
  const shown = (value: unknown): string =>
    value === undefined || value === null
      ? '(none)'
      : isObject(value)
        ? `${String(value.sku ?? '')} × ${String(value.quantity ?? '')}`
        : JSON.stringify(value);
  return changes.map((c) => `${c.field}: ${shown(c.before)} → ${shown(c.after)}`).join('; ');
}
