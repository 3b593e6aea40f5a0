/**
 * The contract samples (test/contract/samples, one public-evidence sample per request and answer)
 * against the engine's wire readers, the sandbox's answers and the engine's own requests.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import { SALE_STATUSES } from '../../protocol/settings';
import type { Sandbox, SandboxSwitches } from '../../sandbox/src/api';
import * as cin7 from '../../server/src/engine/wire/cin7';
import * as starshipit from '../../server/src/engine/wire/starshipit';
import { readTrackingEvent } from '../../server/src/service/trackingWebhook';
import { run, sandboxSettings, tempDir, TIME_SCALE } from '../engine/helpers';
import {
  conformance,
  loadSamples,
  undocumentedPaths,
  type ContractSample,
} from './contractSamples';
import { recordingProxy, type Exchange } from './recordingProxy';

const samples = loadSamples();
const STATUSES = ['ORDERED', 'PICKED', 'PACKED'];

/** What each sample must yield when read by the reader the engine uses for it. */
function readWithEngineReader(s: ContractSample): void {
  const body = s.response.body;
  const route = `${s.api} ${s.request.method} ${s.request.path}`;
  if (s.response.status >= 400) {
    const text = s.api === 'cin7' ? cin7.readErrorModel(body) : starshipit.readErrorText(body);
    assert.ok(text, `${s.file}: the error reader finds no error text`);
    return;
  }
  switch (route) {
    case 'cin7 GET saleList': {
      const page = cin7.readSaleListPage(body);
      assert.ok(page && page.total !== undefined && page.rows.length > 0, s.file);
      return;
    }
    case 'cin7 GET product': {
      const page = cin7.readProductListPage(body);
      assert.ok(page && page.total !== undefined && page.rows.length > 0, s.file);
      return;
    }
    case 'cin7 GET sale':
      assert.ok(cin7.readSale(body), s.file);
      assert.ok(cin7.readFulfilments(body).length > 0, `${s.file}: no fulfilments read`);
      return;
    case 'cin7 GET sale/fulfilment':
      assert.ok(cin7.readFulfilments(body).length > 0, `${s.file}: no fulfilments read`);
      return;
    case 'cin7 GET sale/fulfilment/ship':
    case 'cin7 POST sale/fulfilment/ship':
    case 'cin7 PUT sale/fulfilment/ship': {
      const stage = cin7.readStage(body);
      assert.equal(stage.status, 'AUTHORISED', s.file);
      assert.ok(
        stage.lines.every((l) => typeof l.TrackingNumber === 'string'),
        s.file,
      );
      return;
    }
    case 'cin7 POST sale/fulfilment/pick':
    case 'cin7 POST sale/fulfilment/pack':
    case 'cin7 PUT sale/fulfilment/pack':
      assert.ok(cin7.readStage(body).lines.length > 0, s.file);
      return;
    case 'cin7 GET ref/carrier':
      assert.ok(Array.isArray((body as { CarrierList?: unknown }).CarrierList), s.file);
      return;
    case 'starshipit GET /api/orders/unshipped':
      assert.ok(starshipit.readListPage(body)?.rows.length, s.file);
      return;
    case 'starshipit GET /api/orders/shipped': {
      const page = starshipit.readListPage(body);
      assert.ok(page, s.file);
      const rows = page.rows.map(starshipit.readShippedRow);
      const form = s.sandboxSwitch?.starshipitShippedRows;
      for (const r of rows) {
        assert.equal(r.form, form, `${s.file}: read as ${r.form}`);
        if (r.form === 'full') assert.equal(r.tracking.length, 2, `${s.file}: every parcel`);
        if (r.form === 'summary') assert.ok(r.trackingNumber && r.orderId, s.file);
      }
      return;
    }
    case 'starshipit GET /api/orders/shipments': {
      const rows = (starshipit.readListPage(body)?.rows ?? []).map(starshipit.readShipmentRow);
      assert.ok(rows.length > 0, s.file);
      for (const r of rows) assert.ok(r.ok && r.trackingNumbers.length === 2, s.file);
      return;
    }
    case 'starshipit POST /webhooks/starshipit': {
      // Inbound: what `serve` reads is the request Starshipit sends.
      const event = readTrackingEvent(Buffer.from(JSON.stringify(s.request.body)));
      assert.ok(!('problem' in event), `${s.file}: ${JSON.stringify(event)}`);
      assert.ok(event.orderNumber && event.trackingNumber && event.status && event.lastUpdated);
      return;
    }
    case 'starshipit DELETE /api/orders/delete':
      assert.equal(starshipit.saysFailed(body), false, s.file);
      return;
    default: {
      const order = starshipit.readOrderEnvelope(body);
      assert.ok(order && order.order_id !== undefined, `${s.file}: no order read (${route})`);
      if (s.file.includes('printed'))
        assert.deepEqual(
          starshipit.packageTracking(order).map((t) => t.number),
          ['33QQQ0000000001', '33QQQ0000000002'],
        );
    }
  }
}

