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
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__meta') continue;
    if (v === null) delete target[k];
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      target[k] &&
      typeof target[k] === 'object' &&
      !Array.isArray(target[k])
    )
      mergePatch(target[k] as Obj, v as Obj);
    else target[k] = v;
  }
}

export class ControlApi {
  constructor(
    private readonly sb: Sandbox,
    private readonly faultSpec: () => string,
    private readonly snapshot: () => unknown,
  ) {}

  handle(ctx: RequestCtx): Reply | undefined {
    const route = ctx.path
      .toLowerCase()
      .replace(/^\/__sandbox\/?/, '')
      .replace(/\/+$/, '');
    try {
      const body =
        ctx.method === 'GET' || ctx.method === 'DELETE' ? {} : ((readJson(ctx) ?? {}) as Obj);
      const result = this.route(`${ctx.method} ${route}`, ctx, body);
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

  private route(key: string, ctx: RequestCtx, body: Obj): unknown {
    const sb = this.sb;
    switch (key) {
      case 'GET ':
      case 'GET info':
        return {
          dearBaseUrl: sb.dearBaseUrl,
          starshipitBaseUrl: sb.starshipitBaseUrl,
          controlUrl: sb.controlUrl,
          credentials: sb.credentials,
          seed: sb.seed,
          sales: sb.salesCount,
          timeScale: sb.timeScale,
          switches: sb.switches(),
          faults: this.faultSpec(),
        };
      case 'GET state':
        return {
          starshipitOrders: Object.fromEntries(sb.starshipitOrders()),
          dearShipments: Object.fromEntries(
            sb.dearShipments({ changedOnly: ctx.query.get('all') !== 'true' }),
          ),
          switches: sb.switches(),
          faults: this.faultSpec(),
        };
      case 'GET state/raw':
        return this.snapshot();
      case 'GET calls': {
        const api = ctx.query.get('api');
        const since = Number(ctx.query.get('since') ?? 0);
        return { calls: sb.callLog().filter((c) => (!api || c.api === api) && c.at >= since) };
      }
      case 'DELETE calls':
        sb.clearCallLog();
        return { success: true };
      case 'POST label': {
        if (typeof body.carrier !== 'string')
          throw new Error('carrier (Starshipit carrier code, e.g. AusPost) is required');
        const ref = this.ref(body);
        return sb.printLabel({
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
      case 'POST dispatch':
        return sb.dispatch(this.ref(body));
      case 'POST deliver':
        sb.deliver(this.ref(body));
        return { success: true };
      case 'GET switches':
        return sb.switches();
      case 'POST switches':
        for (const [k, v] of Object.entries(body)) sb.setSwitch(k as never, v as never);
        return sb.switches();
      case 'GET faults':
        return { spec: this.faultSpec() };
      case 'POST faults':
        sb.setFaults(typeof body.spec === 'string' ? body.spec : '');
        return { spec: this.faultSpec() };
      case 'POST sale': {
        if (typeof body.saleId !== 'string') throw new Error('saleId is required');
        if (!body.patch || typeof body.patch !== 'object')
          throw new Error('patch (a JSON merge patch of the sale detail) is required');
        sb.updateSale(body.saleId, (sale) => mergePatch(sale, body.patch as Obj));
        return sb.sale(body.saleId);
      }
      case 'GET sale': {
        const id = ctx.query.get('id');
        if (!id) throw new Error('id is required');
        return sb.sale(id);
      }
      case 'GET eligible': {
        const statuses = (ctx.query.get('statuses') ?? '').split(/[,;]/).filter(Boolean);
        return {
          sales: sb.eligibleSales(statuses, {
            includeInvalid: ctx.query.get('includeInvalid') === 'true',
          }),
        };
      }
      case 'POST webhook': {
        if (typeof body.url !== 'string')
          throw new Error('url (where to send tracking webhooks) is required');
        sb.setTrackingWebhook({
          url: body.url,
          ...(typeof body.secret === 'string' && body.secret ? { secret: body.secret } : {}),
        });
        return { success: true };
      }
      case 'DELETE webhook':
        sb.setTrackingWebhook(undefined);
        return { success: true };
      case 'GET webhooks':
        return { deliveries: sb.webhookDeliveries() };
      case 'POST save':
        sb.saveState();
        return { success: true };
      default:
        return undefined;
    }
  }
}
