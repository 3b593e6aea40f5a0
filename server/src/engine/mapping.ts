/**
 * Cin7 Core sale (GET sale?ID=) → Starshipit order payload(s). Pure functions: no I/O.
 *
 * Order numbers: `sales` mode → the sale's OrderNumber; `fulfilments` mode →
 * `{OrderNumber}-F{FulfillmentNumber}` for every fulfilment, simple sales included, so a number
 * never changes when a simple sale becomes advanced. Starshipit allows at most 50 characters.
 */
import type { CustomsSettings, DearSettings, ShippingRule } from '../../../protocol/settings';
import type { Row } from './dearClient';
import type { ProductCustoms, ProductLookup } from './productCache';
import { SHIP_FIELD_MAX, type Cin7ShipWrite, type Cin7ShipWriteLine } from './wire/cin7';
import { objectOf as obj, objectsOf as arr, printableText as str } from './coerce';

export interface MappedOrder {
  orderNumber: string;
  saleId: string;
  taskId?: string;
  payload: Record<string, unknown>;
  warnings: string[];
  /** Box names of an authorised pack (writeback reuses them without another call). */
  boxes?: string[];
  packAuthorised: boolean;
}

export interface MapSkip {
  orderNumber: string;
  saleId: string;
  code: string;
  reason: string;
}
export interface MapProblem {
  orderNumber: string;
  saleId: string;
  taskId?: string;
  code: string;
  reason: string;
}

export interface MapResult {
  orders: MappedOrder[];
  skips: MapSkip[];
  problems: MapProblem[];
}

export function fulfilmentOrderNumber(orderNumber: string, fulfillmentNumber: unknown): string {
  return `${orderNumber}-F${str(fulfillmentNumber) || '1'}`;
}

/**
 * Kilograms per Cin7 `WeightUnits` value. The blueprint lists `g, kg, mg, lb, oz` (names "gram",
 * "kilogramm", "miligramm", "pound", "ounces"); every spelling and case of those is accepted.
 */
const KG_PER_UNIT: Record<string, number> = {
  mg: 1e-6,
  milligram: 1e-6,
  milligrams: 1e-6,
  miligram: 1e-6,
  miligramm: 1e-6,
  g: 0.001,
  gr: 0.001,
  gram: 0.001,
  grams: 0.001,
  gramm: 0.001,
  kg: 1,
  kgs: 1,
  kilo: 1,
  kilos: 1,
  kilogram: 1,
  kilograms: 1,
  kilogramm: 1,
  lb: 0.45359237,
  lbs: 0.45359237,
  pound: 0.45359237,
  pounds: 0.45359237,
  oz: 0.028349523125,
  ozs: 0.028349523125,
  ounce: 0.028349523125,
  ounces: 0.028349523125,
};

/** Kilograms per unit for a Cin7 `WeightUnits` value; undefined when the unit is not known. */
function kgPerUnit(units: unknown): number | undefined {
  const key = str(units).toLowerCase().replace(/\.$/, '');
  return Object.hasOwn(KG_PER_UNIT, key) ? KG_PER_UNIT[key] : undefined;
}

/**
 * Product weight in kilograms. Undefined when there is no positive weight, and when the unit is
 * not known (the caller warns: a weight in an unknown unit is never sent as if it were kg).
 */
export function weightKg(weight: unknown, units: unknown): number | undefined {
  const amount = typeof weight === 'number' ? weight : Number(weight);
  if (!Number.isFinite(amount) || amount <= 0) return undefined;
  const factor = kgPerUnit(units);
  if (factor === undefined) return undefined;
  return Math.round(amount * factor * 1e6) / 1e6;
}

let regionNames: Intl.DisplayNames | undefined;
/** Starshipit wants a country *name*; a 2-letter code (CountryFormat=Code2) is translated. */
export function countryName(country: string): string {
  if (/^[A-Za-z]{2}$/.test(country)) {
    try {
      regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
      return regionNames.of(country.toUpperCase()) ?? country;
    } catch {
      return country;
    }
  }
  return country;
}

const ZONE = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?$/;

/**
 * Cin7 dates come without a zone (`2017-09-29T00:00:00`) and are UTC; a date-only value
 * (`2017-09-29`) is midnight UTC of that calendar day. The text is rewritten, never parsed as a
 * local time, so the calendar day is the same whatever the machine's time zone; in NZ and AU,
 * which are ahead of UTC, midnight UTC falls on the same calendar day as well.
 */
export function isoUtc(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  if (ZONE.test(text)) return Number.isNaN(Date.parse(text)) ? undefined : text;
  if (DATE_ONLY.test(text)) return `${text}T00:00:00Z`;
  if (DATE_TIME.test(text)) return `${text}Z`;
  return undefined;
}

