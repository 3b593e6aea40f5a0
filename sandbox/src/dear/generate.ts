/**
 * Seeded sale generator. A sale is a pure function of (seed, index): nothing is stored until the
 * sale is changed, so 100 000 sales cost a few typed arrays (see store.ts). `saleCore` is the cheap
 * part (status, type, dates) that the list index needs; `generateSale` builds the full detail.
 */
import { rngFor, encodeGuid, GUID_KIND, Rng } from '../rng';
import { dearDate, dearTimestamp } from '../time';
import type {
  DearAddress,
  DearFulfilment,
  DearOrderLine,
  DearSale,
  DearShipLine,
  DearStageLine,
} from './types';
import { recompute } from './status';
import { SALE_STATUSES } from '../../../protocol/settings';

/** Weights for statuses after the first 16 sales (which cover every status once). Shippable ones dominate. */
const STATUS_WEIGHTS: Record<string, number> = {
  DRAFT: 2,
  VOIDED: 2,
  ESTIMATING: 1,
  ESTIMATED: 2,
  ORDERING: 2,
  ORDERED: 18,
  BACKORDERED: 6,
  PICKING: 6,
  PICKED: 8,
  PACKING: 5,
  PACKED: 10,
  SHIPPING: 5,
  INVOICING: 4,
  INVOICED: 12,
  CREDITED: 2,
  COMPLETED: 15,
};
const WEIGHT_TOTAL = Object.values(STATUS_WEIGHTS).reduce((a, b) => a + b, 0);

/** Seeded sales are dated before this fixed instant, so the same seed gives the same dates on any day. */
const SEED_EPOCH_MS = Date.UTC(2026, 5, 1, 0, 0, 0);
const DAY = 86_400_000;

export interface SaleCore {
  status: string;
  advanced: boolean;
  createdMs: number;
  updatedMs: number;
  /** '' = valid; otherwise what is wrong with the shipping address. */
  problem: '' | 'no-street' | 'no-country';
}

export function saleCore(seed: number, index: number): SaleCore {
  const random = rngFor(seed, index, 1);
  let status: string;
  if (index < SALE_STATUSES.length) status = SALE_STATUSES[index];
  else {
    let roll = random.next() * WEIGHT_TOTAL;
    status = 'COMPLETED';
    for (const candidate of SALE_STATUSES) {
      roll -= STATUS_WEIGHTS[candidate];
      if (roll < 0) {
        status = candidate;
        break;
      }
    }
  }
  let advanced =
    index >= SALE_STATUSES.length &&
    random.chance(0.2) &&
    !['DRAFT', 'VOIDED', 'ESTIMATING', 'ESTIMATED', 'ORDERING'].includes(status);
  if (index === 16 || index === 17) advanced = true; // small data sets still get Advanced sales
  if (
    advanced &&
    ['PICKING', 'PICKED', 'PACKING', 'PACKED', 'SHIPPING', 'INVOICING', 'CREDITED'].includes(status)
  ) {
    // Those statuses only apply to Simple sales; Advanced sales sit at ORDERED.
    status = 'ORDERED';
  }
  const createdMs = SEED_EPOCH_MS - random.range(1, 120) * DAY + random.int(DAY);
  const updatedMs = Math.min(SEED_EPOCH_MS - 1000, createdMs + random.int(6 * DAY));
  let problem: SaleCore['problem'] = '';
  // A few invalid records the engine must report: every 37th sale lacks a street, every 53rd a country.
  if (index % 37 === 20) problem = 'no-street';
  else if (index % 53 === 30) problem = 'no-country';
  return { status, advanced, createdMs, updatedMs, problem };
}

export interface Product {
  sku: string;
  name: string;
  price: number;
  weight: number;
  /** Cin7 `WeightUnits` (blueprint "Dimension Unit Available Values"). */
  units: 'g' | 'kg' | 'mg' | 'lb' | 'oz';
  dims: [number, number, number];
  dimUnits: 'cm' | 'mm' | 'in';
}

