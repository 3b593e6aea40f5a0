/**
 * The preview's `reconcile` mode: a reconcile summary (protocol/reconcile.ts) as the rows the
 * webview shows. Pure (no `vscode`), so unit tests cover it in plain Node.
 */
import type { ReconcileFinding, ReconcileSummary } from '../../../protocol/reconcile';
import type { PreviewFindingRow, PreviewReconcile } from '../../../protocol/preview';

const FIX_WORDS: Record<NonNullable<ReconcileFinding['fix']>, string> = {
  import: '--apply imports it',
  writeback: '--apply writes the tracking back',
  adopt: '--apply records the order in the journal',
};

function findingRow(f: ReconcileFinding, apply: boolean): PreviewFindingRow {
  const fix = f.fix ? FIX_WORDS[f.fix] : 'reported only';
  return {
    section: f.section,
    orderNumber: f.orderNumber,
    saleId: f.saleId ?? '',
    orderIds: (f.orderIds ?? []).join(', '),
    detail: f.detail,
    fix: apply && f.fix ? `${fix}: ${f.outcome ?? 'not done'}` : fix,
  };
}

export function reconcileView(summary: ReconcileSummary): PreviewReconcile {
  return {
    since: summary.since,
    findings: summary.findings.map((f) => findingRow(f, summary.apply)),
    checked: { ...summary.checked },
    fixable: summary.fixable,
    dearCalls: summary.calls.dear,
    starshipitCalls: summary.calls.starshipit,
  };
}
