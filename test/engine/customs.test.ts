/**
 * Customs data for international orders and shipping-method rules, against the sandbox over real
 * HTTP: the product cache (one `GET product` page per 1,000 changed products), `warn` and `hold`,
 * dry run equal to live, and the product-list failure that imports nothing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { AttentionEvent, EngineEvent, OrderEvent } from '../../protocol/events';
import type { DearSettings } from '../../protocol/settings';
import { PRODUCTS_FILE } from '../../server/src/engine/productCache';
import { isCheckCall, run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

const STATUSES = ['ORDERED', 'PICKED', 'PACKED'] as const;

interface ProductRow {
  SKU: string;
  HSCode: string | null;
  CountryOfOrigin: string | null;
}

type Item = Record<string, unknown>;
type Payload = { items: Item[]; destination: { country: string } } & Record<string, unknown>;

const ordersOf = (events: EngineEvent[]): OrderEvent[] =>
  events.filter((e): e is OrderEvent => e.type === 'order');
const payloadOf = (o: OrderEvent): Payload => o.starshipit as Payload;
const productCallsIn = (sb: Sandbox): number =>
  sb.callLog().filter((e) => e.api === 'dear' && /\/product$/i.test(e.route)).length;

describe('engine: customs data and shipping rules (sandbox)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  let products: Map<string, ProductRow>;
  let productCallsBefore = 0;
  /** `GET product` calls the engine made (the ground-truth read is not counted). */
  const productCalls = (sandbox: Sandbox): number => productCallsIn(sandbox) - productCallsBefore;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 90, timeScale: TIME_SCALE, seed: 23 });
    products = await readProducts(sb);
    productCallsBefore = productCallsIn(sb);
  });
  afterEach(async () => {
    await sb.close();
  });

  /** Ground truth: the sandbox's own product list, read the way any client would. */
  async function readProducts(sandbox: Sandbox): Promise<Map<string, ProductRow>> {
    const c = sandbox.credentials;
    const res = await fetch(`${sandbox.dearBaseUrl}product?Page=1&Limit=1000`, {
      headers: { 'api-auth-accountid': c.dearAccountId, 'api-auth-applicationkey': c.dearApiKey },
    });
    const body = (await res.json()) as { Products: ProductRow[] };
    return new Map(body.Products.map((p) => [p.SKU, p]));
  }

  /** Whether a product has what customs needs (HS code within 18 characters and an origin). */
  const complete = (sku: string): boolean => {
    const p = products.get(sku);
    return !!p?.HSCode && p.HSCode.length <= 18 && !!p.CountryOfOrigin;
  };

  function customsSettings(onMissing: 'warn' | 'hold'): DearSettings {
    return sandboxSettings(sb, {
      import: {
        statuses: [...STATUSES],
        customs: { enabled: true, senderCountry: 'AU', onMissing },
      },
      engine: { stateDir: '.dear-starshipit', concurrency: 4, maxRetries: 0 },
    });
  }

  it('warn: international orders carry tariff codes and origins, gaps become warnings; dry run equals live; a warm cache costs one call', async () => {
    const dir = tempDir();
    const s = customsSettings('warn');
    const dry = await run(sb, s, dir, 'import', true);
    assert.equal(productCalls(sb), 1, 'the dry run reads the product list once (15 products)');
    assert.equal(fs.existsSync(path.join(dir, PRODUCTS_FILE)), false, 'a dry run writes nothing');
    const live = await run(sb, s, dir, 'import');
    assert.equal(productCalls(sb), 2);
    const plan = new Map(ordersOf(dry.events).map((o) => [o.orderNumber, o]));
    const sent = ordersOf(live.events);
    assert.ok(sent.length > 10);
    assert.deepEqual(sent.map((o) => o.orderNumber).sort(), [...plan.keys()].sort());
    for (const o of sent) {
      assert.deepEqual(payloadOf(o), payloadOf(plan.get(o.orderNumber)!), o.orderNumber);
      assert.deepEqual(o.warnings ?? [], plan.get(o.orderNumber)!.warnings ?? [], o.orderNumber);
    }
    const international = sent.filter((o) => payloadOf(o).destination.country !== 'Australia');
    const domestic = sent.filter((o) => payloadOf(o).destination.country === 'Australia');
    assert.ok(international.length > 3 && domestic.length > 3, 'the data has both kinds');
    for (const o of domestic)
      assert.ok(
        payloadOf(o).items.every((i) => i.tariff_code === undefined),
        `${o.orderNumber}: a domestic order carries no customs data`,
      );
    let gaps = 0;
    for (const o of international) {
      const items = payloadOf(o).items;
      for (const item of items) {
        const p = products.get(String(item.sku))!;
        if (complete(String(item.sku))) {
          assert.equal(item.tariff_code, p.HSCode, `${o.orderNumber} ${String(item.sku)}`);
          assert.equal(item.country_of_origin, p.CountryOfOrigin);
        } else assert.equal(item.tariff_code === undefined || !p.CountryOfOrigin, true);
      }
      const lacking = items.filter((i) => !complete(String(i.sku)) || i.weight === undefined);
      const warned = (o.warnings ?? []).some((w) => w.startsWith('customs data missing'));
      assert.equal(
        warned,
        lacking.length > 0,
        `${o.orderNumber}: warned exactly when a line lacks`,
      );
      if (warned) gaps++;
    }
    assert.ok(gaps > 0, 'some international orders lack customs data in the sandbox');
    // Warm cache: one call that lists no changed product.
    const again = await run(sb, s, dir, 'import');
    assert.equal(productCalls(sb), 3);
    assert.equal(again.summary.created, 0);
    const log = again.events.find(
      (e) => e.type === 'log' && e.message.startsWith('product cache:'),
    );
    assert.match(log && log.type === 'log' ? log.message : '', /^product cache: 0 product/);
  });

  it('hold: incomplete international orders wait without Cin7 calls, and go once their products are fixed', async () => {
    const dir = tempDir();
    const s = customsSettings('hold');
    const first = await run(sb, s, dir, 'import');
    const held = first.events.filter(
      (e): e is AttentionEvent => e.type === 'attention' && e.code === 'customs-missing',
    );
    assert.ok(held.length > 0);
    assert.ok(held.every((a) => a.retryable === false && /held by import\.customs/.test(a.reason)));
    const created = new Set(sb.starshipitOrders().keys());
    for (const a of held) assert.equal(created.has(a.orderNumber!), false, a.orderNumber);
    // Unchanged products: the held sales are not read again.
    const before = sb.callLog().length;
    const second = await run(sb, s, dir, 'import');
    const reads = sb
      .callLog()
      .slice(before)
      .filter((e) => e.api === 'dear' && /\/sale$/i.test(e.route) && !isCheckCall(e));
    assert.equal(reads.length, 0, 'no detail read for a sale whose products did not change');
    assert.equal(second.summary.created, 0);
    // Fix every incomplete product: the next refresh changes them, so the held sales retry.
    for (const [sku, p] of products)
      if (!complete(sku) && sku !== 'GIFT-NOTE')
        sb.setProduct(sku, { HSCode: '999999', CountryOfOrigin: p.CountryOfOrigin ?? 'Australia' });
    const third = await run(sb, s, dir, 'import');
    const nowCreated = new Set(sb.starshipitOrders().keys());
    const stillHeld = third.events.filter(
      (e): e is AttentionEvent => e.type === 'attention' && e.code === 'customs-missing',
    );
    for (const a of held)
      assert.ok(
        nowCreated.has(a.orderNumber!) || stillHeld.some((x) => x.orderNumber === a.orderNumber),
        a.orderNumber,
      );
    assert.ok(third.summary.created > 0, 'held orders were imported after the product fix');
  });

  it('a product list that cannot be read imports nothing and keeps the cursor', async () => {
    const dir = tempDir();
    const s = customsSettings('warn');
    sb.setFaults('dear:product:500@1');
    const r = await run(sb, s, dir, 'import');
    assert.equal(r.summary.created, 0);
    assert.equal(sb.starshipitOrders().size, 0);
    const a = r.events.find((e): e is AttentionEvent => e.type === 'attention');
    assert.equal(a?.code, 'products-failed');
    assert.match(a?.reason ?? '', /product cache/);
    sb.setFaults('');
    const next = await run(sb, s, dir, 'import');
    assert.ok(next.summary.created > 0, 'the next run imports, reading every sale from the start');
  });

  it('shipping rules set courier, service and options for a matching method only', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, {
      import: {
        statuses: [...STATUSES],
        shippingRules: [
          {
            method: 'express shipping ',
            courier: 'AusPost',
            service: '3J55',
            signatureRequired: true,
            authorityToLeave: false,
          },
          { method: 'Overnight Express', courier: 'StarTrack', service: 'PRM' },
        ],
      },
    });
    const r = await run(sb, s, dir, 'import');
    const orders = ordersOf(r.events);
    const by = (m: string): OrderEvent[] =>
      orders.filter((o) => payloadOf(o).shipping_method === m);
    assert.ok(by('Express Shipping').length > 0 && by('Overnight Express').length > 0);
    for (const o of by('Express Shipping')) {
      const p = payloadOf(o);
      assert.equal(p.carrier, 'AusPost');
      assert.equal(p.carrier_service_code, '3J55');
      assert.equal(p.signature_required, true);
      assert.deepEqual(p.metadatas, [{ metafield_key: 'ATL', value: 'False' }]);
    }
    for (const o of by('Overnight Express')) {
      const p = payloadOf(o);
      assert.equal(p.carrier, 'StarTrack');
      assert.equal(p.carrier_service_code, 'PRM');
      assert.equal(p.signature_required, undefined);
      assert.equal(p.metadatas, undefined);
    }
    const others = orders.filter(
      (o) =>
        !['Express Shipping', 'Overnight Express'].includes(String(payloadOf(o).shipping_method)),
    );
    assert.ok(others.length > 0);
    for (const o of others) assert.equal(payloadOf(o).carrier, undefined, o.orderNumber);
    // Starshipit stored what was sent.
    const stored = sb.starshipitOrders().get(by('Express Shipping')[0].orderNumber)?.[0] as Record<
      string,
      unknown
    >;
    assert.equal(stored.carrier_service_code, '3J55');
  });
});
