/**
 * Starshipit over HTTP: APIM-style auth (401 on the subscription key, 403 on the api key), a token
 * bucket per subscription key, and the order and tracking endpoints.
 */
import { CREDENTIALS, type FullSwitches } from '../config';
import { TokenBucket } from '../ratelimit';
import {
  BadJsonError,
  readJson,
  type Gate,
  type Reply,
  type RequestCtx,
  type Surface,
} from '../server';
import { parseApiDate } from '../time';
import {
  OrderError,
  clean,
  labelCreatedMs,
  shipmentRow,
  shippedSummary,
  type OrderStore,
  type StoredOrder,
} from './orders';

type Obj = Record<string, unknown>;

const LABELLED = ['Printed', 'Shipped', 'Delivered'];
const DAY_MS = 86_400_000;

export interface StarshipitRuntime {
  switches: FullSwitches;
  timeScale: number;
}

/** APIM's 401 for a missing or unknown subscription key; undefined for a valid one. */
function subscriptionKeyRefusal(sub: string): Reply | undefined {
  const known = [
    CREDENTIALS.starshipitSubscriptionKey,
    CREDENTIALS.starshipitSubscriptionKeyProduction,
    CREDENTIALS.starshipitSubscriptionKey2,
  ];
  if (sub && known.includes(sub)) return undefined;
  const message = sub
    ? 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'
    : 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
  return { status: 401, body: { statusCode: 401, message } };
}

export class StarshipitSurface implements Surface {
  readonly api = 'starshipit' as const;
  private bucket: TokenBucket;

  /** `METHOD route` → handler; the gate has already refused every other route with a 404. */
  private readonly handlers = new Map<string, (ctx: RequestCtx) => Reply>([
    ['POST orders', (ctx) => this.createOrder(ctx)],
    ['POST orders/import', (ctx) => this.importOrders(ctx)],
    ['PUT orders', (ctx) => this.updateOrder(ctx)],
    ['GET orders', (ctx) => this.getOrders(ctx.query)],
    ['DELETE orders/delete', (ctx) => this.deleteOrder(ctx.query)],
    ['POST orders/archive', (ctx) => this.archive(ctx.query, true)],
    ['POST orders/restore', (ctx) => this.archive(ctx.query, false)],
    ['GET orders/unshipped', (ctx) => this.unshipped(ctx.query)],
    ['GET orders/shipped', (ctx) => this.shipped(ctx.query)],
    ['GET orders/shipments', (ctx) => this.shipments(ctx.query)],
    ['GET track', (ctx) => this.track(ctx.query)],
  ]);

  /** The account of the request being handled (set from its API key; handling is synchronous). */
  private store: OrderStore;

  constructor(
    /** Orders per account, by the account's API key. */
    private readonly stores: ReadonlyMap<string, OrderStore>,
    private readonly runtime: StarshipitRuntime,
  ) {
    this.store = [...stores.values()][0];
    this.bucket = new TokenBucket(
      (key) =>
        key === CREDENTIALS.starshipitSubscriptionKeyProduction
          ? 20
          : this.runtime.switches.starshipitRps,
      1000 / runtime.timeScale,
    );
  }

  throttleReply(waitMs = 1000 / this.runtime.timeScale): Reply {
    // Seconds are real-world (wait × time scale), like the Cin7 side: see README "Rate limits".
    const seconds = Math.max(1, Math.ceil((waitMs * this.runtime.timeScale) / 1000));
    return {
      status: 429,
      headers: {
        'retry-after': String(seconds),
        'x-sandbox-time-scale': String(this.runtime.timeScale),
      },
      body: {
        statusCode: 429,
        message: `Rate limit is exceeded. Try again in ${seconds} seconds.`,
      },
    };
  }

  faultReply(status: number): Reply {
    if (status >= 502 && status <= 504) {
      const text =
        status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Gateway Timeout';
      return {
        status,
        body: `<html><body><h1>${status} ${text}</h1></body></html>`,
        contentType: 'text/html; charset=utf-8',
      };
    }
    return {
      status,
      body: {
        success: false,
        errors: [{ message: 'General Exception', details: `sandbox fault ${status}` }],
      },
    };
  }

