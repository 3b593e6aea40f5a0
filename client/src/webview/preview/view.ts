/**
 * Filtering and sorting of the preview's order rows — pure, shared by the webview app (main.ts)
 * and the unit tests.
 */
import type { PreviewOrderRow, SortKey } from '../../../../protocol/preview';

/** Every whitespace-separated word of `filter` must occur (case-insensitively) in one of the row's fields. */
export function matchesFilter(row: PreviewOrderRow, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [
    row.orderNumber,
    row.receiver,
    row.company,
    row.address,
    row.items,
    row.deliveryInstructions,
    row.shippingMethod,
    row.courier,
    row.customs,
    row.saleId,
    row.taskId,
    ...row.warnings,
  ]
    .join('\u0000')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Rows that match `filter`, sorted by `key` (natural order: SO-2 before SO-10), stable. */
export function filterAndSort(
  rows: readonly PreviewOrderRow[],
  filter: string,
  key: SortKey,
  descending: boolean,
): PreviewOrderRow[] {
  const dir = descending ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => matchesFilter(row, filter))
    .sort(
      (a, b) =>
        dir *
          String(a.row[key]).localeCompare(String(b.row[key]), undefined, {
            numeric: true,
            sensitivity: 'base',
          }) || a.index - b.index,
    )
    .map(({ row }) => row);
}