export const PRODUCTS: Product[] = [
  {
    sku: 'TSHIRT-BLK-M',
    name: 'T-shirt black M',
    price: 29.9,
    weight: 180,
    units: 'g',
    dims: [30, 25, 2],
    dimUnits: 'cm',
  },
  {
    sku: 'MUG-CER-01',
    name: 'Ceramic mug ☕',
    price: 18,
    weight: 0.42,
    units: 'kg',
    dims: [12, 9, 10],
    dimUnits: 'cm',
  },
  {
    sku: 'BOOK-HB-001',
    name: 'Hardback notebook',
    price: 24.5,
    weight: 1.1,
    units: 'lb',
    dims: [8.5, 6, 1],
    dimUnits: 'in',
  },
  {
    sku: 'TEA-SENCHA',
    name: 'Sencha green tea 煎茶 100 g',
    price: 15.95,
    weight: 3.5,
    units: 'oz',
    dims: [150, 80, 40],
    dimUnits: 'mm',
  },
  {
    sku: 'LAMP-DESK',
    name: 'Desk lamp — brushed steel',
    price: 89,
    weight: 1.8,
    units: 'kg',
    dims: [45, 20, 20],
    dimUnits: 'cm',
  },
  {
    sku: 'SOCK-WOOL-3',
    name: 'Merino socks (3 pack)',
    price: 34,
    weight: 250,
    units: 'g',
    dims: [20, 12, 5],
    dimUnits: 'cm',
  },
  {
    sku: 'CANDLE-SOY',
    name: 'Soy candle “Fig & Cassis”',
    price: 39,
    weight: 12,
    units: 'oz',
    dims: [9, 9, 11],
    dimUnits: 'cm',
  },
  {
    sku: 'YOGA-MAT',
    name: 'Yoga mat 6 mm',
    price: 59,
    weight: 2.2,
    units: 'lb',
    dims: [61, 15, 15],
    dimUnits: 'cm',
  },
  {
    sku: 'BIKE-LIGHT',
    name: 'Bike light set',
    price: 45,
    weight: 150,
    units: 'g',
    dims: [15, 10, 6],
    dimUnits: 'cm',
  },
  {
    sku: 'COFFEE-1KG',
    name: 'Café beans 1 kg',
    price: 42,
    weight: 1,
    units: 'kg',
    dims: [25, 12, 8],
    dimUnits: 'cm',
  },
  {
    sku: 'POSTER-A2',
    name: 'Poster A2 Ōtautahi skyline',
    price: 25,
    weight: 120,
    units: 'g',
    dims: [600, 80, 80],
    dimUnits: 'mm',
  },
  {
    sku: 'KNIFE-CHEF-20',
    name: 'Chef knife 20 cm',
    price: 129,
    weight: 0.35,
    units: 'kg',
    dims: [35, 8, 3],
    dimUnits: 'cm',
  },
];

/**
 * Lines that test what is and is not a parcel, added on top of a sale's ordinary lines (from their
 * own random stream, so the ordinary lines of every seed stay as they were): a product weighed in
 * mg, a non-inventory product (`NonInventory: true` on its pick/pack lines) and a drop-ship product
 * (`DropShip: true` on the order line; the supplier ships it, so it is never picked or packed).
 */
export const EXTRA_PRODUCTS: Record<'mg' | 'nonInventory' | 'dropShip', Product> = {
  mg: {
    sku: 'VITC-SACHET',
    name: 'Vitamin C sachet',
    price: 2.5,
    weight: 800,
    units: 'mg',
    dims: [8, 5, 1],
    dimUnits: 'cm',
  },
  nonInventory: {
    sku: 'GIFT-NOTE',
    name: 'Handwritten gift note',
    price: 3,
    weight: 0,
    units: 'g',
    dims: [0, 0, 0],
    dimUnits: 'cm',
  },
  dropShip: {
    sku: 'SOFA-3S',
    name: 'Three-seat sofa (shipped by the supplier)',
    price: 1490,
    weight: 62,
    units: 'kg',
    dims: [210, 95, 85],
    dimUnits: 'cm',
  },
};
const DISCOUNTS = [5, 10, 12.5, 25];

const FIRST = [
  'Olivia',
  'Jack',
  'Zoë',
  'Aroha',
  'Siobhán',
  'Łukasz',
  '健太',
  'Thảo',
  'José',
  'Ingrid',
  'Mia',
  'Noah',
  'Fatima',
  'Björn',
  'Émile',
  'Priya',
];
const LAST = [
  'Smith',
  'Müller',
  'Ngata',
  "O'Brien",
  'Wiśniewski',
  '渡辺',
  'Nguyễn',
  'García',
  'Østergaard',
  'Brown',
  'Taylor',
  'Papadopoulos',
  'Kowalczyk',
  'Singh',
];
const COMPANIES = [
  'Rock Star Transport',
  'Kiwi Kites Ltd',
  'Café Ñandú',
  'Zürich Zahnräder GmbH',
  'Ōtautahi Surf Co.',
  'Acme & Sons Pty Ltd',
  'Tōkyō Tea House 株式会社',
  'Bäckerei Schön',
];

