/**
 * The doctor's shape checks: each answer the engine relies on is read with the engine's own wire
 * readers (`wire/cin7.ts`, `wire/starshipit.ts`), and the fields the engine cannot work without
 * are named here, typed against the wire interfaces so a renamed field fails to compile.
 */
import type { DoctorCheck } from '../../../protocol/doctor';
import type { Cin7Sale, Cin7SaleListRow } from './wire/cin7';
import { readSale, readSaleListPage } from './wire/cin7';
import type { StarshipitOrder } from './wire/starshipit';
import { describeShape, readListPage, readShippedRow } from './wire/starshipit';
import { isObject } from './coerce';

type Json = Record<string, unknown>;

/** What the importer reads from every saleList row (identity, status filter, cursor). */
const SALE_LIST_ROW_NEEDS: readonly (keyof Cin7SaleListRow & string)[] = [
  'SaleID',
  'OrderNumber',
  'Status',
  'Updated',
];

/** What the mapping reads from a sale to build an order and find its fulfilments. */
const SALE_NEEDS: readonly (keyof Cin7Sale & string)[] = [
  'ID',
  'Status',
  'Type',
  'ShippingAddress',
  'Order',
  'Fulfilments',
];

/** What the engine reads from a Starshipit order row (matching it to the sale it came from). */
const ORDER_ROW_NEEDS: readonly (keyof StarshipitOrder & string)[] = ['order_id', 'order_number'];

function missing(obj: Json, fields: readonly string[]): string[] {
  return fields.filter((f) => obj[f] === undefined || obj[f] === null || obj[f] === '');
}

const check = (
  id: string,
  api: DoctorCheck['api'],
  status: DoctorCheck['status'],
  message: string,
): DoctorCheck => ({ id, api, status, message });

/** The saleList page and its rows; the rows are returned for the status and sale checks. */
export function checkSaleListShape(json: unknown): { checks: DoctorCheck[]; rows: Json[] } {
  const page = readSaleListPage(json);
  if (!page)
    return {
      checks: [
        check(
          'shape.saleList',
          'dear',
          'problem',
          `saleList answer is not a sale list (no SaleList array): ${describeShape(json)}`,
        ),
      ],
      rows: [],
    };
  const checks: DoctorCheck[] = [];
  if (page.total === undefined)
    checks.push(
      check(
        'shape.saleList',
        'dear',
        'problem',
        'saleList answer has no numeric Total: the engine pages until Total and cannot tell when it has read every sale',
      ),
    );
  if (page.rows.length === 0) {
    checks.push(
      check(
        'shape.saleListRow',
        'dear',
        'info',
        'saleList returned no rows, so no row shape could be checked',
      ),
    );
    return { checks, rows: [] };
  }
  const bad = page.rows
    .map((row) => ({ row, gaps: missing(row, SALE_LIST_ROW_NEEDS) }))
    .filter((r) => r.gaps.length > 0);
  if (bad.length === 0)
    checks.push(
      check(
        'shape.saleListRow',
        'dear',
        'ok',
        `${page.rows.length} saleList row(s) carry ${SALE_LIST_ROW_NEEDS.join(', ')}`,
      ),
    );
  for (const { row, gaps } of bad.slice(0, 5))
    checks.push(
      check(
        'shape.saleListRow',
        'dear',
        'problem',
        `saleList row ${String(row.OrderNumber ?? row.SaleID ?? '(no number)')} lacks ${gaps.join(', ')}: ${describeShape(row)}`,
      ),
    );
  return { checks, rows: page.rows };
}

export function checkSaleShape(json: unknown, saleId: string): DoctorCheck[] {
  const sale = readSale(json);
  if (!sale)
    return [
      check(
        'shape.sale',
        'dear',
        'problem',
        `sale ${saleId}: answer is not a sale object: ${describeShape(json)}`,
      ),
    ];
  const gaps = missing(sale, SALE_NEEDS);
  const order = sale.Order;
  if (isObject(order) && !Array.isArray(order.Lines)) gaps.push('Order.Lines');
  if (sale.ShippingAddress !== undefined && !isObject(sale.ShippingAddress))
    gaps.push('ShippingAddress (not an object)');
  if (sale.Fulfilments !== undefined && !Array.isArray(sale.Fulfilments))
    gaps.push('Fulfilments (not an array)');
  if (gaps.length)
    return [
      check(
        'shape.sale',
        'dear',
        'problem',
        `sale ${saleId} lacks ${gaps.join(', ')}: ${describeShape(sale)}`,
      ),
    ];
  return [
    check(
      'shape.sale',
      'dear',
      'ok',
      `sale ${saleId} carries ${SALE_NEEDS.join(', ')} and Order.Lines`,
    ),
  ];
}