function cut(value: string, max: number, field: string, warnings: string[]): string {
  if (value.length <= max) return value;
  warnings.push(`${field} cut to ${max} characters (was ${value.length})`);
  return value.slice(0, max);
}

function memoText(sale: Row, settings: DearSettings): string {
  const parts: string[] = [];
  switch (settings.import.memo) {
    case 'quote':
      parts.push(str(obj(sale.Quote).Memo));
      break;
    case 'order':
      parts.push(str(obj(sale.Order).Memo));
      break;
    case 'invoice':
      parts.push(...arr(sale.Invoices).map((i) => str(i.Memo)));
      break;
    case 'none':
      break;
  }
  if (settings.import.orderNote) parts.push(str(sale.Note));
  return parts.filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
}

interface LineSource {
  sku: string;
  name: string;
  quantity: number;
  productId: string;
  /** A pick/pack line marked `NonInventory` (no stock movement: not a parcel). */
  nonInventory: boolean;
  /** What Cin7 sent, for messages. */ raw: unknown;
}

/** What the item mapping needs from the whole sale, whichever lines the items come from. */
interface SaleLines {
  /** Order lines by `ProductID` and by `sku:{SKU}`: price, discount, weight, drop-ship. */
  byProduct: Map<string, Row>;
  /** Products (same keys) that any pick or pack line of the sale marks `NonInventory`. */
  nonInventory: Set<string>;
}

const productKeys = (productId: string, sku: string): string[] =>
  [productId, sku ? `sku:${sku}` : ''].filter(Boolean);

function saleLines(sale: Row): SaleLines {
  const byProduct = new Map<string, Row>();
  for (const line of arr(obj(sale.Order).Lines))
    for (const key of productKeys(str(line.ProductID), str(line.SKU))) byProduct.set(key, line);
  const nonInventory = new Set<string>();
  for (const fulfilment of arr(sale.Fulfilments))
    for (const line of [...arr(obj(fulfilment.Pick).Lines), ...arr(obj(fulfilment.Pack).Lines)])
      if (line.NonInventory === true)
        for (const key of productKeys(str(line.ProductID), str(line.SKU))) nonInventory.add(key);
  return { byProduct, nonInventory };
}

/** Why a line is not a parcel item (undefined: it is one). */
function leftOutReason(
  line: LineSource,
  ctx: SaleLines,
  settings: DearSettings,
): string | undefined {
  const keys = productKeys(line.productId, line.sku);
  if (line.nonInventory || keys.some((k) => ctx.nonInventory.has(k))) return 'non-inventory';
  const orderLine = keys.map((k) => ctx.byProduct.get(k)).find(Boolean);
  if (orderLine?.DropShip === true && !settings.import.includeDropShip) return 'drop-ship';
  return undefined;
}

/** Unit value net of the line discount (Cin7 `Discount` is a percentage, 0–100). */
function netValue(orderLine: Row, label: string, warnings: string[]): number | undefined {
  const price = typeof orderLine.Price === 'number' ? orderLine.Price : Number(orderLine.Price);
  if (orderLine.Price === undefined || orderLine.Price === null || !Number.isFinite(price))
    return undefined;
  const raw = orderLine.Discount;
  const discount = raw === undefined || raw === null || raw === '' ? 0 : Number(raw);
  if (!Number.isFinite(discount) || discount < 0 || discount > 100) {
    warnings.push(
      `${label}: Discount ${describeValue(raw)} is not a percentage from 0 to 100; value sent without a discount`,
    );
    return price;
  }
  return Math.round(price * (1 - discount / 100) * 1e4) / 1e4;
}

/** Where an item came from: the customs step looks its product up by these. */
interface ItemSource {
  label: string;
  productId: string;
  sku: string;
}

interface ItemsResult {
  items: Record<string, unknown>[];
  /** One per item, same order. */
  sources: ItemSource[];
  /** "SKU (drop-ship)" for each line that is not a parcel. */
  leftOut: string[];
  problem?: string;
}