interface Place {
  line1: string;
  line2?: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  currency: string;
}
const PLACES: Place[] = [
  {
    line1: '20 George Street',
    city: 'Sydney',
    state: 'NSW',
    postcode: '2000',
    country: 'Australia',
    currency: 'AUD',
  },
  {
    line1: 'Unit 4, 118 Swan Street',
    city: 'Richmond',
    state: 'VIC',
    postcode: '3121',
    country: 'Australia',
    currency: 'AUD',
  },
  {
    line1: '7 Boundary Road',
    line2: 'Level 2',
    city: 'Brisbane',
    state: 'QLD',
    postcode: '4000',
    country: 'Australia',
    currency: 'AUD',
  },
  {
    line1: 'PO Box 1234',
    city: 'Perth',
    state: 'WA',
    postcode: '6001',
    country: 'Australia',
    currency: 'AUD',
  },
  {
    line1: '15 Queen Street',
    city: 'Auckland',
    state: 'Auckland',
    postcode: '1010',
    country: 'New Zealand',
    currency: 'NZD',
  },
  {
    line1: '3/21 Colombo Street',
    line2: 'Sydenham',
    city: 'Christchurch',
    state: 'Canterbury',
    postcode: '8023',
    country: 'New Zealand',
    currency: 'NZD',
  },
  {
    line1: '1600 Amphitheatre Pkwy',
    city: 'Mountain View',
    state: 'CA',
    postcode: '94043',
    country: 'United States',
    currency: 'USD',
  },
  {
    line1: '221B Baker Street',
    city: 'London',
    state: '',
    postcode: 'NW1 6XE',
    country: 'United Kingdom',
    currency: 'GBP',
  },
  {
    line1: 'Königstraße 12',
    line2: 'Hinterhaus, 3. OG',
    city: 'Stuttgart',
    state: 'Baden-Württemberg',
    postcode: '70173',
    country: 'Germany',
    currency: 'EUR',
  },
  {
    line1: '東京都千代田区丸の内1-1',
    city: 'Chiyoda-ku',
    state: 'Tokyo',
    postcode: '100-0005',
    country: 'Japan',
    currency: 'JPY',
  },
];
const CARRIER_TEXT = [
  'Express Shipping',
  'Standard Shipping',
  'DEFAULT Carrier',
  'Click & Collect',
  'Overnight Express',
  'Australia Post',
  null,
];
const MEMOS = [
  'Leave at the back door',
  'Fragile — handle with care',
  'Gift: no prices in the box please',
  'Ring bell twice\nDog is friendly 🐕',
  'ATL ok',
  'Call before delivery: 021 555 0199',
];
const NOTES = [
  'Customer called about delivery date',
  'VIP customer',
  'Ship with invoice',
  'Bitte nicht knicken',
  'Repeat order',
];
const CHANNELS = ['Shopify', 'Amazon_AU', 'WooCommerce', 'eBay', null];
export const SEED_CARRIERS = [
  'DEFAULT Carrier',
  'Australia Post',
  'StarTrack',
  'NZ Post',
  'Aramex',
  'DHL Express',
  'CouriersPlease',
  'Sendle',
];

/** Fulfilment level: 1 nothing done, 2 pick draft, 3 picked, 4 pack draft, 5 packed, 6 ship draft, 7 shipped. */
function levelFor(status: string, random: Rng): number {
  switch (status) {
    case 'ORDERED':
    case 'BACKORDERED':
      return random.chance(0.2) ? 2 : 1;
    case 'PICKING':
      return 2;
    case 'PICKED':
      return 3;
    case 'PACKING':
      return 4;
    case 'PACKED':
      return 5;
    case 'SHIPPING':
      return 6;
    case 'COMPLETED':
      return 7;
    default:
      return random.chance(0.7) ? 7 : 5; // INVOICING, INVOICED, CREDITED
  }
}

