/**
 * The product list (`GET product`, blueprint "Product [/product]"): every product a generated sale
 * can name (same `ID`s as its order lines), plus optional filler products for size tests. Customs
 * fields vary on purpose: most products have an HS code and a country of origin, some lack one or
 * both, one has an HS code longer than Starshipit's 18 characters. Edits (`setProduct`) bump
 * `LastModifiedOn`, so `ModifiedSince` lists only changed products.
 */
import { GUID_KIND, encodeGuid } from '../rng';
import { dearTimestamp } from '../time';
import { EXTRA_PRODUCTS, PRODUCTS, type Product } from './generate';
import type { Cin7Product } from '../../../server/src/engine/wire/cin7';

/** Customs data per SKU: [HSCode, CountryOfOrigin, CountryOfOriginCode]; null = not set. */
const CUSTOMS: Record<string, [string | null, string | null, string | null]> = {
  'TSHIRT-BLK-M': ['610910', 'Bangladesh', 'BGD'],
  'MUG-CER-01': ['691200', 'China', 'CHN'],
  'BOOK-HB-001': ['482010', 'Australia', 'AUS'],
  'TEA-SENCHA': ['090210', 'Japan', 'JPN'],
  'LAMP-DESK': ['940520', 'China', 'CHN'],
  'SOCK-WOOL-3': ['611595', 'New Zealand', 'NZL'],
  // Lacks an HS code: an international order with it is warned or held.
  'CANDLE-SOY': [null, 'Australia', 'AUS'],
  'YOGA-MAT': ['950691', 'Taiwan', 'TWN'],
  'BIKE-LIGHT': ['851210', null, null],
  'COFFEE-1KG': ['090121', 'Colombia', 'COL'],
  // Longer than Starshipit's 18-character tariff_code.
  'POSTER-A2': ['4911.91.00.00.00.00.01', 'New Zealand', 'NZL'],
  'KNIFE-CHEF-20': ['821192', 'Germany', 'DEU'],
  'VITC-SACHET': ['210690', 'Australia', 'AUS'],
  'GIFT-NOTE': [null, null, null],
  'SOFA-3S': ['940161', 'Italy', 'ITA'],
};

/** Products last modified before the seeded sales, so the first fill lists them all. */
const CATALOGUE_MODIFIED_MS = Date.UTC(2026, 0, 15, 9, 30, 0);

export interface ProductEdit {
  HSCode?: string | null;
  CountryOfOrigin?: string | null;
  CountryOfOriginCode?: string | null;
}

function productRow(
  seed: number,
  index: number,
  product: Product,
  modifiedMs: number,
  edit?: ProductEdit,
): Cin7Product {
  const [hs, origin, originCode] = CUSTOMS[product.sku] ?? ['847130', 'Australia', 'AUS'];
  return {
    ID: encodeGuid(seed, GUID_KIND.product, index),
    SKU: product.sku,
    Name: product.name,
    Weight: product.weight,
    WeightUnits: product.units,
    HSCode: edit && 'HSCode' in edit ? (edit.HSCode ?? null) : hs,
    CountryOfOrigin: edit && 'CountryOfOrigin' in edit ? (edit.CountryOfOrigin ?? null) : origin,
    CountryOfOriginCode:
      edit && 'CountryOfOriginCode' in edit ? (edit.CountryOfOriginCode ?? null) : originCode,
    LastModifiedOn: dearTimestamp(modifiedMs),
    Status: 'Active',
  };
}

export class ProductCatalogue {
  private readonly base: { index: number; product: Product }[];
  private readonly edits = new Map<string, { edit: ProductEdit; modifiedMs: number }>();

  constructor(
    private readonly seed: number,
    /** Filler products after the ones sales use (for product-list size tests). */
    filler: number,
  ) {
    this.base = [
      ...PRODUCTS.map((product, index) => ({ index, product })),
      { index: 100, product: EXTRA_PRODUCTS.mg },
      { index: 101, product: EXTRA_PRODUCTS.nonInventory },
      { index: 102, product: EXTRA_PRODUCTS.dropShip },
    ];
    for (let i = 0; i < filler; i++)
      this.base.push({
        index: 1000 + i,
        product: {
          sku: `FILLER-${String(i).padStart(6, '0')}`,
          name: `Filler product ${i}`,
          price: 10,
          weight: 0.5,
          units: 'kg',
          dims: [10, 10, 10],
          dimUnits: 'cm',
        },
      });
  }

  /** Every product, in a stable order, with edits applied. */
  rows(): Cin7Product[] {
    return this.base.map(({ index, product }) => {
      const change = this.edits.get(product.sku);
      return productRow(
        this.seed,
        index,
        product,
        change?.modifiedMs ?? CATALOGUE_MODIFIED_MS,
        change?.edit,
      );
    });
  }

  /** Changes a product's customs fields; its `LastModifiedOn` becomes now. */
  edit(sku: string, edit: ProductEdit, nowMs: number): void {
    if (!this.base.some((b) => b.product.sku === sku))
      throw new Error(`sandbox: no product with SKU ${sku}`);
    const prev = this.edits.get(sku)?.edit ?? {};
    this.edits.set(sku, { edit: { ...prev, ...edit }, modifiedMs: nowMs });
  }
}
