/**
 * Starshipit order state and rules: validation, id assignment, partial update, delete/archive,
 * label printing and dispatch. Responses never carry null: empty values are omitted.
 */
import type {
  StarshipitShipmentRow,
  StarshipitShippedSummary,
} from '../../../server/src/engine/wire/starshipit';
import { hash32 } from '../rng';
import { parseApiDate, starshipitDate } from '../time';

type Obj = Record<string, unknown>;

export interface ApiError {
  message: string;
  details: string;
}

export interface StoredOrder {
  order: Obj;
  createdMs: number;
  lastUpdatedMs: number;
}

export class OrderError extends Error {
  constructor(
    readonly kind: 'validation' | 'notfound',
    readonly errors: ApiError[],
  ) {
    super(errors.map((e) => `${e.message}: ${e.details}`).join('; '));
  }
}

/** Carrier code → display name. */
const CARRIER_NAMES: Record<string, string> = {
  AusPost: 'Australia Post',
  MyPostBusiness: 'MyPost Business',
  AusPostMail: 'Australia Post Mail',
  StarTrack: 'StarTrack',
  StarTrackCourier: 'AusPost On Demand',
  CouriersPlease: 'CouriersPlease',
  Fastways: 'Aramex',
  TNT: 'TNT',
  TollPriority: 'Team Global Express Priority',
  TollIPEC: 'Team Global Express IPEC',
  MyToll: 'MyToll',
  TollNZ: 'Team Global Express NZ',
  CourierPost: 'NZ Post Domestic',
  NZPost: 'NZ Post International',
  Pace: 'NZ Post Express',
  MyNZPostBusiness: 'MyNZPost Business',
  NZCouriers: 'NZ Couriers',
  PostHaste: 'Post Haste',
  CastleParcels: 'Castle Parcels',
  DHL: 'DHL Express',
  DHLGlobalMail: 'DHL eCommerce Asia Pacific',
  Sendle: 'Sendle',
  HunterExpress: 'Hunter Express',
  AlliedExpress: 'Allied Express',
  BorderExpress: 'Border Express',
  DirectFreight: 'Direct Freight',
  FedEx: 'FedEx',
  UPS: 'UPS',
  PlainLabel: 'Plain Label',
  PickupInStore: 'Pickup In Store',
};
const DEFAULT_SERVICE: Record<string, [string, string]> = {
  AusPost: ['7B05', 'Parcel Post + Signature'],
  MyPostBusiness: ['B30', 'Parcel Post'],
  StarTrack: ['EXP', 'Express'],
  Fastways: ['PARCEL', 'Road Parcel'],
  CourierPost: ['CPOLTPDL', 'Overnight Parcel'],
  NZPost: ['TIEX', 'International Express'],
  DHL: ['P', 'Express Worldwide'],
  Sendle: ['STANDARD-PICKUP', 'Standard Pickup'],
  AlliedExpress: ['R', 'Road Express'],
  CouriersPlease: ['L5', 'Parcel 5kg'],
};

const ADDRESS_LIMITS: Record<string, [number, number]> = {
  name: [0, 100],
  email: [0, 100],
  phone: [0, 100],
  building: [0, 100],
  company: [0, 100],
  street: [0, 100],
  suburb: [0, 100],
  city: [0, 100],
  state: [0, 100],
  post_code: [0, 10],
  country: [2, 100],
  delivery_instructions: [0, 100],
  tax_number: [0, 20],
};
const ORDER_LIMITS: Record<string, [number, number]> = {
  order_number: [1, 50],
  reference: [0, 50],
  shipping_method: [0, 100],
  shipping_description: [0, 100],
  currency: [3, 3],
  carrier: [0, 50],
  carrier_service_code: [0, 50],
};
const ITEM_LIMITS: Record<string, [number, number]> = {
  description: [0, 500],
  sku: [0, 50],
  tariff_code: [0, 18],
  country_of_origin: [0, 50],
};