function itemsFrom(
  lines: LineSource[],
  ctx: SaleLines,
  settings: DearSettings,
  warnings: string[],
): ItemsResult {
  const items: Record<string, unknown>[] = [];
  const sources: ItemSource[] = [];
  const leftOut: string[] = [];
  const unknownUnits: string[] = [];
  for (const [index, line] of lines.entries()) {
    // Warnings name the item briefly: a hostile 10,000-character SKU must not be quoted in full.
    const label = `item ${index + 1}${line.sku ? ` (${line.sku.length > 24 ? `${line.sku.slice(0, 24)}…` : line.sku})` : ''}`;
    const reason = leftOutReason(line, ctx, settings);
    if (reason) {
      leftOut.push(`${label} ${reason}`);
      continue;
    }
    if (!Number.isFinite(line.quantity) || line.quantity <= 0 || line.quantity > 1e6) {
      return {
        items,
        sources,
        leftOut,
        problem: `${label} has an invalid quantity: ${describeValue(line.raw)} (a positive number up to 1,000,000 is expected)`,
      };
    }
    const src =
      productKeys(line.productId, line.sku)
        .map((k) => ctx.byProduct.get(k))
        .find(Boolean) ?? {};
    const item: Record<string, unknown> = {
      description: cut(line.name || line.sku, 250, `${label} description`, warnings),
      sku: cut(line.sku, 50, `${label} sku`, warnings),
      quantity: line.quantity,
    };
    const value = netValue(src, label, warnings);
    if (value !== undefined) item.value = value;
    const weight = weightKg(src.ProductWeight, src.WeightUnits);
    if (weight !== undefined) item.weight = weight;
    else if (Number(src.ProductWeight) > 0)
      unknownUnits.push(`${label} "${str(src.WeightUnits).slice(0, 20)}"`);
    items.push(item);
    sources.push({ label, productId: line.productId, sku: line.sku });
  }
  if (unknownUnits.length)
    warnings.push(
      `weight left out for ${unknownUnits.join(', ')}: the weight unit is not one of g, kg, mg, lb, oz`,
    );
  if (leftOut.length && items.length)
    warnings.push(`not parcels, left out of items: ${leftOut.join(', ')}`);
  return { items, sources, leftOut };
}

/** A value as a short, readable phrase for an error message (never "[object Object]"). */
function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}" (text)`;
  if (typeof value === 'number') return String(value);
  const j = JSON.stringify(value) ?? typeof value;
  return j.length > 40 ? `${j.slice(0, 40)}…` : j;
}

/** Cin7 quantities are numbers; numeric text ("2") is accepted, anything else is not. */
function quantityOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return NaN;
}

function lineSource(line: Row): LineSource {
  return {
    sku: str(line.SKU),
    name: str(line.Name),
    quantity: quantityOf(line.Quantity),
    productId: str(line.ProductID),
    nonInventory: line.NonInventory === true,
    raw: line.Quantity,
  };
}

function orderLineSources(sale: Row): LineSource[] {
  return arr(obj(sale.Order).Lines).map(lineSource);
}

const mergeKey = (l: LineSource): string => l.productId || `sku:${l.sku}`;

function stageLineSources(lines: Row[]): LineSource[] {
  // Pick/pack lines may repeat a product (several boxes, batches): merge by product.
  const merged = new Map<string, LineSource>();
  for (const row of lines) {
    const line = lineSource(row);
    const existing = merged.get(mergeKey(line));
    if (existing) {
      existing.quantity += line.quantity;
      existing.raw = line.raw;
      existing.nonInventory ||= line.nonInventory;
    } else merged.set(mergeKey(line), line);
  }
  return [...merged.values()];
}

/** A fulfilment's own lines: its pack lines once packing started, else its pick lines. */
function stageLinesOf(fulfilment: Row): Row[] {
  const pack = arr(obj(fulfilment.Pack).Lines);
  return pack.length ? pack : arr(obj(fulfilment.Pick).Lines);
}

/**
 * The lines that belong to `fulfilment`: its own pick/pack lines; when it has none yet, what is
 * left of the order after every other live fulfilment's lines, provided no other live fulfilment
 * is unstarted too (then nobody knows yet which lines go where). `skip` says why there are none.
 */
function fulfilmentLines(
  fulfilment: Row,
  all: Row[],
  sale: Row,
): { lines: LineSource[]; skip?: string } {
  const own = stageLinesOf(fulfilment);
  if (own.length) return { lines: stageLineSources(own) };
  const others = all.filter((x) => x !== fulfilment && str(x.FulFilmentStatus) !== 'VOIDED');
  const unstarted = others.filter(
    (x) => stageLinesOf(x).length === 0 && str(obj(x.Ship).Status) !== 'AUTHORISED',
  );
  if (unstarted.length)
    return {
      lines: [],
      skip: `the fulfilment has no pick or pack lines yet, and neither has fulfilment ${unstarted.map((x) => str(x.FulfillmentNumber)).join(', ')}: which order lines belong to it is known once it is picked`,
    };
  const taken = new Map<string, number>();
  for (const other of others)
    for (const line of stageLineSources(stageLinesOf(other)))
      taken.set(mergeKey(line), (taken.get(mergeKey(line)) ?? 0) + line.quantity);
  const lines: LineSource[] = [];
  for (const line of stageLineSources(arr(obj(sale.Order).Lines))) {
    const left = line.quantity - (taken.get(mergeKey(line)) ?? 0);
    if (!Number.isFinite(line.quantity) || left > 0) lines.push({ ...line, quantity: left });
  }
  if (lines.length === 0)
    return {
      lines,
      skip: 'the fulfilment has no pick or pack lines, and every order line is on another fulfilment',
    };
  return { lines };
}

