/** The sandbox's two Starshipit accounts: one API key each, separate orders, kept in the state file. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { tempDir } from '../support/paths';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';

async function createOrder(sb: Sandbox, second: boolean, orderNumber: string): Promise<number> {
  const c = sb.credentials;
  const res = await fetch(`${sb.starshipitBaseUrl}/api/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'StarShipIT-Api-Key': second ? c.starshipitApiKey2 : c.starshipitApiKey,
      'Ocp-Apim-Subscription-Key': second
        ? c.starshipitSubscriptionKey2
        : c.starshipitSubscriptionKey,
    },
    body: JSON.stringify({
      order: {
        order_number: orderNumber,
        destination: { name: 'A', street: '1 Main St', country: 'Australia' },
      },
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { order: { order_id: number } }).order.order_id;
}

describe('sandbox: two Starshipit accounts', () => {
  it('keeps each account’s orders apart, by API key, and in the state file', async () => {
    const file = path.join(tempDir('dear-sb-acct-'), 'state.json');
    const a = await startTestSandbox({ seed: 3, sales: 10, stateFile: file, timeScale: 1000 });
    const first = await createOrder(a, false, 'SO-1');
    const second = await createOrder(a, true, 'SO-2');
    assert.ok(second >= 204_000_001 && first < 204_000_001, 'order IDs in separate ranges');
    assert.deepEqual([...a.starshipitOrders().keys()], ['SO-1']);
    assert.deepEqual([...a.starshipitOrders('second').keys()], ['SO-2']);
    await a.close();
    const b = await startTestSandbox({ seed: 3, sales: 10, stateFile: file, timeScale: 1000 });
    try {
      assert.deepEqual([...b.starshipitOrders('second').keys()], ['SO-2']);
      assert.deepEqual([...b.starshipitOrders().keys()], ['SO-1']);
    } finally {
      await b.close();
    }
  });
});
