/** Keeping orders in step: the pure diff/PUT builder and the journal state surviving compaction. */
import * as assert from 'node:assert/strict';
import { changeSummary, diffPayload, putBody } from '../../server/src/engine/keepInStepDiff';
import { Journal } from '../../server/src/engine/journal';
import { tempDir } from './helpers';

describe('engine: keep-in-step diff and journal', () => {
  const base = {
    order_number: 'SO-1',
    order_date: '2026-03-01T00:00:00Z',
    shipping_method: 'Std',
    destination: { name: 'Ann', street: '1 A St', city: 'Sydney', country: 'Australia' },
    items: [
      { sku: 'A', description: 'a', quantity: 1, value: 2 },
      { sku: 'A', description: 'a again', quantity: 4 },
      { sku: 'B', description: 'b', quantity: 1 },
    ],
  };

  it('diffs fields, repeated SKUs by occurrence, and treats empty as absent and dates by instant', () => {
    const after = structuredClone(base) as typeof base & { reference?: string };
    after.order_date = '2026-03-01T00:00:00.000Z';
    after.destination.street = '2 B St';
    after.items[1].quantity = 5;
    after.items.splice(2, 1);
    after.reference = '';
    const changes = diffPayload(base, after);
    assert.deepEqual(changes, [
      { field: 'destination.street', before: '1 A St', after: '2 B St' },
      { field: 'items[A#2].quantity', before: 4, after: 5 },
      { field: 'items[B]', before: base.items[2], after: null },
    ]);
    assert.equal(changeSummary(changes), 'address and lines');
  });

  it('builds the PUT from the live order: only what it lacks, items by item_id, removals with delete: true', () => {
    const after = structuredClone(base);
    after.destination.street = '2 B St';
    after.items[1].quantity = 5;
    after.items.splice(2, 1);
    after.items.push({ sku: 'C', description: 'c', quantity: 2 });
    const changes = diffPayload(base, after);
    const live = {
      order_id: 7,
      status: 'Unshipped',
      destination: { ...base.destination },
      items: base.items.map((it, i) => ({ ...it, item_id: 100 + i })),
    };
    assert.deepEqual(putBody(7, changes, after, live), {
      order_id: 7,
      destination: { ...after.destination },
      items: [
        { item_id: 101, quantity: 5 },
        { item_id: 102, delete: true },
        { sku: 'C', description: 'c', quantity: 2 },
      ],
    });
    // After a PUT whose answer was lost the live order already holds everything: nothing to send.
    const applied = {
      order_id: 7,
      destination: { ...after.destination },
      items: after.items.map((it, i) => ({ ...it, item_id: 200 + i })),
    };
    assert.equal(putBody(7, changes, after, applied), undefined);
  });

  it('the journal keeps last payload, pending intents and withdrawals across compaction', () => {
    const dir = tempDir();
    const j = Journal.open(dir);
    const at = new Date().toISOString();
    j.append({
      t: 'created',
      orderNumber: 'SO-1',
      saleId: 's1',
      orderId: 1,
      outcome: 'created',
      at,
      payloadHash: 'h1',
      saleUpdated: 'u1',
      payload: base,
    });
    j.append({
      t: 'created',
      orderNumber: 'SO-2',
      saleId: 's2',
      orderId: 2,
      outcome: 'created',
      at,
      payloadHash: 'h2',
      payload: base,
    });
    j.append({
      t: 'created',
      orderNumber: 'SO-3',
      saleId: 's3',
      orderId: 3,
      outcome: 'created',
      at,
      payloadHash: 'h3',
      payload: base,
    });
    j.append({ t: 'update-intent', orderNumber: 'SO-1', orderId: 1, payloadHash: 'h1b', at });
    j.append({
      t: 'updated',
      orderNumber: 'SO-2',
      payloadHash: 'h2b',
      payload: { order_number: 'SO-2' },
      saleUpdated: 'u2',
      at,
    });
    j.append({ t: 'withdraw-intent', orderNumber: 'SO-3', orderId: 3, at });
    j.append({ t: 'withdrawn', orderNumber: 'SO-3', orderId: 3, outcome: 'deleted', at });
    const snapshot = (s: typeof j.state): unknown => ({
      keep: [...s.keep.orders.entries()],
      withdrawn: [...s.keep.withdrawn.entries()],
      orders: [...s.orders.keys()],
    });
    const before = snapshot(j.state);
    assert.deepEqual(
      (before as { orders: string[] }).orders,
      ['SO-1', 'SO-2'],
      'a withdrawn order leaves the journal',
    );
    j.compact();
    j.close();
    const reread = Journal.read(dir);
    assert.deepEqual(snapshot(reread), before);
    assert.deepEqual(reread.keep.orders.get('SO-1')?.pending, {
      kind: 'update',
      payloadHash: 'h1b',
      orderId: 1,
    });
  });
});
