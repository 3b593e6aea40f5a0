import * as assert from 'node:assert/strict';
import {
  isHostToWebview,
  isPreviewState,
  isRenderReport,
  isWebviewToHost,
  MAX_ORDER_NUMBERS,
  type PreviewState,
  type RenderReport,
} from '../../protocol/preview';
import {
  applyEvent,
  emptyPreviewState,
  nextPreviewMessage,
} from '../../client/src/preview/previewModel';

function sampleState(): PreviewState {
  const s = emptyPreviewState(
    'import',
    'file:///w/dear-starshipit.yaml',
    'dear-starshipit.yaml',
    true,
  );
  applyEvent(s, {
    type: 'order',
    orderNumber: 'SO-1',
    source: { saleId: 'sale-1' },
    dryRun: true,
    starshipit: {
      order_number: 'SO-1',
      destination: { name: 'Ann', street: '1 Main St', country: 'Australia' },
      items: [{ sku: 'A', quantity: 2 }],
    },
  });
  applyEvent(s, {
    type: 'skip',
    orderNumber: 'SO-2',
    saleId: 'sale-2',
    code: 'voided',
    reason: 'the sale is voided',
  });
  s.status = 'ready';
  return s;
}

const report: RenderReport = {
  status: 'ready',
  kind: 'import',
  orderNumbers: ['SO-1'],
  matchingOrders: 1,
  totalOrders: 1,
  skipped: 1,
  writebacks: 0,
  changes: 0,
  attention: 0,
  filter: '',
  sortKey: 'orderNumber',
  sortDescending: false,
};

describe('preview protocol guards', () => {
  it('accepts a state built by the host model and the state message carrying it', () => {
    const s = sampleState();
    assert.ok(isPreviewState(s));
    assert.ok(isHostToWebview({ type: 'state', state: s }));
  });

  it('sends a preview in batches: the state with the first rows, then only the rows added since', () => {
    const s = sampleState();
    for (let i = 3; i <= 5; i++)
      applyEvent(s, {
        type: 'order',
        orderNumber: `SO-${i}`,
        source: { saleId: `sale-${i}` },
        dryRun: true,
        starshipit: { order_number: `SO-${i}`, destination: { name: 'Bo' }, items: [] },
      });
    // A finished preview of 4 orders, 2 rows per message.
    const first = nextPreviewMessage(s, undefined, 2);
    assert.ok(isHostToWebview(first.message));
    assert.equal(first.message.type, 'state');
    if (first.message.type !== 'state') return;
    assert.deepEqual(
      first.message.state.orders.map((o) => o.orderNumber),
      ['SO-1', 'SO-3'],
    );
    assert.equal(first.more, true);
    assert.equal(first.message.state.status, 'loading', 'no import offered while rows follow');
    const second = nextPreviewMessage(s, first.sent, 2);
    assert.ok(isHostToWebview(second.message));
    assert.equal(second.message.type, 'append');
    if (second.message.type !== 'append') return;
    assert.deepEqual(
      second.message.rows.orders.map((o) => o.orderNumber),
      ['SO-4', 'SO-5'],
    );
    assert.equal(second.message.rows.skipped.length, 0, 'the skip was sent before');
    assert.equal(second.more, false);
    assert.equal(second.message.head.status, 'ready');
    assert.equal('orders' in second.message.head, false, 'the head carries no lists');
    const third = nextPreviewMessage(s, second.sent, 2);
    assert.equal(
      third.message.type === 'append' && third.message.rows.orders.length,
      0,
      'nothing is sent twice',
    );
    assert.equal(
      isHostToWebview({
        ...second.message,
        rows: { ...second.message.rows, orders: [{ orderNumber: 1 }] },
      }),
      false,
      'a malformed row in a batch is refused',
    );
  });

  it('rejects states with a wrong field type, an unknown status or a malformed row', () => {
    const s = sampleState();
    assert.equal(isPreviewState({ ...s, status: 'done' }), false);
    assert.equal(isPreviewState({ ...s, orders: [{ ...s.orders[0], itemCount: '1' }] }), false);
    assert.equal(isPreviewState({ ...s, skipped: [{ orderNumber: 'x' }] }), false);
    assert.equal(isPreviewState({ ...s, canImport: 'yes' }), false);
    assert.equal(isHostToWebview({ type: 'state' }), false);
    assert.equal(isHostToWebview({ type: 'html', html: '<b>x</b>' }), false);
    assert.equal(isHostToWebview(null), false);
  });

  it('accepts each well-formed webview message', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'refresh' },
      { type: 'showOutput' },
      { type: 'rendered', report },
      { type: 'importThese', orderNumbers: ['SO-1'] },
      { type: 'export', format: 'csv', orderNumbers: [] },
      { type: 'export', format: 'json', orderNumbers: ['SO-1'] },
    ])
      assert.ok(isWebviewToHost(m), JSON.stringify(m));
  });

  it('rejects malformed webview messages', () => {
    for (const m of [
      undefined,
      'ready',
      { type: 'unknown' },
      { type: 'importThese', orderNumbers: [] },
      { type: 'importThese', orderNumbers: [1, 2] },
      { type: 'importThese' },
      { type: 'export', format: 'xml', orderNumbers: [] },
      { type: 'rendered', report: { ...report, sortKey: 'secret' } },
      { type: 'rendered', report: { ...report, orderNumbers: 'SO-1' } },
      { type: 'importThese', orderNumbers: new Array(MAX_ORDER_NUMBERS + 1).fill('x') },
    ])
      assert.equal(isWebviewToHost(m), false, JSON.stringify(m)?.slice(0, 80));
    assert.equal(isRenderReport({ ...report, totalOrders: Number.NaN }), false);
  });
});
