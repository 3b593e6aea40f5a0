/**
 * Cin7 Core API v2 wire shapes: what the engine sends and reads, and small readers that accept
 * every observed form and name what they could not interpret. The sandbox builds its answers from
 * the same types (`import type`), and test/contract holds one sample per shape with its public
 * source (the Cin7 Core API blueprint, `dearinventory.apib`).
 */
import { isObject, trimmedText } from '../coerce';

export interface Cin7Address {
  DisplayAddressLine1: string;
  DisplayAddressLine2: string;
  Line1: string | null;
  Line2: string | null;
  City: string | null;
  State: string | null;
  Postcode: string | null;
  Country: string | null;
  Company?: string | null;
  Contact?: string | null;
  ShipToOther?: boolean;
}

export interface Cin7OrderLine {
  ProductID: string;
  SKU: string;
  Name: string;
  Quantity: number;
  Price: number;
  Discount: number;
  Tax: number;
  AverageCost: number;
  TaxRule: string;
  Comment: string | null;
  DropShip: boolean;
  Backorder: number;
  Total: number;
  ProductLength: number;
  ProductWidth: number;
  ProductHeight: number;
  ProductWeight: number;
  WeightUnits: string;
  DimensionsUnits: string;
}

export interface Cin7StageLine {
  ProductID: string;
  SKU: string;
  Name: string;
  Location: string;
  LocationID: string;
  Quantity: number;
  BatchSN: string | null;
  ExpiryDate: string | null;
  NonInventory: boolean;
  Box?: string;
  WarrantyRegistrationNumber?: string | null;
}

export interface Cin7ShipLine {
  ID: string;
  ShipmentDate: string | null;
  Carrier: string;
  Boxes: string;
  TrackingNumber: string;
  TrackingURL: string;
  IsShipped: boolean;
}

export interface Cin7Ship {
  Status: string;
  RequireBy: string | null;
  ShippingAddress: Cin7Address;
  ShippingNotes: string;
  Lines: Cin7ShipLine[];
}

export interface Cin7Fulfilment {
  TaskID: string;
  FulfillmentNumber: number;
  LinkedInvoiceNumber: string | null;
  FulFilmentStatus: string;
  Pick: { Status: string; Lines: Cin7StageLine[] };
  Pack: { Status: string; Lines: Cin7StageLine[] };
  Ship: Cin7Ship;
}

export interface Cin7MemoDoc {
  Memo: string | null;
  Status: string;
  [key: string]: unknown;
}

export interface Cin7Invoice {
  TaskID: string;
  InvoiceNumber: string;
  Memo: string | null;
  Status: string;
  InvoiceDate: string;
  InvoiceDueDate: string;
  Lines: unknown[];
  Total: number;
  Paid: number;
}

/** `GET sale?ID=` (top level uses `ID`, not `SaleID`). */
/** `GET sale?ID=` (top level uses `ID`, not `SaleID`). */
export interface Cin7Sale {
  ID: string;
  Customer: string;
  CustomerID: string;
  Contact: string | null;
  Phone: string | null;
  Email: string | null;
  DefaultAccount: string;
  SkipQuote: boolean;
  BillingAddress: Cin7Address;
  ShippingAddress: Cin7Address;
  ShippingNotes: string | null;
  BaseCurrency: string;
  CustomerCurrency: string;
  TaxRule: string;
  TaxCalculation: string;
  Terms: string;
  PriceTier: string;
  ShipBy: string | null;
  Location: string;
  SaleOrderDate: string;
  LastModifiedOn: string;
  Note: string | null;
  CustomerReference: string;
  COGSAmount: number;
  Status: string;
  CombinedPickingStatus: string;
  CombinedPackingStatus: string;
  CombinedShippingStatus: string;
  FulFilmentStatus: string;
  CombinedInvoiceStatus: string;
  CombinedPaymentStatus: string;
  CombinedTrackingNumbers: string;
  Carrier: string | null;
  CurrencyRate: number;
  SalesRepresentative: string;
  ServiceOnly: boolean;
  Type: string;
  SourceChannel: string | null;
  ExternalID: string | null;
  Quote: Cin7MemoDoc;
  Order: Cin7MemoDoc & {
    SaleOrderNumber: string;
    Lines: Cin7OrderLine[];
    AdditionalCharges: unknown[];
    TotalBeforeTax: number;
    Tax: number;
    Total: number;
  };
  Fulfilments: Cin7Fulfilment[];
  Invoices: Cin7Invoice[];
  CreditNotes: unknown[];
  ManualJournals: unknown;
  AdditionalAttributes: Record<string, string | null>;
  Attachments: unknown[];
  InventoryMovements: unknown[];
  Transactions: unknown[];
}

/** A `saleList` row: no lines, no addresses, no Note. */
export interface Cin7SaleListRow {
  SaleID: string;
  OrderNumber: string;
  Status: string;
  OrderDate: string | null;
  Customer: string;
  CustomerID: string;
  CustomerReference: string | null;
  ShipBy: string | null;
  Updated: string;
  OrderStatus: string;
  CombinedPickingStatus: string;
  CombinedPackingStatus: string;
  CombinedShippingStatus: string;
  FulFilmentStatus: string;
  CombinedTrackingNumbers: string;
  Type: string;
  [key: string]: unknown;
}