  gate(ctx: RequestCtx): Gate {
    const lowerPath = ctx.path.toLowerCase().replace(/\/+$/, '');
    const route = lowerPath.startsWith('/api/') ? lowerPath.slice(5) : lowerPath;
    const sub = String(ctx.headers['ocp-apim-subscription-key'] ?? '').trim();
    const badSubscription = subscriptionKeyRefusal(sub);
    if (badSubscription) return { route, reply: badSubscription };
    const taken = this.bucket.take(sub, Date.now());
    if (!taken.ok)
      return { route, key: sub, throttled: true, reply: this.throttleReply(taken.waitMs) };
    const apiKey = String(ctx.headers['starshipit-api-key'] ?? '').trim();
    if (!this.stores.has(apiKey)) {
      return {
        route,
        key: sub,
        reply: {
          status: 403,
          body: {
            statusCode: 403,
            message: apiKey
              ? 'Invalid StarShipIT-Api-Key: no account matches this API key.'
              : 'Missing StarShipIT-Api-Key header.',
          },
        },
      };
    }
    if (!lowerPath.startsWith('/api/') || !this.handlers.has(`${ctx.method} ${route}`)) {
      // APIM answers an unmatched operation (unknown path or verb) with 404.
      return {
        route,
        key: sub,
        reply: { status: 404, body: { statusCode: 404, message: 'Resource not found' } },
      };
    }
    return { route, key: sub };
  }

  private fail(
    kind: 'validation' | 'notfound',
    errors: { message: string; details: string }[],
  ): Reply {
    const status =
      kind === 'validation'
        ? this.runtime.switches.starshipitValidationStatus
        : this.runtime.switches.starshipitNotFoundStatus;
    return { status, body: { success: false, errors } };
  }

  handle(ctx: RequestCtx, gate: Gate): Reply {
    const apiKey = String(ctx.headers['starshipit-api-key'] ?? '').trim();
    this.store = this.stores.get(apiKey) ?? this.store;
    try {
      return this.dispatch(ctx, gate.route);
    } catch (err) {
      if (err instanceof OrderError) return this.fail(err.kind, err.errors);
      if (err instanceof BadJsonError)
        return this.fail('validation', [{ message: 'Invalid request body', details: err.message }]);
      throw err;
    }
  }

  private body(ctx: RequestCtx): Obj {
    const parsed = readJson(ctx);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new OrderError('validation', [
        { message: 'Invalid request body', details: 'expected a JSON object' },
      ]);
    return parsed as Obj;
  }

  private view(stored: StoredOrder): unknown {
    return clean(stored.order);
  }

  private ok(body: Obj): Reply {
    return { status: 200, body: { ...body, success: true } };
  }

  private dispatch(ctx: RequestCtx, route: string): Reply {
    const handler = this.handlers.get(`${ctx.method} ${route}`);
    return handler
      ? handler(ctx)
      : { status: 404, body: { statusCode: 404, message: 'Resource not found' } };
  }

  private createOrder(ctx: RequestCtx): Reply {
    const body = this.body(ctx);
    const duplicates = this.runtime.switches.starshipitDuplicates;
    return this.ok({ order: this.view(this.store.create(body.order, duplicates)) });
  }

  /** Up to 50 orders; the valid ones are created even when others fail (named by order_number). */
  private importOrders(ctx: RequestCtx): Reply {
    const body = this.body(ctx);
    const switches = this.runtime.switches;
    if (!Array.isArray(body.orders))
      throw new OrderError('validation', [
        { message: 'Invalid request', details: 'orders must be an array' },
      ]);
    if (body.orders.length > 50)
      throw new OrderError('validation', [
        {
          message: 'Too many orders',
          details: `Maximum orders per API request: 50 (got ${body.orders.length})`,
        },
      ]);
    const created: unknown[] = [];
    const errors: { message: string; details: string }[] = [];
    for (const order of body.orders) {
      try {
        created.push(this.view(this.store.create(order, switches.starshipitDuplicates)));
      } catch (err) {
        if (!(err instanceof OrderError)) throw err;
        errors.push(...err.errors);
      }
    }
    if (errors.length === 0) return this.ok({ orders: created });
    const status = created.length === 0 ? switches.starshipitValidationStatus : 200;
    return { status, body: { orders: created, success: false, errors } };
  }

  private updateOrder(ctx: RequestCtx): Reply {
    const body = this.body(ctx);
    const destination = this.runtime.switches.starshipitDestinationUpdate;
    return this.ok({ order: this.view(this.store.update(body.order, { destination })) });
  }

  private deleteOrder(query: URLSearchParams): Reply {
    this.store.remove(this.param(query, 'order_id'));
    return this.ok({});
  }

