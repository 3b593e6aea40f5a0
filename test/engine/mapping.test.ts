import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import {
  mapSale,
  shipBody,
  carrierFor,
  weightKg,
  fulfilmentOrderNumber,
  isoUtc,
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
  it('sales mode: of several open fulfilments the packed one carries the tracking', () => {
    const packed = (sale().Fulfilments as Record<string, unknown>[])[0];
    const unpacked = {
      ...packed,
      TaskID: 'task-0',
      FulfillmentNumber: 0,
      Pick: { Status: 'DRAFT', Lines: [] },
      Pack: { Status: 'DRAFT', Lines: [] },
    };
    const r = mapSale(sale({ Fulfilments: [unpacked, packed] }), row, baseSettings());
    assert.equal(r.orders.length, 1);
    assert.equal(r.orders[0].taskId, 'task-1');
    assert.equal(r.orders[0].packAuthorised, true);
    const withoutPacked = mapSale(
      sale({ Fulfilments: [unpacked, { ...unpacked, TaskID: 'task-9' }] }),
      row,
      baseSettings(),
    );
    assert.equal(
      withoutPacked.orders[0].taskId,
      'task-0',
      'no packed one: the first open fulfilment',
    );
  });

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
    assert.deepEqual(
      (r.orders[1].payload.items as Record<string, unknown>[]).map((i) => [i.sku, i.quantity]),
      [
        ['MOBILE', 1],
        ['CASE', 1],
      ],
      'no pick/pack lines: what the other fulfilments leave of the order, not the whole order',
    );
    // Two fulfilments without pick/pack lines: nobody knows which lines are whose yet.
    const twoUnstarted = structuredClone(s);
    (twoUnstarted.Fulfilments as Record<string, unknown>[])[1].Pick = {
      Status: 'NOT AVAILABLE',
      Lines: [],
    };
    const r2 = mapSale(twoUnstarted, row, baseSettings({ import: { source: 'fulfilments' } }));
    assert.deepEqual(r2.orders, []);
    assert.deepEqual(
      r2.skips.filter((k) => k.code === 'fulfilment-not-started').map((k) => k.orderNumber),
      ['SO-00092-F2', 'SO-00092-F4'],
    );
    assert.match(r2.skips[1].reason, /no pick or pack lines yet, and neither has fulfilment 4/);
    // Every order line already on another fulfilment: nothing belongs to this one.
    const allTaken = structuredClone(s);
    (allTaken.Fulfilments as Record<string, Record<string, unknown>>[])[1].Pick.Lines = [
      { ProductID: 'p1', SKU: 'MOBILE', Name: 'Mobile Phone', Quantity: 2 },
      { ProductID: 'p2', SKU: 'CASE', Name: 'Case', Quantity: 1 },
    ];
    const r3 = mapSale(allTaken, row, baseSettings({ import: { source: 'fulfilments' } }));
    assert.deepEqual(
      r3.orders.map((o) => o.orderNumber),
      ['SO-00092-F2'],
    );
    assert.match(
      r3.skips.find((k) => k.orderNumber === 'SO-00092-F4')?.reason ?? '',
      /every order line is on another fulfilment/,
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

  it('converts every Cin7 weight unit to kg, in every spelling, and warns on an unknown unit', () => {
    const cases: [unknown, unknown, number][] = [
      [500, 'mg', 0.0005],
      [500, 'MG', 0.0005],
      [1500, 'miligramm', 0.0015],
      [500, 'g', 0.5],
      [500, 'Grams', 0.5],
      [2, 'kg', 2],
      [2, 'KG', 2],
      [2, 'kilogramm', 2],
      [2, 'lb', 0.907185],
      [2, 'Lbs', 0.907185],
      [16, 'oz', 0.453592],
      [16, 'Ounces', 0.453592],
      ['3.5', ' oz ', 0.099223],
    ];
    for (const [w, u, kg] of cases) assert.equal(weightKg(w, u), kg, `${String(w)} ${String(u)}`);
    assert.equal(weightKg(5, 'stone'), undefined, 'an unknown unit is never taken as kg');
    assert.equal(weightKg(5, ''), undefined);

    const lines = (units: string[]) => ({
      Order: {
        SaleOrderNumber: 'SO-00092',
        Lines: units.map((u, i) => ({
          ProductID: `p${i}`,
          SKU: `S${i}`,
          Name: `N${i}`,
          Quantity: 1,
          Price: 10,
          ProductWeight: 500,
          WeightUnits: u,
        })),
      },
    });
    const r = mapSale(sale(lines(['mg', 'stone', ''])), row, baseSettings());
    const items = r.orders[0].payload.items as Record<string, unknown>[];
    assert.deepEqual(
      items.map((i) => i.weight),
      [0.0005, undefined, undefined],
    );
    assert.equal(r.orders[0].warnings.length, 1, r.orders[0].warnings.join(' | '));
    assert.match(r.orders[0].warnings[0], /item 2 \(S1\) "stone", item 3 \(S2\) ""/);
    assert.match(r.orders[0].warnings[0], /not one of g, kg, mg, lb, oz/);
    assert.deepEqual(
      mapSale(sale(lines(['mg', 'kg'])), row, baseSettings()).orders[0].warnings,
      [],
    );
  });

  it('sends each item value net of its line discount (a percentage)', () => {
    const r = mapSale(
      sale({
        Order: {
          SaleOrderNumber: 'SO-00092',
          Lines: [
            { ProductID: 'a', SKU: 'A', Name: 'A', Quantity: 1, Price: 125, Discount: 20 },
            { ProductID: 'b', SKU: 'B', Name: 'B', Quantity: 3, Price: 9.99, Discount: 12.5 },
            { ProductID: 'c', SKU: 'C', Name: 'C', Quantity: 1, Price: 40, Discount: 100 },
            { ProductID: 'd', SKU: 'D', Name: 'D', Quantity: 1, Price: 40, Discount: 150 },
          ],
        },
      }),
      row,
      baseSettings(),
    );
    const o = r.orders[0];
    assert.deepEqual(
      (o.payload.items as Record<string, unknown>[]).map((i) => i.value),
      [100, 8.7413, 0, 40],
    );
    assert.equal(o.warnings.length, 1);
    assert.match(o.warnings[0], /item 4 \(D\): Discount 150 is not a percentage/);
  });

  it('sends the sale currency and warns when it is not the base currency', () => {
    const same = mapSale(sale(), row, baseSettings()).orders[0];
    assert.equal(same.payload.currency, 'AUD');
    assert.deepEqual(same.warnings, []);
    const foreign = mapSale(sale({ CustomerCurrency: 'NZD' }), row, baseSettings()).orders[0];
    assert.equal(foreign.payload.currency, 'NZD');
    assert.equal(foreign.warnings.length, 1);
    assert.match(foreign.warnings[0], /in NZD, not the Cin7 Core base currency AUD/);
  });

  it('leaves non-inventory and drop-ship lines out of items (drop-ship configurable)', () => {
    const orderLines = [
      { ProductID: 'p1', SKU: 'MOBILE', Name: 'Mobile Phone', Quantity: 2, Price: 125 },
      { ProductID: 'p2', SKU: 'WRAP', Name: 'Gift wrap', Quantity: 1, Price: 5 },
      { ProductID: 'p3', SKU: 'SOFA', Name: 'Sofa', Quantity: 1, Price: 900, DropShip: true },
    ];
    const pack = [
      { ProductID: 'p1', SKU: 'MOBILE', Name: 'Mobile Phone', Quantity: 2, Box: 'Box 1' },
      { ProductID: 'p2', SKU: 'WRAP', Name: 'Gift wrap', Quantity: 1, NonInventory: true },
    ];
    const input = sale({
      Order: { SaleOrderNumber: 'SO-00092', Lines: orderLines },
      Fulfilments: [
        {
          TaskID: 'task-1',
          FulfillmentNumber: 1,
          FulFilmentStatus: 'NOT FULFILLED',
          Pick: { Status: 'AUTHORISED', Lines: pack.map(({ Box: _box, ...l }) => l) },
          Pack: { Status: 'AUTHORISED', Lines: pack },
          Ship: { Status: 'NOT AVAILABLE', Lines: [] },
        },
      ],
    });
    const skus = (r: ReturnType<typeof mapSale>) =>
      (r.orders[0].payload.items as Record<string, unknown>[]).map((i) => i.sku);
    for (const source of ['sales', 'fulfilments'] as const) {
      const r = mapSale(input, row, baseSettings({ import: { source } }));
      assert.deepEqual(skus(r), ['MOBILE'], source);
      assert.match(r.orders[0].warnings.join(' '), /WRAP\) non-inventory/, source);
      const withDropShip = mapSale(
        input,
        row,
        baseSettings({ import: { source, includeDropShip: true } }),
      );
      assert.deepEqual(
        skus(withDropShip),
        source === 'sales' ? ['MOBILE', 'SOFA'] : ['MOBILE'],
        `${source}: drop-ship lines are never picked or packed`,
      );
    }
    assert.deepEqual(skus(mapSale(input, row, baseSettings())), ['MOBILE']);
    // Nothing left that is a parcel: skipped with the reason, never an empty order.
    const onlyDropShip = mapSale(
      sale({ Order: { SaleOrderNumber: 'SO-00092', Lines: [orderLines[2]] } }),
      row,
      baseSettings(),
    );
    assert.deepEqual(onlyDropShip.orders, []);
    assert.equal(onlyDropShip.skips[0].code, 'no-parcel-lines');
    assert.match(onlyDropShip.skips[0].reason, /SOFA\) drop-ship/);
  });

  it('order_date keeps the Cin7 calendar day in every time zone', () => {
    assert.equal(isoUtc('2026-03-01T00:00:00'), '2026-03-01T00:00:00Z');
    assert.equal(isoUtc('2026-03-01'), '2026-03-01T00:00:00Z');
    assert.equal(isoUtc('2026-03-01T00:00:00.000Z'), '2026-03-01T00:00:00.000Z');
    assert.equal(isoUtc('2026-03-01T10:00:00+13:00'), '2026-03-01T10:00:00+13:00');
    assert.equal(isoUtc('not a date'), undefined);
    const mapping = path.resolve(__dirname, '../../server/src/engine/mapping.js');
    const script = `
      const { mapSale } = require(${JSON.stringify(mapping)});
      const settings = ${JSON.stringify(baseSettings())};
      const days = [];
      for (const d of ['2026-03-01T00:00:00', '2026-03-01']) {
        const at = mapSale(Object.assign(${JSON.stringify(sale())}, { SaleOrderDate: d }), ${JSON.stringify(row)}, settings).orders[0].payload.order_date;
        const local = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
        days.push([at, new Date(at).toISOString().slice(0, 10), local]);
      }
      process.stdout.write(JSON.stringify(days));`;
    for (const zone of ['Pacific/Auckland', 'Australia/Sydney', 'UTC']) {
      const out = execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, TZ: zone },
        encoding: 'utf8',
      });
      assert.deepEqual(
        JSON.parse(out),
        [
          ['2026-03-01T00:00:00Z', '2026-03-01', '2026-03-01'],
          ['2026-03-01T00:00:00Z', '2026-03-01', '2026-03-01'],
        ],
        zone,
      );
    }
  });
});