function packInfo(fulfilment: Row): { boxes?: string[]; packAuthorised: boolean } {
  const pack = obj(fulfilment.Pack);
  const authorised = str(pack.Status) === 'AUTHORISED';
  const boxes = [
    ...new Set(
      arr(pack.Lines)
        .map((l) => str(l.Box))
        .filter(Boolean),
    ),
  ];
  return authorised
    ? { boxes: boxes.length ? boxes : ['Box 1'], packAuthorised: true }
    : { packAuthorised: false };
}

/** Why the shipping address cannot make a Starshipit destination, if it cannot. */
function addressProblem(sale: Row): { code: string; reason: string } | undefined {
  const addr = obj(sale.ShippingAddress);
  if (!str(addr.Line1))
    return {
      code: 'missing-street',
      reason: 'the shipping address has no street (ShippingAddress.Line1 is empty)',
    };
  if (!str(addr.Country))
    return {
      code: 'missing-country',
      reason: 'the shipping address has no country (ShippingAddress.Country is empty)',
    };
  if (!recipientName(sale))
    return {
      code: 'missing-name',
      reason: 'the sale has no Customer and the shipping address no Contact',
    };
  return undefined;
}

function recipientName(sale: Row): string {
  const addr = obj(sale.ShippingAddress);
  return str(sale.Customer) || str(addr.Contact) || str(sale.Contact);
}

/** The order's `destination`: the shipping address, phone, email and delivery instructions. */
function destinationOf(
  sale: Row,
  settings: DearSettings,
  warnings: string[],
): Record<string, unknown> {
  const addr = obj(sale.ShippingAddress);
  const destination: Record<string, unknown> = {};
  // Each field only when the sale has it, cut to Starshipit's length (with a warning).
  const field = (value: string, max: number, name: string, into: string = name): void => {
    if (value) destination[into] = cut(value, max, name, warnings);
  };
  field(recipientName(sale), 100, 'destination.name', 'name');
  field(
    settings.import.contactAsCompany ? str(addr.Contact) : str(addr.Company),
    100,
    'destination.company',
    'company',
  );
  field(str(addr.Line1), 100, 'destination.street', 'street');
  field(str(addr.Line2), 100, 'destination.building', 'building');
  field(str(addr.City), 100, 'destination.suburb', 'suburb');
  field(str(addr.City), 100, 'destination.city', 'city');
  field(str(addr.State), 100, 'destination.state', 'state');
  field(str(addr.Postcode), 10, 'destination.post_code', 'post_code');
  destination.country = countryName(str(addr.Country));
  field(str(sale.Phone), 100, 'destination.phone', 'phone');
  field(str(sale.Email), 100, 'destination.email', 'email');
  field(memoText(sale, settings), 100, 'delivery_instructions');
  return destination;
}

/** Order number, date, reference, shipping method and currency, from the sale or its list row. */
function headerFields(
  sale: Row,
  listRow: Row,
  orderNumber: string,
  warnings: string[],
): Record<string, unknown> {
  const payload: Record<string, unknown> = { order_number: orderNumber };
  const date = isoUtc(sale.SaleOrderDate) ?? isoUtc(listRow.OrderDate);
  if (date) payload.order_date = date;
  if (str(sale.SaleOrderDate) && !isoUtc(sale.SaleOrderDate))
    warnings.push(
      `SaleOrderDate ${describeValue(sale.SaleOrderDate)} is not an ISO 8601 date; ${date ? 'the list row OrderDate is used' : 'order_date left out'}`,
    );
  const ref = str(sale.CustomerReference) || str(listRow.CustomerReference);
  if (ref) payload.reference = cut(ref, 50, 'reference', warnings);
  const carrier = str(sale.Carrier) || str(listRow.Carrier);
  if (carrier) payload.shipping_method = cut(carrier, 100, 'shipping_method', warnings);
  // Cin7 prices are in the customer currency, so the order carries that currency with them.
  const currency = str(sale.CustomerCurrency) || str(sale.BaseCurrency);
  if (currency) payload.currency = currency;
  const base = str(sale.BaseCurrency) || str(listRow.BaseCurrency);
  if (currency && base && currency.toUpperCase() !== base.toUpperCase())
    warnings.push(
      `the sale is in ${currency}, not the Cin7 Core base currency ${base}: item values are in ${currency}, and Starshipit expects its account currency to match the base currency (check customs values)`,
    );
  return payload;
}

