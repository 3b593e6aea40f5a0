/**
 * Cin7 Core (DEAR) API v2 client: the calls the engine needs and the classification of every
 * answer shape seen in the wild:
 *   - throttle: 429, legacy 503, and any answer (400, 200…) whose text says "calls per … API limit"
 *   - the error model as an array `[{ErrorCode,Exception}]` or as an object, even with HTTP 200
 *   - HTML with 200 (wrong path / proxy page) and truncated JSON → transient with a clear message
 *   - 403 `Incorrect credentials!` (text/plain) → permanent
 */
import type { HttpResponse } from './http';
import { parseRetryAfter } from './http';
import { ApiRunner, excerpt, type Verdict } from './apiRunner';
import {
  readErrorModel,
  readFulfilments,
  readProductListPage,
  readSale,
  readSaleListPage,
} from './wire/cin7';

const LIMIT_TEXT = /calls per .*API limit/i;

export function classifyDear(res: HttpResponse): Verdict {
  const text = res.text;
  if (res.status === 429 || res.status === 503 || LIMIT_TEXT.test(text)) {
    return {
      kind: 'throttle',
      retryAfterMs: parseRetryAfter(res.headers['retry-after']) ?? 60_000,
      message: `HTTP ${res.status} ${excerpt(errorText(text) ?? text)}`,
    };
  }
  if (res.status === 403)
    return {
      kind: 'permanent',
      message: `HTTP 403 ${excerpt(text) || 'authentication failed'} — check dear.accountId and dear.apiKey`,
    };
  if (res.status >= 500)
    return { kind: 'transient', message: `HTTP ${res.status} ${excerpt(errorText(text) ?? text)}` };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<'))
    return {
      kind: res.status >= 400 ? 'permanent' : 'transient',
      notJson: true,
      message: `HTTP ${res.status} returned HTML instead of JSON (wrong dear.baseUrl, or a proxy page): ${excerpt(text, 80)}`,
    };
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : {};
  } catch {
    return {
      kind: 'transient',
      // Cut-off JSON is a wire fault; text that does not even start like JSON is a wrong URL.
      notJson: !/^\s*[[{]/.test(text),
      message: `HTTP ${res.status} returned invalid or truncated JSON (${text.length} bytes): ${excerpt(text, 80)}`,
    };
  }
  const err = errorModel(json);
  if (res.status >= 400 || err) {
    return { kind: 'permanent', message: `HTTP ${res.status} ${err ?? excerpt(text)}`, json };
  }
  return { kind: 'ok', json };
}

/** The `Exception` text of an error model (array or object form), if `json` is one. */
const errorModel = readErrorModel;

function errorText(text: string): string | undefined {
  try {
    return errorModel(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export type Row = Record<string, unknown>;

export interface SaleListPage {
  /** The answer's `Total`; undefined when it has none. */
  total: number | undefined;
  rows: Row[];
}

export class DearClient {
  constructor(readonly runner: ApiRunner) {}

  async saleList(query: {
    page: number;
    limit: number;
    status?: string;
    updatedSince?: string;
  }): Promise<SaleListPage> {
    const json = await this.runner.call({
      method: 'GET',
      path: 'saleList',
      idempotent: true,
      query: {
        Page: query.page,
        Limit: query.limit,
        Status: query.status,
        UpdatedSince: query.updatedSince,
      },
    });
    const page = readSaleListPage(json);
    if (!page)
      throw new Error(`Cin7 Core GET saleList page ${query.page}: answer has no SaleList array`);
    return { total: page.total, rows: page.rows };
  }

  /** Products modified since `modifiedSince` (every product without it), deprecated ones too. */
  async productList(query: {
    page: number;
    limit: number;
    modifiedSince?: string;
  }): Promise<SaleListPage> {
    const json = await this.runner.call({
      method: 'GET',
      path: 'product',
      idempotent: true,
      query: {
        Page: query.page,
        Limit: query.limit,
        ModifiedSince: query.modifiedSince,
        IncludeDeprecated: 'true',
      },
    });
    const page = readProductListPage(json);
    if (!page)
      throw new Error(`Cin7 Core GET product page ${query.page}: answer has no Products array`);
    return { total: page.total, rows: page.rows };
  }

  async sale(saleId: string): Promise<Row> {
    const json = await this.runner.call({
      method: 'GET',
      path: 'sale',
      idempotent: true,
      query: { ID: saleId },
    });
    const sale = readSale(json);
    if (!sale) throw new Error(`Cin7 Core GET sale ${saleId}: answer is not a sale object`);
    return sale;
  }

  async fulfilments(saleId: string): Promise<Row[]> {
    const json = await this.runner.call({
      method: 'GET',
      path: 'sale/fulfilment',
      idempotent: true,
      query: { SaleID: saleId },
    });
    return readFulfilments(json);
  }

  async ship(taskId: string): Promise<Row> {
    return (await this.runner.call({
      method: 'GET',
      path: 'sale/fulfilment/ship',
      idempotent: true,
      query: { TaskID: taskId },
    })) as Row;
  }

  async pack(taskId: string): Promise<Row> {
    return (await this.runner.call({
      method: 'GET',
      path: 'sale/fulfilment/pack',
      idempotent: true,
      query: { TaskID: taskId },
    })) as Row;
  }

  async autoPick(taskId: string): Promise<Row> {
    // Picking twice is refused by Cin7 ("Status is AUTHORISED"), so a resend cannot apply twice.
    return (await this.runner.call({
      method: 'POST',
      path: 'sale/fulfilment/pick',
      idempotent: true,
      body: { TaskID: taskId, AutoPickMode: 'AUTOPICK' },
    })) as Row;
  }

  /** POST adds lines to a new pack; PUT replaces a DRAFT pack's lines. Re-sending either cannot pack twice. */
  async writePack(body: Record<string, unknown>, method: 'POST' | 'PUT'): Promise<Row> {
    return (await this.runner.call({
      method,
      path: 'sale/fulfilment/pack',
      idempotent: true,
      body,
    })) as Row;
  }

  async postShip(body: Record<string, unknown>, method: 'POST' | 'PUT'): Promise<Row> {
    return (await this.runner.call({
      method,
      path: 'sale/fulfilment/ship',
      idempotent: false,
      body,
    })) as Row;
  }
}
