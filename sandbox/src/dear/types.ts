/** Cin7 Core v2 sale shapes as they appear on the wire (cin7-core-api.md §3–§5). */

export interface DearAddress {
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

export interface DearOrderLine {
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

export interface DearStageLine {
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

export interface DearShipLine {
  ID: string;
  ShipmentDate: string | null;
  Carrier: string;
  Boxes: string;
  TrackingNumber: string;
  TrackingURL: string;
  IsShipped: boolean;
}

export interface DearShip {
  Status: string;
  RequireBy: string | null;
  ShippingAddress: DearAddress;
  ShippingNotes: string;
  Lines: DearShipLine[];
}

export interface DearFulfilment {
  TaskID: string;
  FulfillmentNumber: number;
  LinkedInvoiceNumber: string | null;
  FulFilmentStatus: string;
  Pick: { Status: string; Lines: DearStageLine[] };
  Pack: { Status: string; Lines: DearStageLine[] };
  Ship: DearShip;
}

export interface DearMemoDoc {
  Memo: string | null;
  Status: string;
  [key: string]: unknown;
}

export interface DearInvoice {
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
export interface DearSale {
  ID: string;
  Customer: string;
  CustomerID: string;
  Contact: string | null;
  Phone: string | null;
  Email: string | null;
  DefaultAccount: string;
  SkipQuote: boolean;
  BillingAddress: DearAddress;
  ShippingAddress: DearAddress;
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
  Quote: DearMemoDoc;
  Order: DearMemoDoc & {
    SaleOrderNumber: string;
    Lines: DearOrderLine[];
    AdditionalCharges: unknown[];
    TotalBeforeTax: number;
    Tax: number;
    Total: number;
  };
  Fulfilments: DearFulfilment[];
  Invoices: DearInvoice[];
  CreditNotes: unknown[];
  ManualJournals: unknown;
  AdditionalAttributes: Record<string, string | null>;
  Attachments: unknown[];
  InventoryMovements: unknown[];
  Transactions: unknown[];
  /** Sandbox-internal bookkeeping, stripped from every response (see strip()). */
  __meta: {
    index: number;
    createdMs: number;
    updatedMs: number;
    orderNumber: string;
    invoiceNumber: string | null;
    orderDateMs: number;
    problems: string[];
  };
}
