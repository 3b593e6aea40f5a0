/**
 * Cin7 Core v2 over HTTP: auth (403 `Incorrect credentials!`), the per-application-key limiter,
 * routing (404 unknown path, 405 wrong verb) and the sale, fulfilment and reference endpoints.
 */
import { CREDENTIALS, type FullSwitches } from '../config';
import { SlidingWindow } from '../ratelimit';
import {
  BadJsonError,
  queryParam,
  readJson,
  type Gate,
  type Reply,
  type RequestCtx,
  type Surface,
} from '../server';
import { parseApiDate } from '../time';
import {
  addFulfilment,
  findFulfilment,
  packWrite,
  pickWrite,
  shipView,
  shipWrite,
} from './fulfilment';
import { saleDetail, saleRow } from './status';
import { DearError, type DearStore } from './store';
import type { DearSale } from './types';

type Obj = Record<string, unknown>;

const LIMIT_TEXT = 'You have reached 60 calls per 60 seconds API limit.';

/** Route → allowed verbs (lowercase path below /ExternalApi/v2/). */
const ROUTES: Record<string, string[]> = {
  salelist: ['GET'],
  sale: ['GET'],
  'sale/fulfilment': ['GET', 'POST'],
  'sale/fulfilment/pick': ['GET', 'POST', 'PUT'],
  'sale/fulfilment/pack': ['GET', 'POST', 'PUT'],
  'sale/fulfilment/ship': ['GET', 'POST', 'PUT'],
  'ref/carrier': ['GET', 'POST', 'PUT', 'DELETE'],
  product: ['GET'],
  me: ['GET'],
};
/** Canonical spelling used in fault rules and messages. */
const CANONICAL: Record<string, string> = { salelist: 'saleList', me: 'me' };

const COUNTRY_CODES: Record<string, [string, string]> = {
  Australia: ['AU', 'AUS'],
  'New Zealand': ['NZ', 'NZL'],
  'United States': ['US', 'USA'],
  'United Kingdom': ['GB', 'GBR'],
  Germany: ['DE', 'DEU'],
  Japan: ['JP', 'JPN'],
};

export interface DearRuntime {
  switches: FullSwitches;
  timeScale: number;
}

/** `saleList` row filters: query parameter → row field (the parameter names differ for pick/pack). */
const ROW_FILTERS: [string, string][] = [
  ['QuoteStatus', 'QuoteStatus'],
  ['OrderStatus', 'OrderStatus'],
  ['CombinedPickStatus', 'CombinedPickingStatus'],
  ['CombinedPackStatus', 'CombinedPackingStatus'],
  ['CombinedShippingStatus', 'CombinedShippingStatus'],
  ['CombinedInvoiceStatus', 'CombinedInvoiceStatus'],
  ['CreditNoteStatus', 'CreditNoteStatus'],
];

interface SaleListFilters {
  status?: string;
  updatedSince?: number;
  updatedUntil?: number;
  createdSince?: number;
  /** [row field, upper-cased value] pairs from ROW_FILTERS. */
  exact: [string, string][];
  externalId?: string;
  search?: string;
  ready?: boolean;
  shipBy?: number;
  /** Some filter needs the generated sale (the slow path). */
  needSale: boolean;
}

/** The filters that need the generated sale and its `saleList` row. */
function saleMatches(sale: DearSale, row: Obj, filters: SaleListFilters): boolean {
  const { exact, externalId, search, ready, shipBy } = filters;
  if (exact.some(([field, value]) => String(row[field] ?? '').toUpperCase() !== value))
    return false;
  if (externalId !== undefined && sale.ExternalID !== externalId) return false;
  const searched = [
    row.OrderNumber,
    row.Status,
    row.Customer,
    row.InvoiceNumber,
    row.CustomerReference,
    row.CreditNoteNumber,
  ];
  if (
    search &&
    !searched.some((text) => typeof text === 'string' && text.toLowerCase().includes(search))
  )
    return false;
  if (ready !== undefined) {
    const isReady = sale.Fulfilments.some(
      (fulfilment) =>
        fulfilment.Pack.Status === 'AUTHORISED' && fulfilment.Ship.Status !== 'AUTHORISED',
    );
    if (isReady !== ready) return false;
  }
  if (shipBy !== undefined) {
    const shipByMs = sale.ShipBy ? parseApiDate(sale.ShipBy) : NaN;
    if (!(shipByMs <= shipBy) || sale.CombinedShippingStatus === 'SHIPPED') return false;
  }
  return true;
}