function basePayload(
  sale: Row,
  listRow: Row,
  settings: DearSettings,
  orderNumber: string,
  warnings: string[],
): { payload: Record<string, unknown>; problem?: { code: string; reason: string } } {
  const problem = addressProblem(sale);
  if (problem) return { payload: {}, problem };
  const destination = destinationOf(sale, settings, warnings);
  const payload = headerFields(sale, listRow, orderNumber, warnings);
  payload.destination = destination;
  return { payload };
}

function noParcels(leftOut: string[]): string {
  return `no line is a parcel (${leftOut.join(', ')}); drop-ship lines are imported with import.includeDropShip: true`;
}

/** What a mapping may look up beyond the sale itself. */
export interface MapExtras {
  /** Customs data per product (`import.customs.enabled`); undefined when not read. */
  products?: ProductLookup;
}

/** The outcome of one order's pipeline. */
type Built =
  | { kind: 'order'; payload: Record<string, unknown>; warnings: string[] }
  | { kind: 'problem'; code: string; reason: string }
  | { kind: 'skip'; code: string; reason: string };

/** The lines an order ships, or why it has none. */
interface OrderLines {
  lines: LineSource[];
  problem?: { code: string; reason: string };
  skip?: { code: string; reason: string };
}

/**
 * The one pipeline every order goes through, sale or fulfilment: order number limit, address and
 * header, the order's lines, items, shipping rule, customs data.
 */
function buildOrder(
  sale: Row,
  listRow: Row,
  settings: DearSettings,
  orderNumber: string,
  linesOf: (warnings: string[]) => OrderLines,
  extras: MapExtras,
): Built {
  if (orderNumber.length > 50)
    return {
      kind: 'problem',
      code: 'order-number-too-long',
      reason: `order number "${orderNumber}" is longer than Starshipit's 50 characters`,
    };
  const warnings: string[] = [];
  const { payload, problem } = basePayload(sale, listRow, settings, orderNumber, warnings);
  if (problem) return { kind: 'problem', ...problem };
  const picked = linesOf(warnings);
  if (picked.problem) return { kind: 'problem', ...picked.problem };
  if (picked.skip) return { kind: 'skip', ...picked.skip };
  const built = itemsFrom(picked.lines, saleLines(sale), settings, warnings);
  if (built.problem) return { kind: 'problem', code: 'invalid-line', reason: built.problem };
  if (built.items.length === 0)
    return { kind: 'skip', code: 'no-parcel-lines', reason: noParcels(built.leftOut) };
  payload.items = built.items;
  applyShippingRule(payload, settings.import.shippingRules);
  const held = applyCustoms(
    payload,
    built.sources,
    settings.import.customs,
    extras.products,
    warnings,
  );
  if (held) return { kind: 'problem', code: 'customs-missing', reason: held };
  return { kind: 'order', payload, warnings };
}

/** A shipping method as rules compare it: outer spaces and case ignored. */
const methodKey = (method: string): string => method.trim().toLowerCase();

/** The `import.shippingRules` entry for the order's shipping method sets courier, service, options. */
function applyShippingRule(payload: Record<string, unknown>, rules: ShippingRule[]): void {
  const method = typeof payload.shipping_method === 'string' ? payload.shipping_method : '';
  const rule = method ? rules.find((r) => methodKey(r.method) === methodKey(method)) : undefined;
  if (!rule) return;
  payload.carrier = rule.courier;
  if (rule.service) payload.carrier_service_code = rule.service;
  if (rule.signatureRequired !== undefined) payload.signature_required = rule.signatureRequired;
  // Starshipit order options travel as metadatas; "ATL" with "True"/"False" as its answers show.
  if (rule.authorityToLeave !== undefined)
    payload.metadatas = [{ metafield_key: 'ATL', value: rule.authorityToLeave ? 'True' : 'False' }];
}

const countryKey = (country: string): string => countryName(country.trim()).toLowerCase();

/** Whether an order's destination country differs from the sender country. */
function isInternational(destinationCountry: string, senderCountry: string): boolean {
  return countryKey(destinationCountry) !== countryKey(senderCountry);
}

/** Starshipit's item limits (public order model): `tariff_code` ≤ 18, `country_of_origin` ≤ 50. */
const TARIFF_CODE_MAX = 18;
const COUNTRY_OF_ORIGIN_MAX = 50;

