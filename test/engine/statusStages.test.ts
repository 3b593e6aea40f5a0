/** import.statuses and Advanced sales, over real HTTP against the sandbox's ground truth. */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { OrderEvent, SkipEvent } from '../../protocol/events';
import type { SaleStatus } from '../../protocol/settings';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

type Obj = Record<string, unknown>;

describe('engine: import.statuses and Advanced sales (sandbox)', function () {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ sales: 120, timeScale: TIME_SCALE, seed: 11 });
  });
  after(() => sb.close());

  const shippedInFull = (id: string): boolean =>
    (sb.sale(id) as Obj).CombinedShippingStatus === 'SHIPPED';

  async function planned(statuses: SaleStatus[], source: 'sales' | 'fulfilments') {
    const r = await run(
      sb,
      sandboxSettings(sb, { import: { statuses, source } }),
      tempDir(),
      'import',
      true,
    );
    return {
      orders: r.events
        .filter((e): e is OrderEvent => e.type === 'order')
        .map((o) => o.orderNumber)
        .sort(),
      skips: r.events.filter((e): e is SkipEvent => e.type === 'skip'),
    };
  }

  for (const statuses of [['PICKED'], ['ORDERED'], ['PACKED', 'PICKING']] as SaleStatus[][]) {
    it(`sales mode, ${statuses.join(';')}: an Advanced sale counts by its open fulfilments' stage`, async () => {
      const eligible = sb.eligibleSales(statuses).filter((e) => !shippedInFull(e.saleId));
      const { orders } = await planned(statuses, 'sales');
      assert.deepEqual(orders, eligible.map((e) => e.orderNumber).sort());
      if (statuses[0] !== 'ORDERED')
        assert.ok(
          eligible.some((e) => e.type === 'Advanced Sale' && e.status === 'ORDERED'),
          'the case is covered: an Advanced sale (status ORDERED) selected by a simple-sale stage',
        );
      else
        assert.ok(
          sb
            .eligibleSales(['PICKED', 'PACKED'])
            .some((e) => e.type === 'Advanced Sale' && !orders.includes(e.orderNumber)),
          'an Advanced sale whose open fulfilments are all picked or packed is not ORDERED',
        );
    });
  }

  it('fulfilments mode, PICKED: each fulfilment is imported when its own stage is PICKED', async () => {
    const { orders, skips } = await planned(['PICKED'], 'fulfilments');
    const expected = sb
      .eligibleSales(['PICKED'])
      .flatMap((e) =>
        e.fulfilments
          .filter((f) => f.stage === 'PICKED')
          .map((f) => `${e.orderNumber}-F${f.number}`),
      )
      .sort();
    assert.deepEqual(orders, expected);
    assert.ok(
      skips.some(
        (k) =>
          k.code === 'status-not-selected' && /of this Advanced sale is at stage/.test(k.reason),
      ),
      'another fulfilment of a selected Advanced sale waits with its stage',
    );
  });
});
