/**
 * The naive baseline: the integration as a straightforward script would do it, so the
 * table can show what our engine saves. Deliberately simple, not deliberately bad:
 *   - p-limit(4) on each API, no client-side rate limiter;
 *   - saleList 100 per page, every page, unfiltered (status filtered locally);
 *   - one sale detail per candidate sale, then POST /api/orders per mapped order;
 *   - writeback: no TaskID cache — the sale is re-read before each ship call to find the
 *     fulfilment and its boxes;
 *   - on a Cin7 throttle: wait the full (time-scaled) 60 s window and retry; Starshipit throttle:
 *     wait Retry-After (scaled) and retry.
 * It reuses the engine's payload mapping (mapSale / shipBody / carrierFor) so both clients send
 * the same bodies: only the call pattern differs.
 */
import pLimit from 'p-limit';
import type { DearSettings } from '../../protocol/settings';
import { carrierFor, mapSale, shipBody } from '../../server/src/engine/mapping';
import { errorMessage } from '../../protocol/errorMessage';

type Row = Record<string, unknown>;

export interface NaiveCredentials {
  dearAccountId: string;
  dearApiKey: string;
  starshipitApiKey: string;
  starshipitSubscriptionKey: string;
}

export interface NaiveStats {
  dearCalls: number;
  dearThrottles: number;
  starshipitCalls: number;
  starshipitThrottles: number;
  created: number;
  writtenBack: number;
  errors: string[];
}

const LIMIT_TEXT = /calls per .*API limit/i;
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';

export class NaiveClient {
  readonly stats: NaiveStats = {
    dearCalls: 0,
    dearThrottles: 0,
    starshipitCalls: 0,
    starshipitThrottles: 0,
    created: 0,
    writtenBack: 0,
    errors: [],
  };
  /** order_number → SaleID of what this client imported (it needs that much to write back). */
  readonly imported = new Map<string, string>();
  private readonly dearCap = pLimit(4);
  private readonly ssCap = pLimit(4);

  constructor(
    private readonly settings: DearSettings,
    private readonly creds: NaiveCredentials,
    /** 100 → Cin7's 60 s window lasts 0.6 s. */
    private readonly timeScale: number,
  ) {}

  private async dear(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Row> {
    return this.dearCap(async () => {
      for (;;) {
        this.stats.dearCalls++;
        const res = await fetch(new URL(path, this.settings.dear.baseUrl), {
          method,
          headers: {
            'api-auth-accountid': this.creds.dearAccountId,
            'api-auth-applicationkey': this.creds.dearApiKey,
            'content-type': 'application/json',
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 429 || res.status === 503 || LIMIT_TEXT.test(text)) {
          this.stats.dearThrottles++;
          await sleep(60_000 / this.timeScale);
          continue;
        }
        if (!res.ok)
          throw new Error(`Cin7 ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
        return JSON.parse(text) as Row;
      }
    });
  }

  private async starshipit(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Row> {
    return this.ssCap(async () => {
      for (;;) {
        this.stats.starshipitCalls++;
        const res = await fetch(new URL(path, this.settings.starshipit.baseUrl), {
          method,
          headers: {
            'StarShipIT-Api-Key': this.creds.starshipitApiKey,
            'Ocp-Apim-Subscription-Key': this.creds.starshipitSubscriptionKey,
            'content-type': 'application/json',
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 429) {
          this.stats.starshipitThrottles++;
          await sleep(((Number(res.headers.get('retry-after')) || 1) * 1000) / this.timeScale);
          continue;
        }
        if (!res.ok)
          throw new Error(`Starshipit ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
        return JSON.parse(text) as Row;
      }
    });
  }

  async importAll(): Promise<void> {
    const statuses = new Set<string>(this.settings.import.statuses);
    const rows: Row[] = [];
    for (let page = 1; ; page++) {
      const r = await this.dear('GET', `saleList?Page=${page}&Limit=100`);
      const list = Array.isArray(r.SaleList) ? (r.SaleList as Row[]) : [];
      rows.push(...list.filter((x) => statuses.has(str(x.Status))));
      if (list.length < 100) break;
    }
    await Promise.all(
      rows.map(async (row) => {
        try {
          const sale = await this.dear('GET', `sale?ID=${encodeURIComponent(str(row.SaleID))}`);
          const mapped = mapSale(sale, row, this.settings);
          for (const m of mapped.orders) {
            await this.starshipit('POST', '/api/orders', { order: m.payload });
            this.imported.set(m.orderNumber, m.saleId);
            this.stats.created++;
          }
        } catch (err) {
          this.stats.errors.push(errorMessage(err));
        }
      }),
    );
  }

  async writebackAll(sinceIso: string): Promise<void> {
    const labelled: Row[] = [];
    for (let page = 1; ; page++) {
      const r = await this.starshipit(
        'GET',
        `/api/orders/shipped?since_last_updated=${encodeURIComponent(sinceIso)}&limit=250&page=${page}`,
      );
      const orders = Array.isArray(r.orders) ? (r.orders as Row[]) : [];
      labelled.push(...orders);
      if (page >= Number(r.total_pages ?? 1) || orders.length < 250) break;
    }
    await Promise.all(
      labelled.map(async (o) => {
        const orderNumber = str(o.order_number);
        const saleId = this.imported.get(orderNumber);
        const packages = Array.isArray(o.packages) ? (o.packages as Row[]) : [];
        const tracking = packages
          .map((p) => ({ number: str(p.tracking_number) }))
          .filter((t) => t.number);
        if (!saleId || tracking.length === 0) return;
        try {
          // No TaskID cache: read the sale to find the open fulfilment and its boxes.
          const sale = await this.dear('GET', `sale?ID=${encodeURIComponent(saleId)}`);
          const fulfilments = Array.isArray(sale.Fulfilments) ? (sale.Fulfilments as Row[]) : [];
          const f = fulfilments.find(
            (x) => str((x.Ship as Row | undefined)?.Status) !== 'AUTHORISED',
          );
          if (!f) return;
          const packLines = Array.isArray((f.Pack as Row | undefined)?.Lines)
            ? ((f.Pack as Row).Lines as Row[])
            : [];
          const boxes = [...new Set(packLines.map((l) => str(l.Box)).filter(Boolean))];
          const body = shipBody({
            taskId: str(f.TaskID),
            carrier: carrierFor(str(o.carrier), this.settings),
            boxes: boxes.length ? boxes : ['Box 1'],
            tracking,
            shipDate: `${new Date().toISOString().slice(0, 10)}T00:00:00`,
          });
          await this.dear('POST', 'sale/fulfilment/ship', body);
          this.stats.writtenBack++;
        } catch (err) {
          this.stats.errors.push(errorMessage(err));
        }
      }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
