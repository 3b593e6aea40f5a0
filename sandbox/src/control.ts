/**
 * Control endpoints under `/__sandbox/` — outside every real API path, no credentials needed,
 * loopback only. They mirror the in-process Sandbox methods so a sandbox run by the CLI in another
 * process can be driven and inspected the same way.
 */
import type { Sandbox } from './api';
import { readJson, type Reply, type RequestCtx } from './server';
import { errorMessage } from '../../protocol/errorMessage';

type Obj = Record<string, unknown>;

/** JSON merge patch (RFC 7396): objects merge, null deletes, everything else replaces. */
function mergePatch(target: Obj, patch: Obj): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__meta') continue;
    if (value === null) delete target[key];
    else if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      target[key] &&
      typeof target[key] === 'object' &&
      !Array.isArray(target[key])
    )
      mergePatch(target[key] as Obj, value as Obj);
    else target[key] = value;
  }
}

/** Answers one control call from its query and (for POST) its JSON body. */
type ControlHandler = (ctx: RequestCtx, body: Obj) => unknown;

/** A handler for a call that only acts: it answers `{ success: true }`. */
function acting(action: (body: Obj) => void): ControlHandler {
  return (_ctx, body) => {
    action(body);
    return { success: true };
  };
}

export class ControlApi {
  /** `METHOD path` (path lower-cased, without `/__sandbox/`) → handler; anything else is a 404. */
  private readonly routes: ReadonlyMap<string, ControlHandler>;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly faultSpec: () => string,
    private readonly snapshot: () => unknown,
  ) {
    this.routes = new Map<string, ControlHandler>([
      ['GET ', () => this.info()],
      ['GET info', () => this.info()],
      ['GET state', (ctx) => this.state(ctx.query)],
      ['GET state/raw', () => this.snapshot()],
      ['GET calls', (ctx) => this.calls(ctx.query)],
      ['DELETE calls', acting(() => sandbox.clearCallLog())],
      ['POST label', (_ctx, body) => this.printLabel(body)],
      ['POST dispatch', (_ctx, body) => sandbox.dispatch(this.ref(body))],
      ['POST deliver', acting((body) => sandbox.deliver(this.ref(body)))],
      ['GET switches', () => sandbox.switches()],
      ['POST switches', (_ctx, body) => this.setSwitches(body)],
      ['GET faults', () => ({ spec: this.faultSpec() })],
      ['POST faults', (_ctx, body) => this.setFaults(body)],
      ['POST sale', (_ctx, body) => this.patchSale(body)],
      ['GET sale', (ctx) => this.sale(ctx.query)],
      ['GET eligible', (ctx) => this.eligible(ctx.query)],
      ['POST webhook', acting((body) => this.setWebhook(body))],
      ['DELETE webhook', acting(() => sandbox.setTrackingWebhook(undefined))],
      ['GET webhooks', () => ({ deliveries: sandbox.webhookDeliveries() })],
      ['POST save', acting(() => sandbox.saveState())],
    ]);
  }

  handle(ctx: RequestCtx): Reply | undefined {
    const route = ctx.path
      .toLowerCase()
      .replace(/^\/__sandbox\/?/, '')
      .replace(/\/+$/, '');
    try {
      // The body is read before the route is looked up: bad JSON is a 400 on any path.
      const body =
        ctx.method === 'GET' || ctx.method === 'DELETE' ? {} : ((readJson(ctx) ?? {}) as Obj);
      const handler = this.routes.get(`${ctx.method} ${route}`);
      const result = handler?.(ctx, body);
      return result === undefined ? undefined : { status: 200, body: result };
    } catch (err) {
      return { status: 400, body: { error: errorMessage(err) } };
    }
  }

  private ref(body: Obj): { orderNumber?: string; orderId?: number } {
    if (body.orderId !== undefined) return { orderId: Number(body.orderId) };
    if (typeof body.orderNumber === 'string') return { orderNumber: body.orderNumber };
    throw new Error('orderNumber or orderId is required');
  }

  private info(): Obj {
    const sandbox = this.sandbox;
    return {
      dearBaseUrl: sandbox.dearBaseUrl,
      starshipitBaseUrl: sandbox.starshipitBaseUrl,
      controlUrl: sandbox.controlUrl,
      credentials: sandbox.credentials,
      seed: sandbox.seed,
      sales: sandbox.salesCount,
      timeScale: sandbox.timeScale,
      switches: sandbox.switches(),
      faults: this.faultSpec(),
    };
  }

  /** Starshipit orders and Cin7 shipments (changed ones only unless `all=true`). */
  private state(query: URLSearchParams): Obj {
    return {
      starshipitOrders: Object.fromEntries(this.sandbox.starshipitOrders()),
      dearShipments: Object.fromEntries(
        this.sandbox.dearShipments({ changedOnly: query.get('all') !== 'true' }),
      ),
      switches: this.sandbox.switches(),
      faults: this.faultSpec(),
    };
  }

  /** The call log, optionally of one API (`api=`) and from a time on (`since=`, epoch ms). */
  private calls(query: URLSearchParams): Obj {
    const api = query.get('api');
    const since = Number(query.get('since') ?? 0);
    return {
      calls: this.sandbox
        .callLog()
        .filter((call) => (!api || call.api === api) && call.at >= since),
    };
  }

  private printLabel(body: Obj): unknown {
    if (typeof body.carrier !== 'string')
      throw new Error('carrier (Starshipit carrier code, e.g. AusPost) is required');
    const ref = this.ref(body);
    return this.sandbox.printLabel({
      orderNumber: ref.orderNumber ?? '',
      orderId: ref.orderId,
      carrier: body.carrier,
      carrierName: typeof body.carrierName === 'string' ? body.carrierName : undefined,
      serviceCode: typeof body.serviceCode === 'string' ? body.serviceCode : undefined,
      trackingNumbers: Array.isArray(body.trackingNumbers)
        ? body.trackingNumbers.map(String)
        : undefined,
      dispatch: body.dispatch === true,
    });
  }

  private setSwitches(body: Obj): unknown {
    for (const [name, value] of Object.entries(body))
      this.sandbox.setSwitch(name as never, value as never);
    return this.sandbox.switches();
  }

  private setFaults(body: Obj): Obj {
    this.sandbox.setFaults(typeof body.spec === 'string' ? body.spec : '');
    return { spec: this.faultSpec() };
  }

  /** Apply a JSON merge patch to a sale's detail; answers the patched sale. */
  private patchSale(body: Obj): unknown {
    if (typeof body.saleId !== 'string') throw new Error('saleId is required');
    if (!body.patch || typeof body.patch !== 'object')
      throw new Error('patch (a JSON merge patch of the sale detail) is required');
    this.sandbox.updateSale(body.saleId, (sale) => mergePatch(sale, body.patch as Obj));
    return this.sandbox.sale(body.saleId);
  }

  private sale(query: URLSearchParams): unknown {
    const id = query.get('id');
    if (!id) throw new Error('id is required');
    return this.sandbox.sale(id);
  }

  /** Sales the engine would import for `statuses` (comma- or semicolon-separated). */
  private eligible(query: URLSearchParams): Obj {
    const statuses = (query.get('statuses') ?? '').split(/[,;]/).filter(Boolean);
    return {
      sales: this.sandbox.eligibleSales(statuses, {
        includeInvalid: query.get('includeInvalid') === 'true',
      }),
    };
  }

  private setWebhook(body: Obj): void {
    if (typeof body.url !== 'string')
      throw new Error('url (where to send tracking webhooks) is required');
    this.sandbox.setTrackingWebhook({
      url: body.url,
      ...(typeof body.secret === 'string' && body.secret ? { secret: body.secret } : {}),
    });
  }
}
