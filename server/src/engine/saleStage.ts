/**
 * Which `import.statuses` a sale is in. Cin7 documents PICKING, PICKED, PACKING, PACKED and
 * SHIPPING as "only applicable to simple sale": an Advanced sale stays ORDERED (or BACKORDERED)
 * while its fulfilments are picked, packed and shipped. So for an Advanced sale at ORDERED or
 * BACKORDERED each open fulfilment has a stage named like the simple-sale status it would give
 * (pick draft → PICKING, pick authorised → PICKED, pack draft → PACKING, pack authorised → PACKED,
 * ship draft → SHIPPING, nothing started → the sale's own status), and the sale is selected when
 * any open fulfilment's stage is selected. `ORDERED` and `PICKED` mean the same for both kinds.
 */
import type { Row } from './dearClient';
import { objectOf, objectsOf, trimmedText } from './coerce';

/** Sale statuses Cin7 uses for simple sales only; an Advanced sale reaches them per fulfilment. */
const SIMPLE_SALE_STAGES: readonly string[] = [
  'PICKING',
  'PICKED',
  'PACKING',
  'PACKED',
  'SHIPPING',
];
const ORDER_STAGES = ['ORDERED', 'BACKORDERED'];

/** An Advanced sale whose status stays at the order while fulfilments move (row or detail). */
export function isAdvancedAtOrder(sale: Row): boolean {
  return (
    trimmedText(sale.Type) === 'Advanced Sale' && ORDER_STAGES.includes(trimmedText(sale.Status))
  );
}

/** One fulfilment's stage, in simple-sale status words (`saleStatus` when nothing started). */
export function fulfilmentStage(fulfilment: Row, saleStatus: string): string {
  const ship = trimmedText(objectOf(fulfilment.Ship).Status);
  const pack = trimmedText(objectOf(fulfilment.Pack).Status);
  const pick = trimmedText(objectOf(fulfilment.Pick).Status);
  if (ship === 'DRAFT' || ship === 'PARTIALLY AUTHORISED') return 'SHIPPING';
  if (pack === 'AUTHORISED') return 'PACKED';
  if (pack === 'DRAFT') return 'PACKING';
  if (pick === 'AUTHORISED') return 'PICKED';
  if (pick === 'DRAFT') return 'PICKING';
  return saleStatus;
}

const isOpen = (fulfilment: Row): boolean =>
  trimmedText(fulfilment.FulFilmentStatus) !== 'VOIDED' &&
  trimmedText(objectOf(fulfilment.Pick).Status) !== 'VOIDED' &&
  trimmedText(objectOf(fulfilment.Ship).Status) !== 'AUTHORISED';

/** The statuses `import.statuses` is matched against for a sale read in full. */
function saleStages(sale: Row): string[] {
  const status = trimmedText(sale.Status);
  if (!isAdvancedAtOrder(sale)) return [status];
  const open = objectsOf(sale.Fulfilments).filter(isOpen);
  if (open.length === 0) return [status];
  return [...new Set(open.map((f) => fulfilmentStage(f, status)))];
}

/** Whether a sale read in full is selected by `statuses`. */
export function saleSelected(sale: Row, statuses: readonly string[]): boolean {
  return saleStages(sale).some((st) => statuses.includes(st));
}

/**
 * Whether a `saleList` row may be selected. A row carries only the Combined* summaries, which do
 * not say which fulfilment is at which stage, so an Advanced sale at the order stage that is not
 * shipped in full is read in full whenever a simple-sale stage is selected.
 */
export function rowMaySelect(row: Row, statuses: readonly string[]): boolean {
  const status = trimmedText(row.Status);
  if (statuses.includes(status)) return true;
  return (
    isAdvancedAtOrder(row) &&
    trimmedText(row.CombinedShippingStatus) !== 'SHIPPED' &&
    statuses.some((st) => SIMPLE_SALE_STAGES.includes(st))
  );
}

/** The `Status` values to list: Advanced sales at a simple-sale stage are listed as ORDERED/BACKORDERED. */
export function listStatuses(statuses: readonly string[]): string[] {
  const out = [...statuses];
  if (statuses.some((st) => SIMPLE_SALE_STAGES.includes(st)))
    for (const st of ORDER_STAGES) if (!out.includes(st)) out.push(st);
  return out;
}

/** "status PACKED" or "Advanced sale at stage PICKED, PACKING (status ORDERED)", for skip reasons. */
export function describeStages(sale: Row): string {
  const stages = saleStages(sale);
  const status = trimmedText(sale.Status) || '(none)';
  if (!isAdvancedAtOrder(sale) || (stages.length === 1 && stages[0] === status))
    return `status ${status}`;
  return `Advanced sale with open fulfilments at stage ${stages.join(', ')} (status ${status})`;
}