function saleId(seed: number, index: number): string {
  return encodeGuid(seed, GUID_KIND.sale, index);
}
export function taskId(seed: number, index: number, fulfillmentNumber: number): string {
  return encodeGuid(seed, GUID_KIND.task, index, fulfillmentNumber);
}
export const LOCATION = 'Main Warehouse';
/**
 * The sale's `Location` (warehouse): from the index, so small data sets have every one — most at
 * the main warehouse, every 5th (index ≡ 1 mod 5) at Auckland, every 5th (≡ 3) at a store.
 */
const SALE_LOCATIONS = [LOCATION, 'Auckland Warehouse', 'Melbourne Store'] as const;
function saleLocation(index: number): string {
  const remainder = index % 5;
  return remainder === 1 ? SALE_LOCATIONS[1] : remainder === 3 ? SALE_LOCATIONS[2] : LOCATION;
}
export function locationId(seed: number): string {
  return encodeGuid(seed, GUID_KIND.location, 0);
}

function address(
  place: Place | undefined,
  extra: { Company?: string | null; Contact?: string | null; withShip: boolean },
): DearAddress {
  const dearAddress: DearAddress = {
    DisplayAddressLine1: place ? [place.line1, place.line2].filter(Boolean).join(', ') : '',
    DisplayAddressLine2: place
      ? [place.city, place.state, place.postcode, place.country].filter(Boolean).join(' ')
      : '',
    Line1: place?.line1 ?? null,
    Line2: place?.line2 ?? null,
    City: place?.city ?? null,
    State: place?.state ?? null,
    Postcode: place?.postcode ?? null,
    Country: place?.country ?? null,
  };
  if (extra.withShip) {
    dearAddress.Company = extra.Company ?? null;
    dearAddress.Contact = extra.Contact ?? null;
    dearAddress.ShipToOther = false;
  }
  return dearAddress;
}

function stageLine(seed: number, line: DearOrderLine, qty: number, box?: string): DearStageLine {
  const staged: DearStageLine = {
    ProductID: line.ProductID,
    SKU: line.SKU,
    Name: line.Name,
    Location: LOCATION,
    LocationID: locationId(seed),
    Quantity: qty,
    BatchSN: null,
    ExpiryDate: null,
    NonInventory: NON_INVENTORY_SKUS.has(line.SKU),
  };
  if (box !== undefined) {
    staged.Box = box;
    staged.WarrantyRegistrationNumber = null;
  }
  return staged;
}

function trackingNumberFor(seed: number, index: number, sequence: number): string {
  const random = rngFor(seed, index, 77, sequence);
  return `33${random.hex(4).toUpperCase()}${String(random.int(1e8)).padStart(8, '0')}`;
}

function orderLine(
  seed: number,
  productIndex: number,
  product: Product,
  qty: number,
  comment: string | null,
  discount = 0,
): DearOrderLine {
  const total = roundCents(qty * product.price * (1 - discount / 100));
  return {
    ProductID: encodeGuid(seed, GUID_KIND.product, productIndex),
    SKU: product.sku,
    Name: product.name,
    Quantity: qty,
    Price: product.price,
    Discount: discount,
    Tax: roundCents(total * 0.1),
    AverageCost: Math.round(product.price * 45) / 100,
    TaxRule: 'GST on Income',
    Comment: comment,
    DropShip: false,
    Backorder: 0,
    Total: total,
    ProductLength: product.dims[0],
    ProductWidth: product.dims[1],
    ProductHeight: product.dims[2],
    ProductWeight: product.weight,
    WeightUnits: product.units,
    DimensionsUnits: product.dimUnits,
  };
}

/** SKUs of non-inventory products (their pick/pack lines say `NonInventory: true`). */
export const NON_INVENTORY_SKUS = new Set([EXTRA_PRODUCTS.nonInventory.sku]);

/**
 * Discounts, extra lines (mg, non-inventory, drop-ship) and service charges. Sale indexes pick the
 * case so that small data sets cover each one: a discount on every 7th sale (index ≡ 3), an mg
 * line on every 11th (≡ 5), a non-inventory line on every 13th (≡ 6), a drop-ship line on every
 * 17th (≡ 8) and a gift-wrapping service charge on every 9th (≡ 4). Services are Cin7
 * `AdditionalCharges`, not order lines.
 */