  /** `orders/archive` (archived = true) and `orders/restore` (false). */
  private archive(query: URLSearchParams, archived: boolean): Reply {
    return this.ok({
      order: this.view(this.store.archive(this.param(query, 'order_id'), archived)),
    });
  }

  private unshipped(query: URLSearchParams): Reply {
    return this.list(
      query,
      (stored) =>
        (stored.order.status === 'Unshipped' || stored.order.status === 'Saved') &&
        stored.order.archived !== true,
      true,
    );
  }

  /** Labelled orders: manifested ones, or every printed one with the includes-printed switch. */
  private shipped(query: URLSearchParams): Reply {
    const switches = this.runtime.switches;
    return this.list(
      query,
      (stored) =>
        LABELLED.includes(String(stored.order.status)) &&
        stored.order.archived !== true &&
        (switches.starshipitShippedIncludesPrinted || stored.order.manifested === true),
      false,
      switches.starshipitShippedRows === 'summary'
        ? (stored) => shippedSummary(stored.order)
        : undefined,
    );
  }

  private param(query: URLSearchParams, name: string): string {
    const value = query.get(name);
    if (value === null || value === '')
      throw new OrderError('validation', [
        { message: 'Invalid request', details: `${name} is required` },
      ]);
    return value;
  }

  private getOrders(query: URLSearchParams): Reply {
    const id = query.get('order_id');
    const number = query.get('order_number');
    if (id || number) {
      const found = id ? this.store.byId(id) : this.store.byNumber(number ?? '')[0];
      if (!found)
        throw new OrderError('notfound', [
          {
            message: 'Order not found',
            details: id ? `No order with order_id ${id}` : `No order with order_number '${number}'`,
          },
        ]);
      return this.ok({ order: this.view(found) });
    }
    const status = (query.get('status') ?? 'Unshipped').toLowerCase();
    const pageSize = Math.min(500, Math.max(1, Number(query.get('page_size') ?? 500) || 500));
    const page = Math.max(1, Number(query.get('page_number') ?? 1) || 1);
    const all = this.store.orders.filter((stored) =>
      status === 'shipped'
        ? LABELLED.includes(String(stored.order.status))
        : stored.order.status === 'Unshipped' || stored.order.status === 'Saved',
    );
    return {
      status: 200,
      body: {
        page_number: page,
        page_size: pageSize,
        total_pages: Math.ceil(all.length / pageSize),
        total_records: all.length,
        data: {
          orders: all.slice((page - 1) * pageSize, page * pageSize).map((o) => this.view(o)),
        },
        success: true,
      },
    };
  }

  private list(
    query: URLSearchParams,
    keep: (stored: StoredOrder) => boolean,
    allowOrderDate: boolean,
    rowOf: (stored: StoredOrder) => unknown = (o) => this.view(o),
  ): Reply {
    const limit = Math.min(250, Math.max(1, Math.floor(Number(query.get('limit') ?? 50)) || 50));
    const page = Math.max(1, Math.floor(Number(query.get('page') ?? 1)) || 1);
    const sinceUpdated = query.get('since_last_updated');
    const sinceOrder = allowOrderDate ? query.get('since_order_date') : null;
    const parse = (name: string, text: string) => {
      const ms = parseApiDate(text);
      if (Number.isNaN(ms))
        throw new OrderError('validation', [
          { message: 'Invalid request', details: `${name} '${text}' is not a valid date` },
        ]);
      return ms;
    };
    const updatedFrom = sinceUpdated ? parse('since_last_updated', sinceUpdated) : undefined;
    const orderFrom = sinceOrder ? parse('since_order_date', sinceOrder) : undefined;
    // Default window: updated in the last 24 h — of sandbox time, i.e. 24 h / time scale.
    const defaultFrom =
      updatedFrom === undefined && orderFrom === undefined
        ? Date.now() - DAY_MS / this.runtime.timeScale
        : undefined;
    const rows = this.store.orders
      .filter(keep)
      .filter(
        (stored) =>
          (updatedFrom === undefined || stored.lastUpdatedMs >= updatedFrom) &&
          (defaultFrom === undefined || stored.lastUpdatedMs >= defaultFrom),
      )
      .filter(
        (o) => orderFrom === undefined || parseApiDate(String(o.order.order_date)) >= orderFrom,
      )
      .sort(
        (a, b) =>
          a.lastUpdatedMs - b.lastUpdatedMs || Number(a.order.order_id) - Number(b.order.order_id),
      );
    const slice = rows.slice((page - 1) * limit, page * limit);
    const total_pages = Math.ceil(rows.length / limit);
    if (query.get('ids_only') === 'true')
      return this.ok({ order_ids: slice.map((o) => o.order.order_id), total_pages });
    return this.ok({ orders: slice.map(rowOf), total_pages });
  }