/** The application key when the account id and key headers are the sandbox's; else undefined. */
function authorisedKey(ctx: RequestCtx): string | undefined {
  const account = String(ctx.headers['api-auth-accountid'] ?? '')
    .trim()
    .toLowerCase();
  const key = String(ctx.headers['api-auth-applicationkey'] ?? '')
    .trim()
    .toLowerCase();
  const keyOk = key === CREDENTIALS.dearApiKey || key === CREDENTIALS.dearApiKey2;
  return account === CREDENTIALS.dearAccountId && keyOk ? key : undefined;
}

export class DearSurface implements Surface {
  readonly api = 'dear' as const;
  readonly limiter: SlidingWindow;

  constructor(
    private readonly store: DearStore,
    private readonly runtime: DearRuntime,
  ) {
    this.limiter = new SlidingWindow(60, 60_000 / runtime.timeScale);
  }

  errorBody(code: number, exception: string): Obj | Obj[] {
    const failure = { ErrorCode: code, Exception: exception };
    return this.runtime.switches.dearErrorShape === 'object' ? failure : [failure];
  }

  error(status: number, exception: string): Reply {
    return { status, body: this.errorBody(status, exception) };
  }

  throttleReply(): Reply {
    const status = this.runtime.switches.dearThrottleStatus;
    if (status === 429) {
      // Header values are the real-world ones (60 s) even under --time-scale: see README "Rate limits".
      return {
        status,
        body: this.errorBody(429, LIMIT_TEXT),
        headers: {
          'x-ratelimit-limit': '60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '60',
          'retry-after': '60 Seconds',
          'x-sandbox-time-scale': String(this.runtime.timeScale),
        },
      };
    }
    // Legacy 503 and the 400-wrapped variant carry no Retry-After.
    return {
      status,
      body: this.errorBody(status, LIMIT_TEXT),
      headers: { 'x-sandbox-time-scale': String(this.runtime.timeScale) },
    };
  }

  faultReply(status: number): Reply {
    return this.error(status, `An unexpected error occurred (sandbox fault ${status}).`);
  }

  private resolve(path: string): { route?: string; v1?: boolean; outside?: boolean } {
    const lowerPath = path.toLowerCase().replace(/\/+$/, '');
    if (!lowerPath.startsWith('/externalapi/')) return { outside: true };
    if (!lowerPath.startsWith('/externalapi/v2/')) return { v1: true };
    return { route: lowerPath.slice('/externalapi/v2/'.length) };
  }

  gate(ctx: RequestCtx): Gate {
    const { route, v1, outside } = this.resolve(ctx.path);
    const name = route ? (CANONICAL[route] ?? route) : ctx.path;
    if (outside)
      return {
        route: name,
        reply: this.error(
          404,
          `No HTTP resource was found that matches the request URI '${ctx.path}'.`,
        ),
      };
    const key = authorisedKey(ctx);
    if (key === undefined) {
      return {
        route: name,
        reply: {
          status: 403,
          body: 'Incorrect credentials!',
          contentType: 'text/plain; charset=utf-8',
        },
      };
    }
    const now = Date.now();
    const taken = this.limiter.take(key, now, this.runtime.switches.dearForeignTraffic);
    if (!taken.ok) {
      if (this.runtime.switches.dearThrottledCallsCount) this.limiter.record(key, now);
      return { route: name, key, throttled: true, reply: this.throttleReply() };
    }
    const refused = this.routeRefusal(ctx, route, v1);
    return refused ? { route: name, key, reply: refused } : { route: name, key };
  }