/** A ship line as written (`Box`, where the read model says `Boxes`). A type alias, so it is a JSON record. */
export type Cin7ShipWriteLine = {
  ID?: string;
  ShipmentDate?: string;
  Carrier?: string;
  Box?: string;
  TrackingNumber?: string;
  TrackingURL?: string;
  IsShipped?: boolean;
};

/** `POST|PUT sale/fulfilment/ship`; `AddTrackingNumbers` lets a PUT change an authorised shipment. */
export type Cin7ShipWrite = {
  TaskID: string;
  Status: 'DRAFT' | 'PARTIALLY AUTHORISED' | 'AUTHORISED';
  AddTrackingNumbers?: boolean;
  Lines: Cin7ShipWriteLine[];
};

/** The longest text a ship line's `TrackingNumber` (and `Carrier`, `Box`) may hold. */
export const SHIP_FIELD_MAX = 256;

// ---- readers -------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** A saleList page; undefined when the answer has no `SaleList` array. */
export function readSaleListPage(json: unknown): { total?: number; rows: Json[] } | undefined {
  if (!isObject(json) || !Array.isArray(json.SaleList)) return undefined;
  const total = Number(json.Total);
  return {
    total: Number.isFinite(total) ? total : undefined,
    rows: json.SaleList.filter(isObject),
  };
}

/**
 * A product of `GET product` (blueprint "Product [/product]"): the fields customs data needs.
 * `HSCode` is text of up to 200 characters; `CountryOfOriginCode` is a 3-letter code (`DZA`).
 */
export interface Cin7Product {
  ID: string;
  SKU: string;
  Name: string;
  Weight: number;
  WeightUnits: string | null;
  HSCode: string | null;
  CountryOfOrigin: string | null;
  CountryOfOriginCode: string | null;
  LastModifiedOn: string;
  Status: string;
}

/** One `GET product` page; undefined unless the answer has a `Products` array. */
export function readProductListPage(json: unknown): { total?: number; rows: Json[] } | undefined {
  if (!isObject(json) || !Array.isArray(json.Products)) return undefined;
  const total = Number(json.Total);
  return {
    total: Number.isFinite(total) ? total : undefined,
    rows: json.Products.filter(isObject),
  };
}

/** A sale detail; undefined unless the answer is an object. */
export function readSale(json: unknown): Json | undefined {
  return isObject(json) ? json : undefined;
}

/** The fulfilments of `GET sale/fulfilment` or of a sale detail (`Fulfilments`). */
export function readFulfilments(json: unknown): Json[] {
  return isObject(json) && Array.isArray(json.Fulfilments) ? json.Fulfilments.filter(isObject) : [];
}

/** A stage (`Pick`, `Pack`, `Ship`) of a fulfilment: its status and lines. */
export function stageOf(
  fulfilment: Json | undefined,
  stage: 'Pick' | 'Pack' | 'Ship',
): { status: string; lines: Json[] } {
  const raw = fulfilment?.[stage];
  return readStage(raw);
}

/** A stage object (also the answer of `GET sale/fulfilment/ship|pack`). */
export function readStage(stage: unknown): { status: string; lines: Json[] } {
  if (!isObject(stage)) return { status: '', lines: [] };
  return {
    status: trimmedText(stage.Status),
    lines: Array.isArray(stage.Lines) ? stage.Lines.filter(isObject) : [],
  };
}

/**
 * The fulfilment a label can still be written to: not voided and not yet shipped. With several,
 * the one with a packed stage first, then the lowest fulfilment number.
 */
export function openFulfilment(fulfilments: Json[]): Json | undefined {
  const open = fulfilments.filter((fulfilment) => {
    const pick = stageOf(fulfilment, 'Pick').status;
    const ship = stageOf(fulfilment, 'Ship').status;
    return (
      trimmedText(fulfilment.TaskID) !== '' &&
      pick !== 'VOIDED' &&
      trimmedText(fulfilment.FulFilmentStatus) !== 'VOIDED' &&
      ship !== 'AUTHORISED' &&
      ship !== 'PARTIALLY AUTHORISED' &&
      ship !== 'VOIDED'
    );
  });
  const packed = (f: Json) => (stageOf(f, 'Pack').status === 'AUTHORISED' ? 0 : 1);
  return open.sort(
    (a, b) =>
      packed(a) - packed(b) || Number(a.FulfillmentNumber ?? 0) - Number(b.FulfillmentNumber ?? 0),
  )[0];
}

/** The `Exception` text of an Error Model (array or object form), if `json` is one. */
export function readErrorModel(json: unknown): string | undefined {
  const first = Array.isArray(json) ? json[0] : json;
  if (isObject(first) && 'Exception' in first && ('ErrorCode' in first || Array.isArray(json)))
    return String(first.Exception);
  return undefined;
}