describe('contract samples: public evidence read by the engine', () => {
  it('has a sample for every request the engine sends, each naming its sources', () => {
    assert.ok(samples.length >= 20, `only ${samples.length} samples`);
    for (const s of samples) {
      assert.ok(Array.isArray(s.source) && s.source.length > 0, `${s.file}: no source`);
      assert.ok(s.notes.length > 0, `${s.file}: no notes`);
    }
  });
  for (const s of samples)
    it(`${s.file} is read by the engine's wire readers`, () => readWithEngineReader(s));
});

/** Samples of the same API, verb and path whose query names include every name sent. */
function samplesFor(api: 'cin7' | 'starshipit', x: Exchange): ContractSample[] {
  const path = api === 'cin7' ? x.path.replace(/^.*\/externalapi\/v2\//i, '') : x.path;
  const sent = [...x.query.keys()].map((k) => k.toLowerCase());
  return samples.filter(
    (s) =>
      s.api === api &&
      s.request.method === x.method &&
      s.request.path.toLowerCase() === path.toLowerCase() &&
      sent.every((k) =>
        Object.keys(s.request.query ?? {})
          .map((q) => q.toLowerCase())
          .includes(k),
      ),
  );
}

/** The sample documenting this answer: same status class, and the switch position in force. */
function answerSample(
  candidates: ContractSample[],
  x: Exchange,
  switches: Record<string, string>,
): ContractSample | undefined {
  const ok = x.status < 400;
  return candidates.find(
    (s) =>
      s.response.status < 400 === ok &&
      Object.entries(s.sandboxSwitch ?? {}).every(([k, v]) => switches[k] === v),
  );
}

/** Body paths sent that no sample of this route documents. */
function undocumented(candidates: ContractSample[], sent: unknown): string[] {
  const lists = candidates.map((s) => undocumentedPaths(s, sent));
  return lists.reduce((a, b) => a.filter((p) => b.includes(p)));
}

describe('contract samples: sandbox answers and engine requests (sandbox)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 60, timeScale: TIME_SCALE, seed: 7 });
  });
  afterEach(async () => {
    await sb.close();
  });

  /** Import, print labels (one with two parcels), write back, reprint, write back again. */
  async function engineRound(
    dearUrl: string,
    starshipitUrl: string,
  ): Promise<{ orderNumbers: string[] }> {
    const s = sandboxSettings(sb, {
      import: {
        statuses: STATUSES as ('ORDERED' | 'PICKED' | 'PACKED')[],
        // Customs data and a shipping rule, so the product list and every order field are sent.
        customs: { enabled: true, senderCountry: 'AU', onMissing: 'warn' },
        shippingRules: [
          {
            method: 'Express Shipping',
            courier: 'AusPost',
            service: '3J55',
            signatureRequired: true,
            authorityToLeave: false,
          },
        ],
      },
      writeback: { autoPickPack: true },
    });
    s.dear.baseUrl = dearUrl;
    s.starshipit.baseUrl = starshipitUrl;
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const orders = [...sb.starshipitOrders().keys()].slice(0, 3);
    assert.equal(orders.length, 3, 'the import created orders');
    sb.printLabel({ orderNumber: orders[0], carrier: 'AusPost', trackingNumbers: ['P1', 'P2'] });
    sb.printLabel({ orderNumber: orders[1], carrier: 'DHL' });
    sb.printLabel({ orderNumber: orders[2], carrier: 'AusPost' });
    await run(sb, s, dir, 'writeback');
    sb.printLabel({ orderNumber: orders[2], carrier: 'AusPost', trackingNumbers: ['R1'] });
    await run(sb, s, dir, 'writeback');
    return { orderNumbers: orders };
  }

  for (const form of ['summary', 'full'] as const)
    it(`the engine's requests and the answers it reads conform (shipped rows: ${form})`, async () => {
      sb.setSwitch('starshipitShippedRows', form);
      const dear = await recordingProxy(sb.dearBaseUrl);
      const ss = await recordingProxy(sb.starshipitBaseUrl);
      try {
        await engineRound(dear.url, ss.url);
      } finally {
        await dear.close();
        await ss.close();
      }
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const [api, list] of [
        ['cin7', dear.exchanges],
        ['starshipit', ss.exchanges],
      ] as const) {
        for (const x of list) {
          const candidates = samplesFor(api, x);
          const what = `${x.method} ${x.path}?${[...x.query.keys()].join('&')}`;
          if (candidates.length === 0) {
            problems.push(`${api} ${what}: no contract sample documents this request`);
            continue;
          }
          for (const p of undocumented(candidates, x.requestBody))
            problems.push(`${what}: body field ${p} is in no sample of this request`);
          const sample = answerSample(candidates, x, { starshipitShippedRows: form });
          if (!sample) {
            problems.push(`${what}: HTTP ${x.status} answer has no sample`);
            continue;
          }
          seen.add(sample.file);
          if (x.status < 400) {
            for (const p of conformance(sample, x.responseBody))
              problems.push(`${what} answer vs ${sample.file}: ${p}`);
          }
        }
      }
      assert.deepEqual([...new Set(problems)], []);
      const needed = [
        'cin7.saleList.json',
        'cin7.sale.json',
        'cin7.productList.json',
        'cin7.ship.post.json',
        'cin7.ship.putAddTracking.json',
        'starshipit.orders.post.json',
        'starshipit.shipments.recentlyPrinted.json',
        'starshipit.orders.getById.printed.json',
      ];
      for (const need of needed) assert.ok(seen.has(need), `the round exercised ${need}`);
    });

  it('serves every GET sample in the shape the sample documents, in both switch positions', async () => {
    await engineRoundDirect();
    const problems: string[] = [];
    for (const s of samples) {
      if (s.request.method !== 'GET' || s.response.status >= 400) continue;
      for (const [k, v] of Object.entries(s.sandboxSwitch ?? {}))
        sb.setSwitch(k as keyof SandboxSwitches, v as never);
      const answer = await get(s);
      sb.setSwitch('starshipitShippedRows', 'full');
      for (const p of conformance(s, answer)) problems.push(`${s.file}: ${p}`);
    }
    assert.deepEqual(problems, []);
  });

  let ids: { saleId: string; taskId: string; orderId: number; orderNumber: string };

  async function engineRoundDirect(): Promise<void> {
    const { orderNumbers } = await engineRound(sb.dearBaseUrl, sb.starshipitBaseUrl);
    const order = sb.starshipitOrders().get(orderNumbers[0])?.[0] as {
      order_id: number;
      order_number: string;
    };
    // Any status: the round's writeback may have moved the sale past the imported statuses.
    const sale = sb
      .eligibleSales([...SALE_STATUSES], { includeInvalid: true })
      .find((e) => e.orderNumber === orderNumbers[0]);
    assert.ok(sale && order);
    const detail = sb.sale(sale.saleId) as { Fulfilments: { TaskID: string }[] };
    ids = {
      saleId: sale.saleId,
      taskId: detail.Fulfilments[0].TaskID,
      orderId: order.order_id,
      orderNumber: order.order_number,
    };
  }

  /** The sample's request sent to the sandbox with real identifiers and an open date window. */
  async function get(s: ContractSample): Promise<unknown> {
    const c = sb.credentials;
    const base = s.api === 'cin7' ? sb.dearBaseUrl : sb.starshipitBaseUrl;
    const url = new URL(s.request.path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
    const real: Record<string, string> = {
      ID: ids.saleId,
      SaleID: ids.saleId,
      TaskID: ids.taskId,
      order_id: String(ids.orderId),
      order_number: ids.orderNumber,
      since_last_updated: '2000-01-01T00:00:00Z',
      since_created_date: '2000-01-01T00:00:00Z',
      UpdatedSince: '2000-01-01T00:00:00Z',
      Status: 'ORDERED',
    };
    for (const [k, v] of Object.entries(s.request.query ?? {}))
      url.searchParams.set(k, real[k] ?? v);
    const headers: Record<string, string> =
      s.api === 'cin7'
        ? { 'api-auth-accountid': c.dearAccountId, 'api-auth-applicationkey': c.dearApiKey }
        : {
            'StarShipIT-Api-Key': c.starshipitApiKey,
            'Ocp-Apim-Subscription-Key': c.starshipitSubscriptionKeyProduction,
          };
    const res = await fetch(url, { headers });
    const text = await res.text();
    assert.ok(res.ok, `${s.file}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  }
});