function addExtraLines(
  seed: number,
  index: number,
  lines: DearOrderLine[],
): { charges: Record<string, unknown>[] } {
  const random = rngFor(seed, index, 3);
  if (index % 7 === 3 || random.chance(0.05)) {
    const firstLine = lines[0];
    const discount = random.pick(DISCOUNTS);
    firstLine.Discount = discount;
    firstLine.Total = roundCents(firstLine.Quantity * firstLine.Price * (1 - discount / 100));
    firstLine.Tax = roundCents(firstLine.Total * 0.1);
  }
  const add = (product: Product, offset: number): DearOrderLine => {
    const line = orderLine(seed, 100 + offset, product, random.range(1, 2), null);
    lines.push(line);
    return line;
  };
  if (index % 11 === 5) add(EXTRA_PRODUCTS.mg, 0);
  if (index % 13 === 6) add(EXTRA_PRODUCTS.nonInventory, 1);
  if (index % 17 === 8) add(EXTRA_PRODUCTS.dropShip, 2).DropShip = true;
  const charges: Record<string, unknown>[] = [];
  if (index % 9 === 4)
    charges.push({
      Description: 'Gift wrapping',
      Price: 6.5,
      Quantity: 1,
      Discount: 0,
      Tax: 0.65,
      Total: 6.5,
      TaxRule: 'GST on Income',
      Comment: null,
    });
  return { charges };
}

/** Who bought: the first draws of a sale's stream. */
interface Buyer {
  first: string;
  person: string;
  company: string | null;
}

function drawBuyer(random: Rng): Buyer {
  const first = random.pick(FIRST);
  const last = random.pick(LAST);
  const company = random.chance(0.4) ? random.pick(COMPANIES) : null;
  return { first, person: `${first} ${last}`, company };
}

interface SaleAddresses {
  place: Place;
  contact: string | null;
  shipping: DearAddress;
  billing: DearAddress;
}

/** The place (with the sale's seeded address problem), the contact and both addresses. */
function drawAddresses(random: Rng, problem: SaleCore['problem'], buyer: Buyer): SaleAddresses {
  const place = { ...random.pick(PLACES) };
  if (problem === 'no-street') place.line1 = '';
  if (problem === 'no-country') place.country = '';
  const contact = random.chance(0.85) ? buyer.person : null;
  const shipping = address(place, { Company: buyer.company, Contact: contact, withShip: true });
  if (problem === 'no-street') {
    shipping.Line1 = null;
    shipping.Line2 = null;
  }
  if (problem === 'no-country') shipping.Country = null;
  if (random.chance(0.05) && shipping.Line1) shipping.Line1 = `${shipping.Line1}\nRear entrance`; // multi-line Line1
  const billing = address(place, { withShip: false });
  return { place, contact, shipping, billing };
}

/** The number of fulfilments (2–3 for Advanced sales) and the ordinary lines, one per fulfilment at least. */
function drawOrderLines(
  seed: number,
  random: Rng,
  advanced: boolean,
): { fulfilmentCount: number; lines: DearOrderLine[] } {
  const fulfilmentCount = advanced ? random.range(2, 3) : 1;
  const lineCount = Math.max(advanced ? fulfilmentCount : 1, random.range(1, 4));
  const products = [...PRODUCTS];
  const lines: DearOrderLine[] = [];
  for (let i = 0; i < lineCount; i++) {
    const product = products.splice(random.int(products.length), 1)[0];
    const qty = random.range(1, 3);
    const comment = random.chance(0.1) ? 'Engrave: “For Ana”' : null;
    lines.push(orderLine(seed, PRODUCTS.indexOf(product), product, qty, comment));
  }
  return { fulfilmentCount, lines };
}

interface TaskStatuses {
  /** No order authorised yet (draft, quote or voided): the sale has no fulfilments. */
  preOrder: boolean;
  quoteStatus: string;
  orderStatus: string;
}

function taskStatuses(status: string): TaskStatuses {
  const preOrder = ['DRAFT', 'ESTIMATING', 'ESTIMATED', 'ORDERING', 'VOIDED'].includes(status);
  const quoteStatus =
    status === 'VOIDED'
      ? 'VOIDED'
      : status === 'DRAFT' || status === 'ESTIMATING'
        ? 'DRAFT'
        : 'AUTHORISED';
  const orderStatus =
    status === 'VOIDED'
      ? 'VOIDED'
      : status === 'ORDERING'
        ? 'DRAFT'
        : preOrder
          ? 'NOT AVAILABLE'
          : 'AUTHORISED';
  return { preOrder, quoteStatus, orderStatus };
}

