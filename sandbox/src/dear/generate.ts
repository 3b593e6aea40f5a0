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
  const r = rngFor(seed, index, 1);
  let status: string;
  if (index < SALE_STATUSES.length) status = SALE_STATUSES[index];
  else {
    let roll = r.next() * WEIGHT_TOTAL;
    status = 'COMPLETED';
    for (const s of SALE_STATUSES) {
      roll -= STATUS_WEIGHTS[s];
      if (roll < 0) {
        status = s;
        break;
      }
    }
  }
  let advanced =
    index >= SALE_STATUSES.length &&
    r.chance(0.2) &&
    !['DRAFT', 'VOIDED', 'ESTIMATING', 'ESTIMATED', 'ORDERING'].includes(status);
  if (index === 16 || index === 17) advanced = true; // small data sets still get Advanced sales
  if (
    advanced &&
    ['PICKING', 'PICKED', 'PACKING', 'PACKED', 'SHIPPING', 'INVOICING', 'CREDITED'].includes(status)
  ) {
    // Those statuses only apply to Simple sales; Advanced sales sit at ORDERED.
    status = 'ORDERED';
  }
  const createdMs = SEED_EPOCH_MS - r.range(1, 120) * DAY + r.int(DAY);
  const updatedMs = Math.min(SEED_EPOCH_MS - 1000, createdMs + r.int(6 * DAY));
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
function levelFor(status: string, r: Rng): number {
  switch (status) {
    case 'ORDERED':
    case 'BACKORDERED':
      return r.chance(0.2) ? 2 : 1;
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
      return r.chance(0.7) ? 7 : 5; // INVOICING, INVOICED, CREDITED
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
export const SALE_LOCATIONS = [LOCATION, 'Auckland Warehouse', 'Melbourne Store'] as const;
export function saleLocation(index: number): string {
  const m = index % 5;
  return m === 1 ? SALE_LOCATIONS[1] : m === 3 ? SALE_LOCATIONS[2] : LOCATION;
}
export function locationId(seed: number): string {
  return encodeGuid(seed, GUID_KIND.location, 0);
}

function address(
  place: Place | undefined,
  extra: { Company?: string | null; Contact?: string | null; withShip: boolean },
): DearAddress {
  const a: DearAddress = {
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
    a.Company = extra.Company ?? null;
    a.Contact = extra.Contact ?? null;
    a.ShipToOther = false;
  }
  return a;
}

function stageLine(seed: number, line: DearOrderLine, qty: number, box?: string): DearStageLine {
  const l: DearStageLine = {
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
    l.Box = box;
    l.WarrantyRegistrationNumber = null;
  }
  return l;
}

function trackingNumberFor(seed: number, index: number, n: number): string {
  const r = rngFor(seed, index, 77, n);
  return `33${r.hex(4).toUpperCase()}${String(r.int(1e8)).padStart(8, '0')}`;
}

function orderLine(
  seed: number,
  productIndex: number,
  p: Product,
  qty: number,
  comment: string | null,
  discount = 0,
): DearOrderLine {
  const total = Math.round(qty * p.price * (1 - discount / 100) * 100) / 100;
  return {
    ProductID: encodeGuid(seed, GUID_KIND.product, productIndex),
    SKU: p.sku,
    Name: p.name,
    Quantity: qty,
    Price: p.price,
    Discount: discount,
    Tax: Math.round(total * 0.1 * 100) / 100,
    AverageCost: Math.round(p.price * 45) / 100,
    TaxRule: 'GST on Income',
    Comment: comment,
    DropShip: false,
    Backorder: 0,
    Total: total,
    ProductLength: p.dims[0],
    ProductWidth: p.dims[1],
    ProductHeight: p.dims[2],
    ProductWeight: p.weight,
    WeightUnits: p.units,
    DimensionsUnits: p.dimUnits,
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
  const r = rngFor(seed, index, 3);
  if (index % 7 === 3 || r.chance(0.05)) {
    const l = lines[0];
    const discount = r.pick(DISCOUNTS);
    l.Discount = discount;
    l.Total = Math.round(l.Quantity * l.Price * (1 - discount / 100) * 100) / 100;
    l.Tax = Math.round(l.Total * 0.1 * 100) / 100;
  }
  const add = (p: Product, n: number): DearOrderLine => {
    const l = orderLine(seed, 100 + n, p, r.range(1, 2), null);
    lines.push(l);
    return l;
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

export function generateSale(seed: number, index: number): DearSale {
  const core = saleCore(seed, index);
  const r = rngFor(seed, index, 2);
  const id = saleId(seed, index);
  const orderNumber = `SO-${String(index + 1).padStart(5, '0')}`;
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const person = `${first} ${last}`;
  const company = r.chance(0.4) ? r.pick(COMPANIES) : null;
  const customer = company ?? person;
  const place = { ...r.pick(PLACES) };
  if (core.problem === 'no-street') place.line1 = '';
  if (core.problem === 'no-country') place.country = '';
  const contact = r.chance(0.85) ? person : null;
  const shipping = address(place, { Company: company, Contact: contact, withShip: true });
  if (core.problem === 'no-street') {
    shipping.Line1 = null;
    shipping.Line2 = null;
  }
  if (core.problem === 'no-country') shipping.Country = null;
  if (r.chance(0.05) && shipping.Line1) shipping.Line1 = `${shipping.Line1}\nRear entrance`; // multi-line Line1
  const billing = address(place, { withShip: false });

  const nFulfil = core.advanced ? r.range(2, 3) : 1;
  const lineCount = Math.max(core.advanced ? nFulfil : 1, r.range(1, 4));
  const products = [...PRODUCTS];
  const lines: DearOrderLine[] = [];
  for (let i = 0; i < lineCount; i++) {
    const p = products.splice(r.int(products.length), 1)[0];
    const qty = r.range(1, 3);
    const comment = r.chance(0.1) ? 'Engrave: “For Ana”' : null;
    lines.push(orderLine(seed, PRODUCTS.indexOf(p), p, qty, comment));
  }
  const extra = addExtraLines(seed, index, lines);
  const totalBeforeTax = Math.round(lines.reduce((a, l) => a + l.Total, 0) * 100) / 100;
  const tax = Math.round(lines.reduce((a, l) => a + l.Tax, 0) * 100) / 100;

  const preOrder = ['DRAFT', 'ESTIMATING', 'ESTIMATED', 'ORDERING', 'VOIDED'].includes(core.status);
  const quoteStatus =
    core.status === 'VOIDED'
      ? 'VOIDED'
      : core.status === 'DRAFT' || core.status === 'ESTIMATING'
        ? 'DRAFT'
        : 'AUTHORISED';
  const orderStatus =
    core.status === 'VOIDED'
      ? 'VOIDED'
      : core.status === 'ORDERING'
        ? 'DRAFT'
        : preOrder
          ? 'NOT AVAILABLE'
          : 'AUTHORISED';
  const carrierText = r.pick(CARRIER_TEXT);

  const fulfilments: DearFulfilment[] = [];
  let trackingSeq = 0;
  if (!preOrder) {
    for (let f = 1; f <= nFulfil; f++) {
      const level = core.advanced
        ? f < nFulfil || core.status === 'COMPLETED'
          ? core.status === 'COMPLETED'
            ? 7
            : r.pick([3, 5, 7, 7])
          : r.pick([1, 2, 3, 5, 7])
        : levelFor(core.status, r);
      // Drop-ship lines are shipped by the supplier: never on a pick or pack.
      const mine = lines.filter((l, i) => i % nFulfil === f - 1 && !l.DropShip);
      const boxes = Math.min(mine.length, r.range(1, 3));
      const boxName = (i: number) => `Box ${(i % boxes) + 1}`;
      const pickLines = level >= 2 ? mine.map((l) => stageLine(seed, l, l.Quantity)) : [];
      const packLines =
        level >= 4 ? mine.map((l, i) => stageLine(seed, l, l.Quantity, boxName(i))) : [];
      const shipLines: DearShipLine[] = [];
      if (level >= 7) {
        const carrier = r.pick(SEED_CARRIERS);
        const together = r.chance(0.3) && boxes > 1; // one line covering every box
        const groups = together
          ? [Array.from({ length: boxes }, (_, i) => `Box ${i + 1}`).join(', ')]
          : Array.from({ length: boxes }, (_, i) => `Box ${i + 1}`);
        for (const g of groups) {
          const tn = trackingNumberFor(seed, index, ++trackingSeq);
          shipLines.push({
            ID: encodeGuid(seed, GUID_KIND.shipLine, index, f * 16 + trackingSeq),
            ShipmentDate: dearDate(core.updatedMs),
            Carrier: carrier,
            Boxes: g,
            TrackingNumber: tn,
            TrackingURL:
              carrier === 'Australia Post'
                ? `https://auspost.com.au/mypost/track/#/details/${tn}`
                : '',
            IsShipped: true,
          });
        }
      }
      fulfilments.push({
        TaskID: taskId(seed, index, f),
        FulfillmentNumber: f,
        LinkedInvoiceNumber: null,
        FulFilmentStatus: 'NOT FULFILLED',
        Pick: {
          Status: level >= 3 ? 'AUTHORISED' : level === 2 ? 'DRAFT' : 'NOT AVAILABLE',
          Lines: pickLines,
        },
        Pack: {
          Status: level >= 5 ? 'AUTHORISED' : level === 4 ? 'DRAFT' : 'NOT AVAILABLE',
          Lines: packLines,
        },
        Ship: {
          Status: level >= 7 ? 'AUTHORISED' : level === 6 ? 'DRAFT' : 'NOT AVAILABLE',
          RequireBy: null,
          ShippingAddress: { ...shipping },
          ShippingNotes: '',
          Lines: shipLines,
        },
      });
    }
  }

  const invoiced = ['INVOICING', 'INVOICED', 'CREDITED', 'COMPLETED'].includes(core.status);
  const invoiceNumber = invoiced ? `INV-${String(index + 1).padStart(5, '0')}` : null;
  const orderDateMs = core.createdMs - (core.createdMs % DAY);
  const sale: DearSale = {
    ID: id,
    Customer: customer,
    CustomerID: encodeGuid(seed, GUID_KIND.customer, r.int(5000)),
    Contact: contact,
    Phone: r.chance(0.7) ? `+61 2 9${String(r.int(1e7)).padStart(7, '0')}` : null,
    Email: r.chance(0.8)
      ? `${
          first
            .toLowerCase()
            .normalize('NFD')
            .replace(/[^a-z]/g, '') || 'customer'
        }${index}@example.com`
      : null,
    DefaultAccount: '200',
    SkipQuote: r.chance(0.5),
    BillingAddress: billing,
    ShippingAddress: shipping,
    ShippingNotes: r.chance(0.2) ? r.pick(MEMOS) : null,
    BaseCurrency: 'AUD',
    CustomerCurrency: place.currency,
    TaxRule: 'GST on Income',
    TaxCalculation: r.chance(0.5) ? 'Inclusive' : 'Exclusive',
    Terms: '30 days',
    PriceTier: 'Tier 1',
    ShipBy: r.chance(0.3) ? dearDate(core.createdMs + 7 * DAY) : null,
    Location: saleLocation(index),
    SaleOrderDate: dearDate(orderDateMs),
    LastModifiedOn: dearTimestamp(core.updatedMs),
    Note: r.chance(0.35) ? r.pick(NOTES) : null,
    CustomerReference: r.chance(0.5) ? `PO-${r.range(1000, 9999)}` : '',
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
    SourceChannel: r.pick(CHANNELS),
    ExternalID: r.chance(0.3) ? `EXT-${index + 1}` : null,
    Quote: { Memo: r.chance(0.3) ? r.pick(MEMOS) : null, Status: quoteStatus, Lines: [] },
    Order: {
      SaleOrderNumber: orderNumber,
      Memo: r.chance(0.4) ? r.pick(MEMOS) : null,
      Status: orderStatus,
      Lines: preOrder && core.status !== 'ORDERING' ? [] : lines,
      AdditionalCharges: extra.charges,
      TotalBeforeTax: totalBeforeTax,
      Tax: tax,
      Total: Math.round((totalBeforeTax + tax) * 100) / 100,
    },
    Fulfilments: fulfilments,
    Invoices: invoiceNumber
      ? [
          {
            TaskID: encodeGuid(seed, GUID_KIND.invoice, index),
            InvoiceNumber: invoiceNumber,
            Memo: r.chance(0.4) ? r.pick(MEMOS) : null,
            Status: core.status === 'INVOICING' ? 'DRAFT' : 'AUTHORISED',
            InvoiceDate: dearDate(core.updatedMs),
            InvoiceDueDate: dearDate(core.updatedMs + 30 * DAY),
            Lines: [],
            Total: Math.round((totalBeforeTax + tax) * 100) / 100,
            Paid: core.status === 'COMPLETED' ? Math.round((totalBeforeTax + tax) * 100) / 100 : 0,
          },
        ]
      : [],
    CreditNotes: [],
    ManualJournals: { Status: 'NOT AVAILABLE', Lines: [] },
    AdditionalAttributes: { AdditionalAttribute1: null, AdditionalAttribute2: null },
    Attachments: [],
    InventoryMovements: [],
    Transactions: [],
    __meta: {
      index,
      createdMs: core.createdMs,
      updatedMs: core.updatedMs,
      orderNumber,
      invoiceNumber,
      orderDateMs,
      problems: [],
    },
  };
  if (preOrder && core.status !== 'ORDERING') sale.Quote.Lines = lines;
  if (core.status === 'VOIDED') sale.Order.Lines = [];
  recompute(sale);
  return sale;
}