  /** A v1 path, an unknown endpoint (404) or a verb the endpoint lacks (405); undefined when served. */
  private routeRefusal(
    ctx: RequestCtx,
    route: string | undefined,
    v1: boolean | undefined,
  ): Reply | undefined {
    if (v1)
      return this.error(
        404,
        `The sandbox emulates Cin7 Core API v2 only: '${ctx.path}' is a v1 path. Use /ExternalApi/v2/ (e.g. /ExternalApi/v2/saleList).`,
      );
    const verbs = route !== undefined && Object.hasOwn(ROUTES, route) ? ROUTES[route] : undefined;
    if (!verbs) return this.error(404, `Endpoint '${ctx.path}' does not exist.`);
    if (!verbs.includes(ctx.method))
      return {
        ...this.error(405, `The requested resource does not support http method '${ctx.method}'.`),
        headers: { allow: verbs.join(', ') },
      };
    return undefined;
  }

  handle(ctx: RequestCtx, gate: Gate): Reply {
    try {
      return { status: 200, body: this.dispatch(ctx, gate.route.toLowerCase()) };
    } catch (err) {
      if (err instanceof DearError) return this.error(err.status, err.message);
      if (err instanceof BadJsonError)
        return this.error(500, `Unable to parse the request body: ${err.message}`);
      throw err;
    }
  }

  private body(ctx: RequestCtx): Obj {
    const parsed = readJson(ctx);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new DearError(400, 'Request body must be a JSON object.');
    return parsed as Obj;
  }

  private dispatch(ctx: RequestCtx, route: string): unknown {
    const query = ctx.query;
    switch (route) {
      case 'salelist':
        return this.saleList(query);
      case 'sale':
        return this.sale(query);
      case 'me':
        return {
          Company: 'Sandbox Trading Ltd',
          Currency: 'AUD',
          TimeZone: 'UTC',
          DefaultWeightUnits: 'kg',
          DefaultDimensionsUnits: 'cm',
        };
      case 'sale/fulfilment': {
        if (ctx.method === 'GET') {
          const sale = this.store.get(this.saleIndex(queryParam(query, 'SaleID')));
          return { SaleID: sale.ID, Fulfilments: sale.Fulfilments };
        }
        const body = this.body(ctx);
        return this.store.mutate(
          this.saleIndex(typeof body.SaleID === 'string' ? body.SaleID : undefined),
          (sale) => addFulfilment(this.store, sale),
        );
      }
      case 'sale/fulfilment/pick':
      case 'sale/fulfilment/pack':
      case 'sale/fulfilment/ship':
        return this.stage(ctx, route.slice('sale/fulfilment/'.length) as 'pick' | 'pack' | 'ship');
      case 'ref/carrier':
        return this.carrier(ctx);
      case 'product':
        return this.productList(query);
      default:
        throw new DearError(404, `Endpoint '${ctx.path}' does not exist.`);
    }
  }

  private saleIndex(id: string | undefined, param = 'SaleID'): number {
    if (!id) throw new DearError(400, `${param} is required.`);
    const index = this.store.indexOfSaleId(id);
    if (index === undefined) throw new DearError(400, `Sale with ID ${id} not found.`);
    return index;
  }

  private taskIndex(id: unknown): number {
    if (typeof id !== 'string' || !id) throw new DearError(400, 'TaskID is required.');
    const index = this.store.indexOfTaskId(id);
    if (index === undefined)
      throw new DearError(400, `Sale fulfilment with TaskID ${id} not found.`);
    return index;
  }

  private stage(ctx: RequestCtx, stage: 'pick' | 'pack' | 'ship'): unknown {
    if (ctx.method === 'GET') {
      const id = queryParam(ctx.query, 'TaskID');
      const fulfilment = findFulfilment(this.store.get(this.taskIndex(id)), id ?? '');
      if (stage === 'ship') return shipView(fulfilment);
      const task = stage === 'pick' ? fulfilment.Pick : fulfilment.Pack;
      return { TaskID: fulfilment.TaskID, Status: task.Status, Lines: task.Lines };
    }
    const body = this.body(ctx);
    const method = ctx.method as 'POST' | 'PUT';
    const index = this.taskIndex(body.TaskID);
    return this.store.mutate(index, (sale) => {
      if (stage === 'pick') return pickWrite(this.store, sale, body, method);
      if (stage === 'pack') return packWrite(this.store, sale, body, method);
      return shipWrite(this.store, sale, body, method, {
        unknownCarrier: this.runtime.switches.dearUnknownCarrier,
      });
    });
  }

