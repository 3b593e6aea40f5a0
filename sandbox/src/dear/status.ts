/**
 * Derived sale fields: the Combined* statuses, FulFilmentStatus, CombinedTrackingNumbers and the
 * sandbox's own "problems" list (why the engine must refuse a sale). Recomputed after every change.
 */
import { dearDate, dearTimestamp } from '../time';
import type { DearFulfilment, DearSale } from './types';

function combine(
  stages: string[],
  words: { done: string; partial: string; doing: string; none: string },
): string {
  if (stages.length === 0) return 'NOT AVAILABLE';
  const done = stages.filter((s) => s === 'AUTHORISED').length;
  if (done === stages.length) return words.done;
  if (done > 0 || stages.includes('PARTIALLY AUTHORISED')) return words.partial;
  if (stages.includes('DRAFT')) return words.doing;
  return words.none;
}

export function recompute(sale: DearSale): void {
  const live = sale.Fulfilments.filter((f) => f.Pick.Status !== 'VOIDED');
  for (const fulfilment of sale.Fulfilments) {
    fulfilment.FulFilmentStatus =
      fulfilment.Pick.Status === 'VOIDED'
        ? 'VOIDED'
        : fulfilment.Ship.Status === 'AUTHORISED'
          ? 'FULFILLED'
          : 'NOT FULFILLED';
  }
  if (sale.Status === 'VOIDED') {
    sale.CombinedPickingStatus =
      sale.CombinedPackingStatus =
      sale.CombinedShippingStatus =
        'VOIDED';
    sale.FulFilmentStatus = 'VOIDED';
  } else {
    sale.CombinedPickingStatus = combine(
      live.map((f) => f.Pick.Status),
      { done: 'PICKED', partial: 'PARTIALLY PICKED', doing: 'PICKING', none: 'NOT PICKED' },
    );
    sale.CombinedPackingStatus = combine(
      live.map((f) => f.Pack.Status),
      { done: 'PACKED', partial: 'PARTIALLY PACKED', doing: 'PACKING', none: 'NOT PACKED' },
    );
    sale.CombinedShippingStatus = combine(
      live.map((f) => f.Ship.Status),
      { done: 'SHIPPED', partial: 'PARTIALLY SHIPPED', doing: 'SHIPPING', none: 'NOT SHIPPED' },
    );
    const fulfilled = live.filter((f) => f.FulFilmentStatus === 'FULFILLED').length;
    sale.FulFilmentStatus =
      live.length === 0
        ? 'NOT AVAILABLE'
        : fulfilled === live.length
          ? 'FULFILLED'
          : fulfilled > 0
            ? 'PARTIALLY FULFILLED'
            : 'NOT FULFILLED';
  }
  const tracking: string[] = [];
  for (const fulfilment of live)
    for (const line of fulfilment.Ship.Lines)
      if (line.TrackingNumber && !tracking.includes(line.TrackingNumber))
        tracking.push(line.TrackingNumber);
  sale.CombinedTrackingNumbers = tracking.join(', ');
  const problems: string[] = [];
  const address = sale.ShippingAddress;
  if (!address || !address.Line1 || !address.Line1.trim())
    problems.push('ShippingAddress.Line1 (street) is empty');
  if (!address || !address.Country || !address.Country.trim())
    problems.push('ShippingAddress.Country is empty');
  sale.__meta.problems = problems;
}

/** A `saleList` row — no lines, no addresses, no Note. */
export function saleRow(sale: DearSale): Record<string, unknown> {
  const inv = sale.Invoices[0];
  return {
    SaleID: sale.ID,
    OrderNumber: sale.__meta.orderNumber,
    Status: sale.Status,
    OrderDate: dearDate(sale.__meta.orderDateMs),
    InvoiceDate: inv ? inv.InvoiceDate : null,
    Customer: sale.Customer,
    CustomerID: sale.CustomerID,
    InvoiceNumber: sale.__meta.invoiceNumber ?? '',
    CustomerReference: sale.CustomerReference,
    InvoiceAmount: inv ? inv.Total : 0,
    PaidAmount: inv ? inv.Paid : 0,
    SaleInvoicesTotalAmount: inv ? inv.Total : 0,
    InvoiceDueDate: inv ? inv.InvoiceDueDate : null,
    ShipBy: sale.ShipBy,
    BaseCurrency: sale.BaseCurrency,
    CustomerCurrency: sale.CustomerCurrency,
    CreditNoteNumber: '',
    Updated: dearTimestamp(sale.__meta.updatedMs),
    QuoteStatus: sale.Quote.Status,
    OrderStatus: sale.Order.Status,
    CombinedPickingStatus: sale.CombinedPickingStatus,
    CombinedPackingStatus: sale.CombinedPackingStatus,
    CombinedShippingStatus: sale.CombinedShippingStatus,
    FulFilmentStatus: sale.FulFilmentStatus,
    CombinedInvoiceStatus: sale.CombinedInvoiceStatus,
    CombinedPaymentTotal: inv ? inv.Paid : 0,
    CreditNoteStatus: 'NOT AVAILABLE',
    CombinedPaymentStatus: sale.CombinedPaymentStatus,
    CombinedTrackingNumbers: sale.CombinedTrackingNumbers,
    Type: sale.Type,
    SourceChannel: sale.SourceChannel,
    ExternalID: sale.ExternalID,
    OrderLocationID: null,
    Carrier: sale.Carrier,
  };
}

/** The wire form of a sale: everything except the sandbox's bookkeeping. */
export function saleDetail(sale: DearSale): Record<string, unknown> {
  const { __meta: _meta, ...rest } = sale;
  return { ...rest, LastModifiedOn: dearTimestamp(sale.__meta.updatedMs) };
}

/** Statuses Cin7 documents as "only applicable to simple sale". */
export const SIMPLE_ONLY_STATUSES = new Set(['PICKING', 'PICKED', 'PACKING', 'PACKED', 'SHIPPING']);
/** Where an Advanced sale's status stays while its fulfilments are picked, packed and shipped. */
export const ORDER_STATUSES = new Set(['ORDERED', 'BACKORDERED']);

/** A fulfilment's stage in sale-status words (the sale's status when nothing started). */
export function fulfilmentStage(fulfilment: DearFulfilment, saleStatus: string): string {
  if (fulfilment.Pick.Status === 'VOIDED' || fulfilment.FulFilmentStatus === 'VOIDED')
    return 'VOIDED';
  if (fulfilment.Ship.Status === 'AUTHORISED') return 'SHIPPED';
  if (fulfilment.Ship.Status === 'DRAFT' || fulfilment.Ship.Status === 'PARTIALLY AUTHORISED')
    return 'SHIPPING';
  if (fulfilment.Pack.Status === 'AUTHORISED') return 'PACKED';
  if (fulfilment.Pack.Status === 'DRAFT') return 'PACKING';
  if (fulfilment.Pick.Status === 'AUTHORISED') return 'PICKED';
  if (fulfilment.Pick.Status === 'DRAFT') return 'PICKING';
  return saleStatus;
}

/**
 * The statuses `import.statuses` selects a sale by: its Status, or for an Advanced sale at
 * ORDERED/BACKORDERED the stages of its open fulfilments (none open: its Status).
 */
export function saleStages(sale: DearSale): string[] {
  if (sale.Type !== 'Advanced Sale' || !ORDER_STATUSES.has(sale.Status)) return [sale.Status];
  const open = sale.Fulfilments.map((f) => fulfilmentStage(f, sale.Status)).filter(
    (st) => st !== 'VOIDED' && st !== 'SHIPPED',
  );
  return open.length ? open : [sale.Status];
}
