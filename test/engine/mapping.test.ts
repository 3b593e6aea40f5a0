import * as assert from 'node:assert/strict';
import {
  mapSale,
  shipBody,
  carrierFor,
  weightKg,
  fulfilmentOrderNumber,
} from '../../server/src/engine/mapping';
import { baseSettings } from './helpers';

function sale(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ID: 'sale-1',
    Customer: 'Rock Star Transport',
    Contact: 'Jo Bloggs',
    Phone: '0290988227',
    Email: 'jo@example.com',
    ShippingAddress: {
      Line1: '20 George Street',
      Line2: 'Level 3',
      City: 'Sydney',
      State: 'NSW',
      Postcode: '2000',
      Country: 'Australia',
      Company: 'RST Pty Ltd',
      Contact: 'Receiving Dock',
    },
    SaleOrderDate: '2026-03-01T00:00:00',
    CustomerReference: 'PO-77',
    Carrier: 'Express Shipping',
    CustomerCurrency: 'AUD',
    BaseCurrency: 'AUD',
    Status: 'ORDERED',
    Type: 'Simple Sale',
    CombinedShippingStatus: 'NOT SHIPPED',
    Note: 'Call before delivery',
    Quote: { Memo: 'quote memo', Status: 'AUTHORISED' },
    Order: {
      SaleOrderNumber: 'SO-00092',
      Memo: 'order memo',
      Status: 'AUTHORISED',
      Lines: [
        {
          ProductID: 'p1',
          SKU: 'MOBILE',
          Name: 'Mobile Phone',
          Quantity: 2,
          Price: 125,
          ProductWeight: 650,
          WeightUnits: 'g',
        },
        {
          ProductID: 'p2',
          SKU: 'CASE',
          Name: 'Case',
          Quantity: 1,
          Price: 9.5,
          ProductWeight: 2,
          WeightUnits: 'lb',
        },
      ],
    },
    Invoices: [{ Memo: 'invoice memo' }],
    Fulfilments: [
      {
        TaskID: 'task-1',
        FulfillmentNumber: 1,
        FulFilmentStatus: 'NOT FULFILLED',
        Pick: { Status: 'AUTHORISED', Lines: [] },
        Pack: {
          Status: 'AUTHORISED',
          Lines: [
            { ProductID: 'p1', SKU: 'MOBILE', Name: 'Mobile Phone', Quantity: 2, Box: 'Box 1' },
            { ProductID: 'p2', SKU: 'CASE', Name: 'Case', Quantity: 1, Box: 'Box 2' },
          ],
        },
        Ship: { Status: 'NOT AVAILABLE', Lines: [] },
      },
    ],
    ...over,
  };
}
const row = { SaleID: 'sale-1', OrderNumber: 'SO-00092', Status: 'ORDERED' };

