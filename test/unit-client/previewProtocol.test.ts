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
import { applyEvent, emptyPreviewState } from '../../client/src/preview/previewModel';

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