/** What the fulfilment steps of one sale share. */
interface FulfilmentDraw {
  seed: number;
  index: number;
  core: SaleCore;
  random: Rng;
  lines: DearOrderLine[];
  fulfilmentCount: number;
  shipping: DearAddress;
  /** The next tracking sequence number: one count across the sale's fulfilments. */
  nextTracking: () => number;
}

function drawFulfilments(draw: Omit<FulfilmentDraw, 'nextTracking'>): DearFulfilment[] {
  let trackingSeq = 0;
  const sale: FulfilmentDraw = { ...draw, nextTracking: () => ++trackingSeq };
  const fulfilments: DearFulfilment[] = [];
  for (let number = 1; number <= draw.fulfilmentCount; number++)
    fulfilments.push(drawFulfilment(sale, number));
  return fulfilments;
}

/** Level (see levelFor) of fulfilment `number`: an Advanced sale's last one may lag behind. */
function fulfilmentLevel(core: SaleCore, random: Rng, number: number, count: number): number {
  if (!core.advanced) return levelFor(core.status, random);
  if (core.status === 'COMPLETED') return 7;
  return number < count ? random.pick([3, 5, 7, 7]) : random.pick([1, 2, 3, 5, 7]);
}

/** A pick, pack or ship task's status at `level`: draft at `draftLevel`, authorised above it. */
function stageStatus(level: number, draftLevel: number): string {
  return level > draftLevel ? 'AUTHORISED' : level === draftLevel ? 'DRAFT' : 'NOT AVAILABLE';
}

function drawFulfilment(sale: FulfilmentDraw, number: number): DearFulfilment {
  const { seed, random } = sale;
  const level = fulfilmentLevel(sale.core, random, number, sale.fulfilmentCount);
  // Drop-ship lines are shipped by the supplier: never on a pick or pack.
  const mine = sale.lines.filter(
    (line, i) => i % sale.fulfilmentCount === number - 1 && !line.DropShip,
  );
  const boxes = Math.min(mine.length, random.range(1, 3));
  const boxName = (i: number) => `Box ${(i % boxes) + 1}`;
  return {
    TaskID: taskId(seed, sale.index, number),
    FulfillmentNumber: number,
    LinkedInvoiceNumber: null,
    FulFilmentStatus: 'NOT FULFILLED',
    Pick: {
      Status: stageStatus(level, 2),
      Lines: level >= 2 ? mine.map((line) => stageLine(seed, line, line.Quantity)) : [],
    },
    Pack: {
      Status: stageStatus(level, 4),
      Lines:
        level >= 4 ? mine.map((line, i) => stageLine(seed, line, line.Quantity, boxName(i))) : [],
    },
    Ship: {
      Status: stageStatus(level, 6),
      RequireBy: null,
      ShippingAddress: { ...sale.shipping },
      ShippingNotes: '',
      Lines: level >= 7 ? drawShipLines(sale, number, boxes) : [],
    },
  };
}

/** One ship line per box, or (30% of multi-box fulfilments) one line covering every box. */
function drawShipLines(sale: FulfilmentDraw, number: number, boxes: number): DearShipLine[] {
  const { seed, index, random } = sale;
  const carrier = random.pick(SEED_CARRIERS);
  const together = random.chance(0.3) && boxes > 1;
  const boxNames = Array.from({ length: boxes }, (_, i) => `Box ${i + 1}`);
  const groups = together ? [boxNames.join(', ')] : boxNames;
  return groups.map((group) => {
    const trackingSeq = sale.nextTracking();
    const trackingNumber = trackingNumberFor(seed, index, trackingSeq);
    return {
      ID: encodeGuid(seed, GUID_KIND.shipLine, index, number * 16 + trackingSeq),
      ShipmentDate: dearDate(sale.core.updatedMs),
      Carrier: carrier,
      Boxes: group,
      TrackingNumber: trackingNumber,
      TrackingURL:
        carrier === 'Australia Post'
          ? `https://auspost.com.au/mypost/track/#/details/${trackingNumber}`
          : '',
      IsShipped: true,
    };
  });
}

function roundCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** Customer and contact details; `random` continues the sale's stream. */
function drawCustomerFields(
  seed: number,
  index: number,
  random: Rng,
  buyer: Buyer,
  contact: string | null,
): Pick<DearSale, 'Customer' | 'CustomerID' | 'Contact' | 'Phone' | 'Email'> {
  const mailbox =
    buyer.first
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '') || 'customer';
  return {
    Customer: buyer.company ?? buyer.person,
    CustomerID: encodeGuid(seed, GUID_KIND.customer, random.int(5000)),
    Contact: contact,
    Phone: random.chance(0.7) ? `+61 2 9${String(random.int(1e7)).padStart(7, '0')}` : null,
    Email: random.chance(0.8) ? `${mailbox}${index}@example.com` : null,
  };
}

type SaleTerms = Pick<
  DearSale,
  | 'DefaultAccount'
  | 'SkipQuote'
  | 'BillingAddress'
  | 'ShippingAddress'
  | 'ShippingNotes'
  | 'BaseCurrency'
  | 'CustomerCurrency'
  | 'TaxRule'
  | 'TaxCalculation'
  | 'Terms'
  | 'PriceTier'
  | 'ShipBy'
>;

/** Addresses, currency, tax and shipping terms; `random` continues the sale's stream. */
function drawTerms(random: Rng, core: SaleCore, addresses: SaleAddresses): SaleTerms {
  return {
    DefaultAccount: '200',
    SkipQuote: random.chance(0.5),
    BillingAddress: addresses.billing,
    ShippingAddress: addresses.shipping,
    ShippingNotes: random.chance(0.2) ? random.pick(MEMOS) : null,
    BaseCurrency: 'AUD',
    CustomerCurrency: addresses.place.currency,
    TaxRule: 'GST on Income',
    TaxCalculation: random.chance(0.5) ? 'Inclusive' : 'Exclusive',
    Terms: '30 days',
    PriceTier: 'Tier 1',
    ShipBy: random.chance(0.3) ? dearDate(core.createdMs + 7 * DAY) : null,
  };
}

/** The sale's single invoice once it is invoiced; `random` continues the sale's stream. */
function drawInvoices(
  seed: number,
  index: number,
  random: Rng,
  core: SaleCore,
  invoiceNumber: string | null,
  total: number,
): DearSale['Invoices'] {
  if (!invoiceNumber) return [];
  return [
    {
      TaskID: encodeGuid(seed, GUID_KIND.invoice, index),
      InvoiceNumber: invoiceNumber,
      Memo: random.chance(0.4) ? random.pick(MEMOS) : null,
      Status: core.status === 'INVOICING' ? 'DRAFT' : 'AUTHORISED',
      InvoiceDate: dearDate(core.updatedMs),
      InvoiceDueDate: dearDate(core.updatedMs + 30 * DAY),
      Lines: [],
      Total: total,
      Paid: core.status === 'COMPLETED' ? total : 0,
    },
  ];
}

type StatusFields = Pick<
  DearSale,
  | 'COGSAmount'
  | 'Status'
  | 'CombinedPickingStatus'
  | 'CombinedPackingStatus'
  | 'CombinedShippingStatus'
  | 'FulFilmentStatus'
  | 'CombinedInvoiceStatus'
  | 'CombinedPaymentStatus'
  | 'CombinedTrackingNumbers'
  | 'Carrier'
  | 'CurrencyRate'
  | 'SalesRepresentative'
  | 'ServiceOnly'
  | 'Type'
>;

/** Status and type; recompute() fills in the combined pick/pack/ship statuses from the tasks. */
function statusFields(core: SaleCore, invoiced: boolean, carrierText: string | null): StatusFields {
  return {
    COGSAmount: 0,
    Status: core.status,
    CombinedPickingStatus: '',
    CombinedPackingStatus: '',
    CombinedShippingStatus: '',
    FulFilmentStatus: '',
    CombinedInvoiceStatus: invoiced ? 'INVOICED' : 'NOT INVOICED',
    CombinedPaymentStatus: core.status === 'COMPLETED' ? 'PAID' : 'UNPAID',
    CombinedTrackingNumbers: '',
    Carrier: carrierText,
    CurrencyRate: 1,
    SalesRepresentative: 'Sandbox',
    ServiceOnly: false,
    Type: core.advanced ? 'Advanced Sale' : 'Simple Sale',
  };
}

