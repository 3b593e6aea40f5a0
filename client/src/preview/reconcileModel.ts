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

function findingRow(finding: ReconcileFinding, apply: boolean): PreviewFindingRow {
  const fix = finding.fix ? FIX_WORDS[finding.fix] : 'reported only';
  return {
    section: finding.section,
    orderNumber: finding.orderNumber,
    saleId: finding.saleId ?? '',
    orderIds: (finding.orderIds ?? []).join(', '),
    detail: finding.detail,
    fix: apply && finding.fix ? `${fix}: ${finding.outcome ?? 'not done'}` : fix,
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
