/** The preview's reconcile mode: summary → rows, the message guards, and the CLI's text form. */
import * as assert from 'node:assert/strict';
import { isPreviewState, type PreviewState } from '../../protocol/preview';
import { formatReconcile, openFindings, type ReconcileSummary } from '../../protocol/reconcile';
import { emptyPreviewState } from '../../client/src/preview/previewModel';
import { reconcileView } from '../../client/src/preview/reconcileModel';

function summary(apply: boolean): ReconcileSummary {
  return {
    type: 'reconcile',
    since: '2026-11-01T00:00:00.000Z',
    apply,
    checked: { sales: 10, orders: 9, journal: 8 },
    counts: { missing: 1, duplicates: 1, tracking: 0, unexplained: 0, journal: 0 },
    fixable: 1,
    fixed: apply ? 1 : 0,
    failed: 0,
    calls: { dear: 3, starshipit: 4 },
    findings: [
      {
        type: 'finding',
        section: 'missing',
        orderNumber: 'SO-1',
        saleId: 'sale-1',
        detail: 'no order',
        fix: 'import',
        ...(apply ? { outcome: 'fixed' as const } : {}),
      },
      {
        type: 'finding',
        section: 'duplicates',
        orderNumber: 'SO-2',
        orderIds: [7, 8],
        detail: 'two orders',
      },
    ],
  };
}

describe('preview: reconcile mode', () => {
  it('turns findings into rows with their fix, and the state passes the guard', () => {
    const view = reconcileView(summary(false));
    assert.deepEqual(
      view.findings.map((f) => [f.section, f.orderNumber, f.saleId, f.orderIds, f.fix]),
      [
        ['missing', 'SO-1', 'sale-1', '', '--apply imports it'],
        ['duplicates', 'SO-2', '', '7, 8', 'reported only'],
      ],
    );
    const state: PreviewState = {
      ...emptyPreviewState('reconcile', 'file:///x.yaml', 'x.yaml', false),
      status: 'ready',
      reconcile: view,
    };
    assert.equal(isPreviewState(state), true);
    const bad = {
      ...state,
      reconcile: { ...view, findings: [{ ...view.findings[0], section: 'other' }] },
    };
    assert.equal(isPreviewState(bad), false, 'an unknown section is refused');
  });

  it('says what --apply did, and counts what is left open', () => {
    const applied = summary(true);
    assert.equal(reconcileView(applied).findings[0].fix, '--apply imports it: fixed');
    assert.equal(openFindings(applied), 1, 'the duplicate is left');
    assert.equal(openFindings(summary(false)), 2);
    const text = formatReconcile(applied).join('\n');
    assert.match(text, /Sales missing in Starshipit \(1\):\n {2}SO-1: no order \[imported\]/);
    assert.match(
      text,
      /Duplicate Starshipit orders for one sale \(1\):\n {2}SO-2: two orders \[reported only\]/,
    );
    assert.doesNotMatch(text, /Labels whose tracking/, 'empty sections are left out');
    assert.match(text, /2 disagreement\(s\), 1 with a safe fix; fixed 1, failed 0/);
  });
});
