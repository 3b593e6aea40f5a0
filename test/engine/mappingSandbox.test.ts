/** Mapping over real HTTP: what the engine would send for the sandbox's seeded cases. */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { OrderEvent } from '../../protocol/events';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

type Obj = Record<string, unknown>;
const list = (x: unknown): Obj[] => (Array.isArray(x) ? (x as Obj[]) : []);
const SHIPPABLE = ['ORDERED', 'BACKORDERED', 'PICKING', 'PICKED', 'PACKING', 'PACKED', 'SHIPPING'];

describe('engine: mapping against the sandbox', function () {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 7 });
  });
  after(() => sb.close());

  async function preview(over: Parameters<typeof sandboxSettings>[1]): Promise<OrderEvent[]> {
    const r = await run(sb, sandboxSettings(sb, over), tempDir(), 'import', true);
    return r.events.filter((e): e is OrderEvent => e.type === 'order');
  }

  it('items: kg from every unit, value net of discount, no drop-ship / non-inventory / service lines; foreign currency warned', async () => {
    const orders = await preview({ import: { statuses: SHIPPABLE as never[] } });
    assert.ok(orders.length >= 10, `${orders.length} orders`);
    let sachets = 0;
    let discounted = 0;
    let foreign = 0;
    for (const o of orders) {
      const sale = sb.sale(o.source.saleId) as Obj;
      const orderLines = list((sale.Order as Obj).Lines);
      const nonInventory = new Set(
        list(sale.Fulfilments).flatMap((f) =>
          [...list((f.Pick as Obj).Lines), ...list((f.Pack as Obj).Lines)]
            .filter((l) => l.NonInventory === true)
            .map((l) => l.SKU),
        ),
      );
      const items = list(o.starshipit.items);
      for (const item of items) {
        const line = orderLines.find((l) => l.SKU === item.sku)!;
        assert.ok(line, `${o.orderNumber}: ${String(item.sku)} is an order line`);
        assert.notEqual(line.DropShip, true, `${o.orderNumber}: drop-ship line sent`);
        assert.ok(!nonInventory.has(item.sku), `${o.orderNumber}: non-inventory line sent`);
        const net = Number(line.Price) * (1 - Number(line.Discount) / 100);
        assert.equal(
          item.value,
          Math.round(net * 1e4) / 1e4,
          `${o.orderNumber} ${String(item.sku)}`,
        );
        if (Number(line.Discount) > 0) discounted++;
        if (line.WeightUnits === 'mg') {
          sachets++;
          assert.equal(item.weight, Number(line.ProductWeight) / 1e6, 'mg → kg');
        }
      }
      for (const c of list((sale.Order as Obj).AdditionalCharges))
        assert.ok(!items.some((i) => i.description === c.Description), 'service charge sent');
      const differs = sale.CustomerCurrency !== sale.BaseCurrency;
      if (differs) foreign++;
      assert.equal(o.starshipit.currency, sale.CustomerCurrency);
      assert.equal(
        (o.warnings ?? []).some((w) => /not the Cin7 Core base currency/.test(w)),
        differs,
        o.orderNumber,
      );
      assert.ok(
        !(o.warnings ?? []).some((w) => /weight unit/.test(w)),
        'every seeded unit is known',
      );
    }
    assert.ok(sachets > 0 && discounted > 0 && foreign > 0, `${sachets} ${discounted} ${foreign}`);
  });

  it('drop-ship lines are sent with import.includeDropShip: true', async () => {
    const skus = (orders: OrderEvent[]) =>
      new Set(orders.flatMap((o) => list(o.starshipit.items).map((i) => i.sku)));
    const without = skus(await preview({ import: { statuses: SHIPPABLE as never[] } }));
    const withDs = skus(
      await preview({ import: { statuses: SHIPPABLE as never[], includeDropShip: true } }),
    );
    assert.ok(!without.has('SOFA-3S'));
    assert.ok(withDs.has('SOFA-3S'));
  });

  it('fulfilments mode: an unstarted fulfilment gets only what is left of the order, never every line', async () => {
    const orders = await preview({
      import: { statuses: SHIPPABLE as never[], source: 'fulfilments' },
    });
    for (const o of orders) {
      const sale = sb.sale(o.source.saleId) as Obj;
      const f = list(sale.Fulfilments).find((x) => x.TaskID === o.source.taskId)!;
      const own = [...list((f.Pack as Obj).Lines), ...list((f.Pick as Obj).Lines)];
      const items = list(o.starshipit.items);
      if (own.length) {
        for (const i of items)
          assert.ok(
            own.some((l) => l.SKU === i.sku),
            o.orderNumber,
          );
      } else {
        const elsewhere = new Set(
          list(sale.Fulfilments)
            .filter((x) => x !== f)
            .flatMap((x) => [...list((x.Pack as Obj).Lines), ...list((x.Pick as Obj).Lines)])
            .map((l) => l.SKU),
        );
        for (const i of items)
          assert.ok(!elsewhere.has(i.sku), `${o.orderNumber} ${String(i.sku)}`);
      }
    }
  });
});