/** The documents a seeded sale never has: credit notes, journals, attachments, movements. */
function noOtherDocuments(): Pick<
  DearSale,
  | 'CreditNotes'
  | 'ManualJournals'
  | 'AdditionalAttributes'
  | 'Attachments'
  | 'InventoryMovements'
  | 'Transactions'
> {
  return {
    CreditNotes: [],
    ManualJournals: { Status: 'NOT AVAILABLE', Lines: [] },
    AdditionalAttributes: { AdditionalAttribute1: null, AdditionalAttribute2: null },
    Attachments: [],
    InventoryMovements: [],
    Transactions: [],
  };
}

function saleMeta(
  index: number,
  core: SaleCore,
  numbers: { orderNumber: string; invoiceNumber: string | null; orderDateMs: number },
): DearSale['__meta'] {
  return {
    index,
    createdMs: core.createdMs,
    updatedMs: core.updatedMs,
    orderNumber: numbers.orderNumber,
    invoiceNumber: numbers.invoiceNumber,
    orderDateMs: numbers.orderDateMs,
    problems: [],
  };
}

/**
 * The full sale detail. Every random value comes from one stream (rngFor(seed, index, 2)) in a
 * fixed order — buyer, addresses, lines, carrier, fulfilments, then the fields in key order — so
 * a seed gives the same sales on every run; changing that order changes every seeded data set.
 */
export function generateSale(seed: number, index: number): DearSale {
  const core = saleCore(seed, index);
  const random = rngFor(seed, index, 2);
  const orderNumber = `SO-${String(index + 1).padStart(5, '0')}`;
  const buyer = drawBuyer(random);
  const addresses = drawAddresses(random, core.problem, buyer);
  const { fulfilmentCount, lines } = drawOrderLines(seed, random, core.advanced);
  const extra = addExtraLines(seed, index, lines);
  const totalBeforeTax = roundCents(lines.reduce((sum, line) => sum + line.Total, 0));
  const tax = roundCents(lines.reduce((sum, line) => sum + line.Tax, 0));
  const total = roundCents(totalBeforeTax + tax);
  const { preOrder, quoteStatus, orderStatus } = taskStatuses(core.status);
  const carrierText = random.pick(CARRIER_TEXT);
  const fulfilments = preOrder
    ? []
    : drawFulfilments({
        seed,
        index,
        core,
        random,
        lines,
        fulfilmentCount,
        shipping: addresses.shipping,
      });
  const invoiced = ['INVOICING', 'INVOICED', 'CREDITED', 'COMPLETED'].includes(core.status);
  const invoiceNumber = invoiced ? `INV-${String(index + 1).padStart(5, '0')}` : null;
  const orderDateMs = core.createdMs - (core.createdMs % DAY);
  const sale: DearSale = {
    ID: saleId(seed, index),
    ...drawCustomerFields(seed, index, random, buyer, addresses.contact),
    ...drawTerms(random, core, addresses),
    Location: saleLocation(index),
    SaleOrderDate: dearDate(orderDateMs),
    LastModifiedOn: dearTimestamp(core.updatedMs),
    Note: random.chance(0.35) ? random.pick(NOTES) : null,
    CustomerReference: random.chance(0.5) ? `PO-${random.range(1000, 9999)}` : '',
    ...statusFields(core, invoiced, carrierText),
    SourceChannel: random.pick(CHANNELS),
    ExternalID: random.chance(0.3) ? `EXT-${index + 1}` : null,
    Quote: { Memo: random.chance(0.3) ? random.pick(MEMOS) : null, Status: quoteStatus, Lines: [] },
    Order: {
      SaleOrderNumber: orderNumber,
      Memo: random.chance(0.4) ? random.pick(MEMOS) : null,
      Status: orderStatus,
      Lines: preOrder && core.status !== 'ORDERING' ? [] : lines,
      AdditionalCharges: extra.charges,
      TotalBeforeTax: totalBeforeTax,
      Tax: tax,
      Total: total,
    },
    Fulfilments: fulfilments,
    Invoices: drawInvoices(seed, index, random, core, invoiceNumber, total),
    ...noOtherDocuments(),
    __meta: saleMeta(index, core, { orderNumber, invoiceNumber, orderDateMs }),
  };
  if (preOrder && core.status !== 'ORDERING') sale.Quote.Lines = lines;
  if (core.status === 'VOIDED') sale.Order.Lines = [];
  recompute(sale);
  return sale;
}