  private sale(query: URLSearchParams): unknown {
    const detail = saleDetail(this.store.get(this.saleIndex(queryParam(query, 'ID'), 'ID')));
    const format = (queryParam(query, 'CountryFormat') ?? 'Regular').toLowerCase();
    if (format === 'code2' || format === 'code') {
      for (const key of ['ShippingAddress', 'BillingAddress']) {
        const address = detail[key] as Obj;
        const codes =
          typeof address.Country === 'string' ? COUNTRY_CODES[address.Country] : undefined;
        if (codes) detail[key] = { ...address, Country: format === 'code2' ? codes[0] : codes[1] };
      }
    }
    return detail;
  }

  private paging(query: URLSearchParams): { page: number; limit: number } {
    const pageRaw = queryParam(query, 'Page');
    const limitRaw = queryParam(query, 'Limit');
    const page = pageRaw === undefined || pageRaw === '' ? 1 : Math.floor(Number(pageRaw));
    const limit = limitRaw === undefined || limitRaw === '' ? 100 : Math.floor(Number(limitRaw));
    if (!Number.isFinite(page) || page < 1)
      throw new DearError(400, `Page must be a positive integer (got '${pageRaw}').`);
    if (!Number.isFinite(limit))
      throw new DearError(400, `Limit must be an integer 1..1000 (got '${limitRaw}').`);
    // Out-of-range limits are clamped to 1..1000 (documented min/max), or silently to the
    // dearMaxLimit switch.
    return { page, limit: Math.min(1000, this.runtime.switches.dearMaxLimit, Math.max(1, limit)) };
  }

  private date(query: URLSearchParams, name: string): number | undefined {
    const text = queryParam(query, name);
    if (text === undefined || text === '') return undefined;
    const ms = parseApiDate(text);
    if (Number.isNaN(ms))
      throw new DearError(
        400,
        `${name}: '${text}' is not a valid date (ISO 8601, e.g. 2024-01-31T00:00:00Z).`,
      );
    return ms;
  }

  saleList(query: URLSearchParams): unknown {
    const { page, limit } = this.paging(query);
    const filters = this.saleListFilters(query);
    const store = this.store;
    const from = (page - 1) * limit;
    const rows: unknown[] = [];
    let total = 0;
    for (let i = 0; i < store.count; i++) {
      if (!this.indexMatches(i, filters)) continue;
      let row: Obj | undefined;
      if (filters.needSale) {
        const sale = store.get(i);
        row = saleRow(sale);
        if (!saleMatches(sale, row, filters)) continue;
      }
      if (total >= from && rows.length < limit) rows.push(row ?? saleRow(store.get(i)));
      total++;
    }
    return { Total: total, Page: page, SaleList: rows };
  }

  /** The `saleList` filters from the query; a bad date is refused with its parameter's name. */
  private saleListFilters(query: URLSearchParams): SaleListFilters {
    const status = queryParam(query, 'Status')?.trim().toUpperCase() || undefined;
    const updatedSince = this.date(query, 'UpdatedSince');
    const updatedUntil = this.date(query, 'UpdatedUntil');
    const createdSince = this.date(query, 'CreatedSince');
    const exact: [string, string][] = [];
    for (const [param, field] of ROW_FILTERS) {
      const value = queryParam(query, param);
      if (value) exact.push([field, value.trim().toUpperCase()]);
    }
    const externalId = queryParam(query, 'ExternalID') || undefined;
    const search = queryParam(query, 'Search')?.trim().toLowerCase() || undefined;
    const readyRaw = queryParam(query, 'ReadyForShipping')?.toLowerCase();
    const ready = readyRaw === 'true' ? true : readyRaw === 'false' ? false : undefined;
    const shipBy = this.date(query, 'ShipBy');
    const needSale =
      exact.length > 0 ||
      externalId !== undefined ||
      search !== undefined ||
      ready !== undefined ||
      shipBy !== undefined;
    const filters = { status, updatedSince, updatedUntil, createdSince, exact, externalId };
    return { ...filters, search, ready, shipBy, needSale };
  }

