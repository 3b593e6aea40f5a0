/** The seeded sales cover every mapping case the engine must handle, even in small data sets. */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { dear, UNTHROTTLED_TIME_SCALE } from './helpers';

type Obj = Record<string, unknown>;
const lines = (x: unknown): Obj[] => (Array.isArray(x) ? (x as Obj[]) : []);

describe('sandbox: seeded mapping cases', function () {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ seed: 7, sales: 40, timeScale: UNTHROTTLED_TIME_SCALE });
  });
  after(() => sb.close());

  it('40 sales include mg weights, discounts, non-inventory, drop-ship and service charges, foreign currency, date-only dates and Advanced sales at several stages', async () => {
    const sales: Obj[] = [];
    for (let page = 1; ; page++) {
      const list = await dear(sb, `saleList?Page=${page}&Limit=100`);
      for (const row of list.json.SaleList as Obj[])
        sales.push((await dear(sb, `sale?ID=${String(row.SaleID)}`)).json as Obj);
      if (sales.length >= Number(list.json.Total)) break;
    }
    assert.equal(sales.length, 40);
    const orderLines = sales.flatMap((s) => lines((s.Order as Obj).Lines));
    const stageLines = sales.flatMap((s) =>
      lines(s.Fulfilments).flatMap((f) => [
        ...lines((f.Pick as Obj).Lines),
        ...lines((f.Pack as Obj).Lines),
      ]),
    );
    const units = new Set(orderLines.map((l) => l.WeightUnits));
    for (const u of ['g', 'kg', 'mg', 'lb', 'oz']) assert.ok(units.has(u), `WeightUnits ${u}`);
    assert.ok(orderLines.some((l) => Number(l.Discount) > 0 && Number(l.Discount) < 100));
    assert.ok(orderLines.some((l) => l.DropShip === true));
    assert.ok(stageLines.some((l) => l.NonInventory === true));
    assert.ok(
      sales.some((s) => lines((s.Order as Obj).AdditionalCharges).length > 0),
      'a service charge (Cin7 additional charge)',
    );
    // Drop-ship lines are shipped by the supplier: never picked or packed.
    const dropShipSkus = new Set(orderLines.filter((l) => l.DropShip).map((l) => l.SKU));
    assert.ok(stageLines.every((l) => !dropShipSkus.has(l.SKU)));
    assert.ok(sales.some((s) => s.CustomerCurrency !== s.BaseCurrency));
    assert.ok(sales.every((s) => /^\d{4}-\d{2}-\d{2}T00:00:00$/.test(String(s.SaleOrderDate))));
    const advancedStages = new Set(
      sales
        .filter((s) => s.Type === 'Advanced Sale' && s.Status === 'ORDERED')
        .map((s) => `${String(s.CombinedPickingStatus)}/${String(s.CombinedPackingStatus)}`),
    );
    assert.ok(advancedStages.size >= 2, [...advancedStages].join(', '));
  });
});