describe('engine: mapping', () => {
  it('maps a sale to the documented Starshipit order (defaults)', () => {
    const r = mapSale(sale(), row, baseSettings());
    assert.equal(r.problems.length, 0);
    assert.equal(r.orders.length, 1);
    const o = r.orders[0];
    assert.equal(o.orderNumber, 'SO-00092');
    assert.equal(o.taskId, 'task-1');
    assert.deepEqual(o.boxes, ['Box 1', 'Box 2']);
    assert.equal(o.packAuthorised, true);
    assert.deepEqual(o.payload, {
      order_number: 'SO-00092',
      order_date: '2026-03-01T00:00:00Z',
      reference: 'PO-77',
      shipping_method: 'Express Shipping',
      currency: 'AUD',
      destination: {
        name: 'Rock Star Transport',
        company: 'RST Pty Ltd',
        street: '20 George Street',
        building: 'Level 3',
        suburb: 'Sydney',
        city: 'Sydney',
        state: 'NSW',
        post_code: '2000',
        country: 'Australia',
        phone: '0290988227',
        email: 'jo@example.com',
      },
      items: [
        { description: 'Mobile Phone', sku: 'MOBILE', quantity: 2, value: 125, weight: 0.65 },
        { description: 'Case', sku: 'CASE', quantity: 1, value: 9.5, weight: 0.907185 },
      ],
    });
  });

  it('applies memo, orderNote and contactAsCompany', () => {
    const cases: [Parameters<typeof baseSettings>[0], string | undefined][] = [
      [{ import: { memo: 'quote' } }, 'quote memo'],
      [{ import: { memo: 'order' } }, 'order memo'],
      [{ import: { memo: 'invoice' } }, 'invoice memo'],
      [{ import: { memo: 'none', orderNote: true } }, 'Call before delivery'],
      [{ import: { memo: 'order', orderNote: true } }, 'order memo Call before delivery'],
      [{ import: { memo: 'none' } }, undefined],
    ];
    for (const [over, expected] of cases) {
      const d = mapSale(sale(), row, baseSettings(over)).orders[0].payload.destination as Record<
        string,
        unknown
      >;
      assert.equal(d.delivery_instructions, expected, JSON.stringify(over));
    }
    const d = mapSale(sale(), row, baseSettings({ import: { contactAsCompany: true } })).orders[0]
      .payload.destination as Record<string, unknown>;
    assert.equal(d.company, 'Receiving Dock');
    assert.equal(d.name, 'Rock Star Transport');
  });

  it('cuts delivery instructions to 100 characters and says so', () => {
    const r = mapSale(
      sale({ Note: 'x'.repeat(140) }),
      row,
      baseSettings({ import: { orderNote: true } }),
    );
    const d = r.orders[0].payload.destination as Record<string, unknown>;
    assert.equal((d.delivery_instructions as string).length, 100);
    assert.match(
      r.orders[0].warnings.join(),
      /delivery_instructions cut to 100 characters \(was 140\)/,
    );
  });

  it('survives hostile data: control characters, wrong types, huge quantities', () => {
    const r = mapSale(
      sale({
        Customer: 'Bad\u0000Name\u0007',
        Phone: 12345,
        Email: { x: 1 },
        ShippingAddress: { Line1: 'A\nB\tC', City: 'X', Country: 'NZ' },
      }),
      row,
      baseSettings(),
    );
    const d = r.orders[0].payload.destination as Record<string, unknown>;
    assert.equal(d.name, 'Bad Name');
    assert.equal(d.street, 'A B C');
    assert.equal(d.phone, '12345');
    assert.equal(d.email, undefined);
    assert.equal(d.country, 'New Zealand');
    assert.equal(
      mapSale(sale({ ShippingAddress: 'nope' }), row, baseSettings()).problems[0].code,
      'missing-street',
    );
    assert.equal(
      mapSale(sale({ Order: { Lines: 'nope' } }), row, baseSettings()).problems[0].code,
      'no-lines',
    );
    assert.equal(
      mapSale(
        sale({ Order: { Lines: [{ SKU: 'A', Name: 'A', Quantity: 1e9, Price: 1 }] } }),
        row,
        baseSettings(),
      ).problems[0].code,
      'invalid-line',
    );
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ProductID: `p${i}`,
      SKU: `S${i}`,
      Name: `N${i}`,
      Quantity: 1,
      Price: 1,
    }));
    assert.equal(
      (
        mapSale(sale({ Order: { Lines: many } }), row, baseSettings()).orders[0].payload
          .items as unknown[]
      ).length,
      5000,
    );
  });

  it('parks invalid data with a reason instead of failing', () => {
    const r = mapSale(
      sale({ ShippingAddress: { Line1: '', City: 'Sydney', Country: 'Australia' } }),
      row,
      baseSettings(),
    );
    assert.equal(r.orders.length, 0);
    assert.equal(r.problems[0].code, 'missing-street');
    const q = mapSale(
      sale({ Order: { Lines: [{ SKU: 'A', Name: 'A', Quantity: 'lots' }] } }),
      row,
      baseSettings(),
    );
    assert.equal(q.problems[0].code, 'invalid-line');
    const long = mapSale(sale(), { ...row, OrderNumber: 'S'.repeat(51) }, baseSettings());
    assert.equal(long.problems[0].code, 'order-number-too-long');
    assert.equal(mapSale(sale({ Status: 'VOIDED' }), row, baseSettings()).skips[0].code, 'voided');
    assert.equal(
      mapSale(sale({ CombinedShippingStatus: 'SHIPPED' }), row, baseSettings()).skips[0].code,
      'already-shipped',
    );
  });

  it('fulfilments mode: one order per open fulfilment, numbered {OrderNumber}-F{n}, items from pack/pick lines', () => {
    const s = sale({
      Type: 'Advanced Sale',
      Fulfilments: [
        {
          TaskID: 't1',
          FulfillmentNumber: 1,
          FulFilmentStatus: 'FULFILLED',
          Pick: { Status: 'AUTHORISED', Lines: [] },
          Pack: { Status: 'AUTHORISED', Lines: [] },
          Ship: { Status: 'AUTHORISED', Lines: [] },
        },
        {
          TaskID: 't2',
          FulfillmentNumber: 2,
          FulFilmentStatus: 'NOT FULFILLED',
          Pick: {
            Status: 'AUTHORISED',
            Lines: [{ ProductID: 'p1', SKU: 'MOBILE', Name: 'Mobile Phone', Quantity: 1 }],
          },
          Pack: { Status: 'DRAFT', Lines: [] },
          Ship: { Status: 'NOT AVAILABLE', Lines: [] },
        },
        {
          TaskID: 't3',
          FulfillmentNumber: 3,
          FulFilmentStatus: 'VOIDED',
          Pick: { Status: 'VOIDED', Lines: [] },
          Pack: { Status: 'VOIDED', Lines: [] },
          Ship: { Status: 'VOIDED', Lines: [] },
        },
        {
          TaskID: 't4',
          FulfillmentNumber: 4,
          FulFilmentStatus: 'NOT FULFILLED',
          Pick: { Status: 'NOT AVAILABLE', Lines: [] },
          Pack: { Status: 'NOT AVAILABLE', Lines: [] },
          Ship: { Status: 'NOT AVAILABLE', Lines: [] },
        },
      ],
    });
    const r = mapSale(s, row, baseSettings({ import: { source: 'fulfilments' } }));
    assert.deepEqual(
      r.skips.map((k) => [k.orderNumber, k.code]),
      [
        ['SO-00092-F1', 'already-shipped'],
        ['SO-00092-F3', 'fulfilment-voided'],
      ],
    );
    assert.deepEqual(
      r.orders.map((o) => [o.orderNumber, o.taskId, o.packAuthorised]),
      [
        ['SO-00092-F2', 't2', false],
        ['SO-00092-F4', 't4', false],
      ],
    );
    assert.deepEqual(r.orders[0].payload.items, [
      { description: 'Mobile Phone', sku: 'MOBILE', quantity: 1, value: 125, weight: 0.65 },
    ]);
    assert.equal(
      (r.orders[1].payload.items as unknown[]).length,
      2,
      'no pick/pack lines: the order lines',
    );
    // A simple sale is numbered the same way, so the number survives a conversion to advanced.
    assert.equal(
      mapSale(sale(), row, baseSettings({ import: { source: 'fulfilments' } })).orders[0]
        .orderNumber,
      'SO-00092-F1',
    );
    assert.equal(fulfilmentOrderNumber('SO-1', 12), 'SO-1-F12');
  });

  it('converts weights and builds ship bodies for every parcel', () => {
    assert.equal(weightKg(500, 'g'), 0.5);
    assert.equal(weightKg(1.2, 'kg'), 1.2);
    assert.equal(weightKg(16, 'oz'), 0.453592);
    assert.equal(weightKg(0, 'kg'), undefined);
    const s = baseSettings({
      writeback: { courierMappings: [{ courier: 'AusPost', carrier: 'Australia Post' }] },
    });
    assert.equal(carrierFor('auspost', s), 'Australia Post');
    assert.equal(carrierFor('DHL', s), 'DEFAULT Carrier');
    const body = shipBody({
      taskId: 't',
      carrier: 'Australia Post',
      boxes: ['Box 1'],
      tracking: [{ number: 'A1', url: 'u1' }, { number: 'A2' }],
      shipDate: '2026-03-02T00:00:00',
    });
    // More parcels than boxes: the last box carries the remaining tracking numbers.
    assert.deepEqual(body, {
      TaskID: 't',
      Status: 'AUTHORISED',
      Lines: [
        {
          ShipmentDate: '2026-03-02T00:00:00',
          Carrier: 'Australia Post',
          Box: 'Box 1',
          TrackingNumber: 'A1, A2',
          TrackingURL: 'u1',
          IsShipped: true,
        },
      ],
    });
    // More boxes than parcels: the last parcel's line lists the remaining boxes.
    const b2 = shipBody({
      taskId: 't',
      carrier: 'C',
      boxes: ['Box 1', 'Box 2', 'Box 3'],
      tracking: [{ number: 'A1' }, { number: 'A2' }],
      shipDate: 'd',
    });
    assert.deepEqual(
      (b2.Lines as Record<string, unknown>[]).map((l) => [l.Box, l.TrackingNumber]),
      [
        ['Box 1', 'A1'],
        ['Box 2, Box 3', 'A2'],
      ],
    );
  });
});