/** Drop null / undefined / '' (Starshipit omits empty keys rather than sending null). */
export function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const [key, fieldValue] of Object.entries(value as Obj)) {
      if (
        fieldValue === null ||
        fieldValue === undefined ||
        fieldValue === '' ||
        key.startsWith('__')
      )
        continue;
      out[key] = clean(fieldValue);
    }
    return out;
  }
  return value;
}

function isObj(value: unknown): value is Obj {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function checkStrings(
  obj: Obj,
  limits: Record<string, [number, number]>,
  path: string,
  errs: string[],
): void {
  for (const [field, [min, max]] of Object.entries(limits)) {
    const value = obj[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      errs.push(`${path}${field} must be a string`);
      continue;
    }
    const text = String(value);
    if (text.length > max)
      errs.push(`${path}${field} must be at most ${max} characters (got ${text.length})`);
    else if (text.length > 0 && text.length < min)
      errs.push(`${path}${field} must be at least ${min} characters (got ${text.length})`);
  }
}

/** Validate an order as it would stand after create/update; returns readable problems. */
function validateOrder(order: Obj): string[] {
  const errs: string[] = [];
  if (
    order.order_number === undefined ||
    order.order_number === null ||
    String(order.order_number).length === 0
  )
    errs.push('order_number is required (1-50 characters)');
  checkStrings(order, ORDER_LIMITS, '', errs);
  if (
    order.order_date !== undefined &&
    order.order_date !== null &&
    Number.isNaN(parseApiDate(String(order.order_date)))
  )
    errs.push(`order_date '${String(order.order_date)}' is not a valid date`);
  const destination = order.destination;
  if (!isObj(destination)) errs.push('destination is required');
  else {
    checkStrings(destination, ADDRESS_LIMITS, 'destination.', errs);
    for (const field of ['name', 'street', 'country'])
      if (
        destination[field] === undefined ||
        destination[field] === null ||
        String(destination[field]).trim() === ''
      )
        errs.push(`destination.${field} is required`);
  }
  if (order.sender_details !== undefined && order.sender_details !== null) {
    if (!isObj(order.sender_details)) errs.push('sender_details must be an object');
    else checkStrings(order.sender_details, ADDRESS_LIMITS, 'sender_details.', errs);
  }
  for (const [key, limits] of [
    ['items', ITEM_LIMITS],
    ['packages', {}],
  ] as const) {
    const list = order[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      errs.push(`${key} must be an array`);
      continue;
    }
    list.forEach((it, i) => {
      if (!isObj(it)) return errs.push(`${key}[${i}] must be an object`);
      checkStrings(it, limits, `${key}[${i}].`, errs);
      for (const measure of ['quantity', 'weight', 'value', 'height', 'width', 'length']) {
        if (
          it[measure] !== undefined &&
          it[measure] !== null &&
          (typeof it[measure] !== 'number' ||
            !Number.isFinite(it[measure]) ||
            (it[measure] as number) < 0)
        )
          errs.push(`${key}[${i}].${measure} must be a non-negative number`);
      }
    });
  }
  return errs;
}

const SENDER = {
  name: 'Sandbox Warehouse',
  company: 'Sandbox Trading Ltd',
  street: '1 Test Street',
  suburb: 'Alexandria',
  city: 'Sydney',
  state: 'NSW',
  post_code: '2015',
  country: 'Australia',
  tax_numbers: [],
};
const ORDER_FIELDS = [
  'order_number',
  'reference',
  'carrier',
  'carrier_service_code',
  'shipping_method',
  'shipping_description',
  'signature_required',
  'return_order',
  'currency',
  'dangerous_goods',
  'add_insurance',
  'insurance_value',
];
const EDITABLE_AFTER_PRINT = new Set(['order_id', 'status']);

/**
 * An unprinted order with a PUT's plain fields applied (carrier name follows the carrier code).
 * Items, packages and the order date are merged by the caller.
 */
function mergeOrderFields(order: Obj, input: Obj, destination: 'replace' | 'merge'): Obj {
  const next: Obj = structuredClone(order);
  for (const field of [...ORDER_FIELDS, 'order_date', 'status'])
    if (input[field] !== undefined) next[field] = input[field];
  if (input.carrier !== undefined)
    next.carrier_name = CARRIER_NAMES[String(input.carrier)] ?? input.carrier;
  if (isObj(input.destination))
    next.destination =
      destination === 'merge'
        ? { ...(next.destination as Obj), ...input.destination }
        : { tax_numbers: [], ...input.destination };
  if (isObj(input.sender_details))
    next.sender_details = { ...(next.sender_details as Obj), ...input.sender_details };
  if (input.metadatas !== undefined) next.metadatas = input.metadatas;
  return next;
}

/** An existing item or package with a PUT entry's fields; an item's new quantity is all to ship. */
function mergeListEntry(key: 'items' | 'packages', existing: Obj, entry: Obj): Obj {
  const { delete: _delete, ...fields } = entry;
  const merged = { ...existing, ...fields };
  if (key === 'items' && fields.quantity !== undefined) merged.quantity_to_ship = fields.quantity;
  return merged;
}

/**
 * A new order as Starshipit stores it: `head` (id, date, number), the sent fields, and what
 * Starshipit fills in (carrier name, sender, declared value, type, status).
 */
function newOrder(input: Obj, head: Obj, parts: { items: Obj[]; packages: Obj[] }): Obj {
  const { items, packages } = parts;
  const order: Obj = { ...head };
  for (const field of ORDER_FIELDS)
    if (field !== 'order_number' && input[field] !== undefined) order[field] = input[field];
  if (typeof order.carrier === 'string')
    order.carrier_name = CARRIER_NAMES[order.carrier] ?? order.carrier;
  order.signature_required = input.signature_required === true || input.signature_required === 1;
  order.dangerous_goods = input.dangerous_goods === true;
  order.sender_details = isObj(input.sender_details)
    ? { tax_numbers: [], ...input.sender_details }
    : { ...SENDER };
  order.destination = { tax_numbers: [], ...(input.destination as Obj) };
  order.items = items;
  order.packages = packages;
  order.metadatas = Array.isArray(input.metadatas) ? input.metadatas : [];
  order.declared_value =
    Math.round(
      items.reduce((sum, item) => sum + Number(item.value ?? 0) * Number(item.quantity ?? 1), 0) *
        100,
    ) / 100;
  order.archived = false;
  order.manifest_number = 0;
  order.address_validation = 'NotChecked';
  order.type = input.return_order === true ? 'Return' : 'Outgoing';
  order.platform = 'Manual';
  order.status = 'Unshipped';
  order.manifested = false;
  return order;
}

export interface OrdersSnapshot {
  orders: StoredOrder[];
  nextOrderId: number;
  nextItemId: number;
  nextPackageId: number;
  nextManifest: number;
  deleted: number;
}

export class OrderStore {
  orders: StoredOrder[] = [];
  nextOrderId = 104_000_001;
  nextItemId = 208_000_001;
  nextPackageId = 312_000_001;
  nextManifest = 5001;
  deleted = 0;
  private lastStamp = 0;
  /** order_id → order: writes and label prints look orders up by id, which must not scan 100 000 orders. */
  private idIndex = new Map<number, StoredOrder>();

  constructor(private readonly seed: number) {}

  stamp(): number {
    const now = Date.now();
    this.lastStamp = now > this.lastStamp ? now : this.lastStamp + 1;
    return this.lastStamp;
  }

  byId(id: unknown): StoredOrder | undefined {
    return this.idIndex.get(Number(id));
  }

  byNumber(num: string): StoredOrder[] {
    return this.orders.filter((o) => o.order.order_number === num);
  }

  private item(input: Obj): Obj {
    const qty = typeof input.quantity === 'number' ? input.quantity : 1;
    return {
      item_id: this.nextItemId++,
      description: input.description,
      sku: input.sku,
      tariff_code: input.tariff_code,
      country_of_origin: input.country_of_origin,
      quantity: qty,
      quantity_to_ship: qty,
      quantity_shipped: 0,
      weight: input.weight ?? 0,
      value: input.value ?? 0,
      height: input.height,
      width: input.width,
      length: input.length,
      color: input.color,
      size: input.size,
      barcode: input.barcode,
    };
  }

  private pkg(input: Obj, name: string): Obj {
    return {
      package_id: this.nextPackageId++,
      name: input.name ?? name,
      packaging_type: input.packaging_type ?? 'Carton',
      weight: input.weight ?? 0,
      height: input.height ?? 0,
      width: input.width ?? 0,
      length: input.length ?? 0,
    };
  }

  private defaultPackage(items: Obj[]): Obj {
    const weight = items.reduce(
      (a, it) => a + Number(it.weight ?? 0) * Number(it.quantity ?? 1),
      0,
    );
    return this.pkg({ weight: Math.round(weight * 1000) / 1000 }, 'Default');
  }

  /** Validate and create; throws OrderError. */
  create(input: unknown, duplicates: 'allow' | 'reject'): StoredOrder {
    if (!isObj(input))
      throw new OrderError('validation', [
        { message: 'Invalid request', details: 'order is required' },
      ]);
    const number = this.checkNewOrder(input, duplicates);
    const now = this.stamp();
    const id = this.nextOrderId++;
    const dateMs = input.order_date ? parseApiDate(String(input.order_date)) : now;
    const items = Array.isArray(input.items)
      ? (input.items as Obj[]).map((item) => this.item(item))
      : [];
    const packages =
      Array.isArray(input.packages) && input.packages.length > 0
        ? (input.packages as Obj[]).map((parcel, i) => this.pkg(parcel, `Package ${i + 1}`))
        : [this.defaultPackage(items)];
    const order = newOrder(
      input,
      { order_id: id, order_date: starshipitDate(dateMs, { z: false }), order_number: number },
      { items, packages },
    );
    const stored: StoredOrder = { order, createdMs: now, lastUpdatedMs: now };
    this.orders.push(stored);
    this.idIndex.set(id, stored);
    return stored;
  }

  /** Validation problems, and a duplicate order_number when duplicates are rejected; the number. */
  private checkNewOrder(input: Obj, duplicates: 'allow' | 'reject'): string {
    const label =
      input.order_number === undefined
        ? '(no order_number)'
        : `order ${String(input.order_number)}`;
    const errs = validateOrder(input);
    if (errs.length)
      throw new OrderError(
        'validation',
        errs.map((err) => ({ message: 'Validation error', details: `${label}: ${err}` })),
      );
    const number = String(input.order_number);
    const existing = duplicates === 'reject' ? this.byNumber(number)[0] : undefined;
    if (existing)
      throw new OrderError('validation', [
        {
          message: 'Order already exists',
          details: `An order with order_number '${number}' already exists (order_id ${String(existing.order.order_id)})`,
        },
      ]);
    return number;
  }

  /**
   * `PUT /api/orders`. `destination: 'replace'` stores a sent destination as the whole
   * destination (a merge is not documented); `merge` keeps the fields the body leaves out.
   * `sender_details` is merged either way.
   */
  update(input: unknown, opts: { destination: 'replace' | 'merge' }): StoredOrder {
    if (!isObj(input) || input.order_id === undefined)
      throw new OrderError('validation', [
        { message: 'Invalid request', details: 'order.order_id is required' },
      ]);
    const stored = this.byId(input.order_id);
    if (!stored)
      throw new OrderError('notfound', [
        { message: 'Order not found', details: `No order with order_id ${String(input.order_id)}` },
      ]);
    const current = stored.order;
    if (current.status !== 'Unshipped' && current.status !== 'Saved')
      return this.updatePrinted(stored, input);
    const next = mergeOrderFields(current, input, opts.destination);
    const errs = validateOrder(next);
    const orderNumber = String(current.order_number);
    for (const key of ['items', 'packages'] as const)
      this.mergeList(next, key, input[key], orderNumber, errs);
    if (input.order_date !== undefined && !Number.isNaN(parseApiDate(String(input.order_date))))
      next.order_date = starshipitDate(parseApiDate(String(input.order_date)), { z: false });
    if (errs.length)
      throw new OrderError(
        'validation',
        errs.map((err) => ({
          message: 'Validation error',
          details: `order ${orderNumber}: ${err}`,
        })),
      );
    stored.order = next;
    stored.lastUpdatedMs = this.stamp();
    return stored;
  }

  /** A printed (or later) order takes only a forward status change: Printed, Shipped, Delivered. */
  private updatePrinted(stored: StoredOrder, input: Obj): StoredOrder {
    const order = stored.order;
    const extra = Object.keys(input).filter((key) => !EDITABLE_AFTER_PRINT.has(key));
    if (extra.length)
      throw new OrderError('validation', [
        {
          message: 'Order cannot be updated',
          details: `Order ${String(order.order_number)} is ${String(order.status)}: only status can be updated (got ${extra.join(', ')})`,
        },
      ]);
    if (input.status !== undefined) {
      if (!['Printed', 'Shipped', 'Delivered'].includes(String(input.status)))
        throw new OrderError('validation', [
          {
            message: 'Invalid status',
            details: `Order ${String(order.order_number)} is ${String(order.status)} and cannot go back to ${String(input.status)}`,
          },
        ]);
      order.status = input.status;
      if (order.status === 'Shipped') order.manifested = true;
    }
    stored.lastUpdatedMs = this.stamp();
    return stored;
  }

  /**
   * Merge a PUT's `items` or `packages` into `next`: an entry with an id updates that entry (or
   * removes it with `delete: true`); an entry without one is added. Problems go to `errs`.
   */
  private mergeList(
    next: Obj,
    key: 'items' | 'packages',
    list: unknown,
    orderNumber: string,
    errs: string[],
  ): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      errs.push(`${key} must be an array`);
      return;
    }
    const idKey = key === 'items' ? 'item_id' : 'package_id';
    let entries = [...(next[key] as Obj[])];
    for (const entry of list as unknown[]) {
      if (!isObj(entry)) continue;
      if (entry[idKey] === undefined) {
        if (entry.delete !== true)
          entries.push(
            key === 'items' ? this.item(entry) : this.pkg(entry, `Package ${entries.length + 1}`),
          );
        continue;
      }
      const position = entries.findIndex((existing) => existing[idKey] === Number(entry[idKey]));
      if (position < 0)
        errs.push(`${key}: no ${idKey} ${String(entry[idKey])} on order ${orderNumber}`);
      else if (entry.delete === true) entries = entries.filter((_, i) => i !== position);
      else entries[position] = mergeListEntry(key, entries[position], entry);
    }
    next[key] = entries;
  }

  remove(orderId: unknown): void {
    const stored = this.byId(orderId);
    if (!stored)
      throw new OrderError('notfound', [
        { message: 'Order not found', details: `No order with order_id ${String(orderId)}` },
      ]);
    if (stored.order.status !== 'Unshipped' && stored.order.status !== 'Saved') {
      throw new OrderError('validation', [
        {
          message: 'Order cannot be deleted',
          details: `Order ${String(stored.order.order_number)} is ${String(stored.order.status)}; only unshipped orders can be deleted`,
        },
      ]);
    }
    this.orders = this.orders.filter((o) => o !== stored);
    this.idIndex.delete(Number(stored.order.order_id));
    this.deleted++;
  }

  archive(orderId: unknown, archived: boolean): StoredOrder {
    const stored = this.byId(orderId);
    if (!stored)
      throw new OrderError('notfound', [
        { message: 'Order not found', details: `No order with order_id ${String(orderId)}` },
      ]);
    if (archived && (stored.order.status === 'Unshipped' || stored.order.status === 'Saved')) {
      throw new OrderError('validation', [
        {
          message: 'Order cannot be archived',
          details: `Order ${String(stored.order.order_number)} is unshipped; only printed or shipped orders can be archived`,
        },
      ]);
    }
    stored.order.archived = archived;
    stored.lastUpdatedMs = this.stamp();
    return stored;
  }

  private find(ref: { orderNumber?: string; orderId?: number }, what: string): StoredOrder {
    const stored =
      ref.orderId !== undefined
        ? this.byId(ref.orderId)
        : this.byNumber(ref.orderNumber ?? '').find((o) => o.order.archived !== true);
    if (!stored)
      throw new Error(
        `${what}: no Starshipit order with ${ref.orderId !== undefined ? `order_id ${ref.orderId}` : `order_number '${ref.orderNumber}'`}`,
      );
    return stored;
  }

  /** The sandbox's stand-in for printing a label in the Starshipit UI. */
  printLabel(req: {
    orderNumber?: string;
    orderId?: number;
    carrier: string;
    carrierName?: string;
    serviceCode?: string;
    trackingNumbers?: string[];
    dispatch?: boolean;
  }): StoredOrder {
    const stored = this.find(req, 'printLabel');
    const order = stored.order;
    if (order.status === 'Shipped' || order.status === 'Delivered')
      throw new Error(
        `printLabel: order ${String(order.order_number)} is already ${String(order.status)}`,
      );
    if (!req.carrier)
      throw new Error('printLabel: carrier (Starshipit carrier code, e.g. AusPost) is required');
    const [defCode, defName] = DEFAULT_SERVICE[req.carrier] ?? ['STD', 'Standard'];
    const serviceCode = req.serviceCode ?? defCode;
    const serviceName = req.serviceCode && req.serviceCode !== defCode ? req.serviceCode : defName;
    const carrierName = req.carrierName ?? CARRIER_NAMES[req.carrier] ?? req.carrier;
    const packages = [...(order.packages as Obj[])];
    const count = req.trackingNumbers?.length ?? packages.length;
    if (count < 1) throw new Error('printLabel: trackingNumbers must not be empty');
    while (packages.length < count) packages.push(this.pkg({}, `Package ${packages.length + 1}`));
    packages.length = count;
    const now = this.stamp();
    const tracking =
      req.trackingNumbers ??
      packages.map((_, i) => this.trackingNumber(req.carrier, Number(order.order_id), i));
    order.packages = packages.map((parcel, i) => ({
      ...parcel,
      carrier_service_code: serviceCode,
      carrier_service_name: serviceName,
      tracking_number: tracking[i],
      tracking_url: trackingUrl(req.carrier, tracking[i]),
      delivery_status: 'Printed',
      label_created_date: starshipitDate(
        now,
        Number(order.order_id) % 2 === 0 ? { z: true } : { fraction: false },
      ),
    }));
    order.carrier = req.carrier;
    order.carrier_name = carrierName;
    order.carrier_service_code = serviceCode;
    order.status = 'Printed';
    stored.lastUpdatedMs = now;
    if (req.dispatch) this.dispatch({ orderId: Number(order.order_id) });
    return stored;
  }

  dispatch(ref: { orderNumber?: string; orderId?: number }): StoredOrder {
    const stored = this.find(ref, 'dispatch');
    const order = stored.order;
    if (order.status !== 'Printed')
      throw new Error(
        `dispatch: order ${String(order.order_number)} is ${String(order.status)}; print a label first`,
      );
    order.status = 'Shipped';
    order.manifested = true;
    order.manifest_number = this.nextManifest++;
    for (const parcel of order.packages as Obj[]) parcel.delivery_status = 'Dispatched';
    stored.lastUpdatedMs = this.stamp();
    return stored;
  }

  deliver(ref: { orderNumber?: string; orderId?: number }): StoredOrder {
    const stored = this.find(ref, 'deliver');
    if (stored.order.status !== 'Shipped')
      throw new Error(
        `deliver: order ${String(stored.order.order_number)} is ${String(stored.order.status)}; dispatch it first`,
      );
    stored.order.status = 'Delivered';
    for (const parcel of stored.order.packages as Obj[]) parcel.delivery_status = 'Delivered';
    stored.lastUpdatedMs = this.stamp();
    return stored;
  }

  private trackingNumber(carrier: string, orderId: number, i: number): string {
    const hash = hash32(this.seed, orderId, i, 0x7ac);
    const digits = String(hash).padStart(10, '0');
    if (carrier === 'AusPost' || carrier === 'MyPostBusiness') return `33QQQ${digits}01`;
    if (carrier === 'DHL') return digits;
    return `SB${carrier.slice(0, 3).toUpperCase()}${digits}`;
  }

  snapshot(): OrdersSnapshot {
    return {
      orders: this.orders,
      nextOrderId: this.nextOrderId,
      nextItemId: this.nextItemId,
      nextPackageId: this.nextPackageId,
      nextManifest: this.nextManifest,
      deleted: this.deleted,
    };
  }

  restore(snapshot: OrdersSnapshot): void {
    Object.assign(this, snapshot);
    this.idIndex = new Map(this.orders.map((o) => [Number(o.order.order_id), o]));
    for (const stored of this.orders)
      this.lastStamp = Math.max(this.lastStamp, stored.lastUpdatedMs);
  }
}