/** What one item lacks for customs; fills `tariff_code`, `country_of_origin` and a missing weight. */
function customsOfItem(
  item: Record<string, unknown>,
  product: ProductCustoms | undefined,
  label: string,
  warnings: string[],
): string[] {
  const lacks: string[] = [];
  const hs = product?.hsCode ?? '';
  if (hs && hs.length <= TARIFF_CODE_MAX) item.tariff_code = hs;
  else
    lacks.push(
      hs ? `an HS code of at most 18 characters (it has ${hs.length})` : 'a tariff (HS) code',
    );
  const origin = product?.origin ?? '';
  if (origin)
    item.country_of_origin = cut(
      countryName(origin),
      COUNTRY_OF_ORIGIN_MAX,
      `${label} country_of_origin`,
      warnings,
    );
  else lacks.push('a country of origin');
  // The blueprint gives product weights in kilograms unless `WeightUnits` says otherwise.
  if (item.weight === undefined && product?.weight !== undefined) {
    const weight = weightKg(product.weight, product.weightUnits ?? 'kg');
    if (weight !== undefined) item.weight = weight;
  }
  if (item.weight === undefined) lacks.push('a weight');
  return lacks;
}

/**
 * Customs data for an international order. Returns why the order is held (`onMissing: hold`)
 * when a line lacks a tariff code, country of origin or weight; with `warn` the order carries a
 * warning instead.
 */
function applyCustoms(
  payload: Record<string, unknown>,
  sources: ItemSource[],
  customs: CustomsSettings,
  products: ProductLookup | undefined,
  warnings: string[],
): string | undefined {
  if (!customs.enabled || !customs.senderCountry) return undefined;
  const country = str(obj(payload.destination).country);
  if (!isInternational(country, customs.senderCountry)) return undefined;
  const items = payload.items as Record<string, unknown>[];
  const missing: string[] = [];
  items.forEach((item, i) => {
    const src = sources[i];
    const lacks = customsOfItem(item, products?.find(src.productId, src.sku), src.label, warnings);
    if (lacks.length) missing.push(`${src.label} lacks ${lacks.join(', ')}`);
  });
  if (missing.length === 0) return undefined;
  const shown = missing.slice(0, 5).join('; ');
  const more = missing.length > 5 ? `; and ${missing.length - 5} more lines` : '';
  const text = `customs data missing for this international order (to ${country}): ${shown}${more}`;
  if (customs.onMissing === 'hold')
    return `${text}; held by import.customs.onMissing: hold until the products have it in Cin7 Core`;
  warnings.push(text);
  return undefined;
}

interface OrderIds {
  orderNumber: string;
  saleId: string;
  taskId?: string;
}

/** Files one pipeline outcome under orders, skips or problems. */
function settle(
  out: MapResult,
  built: Built,
  ids: OrderIds,
  pack: { boxes?: string[]; packAuthorised: boolean },
  taskIdOnProblem: boolean,
): void {
  const { orderNumber, saleId, taskId } = ids;
  if (built.kind === 'skip')
    out.skips.push({ orderNumber, saleId, code: built.code, reason: built.reason });
  else if (built.kind === 'problem')
    out.problems.push({
      orderNumber,
      saleId,
      ...(taskIdOnProblem ? { taskId } : {}),
      code: built.code,
      reason: built.reason,
    });
  else
    out.orders.push({
      orderNumber,
      saleId,
      taskId,
      payload: built.payload,
      warnings: built.warnings,
      ...pack,
    });
}

/** Why a whole sale maps to nothing before any order is built (undefined: go on). */
function saleGate(sale: Row, listRow: Row, ids: OrderIds, out: MapResult): boolean {
  const { orderNumber, saleId } = ids;
  if (!orderNumber) {
    out.problems.push({
      orderNumber: '',
      saleId,
      code: 'missing-order-number',
      reason: 'the sale has no OrderNumber',
    });
    return true;
  }
  const status = str(sale.Status) || str(listRow.Status);
  if (status === 'VOIDED') {
    out.skips.push({ orderNumber, saleId, code: 'voided', reason: 'the sale is voided' });
    return true;
  }
  if (str(sale.Type) === 'Service Sale' || sale.ServiceOnly === true) {
    out.skips.push({
      orderNumber,
      saleId,
      code: 'service-sale',
      reason: 'a service sale has nothing to ship',
    });
    return true;
  }
  return false;
}

