import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { control, ss, validOrder } from './helpers';

function hasNull(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.some(hasNull);
  if (v && typeof v === 'object') return Object.values(v).some(hasNull);
  return false;
}

describe('sandbox: Starshipit surface', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ seed: 9, sales: 10, timeScale: 1000 });
  });
  afterEach(() => sb.close());

  it('401 APIM JSON for a missing or invalid subscription key, 403 for a bad api key', async () => {
    const missing = await ss(sb, '/api/orders/unshipped', {
      headers: { 'StarShipIT-Api-Key': sb.credentials.starshipitApiKey },
    });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.statusCode, 401);
    assert.match(missing.json.message, /missing subscription key/);
    const invalid = await ss(sb, '/api/orders/unshipped', {
      headers: {
        'StarShipIT-Api-Key': sb.credentials.starshipitApiKey,
        'Ocp-Apim-Subscription-Key': 'nope',
      },
    });
    assert.equal(invalid.status, 401);
    assert.match(invalid.json.message, /invalid subscription key/);
    const badKey = await ss(sb, '/api/orders/unshipped', {
      headers: {
        'StarShipIT-Api-Key': 'nope',
        'Ocp-Apim-Subscription-Key': sb.credentials.starshipitSubscriptionKeyProduction,
      },
    });
    assert.equal(badKey.status, 403);
    assert.equal(badKey.json.statusCode, 403);
    assert.equal((await ss(sb, '/api/nothing')).status, 404);
    assert.equal((await ss(sb, '/api/constructor')).status, 404);
  });

  it('creates an order: assigns ids, default package, Unshipped/Manual/Outgoing, never null', async () => {
    const r = await ss(sb, '/api/orders', {
      body: { order: validOrder('SO-00001', { order_date: '2026-11-20T01:02:03Z' }) },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.success, true);
    const o = r.json.order;
    assert.equal(typeof o.order_id, 'number');
    assert.equal(typeof o.items[0].item_id, 'number');
    assert.equal(o.packages.length, 1);
    assert.equal(o.packages[0].name, 'Default');
    assert.equal(typeof o.packages[0].package_id, 'number');
    assert.equal(o.status, 'Unshipped');
    assert.equal(o.platform, 'Manual');
    assert.equal(o.type, 'Outgoing');
    assert.match(o.order_date, /^2026-11-20T01:02:03\.\d{7}$/, '7-digit fraction, no Z');
    assert.ok(!('shipping_method' in o), 'empty fields are omitted');
    assert.equal(hasNull(r.json), false);
    const byId = await ss(sb, `/api/orders?order_id=${o.order_id}`);
    const byNumber = await ss(sb, '/api/orders?order_number=SO-00001');
    assert.deepEqual(byId.json, { order: o, success: true });
    assert.deepEqual(byNumber.json, byId.json);
  });

  it('validation failures: 400 by default, 200 + success:false by switch', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [validOrder(''), /order_number is required/],
      [validOrder('X'.repeat(51)), /order_number must be at most 50/],
      [
        validOrder('SO-V1', { destination: { name: 'A', country: 'Australia' } }),
        /destination\.street is required/,
      ],
      [
        validOrder('SO-V2', { destination: { name: 'A', street: 'B' } }),
        /destination\.country is required/,
      ],
      [
        validOrder('SO-V3', { destination: { street: 'B', country: 'Australia' } }),
        /destination\.name is required/,
      ],
      [validOrder('SO-V4', { reference: 'R'.repeat(51) }), /reference must be at most 50/],
      [{ order_number: 'SO-V5' }, /destination is required/],
    ];
    for (const [order, re] of cases) {
      const r = await ss(sb, '/api/orders', { body: { order } });
      assert.equal(r.status, 400, JSON.stringify(order));
      assert.equal(r.json.success, false);
      assert.match(r.json.errors[0].details, re);
      assert.ok(r.json.errors[0].message);
    }
    sb.setSwitch('starshipitValidationStatus', 200);
    const soft = await ss(sb, '/api/orders', { body: { order: validOrder('') } });
    assert.equal(soft.status, 200);
    assert.equal(soft.json.success, false);
    assert.equal(sb.starshipitOrders().size, 0, 'nothing was created');
  });

  it('duplicate order_number: allowed by default, rejected by switch', async () => {
    assert.equal(
      (await ss(sb, '/api/orders', { body: { order: validOrder('SO-DUP') } })).status,
      200,
    );
    assert.equal(
      (await ss(sb, '/api/orders', { body: { order: validOrder('SO-DUP') } })).status,
      200,
    );
    assert.equal(sb.starshipitOrders().get('SO-DUP')?.length, 2);
    sb.setSwitch('starshipitDuplicates', 'reject');
    const r = await ss(sb, '/api/orders', { body: { order: validOrder('SO-DUP') } });
    assert.equal(r.status, 400);
    assert.equal(r.json.errors[0].message, 'Order already exists');
    assert.equal(sb.starshipitOrders().get('SO-DUP')?.length, 2);
  });

  it('not found: 404 by default, 200 + success:false by switch', async () => {
    const r = await ss(sb, '/api/orders?order_number=NOPE');
    assert.equal(r.status, 404);
    assert.equal(r.json.success, false);
    sb.setSwitch('starshipitNotFoundStatus', 200);
    const s = await ss(sb, '/api/orders?order_id=1');
    assert.equal(s.status, 200);
    assert.equal(s.json.success, false);
  });

  it('imports up to 50 orders per call and reports the invalid ones by order_number', async () => {
    const tooMany = await ss(sb, '/api/orders/import', {
      body: { orders: Array.from({ length: 51 }, (_, i) => validOrder(`SO-B${i}`)) },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(sb.starshipitOrders().size, 0);
    const r = await ss(sb, '/api/orders/import', {
      body: {
        orders: [
          validOrder('SO-I1'),
          validOrder('SO-I2', { destination: { name: 'A' } }),
          validOrder('SO-I3'),
        ],
      },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.success, false);
    assert.deepEqual(
      r.json.orders.map((o: { order_number: string }) => o.order_number),
      ['SO-I1', 'SO-I3'],
    );
    assert.match(r.json.errors[0].details, /SO-I2/);
  });

  it('PUT replaces a sent destination whole (merge by switch), deletes items by item_id, and allows only status once printed', async () => {
    const created = (
      await ss(sb, '/api/orders', {
        body: {
          order: validOrder('SO-P1', {
            items: [
              { sku: 'A', quantity: 1 },
              { sku: 'B', quantity: 2 },
            ],
          }),
        },
      })
    ).json.order;
    const partial = {
      order: {
        order_id: created.order_id,
        reference: 'changed',
        destination: { city: 'Sydney' },
        items: [{ item_id: created.items[0].item_id, delete: true }],
      },
    };
    // Default: the destination sent is the whole destination, so a partial one lacks the name.
    const replaced = await ss(sb, '/api/orders', { method: 'PUT', body: partial });
    assert.equal(replaced.status, 400, replaced.text);
    assert.match(replaced.json.errors[0].details, /destination\.name is required/);
    const whole = await ss(sb, '/api/orders', {
      method: 'PUT',
      body: {
        order: {
          order_id: created.order_id,
          destination: { ...created.destination, city: 'Parramatta' },
        },
      },
    });
    assert.equal(whole.status, 200, whole.text);
    assert.equal(whole.json.order.destination.city, 'Parramatta');
    sb.setSwitch('starshipitDestinationUpdate', 'merge');
    const put = await ss(sb, '/api/orders', { method: 'PUT', body: partial });
    sb.setSwitch('starshipitDestinationUpdate', 'replace');
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.order.reference, 'changed');
    assert.equal(
      put.json.order.destination.street,
      '20 George Street',
      'partial merge keeps other fields',
    );
    assert.equal(put.json.order.destination.city, 'Sydney');
    assert.deepEqual(
      put.json.order.items.map((i: { sku: string }) => i.sku),
      ['B'],
    );
    sb.printLabel({ orderNumber: 'SO-P1', carrier: 'AusPost' });
    const refused = await ss(sb, '/api/orders', {
      method: 'PUT',
      body: { order: { order_id: created.order_id, reference: 'late' } },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.errors[0].details, /only status/);
    const status = await ss(sb, '/api/orders', {
      method: 'PUT',
      body: { order: { order_id: created.order_id, status: 'Shipped' } },
    });
    assert.equal(status.status, 200);
    assert.equal(status.json.order.status, 'Shipped');
  });

  it('deletes unshipped orders only; archives printed ones', async () => {
    const a = (await ss(sb, '/api/orders', { body: { order: validOrder('SO-D1') } })).json.order;
    const b = (await ss(sb, '/api/orders', { body: { order: validOrder('SO-D2') } })).json.order;
    assert.equal(
      (await ss(sb, `/api/orders/archive?order_id=${a.order_id}`, { method: 'POST' })).status,
      400,
    );
    assert.equal(
      (await ss(sb, `/api/orders/delete?order_id=${a.order_id}`, { method: 'DELETE' })).json
        .success,
      true,
    );
    assert.equal(sb.starshipitOrders().has('SO-D1'), false);
    sb.printLabel({ orderNumber: 'SO-D2', carrier: 'AusPost' });
    assert.equal(
      (await ss(sb, `/api/orders/delete?order_id=${b.order_id}`, { method: 'DELETE' })).status,
      400,
    );
    const arch = await ss(sb, `/api/orders/archive?order_id=${b.order_id}`, { method: 'POST' });
    assert.equal(arch.json.order.archived, true);
    assert.equal(
      (await ss(sb, '/api/orders/shipped')).json.orders.length,
      0,
      'archived orders leave the lists',
    );
  });

  it('printLabel → /api/orders/shipped with tracking on packages; dispatch → Shipped + manifest; /api/track', async () => {
    const since = new Date().toISOString();
    for (let i = 1; i <= 5; i++)
      await ss(sb, '/api/orders', { body: { order: validOrder(`SO-L${i}`) } });
    assert.equal((await ss(sb, '/api/orders/shipped')).json.orders.length, 0);
    assert.equal((await ss(sb, '/api/orders/unshipped')).json.orders.length, 5);
    const label = sb.printLabel({
      orderNumber: 'SO-L2',
      carrier: 'AusPost',
      trackingNumbers: ['TRK-A', 'TRK-B'],
    });
    assert.deepEqual(label.trackingNumbers, ['TRK-A', 'TRK-B']);
    const viaControl = await control(sb, 'label', {
      orderNumber: 'SO-L4',
      carrier: 'CouriersPlease',
      dispatch: true,
    });
    assert.equal(viaControl.status, 200);
    assert.equal(viaControl.json.trackingNumbers.length, 1);

    // Default form: flat summary rows, the first parcel's tracking number, no status, no packages.
    const flat = (
      await ss(sb, `/api/orders/shipped?since_last_updated=${encodeURIComponent(since)}`)
    ).json;
    assert.deepEqual(
      flat.orders.map((o: Record<string, unknown>) => [
        o.order_number,
        o.tracking_number,
        o.status,
        o.packages,
        o.manifest_sent,
      ]),
      [
        ['SO-L2', 'TRK-A', undefined, undefined, false],
        ['SO-L4', viaControl.json.trackingNumbers[0], undefined, undefined, true],
      ],
    );
    const unmanifested = (
      await ss(
        sb,
        `/api/orders/shipments?status=unmanifested&since_created_date=${encodeURIComponent(since)}`,
      )
    ).json;
    assert.deepEqual(unmanifested.orders, [
      {
        order_id: label.orderId,
        order_number: 'SO-L2',
        date: unmanifested.orders[0].date,
        name: unmanifested.orders[0].name,
        carrier_name: 'Australia Post',
        carrier_service_code: unmanifested.orders[0].carrier_service_code,
        tracking_numbers: ['TRK-A', 'TRK-B'],
        country: unmanifested.orders[0].country,
      },
    ]);
    sb.setSwitch('starshipitShippedRows', 'full');
    const shipped = (
      await ss(sb, `/api/orders/shipped?since_last_updated=${encodeURIComponent(since)}`)
    ).json;
    assert.equal(shipped.success, true);
    assert.deepEqual(
      shipped.orders.map((o: { order_number: string }) => o.order_number),
      ['SO-L2', 'SO-L4'],
    );
    const l2 = shipped.orders[0];
    assert.equal(l2.status, 'Printed');
    assert.equal(l2.carrier, 'AusPost');
    assert.equal(l2.carrier_name, 'Australia Post');
    assert.ok(l2.carrier_service_code);
    assert.deepEqual(
      l2.packages.map((p: { tracking_number: string }) => p.tracking_number),
      ['TRK-A', 'TRK-B'],
    );
    for (const p of l2.packages)
      assert.ok(p.tracking_url && p.carrier_service_name && p.label_created_date);
    const l4 = shipped.orders[1];
    assert.equal(l4.status, 'Shipped');
    assert.equal(l4.manifested, true);
    assert.ok(l4.manifest_number > 0);
    assert.equal((await ss(sb, '/api/orders/unshipped')).json.orders.length, 3);

    const later = (
      await ss(
        sb,
        `/api/orders/shipped?since_last_updated=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      )
    ).json;
    assert.equal(later.orders.length, 0);
    const paged = (await ss(sb, '/api/orders/shipped?limit=1&page=2')).json;
    assert.equal(paged.total_pages, 2);
    assert.equal(paged.orders[0].order_number, 'SO-L4');
    const ids = (await ss(sb, '/api/orders/shipped?ids_only=true')).json;
    assert.equal(ids.order_ids.length, 2);

    const track = (await ss(sb, '/api/track?tracking_number=TRK-B')).json;
    assert.equal(track.success, true);
    assert.equal(track.results.order_number, 'SO-L2');
    assert.equal(track.results.tracking_status, 'Printed');
    sb.dispatch({ orderNumber: 'SO-L2' });
    assert.equal(
      (await ss(sb, '/api/track?order_number=SO-L2')).json.results.tracking_status,
      'Dispatched',
    );
  });
});