  /** The filters the store's index answers without generating the sale. */
  private indexMatches(index: number, filters: SaleListFilters): boolean {
    const store = this.store;
    if (filters.status && store.statusOf(index) !== filters.status) return false;
    const updated = store.updatedOf(index);
    // Inclusive: a change in the same millisecond as the bound is never missed.
    if (filters.updatedSince !== undefined && updated < filters.updatedSince) return false;
    if (filters.updatedUntil !== undefined && updated > filters.updatedUntil) return false;
    if (filters.createdSince !== undefined && store.createdOf(index) < filters.createdSince)
      return false;
    return true;
  }

  /** `GET product`: the blueprint's filters `ID`, `Sku` (contains) and `ModifiedSince`. */
  private productList(query: URLSearchParams): unknown {
    const { page, limit } = this.paging(query);
    const since = this.date(query, 'ModifiedSince');
    const id = queryParam(query, 'ID')?.toLowerCase();
    const sku = queryParam(query, 'Sku')?.toLowerCase();
    const all = this.store.products
      .rows()
      .filter(
        (product) =>
          (since === undefined || Date.parse(product.LastModifiedOn) >= since) &&
          (!id || product.ID === id) &&
          (!sku || product.SKU.toLowerCase().includes(sku)),
      );
    return { Total: all.length, Page: page, Products: all.slice((page - 1) * limit, page * limit) };
  }

  private carrier(ctx: RequestCtx): unknown {
    const store = this.store;
    const envelope = (list: typeof store.carriers, page = 1) => ({
      Total: list.length,
      Page: page,
      CarrierList: list,
    });
    if (ctx.method === 'GET') {
      const { page, limit } = this.paging(ctx.query);
      const id = queryParam(ctx.query, 'CarrierID')?.toLowerCase();
      const desc = queryParam(ctx.query, 'Description')?.toLowerCase();
      const all = store.carriers.filter(
        (carrier) =>
          (!id || carrier.CarrierID === id) &&
          (!desc || carrier.Description.toLowerCase().startsWith(desc)),
      );
      return {
        Total: all.length,
        Page: page,
        CarrierList: all.slice((page - 1) * limit, page * limit),
      };
    }
    if (ctx.method === 'DELETE') {
      const id = queryParam(ctx.query, 'ID')?.toLowerCase();
      const i = store.carriers.findIndex((c) => c.CarrierID === id);
      if (!id || i < 0) throw new DearError(400, `Carrier with ID ${id ?? '(missing)'} not found.`);
      store.carriers = store.carriers.filter((_, j) => j !== i);
      return { Success: true };
    }
    const body = this.body(ctx);
    const description = typeof body.Description === 'string' ? body.Description.trim() : '';
    if (!description) throw new DearError(400, 'Description is required.');
    if (description.length > 256)
      throw new DearError(400, 'Description must be at most 256 characters.');
    const clash = store.carriers.find(
      (c) => c.Description.toLowerCase() === description.toLowerCase(),
    );
    if (ctx.method === 'POST') {
      if (clash) throw new DearError(400, `Carrier '${description}' already exists.`);
      const added = { CarrierID: store.newCarrierId(), Description: description };
      store.carriers = [...store.carriers, added];
      return envelope([added]);
    }
    const id = typeof body.CarrierID === 'string' ? body.CarrierID.toLowerCase() : '';
    const carrier = store.carriers.find((x) => x.CarrierID === id);
    if (!carrier) throw new DearError(400, `Carrier with ID ${id || '(missing)'} not found.`);
    if (clash && clash !== carrier)
      throw new DearError(400, `Carrier '${description}' already exists.`);
    carrier.Description = description;
    return envelope([carrier]);
  }
}