/** `sales` mode: one order for the whole sale, tracked against its packed or first open fulfilment. */
function mapWholeSale(
  sale: Row,
  listRow: Row,
  settings: DearSettings,
  ids: OrderIds,
  extras: MapExtras,
  out: MapResult,
): void {
  if (str(sale.CombinedShippingStatus) === 'SHIPPED') {
    out.skips.push({
      ...ids,
      code: 'already-shipped',
      reason: 'every fulfilment of the sale is already shipped in Cin7 Core',
    });
    return;
  }
  const fulfilments = arr(sale.Fulfilments);
  const open = fulfilments.filter(
    (f) => str(f.FulFilmentStatus) !== 'VOIDED' && str(obj(f.Ship).Status) !== 'AUTHORISED',
  );
  // Of several open fulfilments the packed one is shipped first (the writeback then needs one Cin7
  // call); otherwise the lowest-numbered open one.
  const target =
    open.find((f) => str(obj(f.Pack).Status) === 'AUTHORISED') ?? open[0] ?? fulfilments[0];
  const linesOf = (warnings: string[]): OrderLines => {
    if (open.length > 1)
      warnings.push(
        `the sale has ${open.length} open fulfilments; tracking is written back to fulfilment ${str(target?.FulfillmentNumber)} (use import.source: fulfilments to ship them separately)`,
      );
    const lines = orderLineSources(sale);
    if (lines.length) return { lines };
    return { lines, problem: { code: 'no-lines', reason: 'the sale order has no lines' } };
  };
  const built = buildOrder(sale, listRow, settings, ids.orderNumber, linesOf, extras);
  const taskId = target ? str(target.TaskID) || undefined : undefined;
  const pack = target ? packInfo(target) : { packAuthorised: false };
  settle(out, built, { ...ids, taskId }, pack, false);
}

/** A fulfilment's lines for its order, or the problem or skip it stands for. */
function fulfilmentOrderLines(fulfilment: Row, all: Row[], sale: Row): OrderLines {
  const { lines, skip } = fulfilmentLines(fulfilment, all, sale);
  if (lines.length === 0 && orderLineSources(sale).length === 0)
    return {
      lines,
      problem: {
        code: 'no-lines',
        reason: 'the fulfilment has no pick/pack lines and the order has no lines',
      },
    };
  if (skip) return { lines, skip: { code: 'fulfilment-not-started', reason: skip } };
  return { lines };
}

/** `fulfilments` mode: one order per live, unshipped fulfilment. */
function mapEachFulfilment(
  sale: Row,
  listRow: Row,
  settings: DearSettings,
  ids: OrderIds,
  extras: MapExtras,
  out: MapResult,
): void {
  const fulfilments = arr(sale.Fulfilments);
  if (fulfilments.length === 0) {
    out.skips.push({
      ...ids,
      code: 'no-fulfilment',
      reason: 'the sale has no fulfilment yet (order not authorised)',
    });
    return;
  }
  for (const fulfilment of fulfilments) {
    const number = fulfilmentOrderNumber(ids.orderNumber, fulfilment.FulfillmentNumber);
    const skipAs = (code: string, reason: string): void => {
      out.skips.push({ orderNumber: number, saleId: ids.saleId, code, reason });
    };
    if (str(fulfilment.FulFilmentStatus) === 'VOIDED') {
      skipAs('fulfilment-voided', 'the fulfilment is voided');
      continue;
    }
    if (str(obj(fulfilment.Ship).Status) === 'AUTHORISED') {
      skipAs('already-shipped', 'the fulfilment is already shipped in Cin7 Core');
      continue;
    }
    const linesOf = (): OrderLines => fulfilmentOrderLines(fulfilment, fulfilments, sale);
    const built = buildOrder(sale, listRow, settings, number, linesOf, extras);
    const orderIds = {
      orderNumber: number,
      saleId: ids.saleId,
      taskId: str(fulfilment.TaskID) || undefined,
    };
    settle(out, built, orderIds, packInfo(fulfilment), true);
  }
}

/**
 * Maps one sale. `listRow` is its saleList row (fallbacks for OrderNumber, Status, dates).
 * Never throws on bad data: problems are returned for "needs attention".
 */
export function mapSale(
  sale: Row,
  listRow: Row,
  settings: DearSettings,
  extras: MapExtras = {},
): MapResult {
  const out: MapResult = { orders: [], skips: [], problems: [] };
  const ids: OrderIds = {
    saleId: str(sale.ID) || str(listRow.SaleID),
    orderNumber: str(listRow.OrderNumber) || str(obj(sale.Order).SaleOrderNumber),
  };
  if (saleGate(sale, listRow, ids, out)) return out;
  if (settings.import.source === 'sales') mapWholeSale(sale, listRow, settings, ids, extras, out);
  else mapEachFulfilment(sale, listRow, settings, ids, extras, out);
  return out;
}

/** Tracking numbers that cannot fit in the ship lines' 256-character `TrackingNumber` fields. */
export class TrackingOverflow extends Error {}

const joined = (numbers: string[]): string => numbers.join(', ');

/**
 * Tracking numbers spread over `lines` ship lines: one per line in order, the rest on the last
 * line, each line's joined text within the 256 characters of `TrackingNumber` (a number that does
 * not fit goes to the next line with room). Throws TrackingOverflow when they cannot fit.
 */
