import * as assert from 'node:assert/strict';
import {
  applyEvent,
  csvCell,
  emptyPreviewState,
  restoredPreviewState,
  formatAddress,
  formatItems,
  pickOrders,
  toCsv,
  toJson,
  writebackRow,
  writebacksToCsv,
} from '../../client/src/preview/previewModel';
import type { OrderEvent } from '../../protocol/events';

const order = (n: string, name: string, extra: Record<string, unknown> = {}): OrderEvent => ({
  type: 'order',
  orderNumber: n,
  source: { saleId: `sale-${n}`, taskId: n === 'SO-2' ? 'task-2' : undefined },
  dryRun: true,
  warnings: n === 'SO-2' ? ['delivery instructions cut to 100 characters'] : undefined,
  starshipit: {
    order_number: n,
    shipping_method: 'Express',
    destination: {
      name,
      company: 'Acme',
      street: '1 Main St',
      building: 'Unit 2',
      suburb: 'Sydney',
      state: 'NSW',
      post_code: '2000',
      country: 'Australia',
      delivery_instructions: 'Leave at door',
    },
    items: [
      { sku: 'SKU-1', description: 'Widget', quantity: 2 },
      { description: 'Gadget', quantity: 1 },
    ],
    ...extra,
  },
});

describe('preview model', () => {
  it('maps an order event to a display row with every column', () => {
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, order('SO-2', 'Zoë Ng'));
    const r = s.orders[0];
    assert.equal(r.orderNumber, 'SO-2');
    assert.equal(r.receiver, 'Zoë Ng');
    assert.equal(r.company, 'Acme');
    assert.equal(r.address, 'Unit 2, 1 Main St, Sydney, NSW 2000, Australia');
    assert.equal(r.items, '2 × SKU-1 Widget; 1 × Gadget');
    assert.equal(r.itemCount, 2);
    assert.equal(r.deliveryInstructions, 'Leave at door');
    assert.equal(r.shippingMethod, 'Express');
    assert.equal(r.courier, '');
    assert.equal(r.customs, '');
    assert.equal(r.account, '');
    assert.equal(r.saleId, 'sale-SO-2');
    assert.equal(r.taskId, 'task-2');
    assert.deepEqual(r.warnings, ['delivery instructions cut to 100 characters']);
  });

  it('shows the courier a shipping rule set and the customs data per item', () => {
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, {
      type: 'order',
      orderNumber: 'SO-7',
      source: { saleId: 'sale-7' },
      dryRun: true,
      account: 'nz',
      starshipit: {
        order_number: 'SO-7',
        carrier: 'AusPost',
        carrier_service_code: '3J55',
        signature_required: true,
        metadatas: [{ metafield_key: 'ATL', value: 'False' }],
        destination: { name: 'A', country: 'Japan' },
        items: [
          { sku: 'TEA', quantity: 1, tariff_code: '090210', country_of_origin: 'Japan' },
          { sku: 'CANDLE', quantity: 1, country_of_origin: 'Australia' },
        ],
      },
    });
    const r = s.orders[0];
    assert.equal(r.courier, 'AusPost 3J55, signature, no ATL');
    assert.equal(r.customs, 'TEA HS 090210 Japan; CANDLE HS ? Australia');
    assert.equal(r.account, 'nz');
  });

  it('collects skips, attention, changes, warnings, progress and the summary', () => {
    const s = emptyPreviewState('sync', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, { type: 'skip', orderNumber: 'SO-9', code: 'voided', reason: 'voided sale' });
    applyEvent(s, {
      type: 'attention',
      orderNumber: 'SO-8',
      code: 'missing-street',
      reason: 'no street',
      retryable: false,
    });
    applyEvent(s, {
      type: 'update',
      orderNumber: 'SO-7',
      dryRun: true,
      starshipit: {},
      changes: [{ field: 'destination.street', before: '1 A St', after: '2 B St' }],
    });
    applyEvent(s, { type: 'withdraw', orderNumber: 'SO-6', dryRun: true, reason: 'sale voided' });
    applyEvent(s, { type: 'log', level: 'warn', message: 'carrier X unknown' });
    applyEvent(s, { type: 'log', level: 'info', message: 'not a warning' });
    applyEvent(s, { type: 'progress', phase: 'detail', done: 3, total: 10 });
    assert.equal(s.progress, 'detail 3/10');
    applyEvent(s, {
      type: 'summary',
      mode: 'sync',
      dryRun: true,
      created: 4,
      alreadyPresent: 1,
      skipped: 1,
      needsAttention: 1,
      writtenBack: 2,
      updated: 1,
      withdrawn: 1,
      calls: { dear: 12, starshipit: 3 },
      throttled: { dear: 0, starshipit: 0 },
      estimate: { dearCalls: 14, seconds: 14 },
    });
    assert.deepEqual(s.skipped, [
      { orderNumber: 'SO-9', saleId: '', code: 'voided', reason: 'voided sale' },
    ]);
    assert.equal(s.attention[0].code, 'missing-street');
    assert.deepEqual(s.changes, [
      { action: 'update', orderNumber: 'SO-7', details: ['destination.street: 1 A St → 2 B St'] },
      { action: 'withdraw', orderNumber: 'SO-6', details: ['sale voided'] },
    ]);
    assert.deepEqual(s.warnings, ['carrier X unknown']);
    assert.equal(s.summary?.created, 5);
    assert.equal(s.summary?.estimatedDearCalls, 14);
  });

  it('formats addresses and items defensively', () => {
    assert.equal(formatAddress(undefined), '');
    assert.equal(
      formatAddress({ street: ' 5 Rd ', country: 'NZ', post_code: 1010 }),
      '5 Rd, 1010, NZ',
    );
    assert.deepEqual(formatItems('nope'), { text: '', count: 0 });
    assert.equal(formatItems([{}]).text, '1 × (no description)');
  });

  it('reads a Cin7 ship payload into a writeback row', () => {
    const row = writebackRow({
      type: 'writeback',
      orderNumber: 'SO-1',
      taskId: 't1',
      dryRun: true,
      dear: {
        TaskID: 't1',
        Lines: [
          {
            Carrier: 'Australia Post',
            TrackingNumber: 'AP1',
            ShipmentDate: '2026-11-26',
            Box: 'Box 1',
          },
          {
            Carrier: 'Australia Post',
            TrackingNumber: 'AP2',
            ShipmentDate: '2026-11-26',
            Box: 'Box 2',
          },
        ],
      },
    });
    assert.deepEqual(
      [row.carrier, row.trackingNumbers, row.shipDate],
      ['Australia Post', 'AP1, AP2', '2026-11-26'],
    );
    assert.equal(
      writebacksToCsv([row]),
      'orderNumber,taskId,carrier,trackingNumbers,shipDate\r\nSO-1,t1,Australia Post,"AP1, AP2",2026-11-26\r\n',
    );
  });

  it('picks exactly the requested rows in the requested order and ignores unknown numbers', () => {
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    for (const n of ['SO-1', 'SO-2', 'SO-3']) applyEvent(s, order(n, n));
    assert.deepEqual(
      pickOrders(s, ['SO-3', 'nope', 'SO-1']).map((r) => r.orderNumber),
      ['SO-3', 'SO-1'],
    );
  });

  it('writes RFC 4180 CSV with formula injection neutralised', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line1\nline2'), '"line1\nline2"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('+61 2 9999'), "'+61 2 9999");
    assert.equal(csvCell(['a', 'b']), 'a | b');
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, order('SO-1', '@evil'));
    const csv = toCsv(s.orders);
    const [head, row] = csv.split('\r\n');
    assert.equal(
      head,
      'orderNumber,receiver,company,address,items,deliveryInstructions,shippingMethod,courier,customs,account,saleId,taskId,warnings',
    );
    assert.ok(row.startsWith("SO-1,'@evil,Acme,"), row);
  });

  it('exports JSON with the exact payloads and sources', () => {
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, order('SO-2', 'B'));
    const parsed = JSON.parse(toJson(s.orders)) as {
      orderNumber: string;
      source: { saleId: string; taskId?: string };
      starshipit: { order_number: string };
    }[];
    assert.equal(parsed.length, 1);
    assert.deepEqual(parsed[0].source, { saleId: 'sale-SO-2', taskId: 'task-2' });
    assert.equal(parsed[0].starshipit.order_number, 'SO-2');
  });

  it('restores a saved preview after reload; an interrupted dry run becomes an error; junk is dropped', () => {
    const s = emptyPreviewState('import', 'file:///a.yaml', 'a.yaml', true);
    applyEvent(s, order('SO-1', 'Ann'));
    assert.equal(restoredPreviewState({ preview: s })?.status, 'error');
    assert.match(
      restoredPreviewState({ preview: s })?.error ?? '',
      /interrupted by a window reload/,
    );
    s.status = 'ready';
    assert.deepEqual(restoredPreviewState({ preview: s, filter: 'x' }), s);
    assert.equal(restoredPreviewState({ preview: { ...s, orders: 'x' } }), undefined);
    assert.equal(restoredPreviewState(undefined), undefined);
    assert.equal(restoredPreviewState('state'), undefined);
  });
});
