/**
 * Starshipit wire shapes: what the engine sends and reads, and small readers that accept every
 * observed form and name what they could not interpret. The sandbox builds its answers from the
 * same types (`import type`), and test/contract holds one sample per shape with its public source.
 *
 * Every field is optional on the wire: Starshipit omits keys that have no value.
 */
import { isObject, trimmedText } from '../coerce';

/** A parcel of a full order; tracking appears once a label is printed. */
export interface StarshipitPackage {
  package_id?: number;
  name?: string;
  weight?: number;
  height?: number;
  width?: number;
  length?: number;
  packaging_type?: string;
  carrier_service_code?: string;
  carrier_service_name?: string;
  tracking_number?: string;
  tracking_url?: string;
  delivery_status?: string;
  label_created_date?: string;
}

export interface StarshipitItem {
  item_id?: number;
  description?: string;
  sku?: string;
  tariff_code?: string;
  country_of_origin?: string;
  quantity?: number;
  quantity_to_ship?: number;
  quantity_shipped?: number;
  weight?: number;
  value?: number;
  height?: number;
  width?: number;
  length?: number;
}

export interface StarshipitAddress {
  name?: string;
  email?: string;
  phone?: string;
  building?: string;
  company?: string;
  street?: string;
  suburb?: string;
  city?: string;
  state?: string;
  post_code?: string;
  country?: string;
  delivery_instructions?: string;
  tax_numbers?: unknown[];
}

/** The full order: answer of create, update, get by id/number and the unshipped list. */
export interface StarshipitOrder {
  order_id?: number;
  order_date?: string;
  order_number?: string;
  reference?: string;
  carrier?: string;
  carrier_name?: string;
  carrier_service_code?: string;
  shipping_method?: string;
  shipping_description?: string;
  signature_required?: boolean;
  dangerous_goods?: boolean;
  currency?: string;
  sender_details?: StarshipitAddress;
  destination?: StarshipitAddress;
  items?: StarshipitItem[];
  packages?: StarshipitPackage[];
  metadatas?: unknown[];
  declared_value?: number;
  archived?: boolean;
  manifest_number?: number;
  manifested?: boolean;
  address_validation?: string;
  type?: string;
  platform?: string;
  status?: string;
  [key: string]: unknown;
}

/** A `GET /api/orders/shipped` row in its flat summary form (no status, no packages, no items). */
export interface StarshipitShippedSummary {
  order_id?: number;
  order_date?: string;
  shipped_date?: string;
  order_number?: string;
  reference?: string;
  integration_source_name?: string;
  name?: string;
  country?: string;
  carrier?: string;
  carrier_name?: string;
  carrier_service_code?: string;
  carrier_service_name?: string;
  shipment_type?: string;
  tracking_number?: string;
  tracking_short_status?: string;
  tracking_full_status?: string;
  manifest_number?: number;
  manifest_sent?: boolean;
  writeback_status?: string;
  writeback_details?: string;
}

/** A `GET /api/orders/shipments?status=recently_printed|unmanifested` row. */
export interface StarshipitShipmentRow {
  order_id?: number;
  order_number?: string;
  /** When the label was printed (UTC). */
  date?: string;
  name?: string;
  carrier_name?: string;
  carrier_service_code?: string;
  tracking_numbers?: string[];
  country?: string;
}

/** Application error item; some endpoints send plain strings instead. */
export interface StarshipitAppError {
  message?: string;
  details?: string;
}

// ---- readers -------------------------------------------------------------------------------

function orderIdOf(value: unknown): number | undefined {
  const id =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(id) ? id : undefined;
}

/** A short description of a value's shape for needs-attention reasons: keys and their types. */
export function describeShape(value: unknown): string {
  if (Array.isArray(value)) return `array(${value.length})`;
  if (!isObject(value)) return value === null ? 'null' : typeof value;
  const keys = Object.keys(value).slice(0, 24);
  const more = Object.keys(value).length > keys.length ? ', …' : '';
  return `{${keys.map((k) => `${k}: ${Array.isArray(value[k]) ? 'array' : value[k] === null ? 'null' : typeof value[k]}`).join(', ')}${more}}`;
}

export interface TrackingNumber {
  number: string;
  url?: string;
}

/** Labels on a full order: every package's tracking number (multi-parcel), in package order. */
export function packageTracking(order: StarshipitOrder): TrackingNumber[] {
  const packages = Array.isArray(order.packages) ? order.packages : [];
  const out: TrackingNumber[] = [];
  for (const parcel of packages) {
    if (!isObject(parcel)) continue;
    const number = trimmedText(parcel.tracking_number);
    if (!number || out.some((t) => t.number === number)) continue;
    const url = trimmedText(parcel.tracking_url);
    out.push(url ? { number, url } : { number });
  }
  return out;
}

