/**
 * Customs data per Cin7 Core product, cached in the state directory (`products.json`) so an order
 * never costs a product call. Each import with `import.customs.enabled` refreshes the cache with
 * `GET product` pages of 1,000 modified since the last refresh (minus an overlap for clock skew):
 * about one call per 1,000 changed products. The first refresh reads every product.
 *
 * The file is replaced atomically (temporary file, fsync, rename) only after every page was read,
 * so a failed refresh leaves the previous cache and its cursor as they were; a dry run reads the
 * pages (they are counted) and writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DearClient, Row } from './dearClient';
import { text as str } from './coerce';
import { fsyncDir } from './journal';

export const PRODUCTS_FILE = 'products.json';
/** Products modified this long before the cursor are read again (clock skew, late commits). */
const PRODUCT_CURSOR_OVERLAP_MS = 5 * 60_000;
const PRODUCT_PAGE_SIZE = 1000;

/** What customs needs of one product. */
export interface ProductCustoms {
  sku: string;
  hsCode: string;
  /** Country name (`CountryOfOrigin`), else its code (`CountryOfOriginCode`). */
  origin: string;
  weight?: number;
  weightUnits?: string;
}

interface CacheFile {
  /** Start time of the last complete refresh (the next one asks for products modified since). */
  refreshedAt?: string;
  /** Counts refreshes that changed some product's customs data (parked orders wait for it). */
  generation: number;
  products: Record<string, ProductCustoms>;
}

/** Products by ID and by `sku:{SKU}`, as the mapping looks them up. */
export class ProductLookup {
  private readonly bySku = new Map<string, ProductCustoms>();
  constructor(
    private readonly byId: ReadonlyMap<string, ProductCustoms>,
    /** Changes whenever a refresh changed any product's customs data. */
    readonly generation: number,
  ) {
    for (const product of byId.values()) if (product.sku) this.bySku.set(product.sku, product);
  }

  find(productId: string, sku: string): ProductCustoms | undefined {
    return (productId ? this.byId.get(productId) : undefined) ?? this.bySku.get(sku);
  }

  get size(): number {
    return this.byId.size;
  }
}

function readCache(dir: string): CacheFile {
  const file = path.join(dir, PRODUCTS_FILE);
  if (!fs.existsSync(file)) return { generation: 0, products: {} };
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CacheFile>;
    if (!parsed || typeof parsed !== 'object' || typeof parsed.products !== 'object')
      throw new Error('no products object');
    return {
      refreshedAt: typeof parsed.refreshedAt === 'string' ? parsed.refreshedAt : undefined,
      generation: typeof parsed.generation === 'number' ? parsed.generation : 0,
      products: parsed.products ?? {},
    };
  } catch {
    // A damaged cache is rebuilt from a full product list: it only ever holds copies of Cin7 data.
    return { generation: 0, products: {} };
  }
}

function writeCache(dir: string, cache: CacheFile): void {
  const file = path.join(dir, PRODUCTS_FILE);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(cache));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** The customs fields of one `GET product` row. */
function productCustoms(row: Row): ProductCustoms {
  const weight = typeof row.Weight === 'number' ? row.Weight : Number(row.Weight);
  return {
    sku: str(row.SKU).trim(),
    hsCode: str(row.HSCode).trim(),
    origin: str(row.CountryOfOrigin).trim() || str(row.CountryOfOriginCode).trim(),
    ...(Number.isFinite(weight) && weight > 0 ? { weight } : {}),
    ...(str(row.WeightUnits).trim() ? { weightUnits: str(row.WeightUnits).trim() } : {}),
  };
}

const sameCustoms = (a: ProductCustoms | undefined, b: ProductCustoms): boolean =>
  !!a &&
  a.sku === b.sku &&
  a.hsCode === b.hsCode &&
  a.origin === b.origin &&
  a.weight === b.weight &&
  a.weightUnits === b.weightUnits;

/** `ModifiedSince` in the blueprint's ISO 8601 form without a zone (UTC). */
function modifiedSince(refreshedAt: string | undefined): string | undefined {
  if (!refreshedAt) return undefined;
  const ms = Date.parse(refreshedAt) - PRODUCT_CURSOR_OVERLAP_MS;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 19);
}

export interface RefreshResult {
  lookup: ProductLookup;
  /** `GET product` pages read. */
  pages: number;
  /** Products listed (changed since the last refresh, or all on the first). */
  listed: number;
  firstFill: boolean;
}

/**
 * Reads the products modified since the last refresh into the cache. Throws when a page cannot
 * be read (the cache file is then untouched); `write: false` (dry run) changes nothing on disk.
 */
export async function refreshProducts(
  dear: DearClient,
  dir: string,
  opts: { write: boolean; beforePage?: () => void },
): Promise<RefreshResult> {
  const cache = readCache(dir);
  const ceiling = new Date().toISOString();
  const since = modifiedSince(cache.refreshedAt);
  let pages = 0;
  let listed = 0;
  let seen = 0;
  let changed = false;
  for (let page = 1; ; page++) {
    opts.beforePage?.();
    const answer = await dear.productList({ page, limit: PRODUCT_PAGE_SIZE, modifiedSince: since });
    pages++;
    seen += answer.rows.length;
    for (const row of answer.rows) {
      const id = str(row.ID);
      if (!id) continue;
      listed++;
      const next = productCustoms(row);
      if (!sameCustoms(cache.products[id], next)) changed = true;
      cache.products[id] = next;
    }
    // `Total` decides when present (a server may cap a page below `Limit`); else a full page.
    if (answer.rows.length === 0) break;
    if (answer.total === undefined ? answer.rows.length < PRODUCT_PAGE_SIZE : seen >= answer.total)
      break;
  }
  const updated: CacheFile = {
    refreshedAt: ceiling,
    generation: cache.generation + (changed ? 1 : 0),
    products: cache.products,
  };
  if (opts.write) writeCache(dir, updated);
  return {
    lookup: new ProductLookup(new Map(Object.entries(updated.products)), updated.generation),
    pages,
    listed,
    firstFill: !cache.refreshedAt,
  };
}
