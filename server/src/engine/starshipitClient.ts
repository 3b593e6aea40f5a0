/**
 * Starshipit client. Failures come in two layers: the Azure APIM
 * gateway (`{statusCode, message}`, 401/403/429) and the application (`{success:false,
 * errors:[{message,details}]}`, with HTTP 200 or 4xx). Both are handled.
 */
import type { HttpResponse } from './http';
import { parseRetryAfter } from './http';
import { ApiRunner, ApiCallError, excerpt, type Verdict } from './apiRunner';
import type { Row } from './dearClient';
import {
  readErrorText,
  readListPage,
  readOrderEnvelope,
  type StarshipitOrder,
} from './wire/starshipit';

/**
 * `keysFrom` names the settings that hold the account's keys in the rejection's hint (another
 * Starshipit account's keys live in `warehouses.accounts`).
 */
export function classifyStarshipit(
  res: HttpResponse,
  keysFrom = 'starshipit.apiKey and starshipit.subscriptionKey',
): Verdict {
  const text = res.text;
  if (res.status === 429 || res.status === 503) {
    return {
      kind: 'throttle',
      retryAfterMs: parseRetryAfter(res.headers['retry-after']) ?? 1_000,
      message: `HTTP ${res.status} ${excerpt(text)}`,
    };
  }
  if (res.status >= 500)
    return { kind: 'transient', message: `HTTP ${res.status} ${excerpt(appError(text) ?? text)}` };
  if (res.status === 401 || res.status === 403) {
    return {
      kind: 'permanent',
      message: `HTTP ${res.status} ${excerpt(appError(text) ?? text)} — check ${keysFrom}`,
    };
  }
  if (text.trimStart().startsWith('<'))
    return {
      kind: res.status >= 400 ? 'permanent' : 'transient',
      notJson: true,
      message: `HTTP ${res.status} returned HTML instead of JSON (check starshipit.baseUrl): ${excerpt(text, 80)}`,
    };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      kind: 'transient',
      // Cut-off JSON is a wire fault; text that does not even start like JSON is a wrong URL.
      notJson: !/^\s*[[{]/.test(text),
      message: `HTTP ${res.status} returned invalid or truncated JSON (${text.length} bytes): ${excerpt(text, 80)}`,
    };
  }
  const obj = json as Row | null;
  const failed =
    res.status >= 400 ||
    (obj && typeof obj === 'object' && (obj.success === false || obj.success === 0));
  if (failed)
    return {
      kind: 'permanent',
      message: `HTTP ${res.status} ${readErrorText(obj) ?? excerpt(text)}`,
      json,
    };
  return { kind: 'ok', json };
}

function appError(text: string): string | undefined {
  try {
    return readErrorText(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export class StarshipitClient {
  constructor(readonly runner: ApiRunner) {}

  async createOrder(order: Record<string, unknown>): Promise<Row> {
    const json = (await this.runner.call({
      method: 'POST',
      path: '/api/orders',
      idempotent: false,
      body: { order },
    })) as Row;
    const created = json?.order as Row | undefined;
    if (!created || typeof created !== 'object')
      throw new ApiCallError(
        'starshipit',
        'POST /api/orders',
        'unknown-outcome',
        'answer has no order object',
      );
    return created;
  }

  /** The order with this order_number, or undefined when Starshipit has none (404 or success:false). */
  async findOrder(orderNumber: string): Promise<Row | undefined> {
    return this.getOrder({ order_number: orderNumber });
  }

  /** The order with this order_id, or undefined when Starshipit has none (404 or success:false). */
  async orderById(orderId: number): Promise<StarshipitOrder | undefined> {
    return this.getOrder({ order_id: orderId });
  }

  /** `GET /api/orders?…`: a missing order is an answer (404, or 200 with success:false and no order). */
  private async getOrder(
    query: { order_number: string } | { order_id: number },
  ): Promise<StarshipitOrder | undefined> {
    const json = await this.runner.call({
      method: 'GET',
      path: '/api/orders',
      idempotent: true,
      query,
      accept: (status, text) =>
        status === 404 ||
        (status === 200 &&
          /"success"\s*:\s*(false|0)/.test(text) &&
          !/"order"\s*:\s*\{/.test(text)),
    });
    return readOrderEnvelope(json);
  }

  /** `GET /api/orders/shipped?since_last_updated=`: raw rows (full orders or flat summaries). */
  async shippedRows(query: {
    since: string;
    page: number;
    limit: number;
  }): Promise<{ rows: unknown[]; totalPages: number }> {
    return this.page('/api/orders/shipped', {
      since_last_updated: query.since,
      limit: query.limit,
      page: query.page,
    });
  }

  /** `GET /api/orders/shipments?status=recently_printed&since_created_date=`: printed labels. */
  async printedRows(query: {
    since: string;
    page: number;
    limit: number;
  }): Promise<{ rows: unknown[]; totalPages: number }> {
    return this.page('/api/orders/shipments', {
      status: 'recently_printed',
      since_created_date: query.since,
      limit: query.limit,
      page: query.page,
    });
  }

  private async page(
    path: string,
    query: Record<string, string | number>,
  ): Promise<{ rows: unknown[]; totalPages: number }> {
    const json = await this.runner.call({ method: 'GET', path, idempotent: true, query });
    const page = readListPage(json);
    if (!page)
      throw new ApiCallError(
        'starshipit',
        `GET ${path} page ${String(query.page)}`,
        'permanent',
        'answer has no orders array',
      );
    return page;
  }

  /** `GET /api/orders/unshipped|shipped?since_last_updated=&limit=&page=` (limit ≤ 250). */
  async list(
    kind: 'unshipped' | 'shipped',
    query: { since: string; page: number; limit: number },
  ): Promise<{ orders: Row[]; totalPages: number }> {
    const json = await this.runner.call({
      method: 'GET',
      path: `/api/orders/${kind}`,
      idempotent: true,
      query: { since_last_updated: query.since, limit: query.limit, page: query.page },
    });
    const page = readListPage(json);
    if (!page)
      throw new ApiCallError(
        'starshipit',
        `GET /api/orders/${kind} page ${query.page}`,
        'permanent',
        'answer has no orders array',
      );
    const orders = page.rows.filter((r): r is Row => !!r && typeof r === 'object');
    return { orders, totalPages: page.totalPages };
  }
}