function trackingUrl(carrier: string, trackingNumber: string): string {
  if (carrier === 'AusPost' || carrier === 'MyPostBusiness' || carrier === 'StarTrack')
    return `https://auspost.com.au/mypost/track/#/details/${trackingNumber}`;
  if (carrier === 'CourierPost' || carrier === 'NZPost')
    return `https://www.nzpost.co.nz/tools/tracking/item/${trackingNumber}`;
  return `https://sandbox.track.invalid/${encodeURIComponent(carrier)}/${encodeURIComponent(trackingNumber)}`;
}

/** When the order's label was printed (ms), from its first package; undefined before printing. */
export function labelCreatedMs(order: Obj): number | undefined {
  const packages = Array.isArray(order.packages) ? (order.packages as Obj[]) : [];
  const date = packages.find((p) => typeof p.label_created_date === 'string')?.label_created_date;
  const ms = typeof date === 'string' ? parseApiDate(date) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function trackingNumbers(order: Obj): string[] {
  const packages = Array.isArray(order.packages) ? (order.packages as Obj[]) : [];
  return packages.map((p) => p.tracking_number).filter((t): t is string => typeof t === 'string');
}

/**
 * The flat form of a shipped-list row (the fields public clients read from that list): one
 * order-level tracking number, no status, no packages, no items.
 */
export function shippedSummary(order: Obj): StarshipitShippedSummary {
  const destination = (order.destination ?? {}) as Obj;
  const packages = Array.isArray(order.packages) ? (order.packages as Obj[]) : [];
  const first = packages[0] ?? {};
  const status = String(order.status);
  return clean({
    order_id: order.order_id,
    order_date: order.order_date,
    shipped_date: first.label_created_date,
    order_number: order.order_number,
    reference: order.reference,
    integration_source_name: 'API',
    name: destination.name,
    country: destination.country,
    carrier: order.carrier,
    carrier_name: order.carrier_name,
    carrier_service_code: order.carrier_service_code,
    carrier_service_name: first.carrier_service_name,
    shipment_type: order.type,
    tracking_number: trackingNumbers(order)[0],
    tracking_short_status: status === 'Shipped' ? 'Dispatched' : status,
    tracking_full_status: status === 'Printed' ? 'Label printed' : status,
    manifest_number: order.manifest_number,
    manifest_sent: order.manifested === true,
    writeback_status: 'NotRequired',
  }) as StarshipitShippedSummary;
}

/** A `GET /api/orders/shipments` row: when the label was printed and every tracking number. */
export function shipmentRow(order: Obj): StarshipitShipmentRow {
  const destination = (order.destination ?? {}) as Obj;
  const packages = Array.isArray(order.packages) ? (order.packages as Obj[]) : [];
  return clean({
    order_id: order.order_id,
    order_number: order.order_number,
    date: packages[0]?.label_created_date,
    name: destination.name,
    carrier_name: order.carrier_name,
    carrier_service_code: order.carrier_service_code,
    tracking_numbers: trackingNumbers(order),
    country: destination.country,
  }) as StarshipitShipmentRow;
}