  /**
   * `GET /api/orders/shipments?status=recently_printed|unmanifested&since_created_date=`: orders
   * by label print date. recently_printed: every printed label (default window 24 h of sandbox
   * time); unmanifested: printed and not yet manifested.
   */
  private shipments(query: URLSearchParams): Reply {
    const status = (query.get('status') ?? '').toLowerCase();
    if (status !== 'recently_printed' && status !== 'unmanifested')
      throw new OrderError('validation', [
        {
          message: 'Invalid request',
          details: `status must be recently_printed or unmanifested (got '${query.get('status') ?? ''}')`,
        },
      ]);
    const limit = Math.min(250, Math.max(1, Math.floor(Number(query.get('limit') ?? 50)) || 50));
    const page = Math.max(1, Math.floor(Number(query.get('page') ?? 1)) || 1);
    const sinceText = query.get('since_created_date');
    const since = sinceText
      ? parseApiDate(sinceText)
      : Date.now() - DAY_MS / this.runtime.timeScale;
    if (Number.isNaN(since))
      throw new OrderError('validation', [
        {
          message: 'Invalid request',
          details: `since_created_date '${sinceText}' is not a valid date`,
        },
      ]);
    const rows = this.store.orders
      .map((stored) => ({ stored, printedMs: labelCreatedMs(stored.order) }))
      .filter(
        ({ stored, printedMs }) =>
          printedMs !== undefined &&
          printedMs >= since &&
          stored.order.archived !== true &&
          LABELLED.includes(String(stored.order.status)) &&
          (status === 'recently_printed' || stored.order.manifested !== true),
      )
      .sort(
        (a, b) =>
          (a.printedMs ?? 0) - (b.printedMs ?? 0) ||
          Number(a.stored.order.order_id) - Number(b.stored.order.order_id),
      );
    const slice = rows.slice((page - 1) * limit, page * limit);
    return this.ok({
      orders: slice.map(({ stored }) => shipmentRow(stored.order)),
      status,
      total_pages: Math.ceil(rows.length / limit),
    });
  }

  private track(query: URLSearchParams): Reply {
    const trackingNumber = query.get('tracking_number');
    const number = query.get('order_number');
    if (!trackingNumber && !number)
      throw new OrderError('validation', [
        { message: 'Invalid request', details: 'tracking_number or order_number is required' },
      ]);
    const found = trackingNumber
      ? this.store.orders.find((stored) =>
          (stored.order.packages as Obj[]).some((p) => p.tracking_number === trackingNumber),
        )
      : this.store.byNumber(number ?? '')[0];
    if (!found)
      throw new OrderError('notfound', [
        {
          message: 'Tracking not found',
          details: trackingNumber
            ? `No shipment with tracking_number '${trackingNumber}'`
            : `No order with order_number '${number}'`,
        },
      ]);
    const order = found.order;
    const pkg = ((order.packages as Obj[]).find(
      (p) => !trackingNumber || p.tracking_number === trackingNumber,
    ) ?? {}) as Obj;
    const status = String(order.status);
    const orderStatus =
      status === 'Printed' ? 'Awaiting Dispatch' : status === 'Shipped' ? 'Dispatched' : status;
    const trackingStatus =
      status === 'Printed'
        ? 'Printed'
        : status === 'Shipped'
          ? 'Dispatched'
          : status === 'Delivered'
            ? 'Delivered'
            : undefined;
    const events = trackingStatus
      ? [
          {
            event_datetime: pkg.label_created_date,
            status: trackingStatus === 'Printed' ? 'Printed' : 'Dispatched',
            details: trackingStatus === 'Printed' ? 'Label printed' : 'Shipment picked up (PU)',
          },
        ]
      : [];
    return this.ok({
      results: clean({
        order_number: order.order_number,
        order_status: orderStatus,
        carrier_name: order.carrier_name,
        carrier_service: order.carrier_service_code,
        tracking_number: pkg.tracking_number,
        tracking_url: pkg.tracking_url,
        shipment_date: pkg.label_created_date,
        tracking_status: trackingStatus,
        last_updated_date: pkg.label_created_date,
        tracking_events: events,
      }),
    });
  }
}
