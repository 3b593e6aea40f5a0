/**
 * Filtering and sorting of the preview's order rows — pure, shared by the webview app (main.ts)
 * and the unit tests. Built for tens of thousands of rows: each row's search text and sort keys
 * are computed once, rows that arrive later are merged into the sorted list instead of sorting
 * everything again.
 */
import type { PreviewOrderRow, SortKey } from '../../../../protocol/preview';

/** The lower-case text a filter searches in: every displayed field and the warnings. */
export function haystack(row: PreviewOrderRow): string {
  return [
    row.orderNumber,
    row.receiver,
    row.company,
    row.address,
    row.items,
    row.deliveryInstructions,
    row.shippingMethod,
    row.courier,
    row.customs,
    row.account,
    row.saleId,
    row.taskId,
    ...row.warnings,
  ]
    .join('\u0000')
    .toLowerCase();
}

export function filterWords(filter: string): string[] {
  return filter.toLowerCase().split(/\s+/).filter(Boolean);
}

export function matchesWords(hay: string, words: readonly string[]): boolean {
  return words.every((w) => hay.includes(w));
}

/** Every whitespace-separated word of `filter` must occur (case-insensitively) in one of the row's fields. */
export function matchesFilter(row: PreviewOrderRow, filter: string): boolean {
  return matchesWords(haystack(row), filterWords(filter));
}

/**
 * A key whose plain string order is the natural, accent- and case-blind order of `value`
 * (SO-2 before SO-10; "Zoë" with "zoe"): digit runs are zero-padded, marks dropped.
 */
export function sortKey(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\d+/g, (digits) => digits.replace(/^0+(?=\d)/, '').padStart(20, '0'));
}

/** Sort keys of rows by index, computed on first use. */
export class SortKeys {
  private readonly keys = new Map<SortKey, string[]>();
  constructor(private readonly rows: readonly PreviewOrderRow[]) {}

  of(key: SortKey, index: number): string {
    let list = this.keys.get(key);
    if (!list) this.keys.set(key, (list = []));
    return (list[index] ??= sortKey(String(this.rows[index][key])));
  }

  /** Compares two row indices by `key`; ties keep arrival order in both directions. */
  comparator(key: SortKey, descending: boolean): (a: number, b: number) => number {
    const dir = descending ? -1 : 1;
    return (a, b) => {
      const left = this.of(key, a);
      const right = this.of(key, b);
      return left < right ? -dir : left > right ? dir : a - b;
    };
  }
}

/** Merges two lists sorted by `compare` into one. */
export function mergeSorted(
  left: readonly number[],
  right: readonly number[],
  compare: (x: number, y: number) => number,
): number[] {
  if (right.length === 0) return left.slice();
  const out: number[] = new Array<number>(left.length + right.length);
  let i = 0;
  let j = 0;
  let filled = 0;
  while (i < left.length && j < right.length)
    out[filled++] = compare(left[i], right[j]) <= 0 ? left[i++] : right[j++];
  while (i < left.length) out[filled++] = left[i++];
  while (j < right.length) out[filled++] = right[j++];
  return out;
}

/** Rows that match `filter`, sorted by `key` (natural order: SO-2 before SO-10), stable. */
export function filterAndSort(
  rows: readonly PreviewOrderRow[],
  filter: string,
  key: SortKey,
  descending: boolean,
): PreviewOrderRow[] {
  const words = filterWords(filter);
  const keys = new SortKeys(rows);
  return rows
    .map((_, index) => index)
    .filter((index) => matchesWords(haystack(rows[index]), words))
    .sort(keys.comparator(key, descending))
    .map((index) => rows[index]);
}