/** `GET ref/carrier`: the carrier names, or a problem when the answer is no carrier list. */
export function readCarrierNames(json: unknown): { names?: string[]; checks: DoctorCheck[] } {
  const list = isObject(json) ? json.CarrierList : undefined;
  if (!Array.isArray(list))
    return {
      checks: [
        check(
          'shape.carrierList',
          'dear',
          'problem',
          `ref/carrier answer has no CarrierList array: ${describeShape(json)}`,
        ),
      ],
    };
  const names = list
    .filter(isObject)
    .map((c) => (typeof c.Description === 'string' ? c.Description.trim() : ''))
    .filter(Boolean);
  const status = names.length === list.length ? 'ok' : 'problem';
  return {
    names,
    checks: [
      check(
        'shape.carrierList',
        'dear',
        status,
        status === 'ok'
          ? `ref/carrier lists ${names.length} carrier(s)`
          : `${list.length - names.length} ref/carrier entr(ies) have no Description`,
      ),
    ],
  };
}

/**
 * The rows of a Starshipit order list, or the one check that says why there are none to look at
 * (no orders array: a problem; an empty list: nothing could be checked).
 */
function starshipitRows(
  json: unknown,
  id: string,
  list: string,
  emptyText: string,
): { rows: unknown[] } | { checks: DoctorCheck[] } {
  const page = readListPage(json);
  if (!page)
    return {
      checks: [
        check(
          id,
          'starshipit',
          'problem',
          `${list} list answer has no orders array: ${describeShape(json)}`,
        ),
      ],
    };
  if (page.rows.length === 0) return { checks: [check(id, 'starshipit', 'info', emptyText)] };
  return { rows: page.rows };
}

/** `GET /api/orders/unshipped`: full orders; each needs its id and number. */
export function checkUnshippedShape(json: unknown): DoctorCheck[] {
  const page = starshipitRows(
    json,
    'shape.unshippedRow',
    'unshipped',
    'no unshipped orders, so no unshipped row shape could be checked',
  );
  if ('checks' in page) return page.checks;
  const bad = page.rows.filter((r) => !isObject(r) || missing(r, ORDER_ROW_NEEDS).length > 0);
  if (bad.length === 0)
    return [
      check(
        'shape.unshippedRow',
        'starshipit',
        'ok',
        `${page.rows.length} unshipped row(s) carry ${ORDER_ROW_NEEDS.join(', ')}`,
      ),
    ];
  return bad
    .slice(0, 5)
    .map((row) =>
      check(
        'shape.unshippedRow',
        'starshipit',
        'problem',
        `unshipped row lacks ${isObject(row) ? missing(row, ORDER_ROW_NEEDS).join(', ') : 'everything'}: ${describeShape(row)}`,
      ),
    );
}

/** `GET /api/orders/shipped`: every row must be a full order or a flat summary the engine reads. */
export function checkShippedShape(json: unknown): DoctorCheck[] {
  const page = starshipitRows(
    json,
    'shape.shippedRow',
    'shipped',
    'no shipped orders in the last 30 days, so no shipped row shape could be checked',
  );
  if ('checks' in page) return page.checks;
  const forms = { full: 0, summary: 0 };
  const out: DoctorCheck[] = [];
  for (const row of page.rows) {
    const read = readShippedRow(row);
    if (read.form === 'unreadable')
      out.push(
        check(
          'shape.shippedRow',
          'starshipit',
          'problem',
          `shipped row ${read.orderNumber ?? read.orderId ?? ''} cannot be read (${read.problem}): ${read.shape}`,
        ),
      );
    else forms[read.form]++;
  }
  if (forms.full + forms.summary > 0)
    out.unshift(
      check(
        'shape.shippedRow',
        'starshipit',
        'ok',
        `${forms.full + forms.summary} shipped row(s) readable: ${forms.full} full order(s), ${forms.summary} flat summar(ies) (tracking read from the order)`,
      ),
    );
  return out;
}