export function spreadTracking(numbers: string[], lines: number): string[][] {
  const groups: string[][] = Array.from({ length: Math.max(1, lines) }, () => []);
  numbers.forEach((trackingNumber, i) => {
    const preferred = Math.min(i, groups.length - 1);
    const order = [preferred, ...groups.keys()].filter((j, k, all) => all.indexOf(j) === k);
    const slot = order.find((j) => joined([...groups[j], trackingNumber]).length <= SHIP_FIELD_MAX);
    if (slot === undefined)
      throw new TrackingOverflow(
        `${numbers.length} tracking numbers (${joined(numbers).length} characters) do not fit in ${groups.length} ship line(s) of ${SHIP_FIELD_MAX} characters`,
      );
    groups[slot].push(trackingNumber);
  });
  return groups;
}

/**
 * The Cin7 ship body for a label: one line per packed box, each with its parcel's tracking number.
 * Cin7 refuses a box on two lines, so when there are more parcels than boxes the last box carries
 * the remaining tracking numbers (comma-separated, within 256 characters per line), and when there
 * are more boxes than parcels the last parcel's line lists the remaining boxes (`Box: "Box 2, Box
 * 3"`) — unless the tracking numbers need more lines to fit.
 */
export function shipBody(ship: {
  taskId: string;
  carrier: string;
  boxes: string[];
  tracking: { number: string; url?: string }[];
  shipDate: string;
}): Cin7ShipWrite {
  const boxes = ship.boxes.length ? ship.boxes : ['Box 1'];
  const numbers = ship.tracking.map((t) => t.number);
  let count = Math.max(1, Math.min(boxes.length, numbers.length));
  let groups: string[][] | undefined;
  for (; !groups; count++) {
    try {
      groups = spreadTracking(numbers, count);
    } catch (err) {
      if (!(err instanceof TrackingOverflow) || count >= boxes.length) throw err;
    }
  }
  const lines: Cin7ShipWriteLine[] = groups.map((group, i) => {
    const last = i === groups.length - 1;
    return {
      ShipmentDate: ship.shipDate,
      Carrier: ship.carrier,
      Box: (last ? boxes.slice(i) : [boxes[i]]).join(', '),
      TrackingNumber: joined(group),
      TrackingURL: urlOf(ship.tracking, group),
      IsShipped: true,
    };
  });
  return { TaskID: ship.taskId, Status: 'AUTHORISED', Lines: lines };
}

function urlOf(tracking: { number: string; url?: string }[], group: string[]): string {
  return tracking.find((t) => t.number === group[0])?.url ?? '';
}

/**
 * `PUT sale/fulfilment/ship` with `AddTrackingNumbers: true` for an already authorised shipment
 * (a reprint, an extra parcel). As the blueprint asks of a PUT, the body lists every stored ship
 * line, so every packed box, each with its ID, Box, ShipmentDate and IsShipped; our tracking
 * numbers are spread over them (within 256 characters per line) and a line that gets none keeps
 * the tracking it has.
 */
export function addTrackingBody(ship: {
  taskId: string;
  carrier: string;
  shipLines: Record<string, unknown>[];
  tracking: { number: string; url?: string }[];
  shipDate: string;
}): Cin7ShipWrite {
  const stored = ship.shipLines.length ? ship.shipLines : [{}];
  const groups = spreadTracking(
    ship.tracking.map((t) => t.number),
    stored.length,
  );
  const lines: Cin7ShipWriteLine[] = stored.map((line, i) => {
    const group = groups[i];
    const mine = group.length > 0;
    return {
      ...(typeof line.ID === 'string' ? { ID: line.ID } : {}),
      ...(typeof line.Boxes === 'string' ? { Box: line.Boxes } : {}),
      ShipmentDate:
        typeof line.ShipmentDate === 'string' && line.ShipmentDate
          ? line.ShipmentDate
          : ship.shipDate,
      Carrier: ship.carrier,
      TrackingNumber: mine ? joined(group) : String(line.TrackingNumber ?? ''),
      TrackingURL: mine ? urlOf(ship.tracking, group) : String(line.TrackingURL ?? ''),
      IsShipped: typeof line.IsShipped === 'boolean' ? line.IsShipped : true,
    };
  });
  return { TaskID: ship.taskId, Status: 'AUTHORISED', AddTrackingNumbers: true, Lines: lines };
}

/** Tracking numbers stored on ship lines (a line may hold several, comma-separated). */
export function storedTracking(shipLines: Record<string, unknown>[]): Set<string> {
  return new Set(
    shipLines.flatMap((line) =>
      String(line.TrackingNumber ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  );
}

/** Cin7 carrier name for a Starshipit carrier code (writeback.courierMappings, else the default). */
export function carrierFor(code: string, settings: DearSettings): string {
  const m = settings.writeback.courierMappings.find(
    (c) => c.courier.toLowerCase() === code.toLowerCase(),
  );
  return m ? m.carrier : settings.writeback.defaultCarrier;
}