/** When the first label of a full order was created, if Starshipit said. */
export function labelDate(order: StarshipitOrder): string | undefined {
  const packages = Array.isArray(order.packages) ? order.packages : [];
  for (const p of packages)
    if (isObject(p) && trimmedText(p.label_created_date)) return trimmedText(p.label_created_date);
  return undefined;
}

/**
 * A shipped-list row read into one form. `full`: a FullOrder (status and packages on the row).
 * `summary`: the flat row (order-level `tracking_number`, no packages): every parcel's tracking
 * must be read from the order itself. `unreadable`: neither; `shape` says what it held.
 */
export type ShippedRow =
  | {
      form: 'full';
      orderId?: number;
      orderNumber: string;
      status: string;
      carrier: string;
      tracking: TrackingNumber[];
      labelDate?: string;
      order: StarshipitOrder;
    }
  | {
      form: 'summary';
      orderId?: number;
      orderNumber: string;
      carrier: string;
      trackingNumber: string;
      shippedDate?: string;
    }
  | { form: 'unreadable'; orderId?: number; orderNumber?: string; shape: string; problem: string };

export function readShippedRow(row: unknown): ShippedRow {
  if (!isObject(row))
    return { form: 'unreadable', shape: describeShape(row), problem: 'row is not an object' };
  const orderNumber = trimmedText(row.order_number);
  const orderId = orderIdOf(row.order_id);
  if (!orderNumber)
    return {
      form: 'unreadable',
      orderId,
      shape: describeShape(row),
      problem: 'row has no order_number',
    };
  if (Array.isArray(row.packages)) {
    const order = row as StarshipitOrder;
    return {
      form: 'full',
      orderId,
      orderNumber,
      status: trimmedText(row.status),
      carrier: trimmedText(row.carrier),
      tracking: packageTracking(order),
      labelDate: labelDate(order),
      order,
    };
  }
  if (row.packages !== undefined)
    return {
      form: 'unreadable',
      orderId,
      orderNumber,
      shape: describeShape(row),
      problem: 'packages is not an array',
    };
  if (orderId === undefined)
    return {
      form: 'unreadable',
      orderNumber,
      shape: describeShape(row),
      problem: 'a row without packages has no order_id to read the order by',
    };
  return {
    form: 'summary',
    orderId,
    orderNumber,
    carrier: trimmedText(row.carrier),
    trackingNumber: trimmedText(row.tracking_number),
    shippedDate: trimmedText(row.shipped_date) || undefined,
  };
}

/** A printed-shipments row read; tracking numbers may be a list or (defensively) one string. */
export type ShipmentRow =
  | { ok: true; orderId: number; orderNumber: string; trackingNumbers: string[]; date?: string }
  | { ok: false; orderId?: number; orderNumber?: string; shape: string; problem: string };

export function readShipmentRow(row: unknown): ShipmentRow {
  if (!isObject(row))
    return { ok: false, shape: describeShape(row), problem: 'row is not an object' };
  const orderNumber = trimmedText(row.order_number);
  const orderId = orderIdOf(row.order_id);
  if (!orderNumber || orderId === undefined)
    return {
      ok: false,
      orderId,
      orderNumber: orderNumber || undefined,
      shape: describeShape(row),
      problem: 'row needs order_number and order_id',
    };
  const raw = row.tracking_numbers;
  const trackingNumbers = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
    .map(trimmedText)
    .filter(Boolean);
  return {
    ok: true,
    orderId,
    orderNumber,
    trackingNumbers,
    date: trimmedText(row.date) || undefined,
  };
}

/** A list page: rows and the page count (`total_pages` absent → one page). */
export function readListPage(json: unknown): { rows: unknown[]; totalPages: number } | undefined {
  if (!isObject(json) || !Array.isArray(json.orders)) return undefined;
  const pages = Number(json.total_pages ?? 1);
  return { rows: json.orders, totalPages: Number.isFinite(pages) && pages > 0 ? pages : 1 };
}

/** The order of a `{order: …}` envelope, if there is one. */
export function readOrderEnvelope(json: unknown): StarshipitOrder | undefined {
  if (!isObject(json) || !isObject(json.order)) return undefined;
  return json.order as StarshipitOrder;
}

/** Text of an application (`errors[]`) or gateway (`message`) error body. */
export function readErrorText(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const errs = json.errors;
  if (Array.isArray(errs) && errs.length) {
    const first = errs[0] as unknown;
    if (typeof first === 'string') return first;
    if (isObject(first))
      return [first.message, first.details].filter((x) => x !== undefined && x !== '').join(': ');
  }
  if (typeof json.message === 'string') return json.message;
  return undefined;
}

/** True when a body says the call failed (`success: false` or `0`). */
export function saysFailed(json: unknown): boolean {
  return isObject(json) && (json.success === false || json.success === 0);
}
