/**
 * What `reconcile` reports (server/src/engine/reconcile.ts): the CLI prints these events, the
 * language server returns the summary to the preview. One section per kind of disagreement.
 */

export type ReconcileSection = 'missing' | 'duplicates' | 'tracking' | 'unexplained' | 'journal';

/** The sections in the order they are shown, with their titles. */
export const RECONCILE_SECTIONS: readonly { section: ReconcileSection; title: string }[] = [
  { section: 'missing', title: 'Sales missing in Starshipit' },
  { section: 'duplicates', title: 'Duplicate Starshipit orders for one sale' },
  { section: 'tracking', title: 'Labels whose tracking is not in Cin7 Core' },
  { section: 'unexplained', title: 'Starshipit orders no sale explains' },
  { section: 'journal', title: 'Journal entries that disagree with Cin7 Core or Starshipit' },
];

/**
 * The safe fixes `--apply` makes: import a missing sale (exactly once), write missing tracking
 * back, record in the journal an order Starshipit holds for one of our sales. Nothing else is
 * changed; nothing is ever deleted.
 */
export type ReconcileFix = 'import' | 'writeback' | 'adopt';

/** One disagreement. */
export interface ReconcileFinding {
  type: 'finding';
  section: ReconcileSection;
  orderNumber: string;
  saleId?: string;
  /** Starshipit order ids involved (duplicates: every one). */
  orderIds?: number[];
  /** One sentence: what each side holds. */
  detail: string;
  /** The fix `--apply` makes; absent when the finding is only reported. */
  fix?: ReconcileFix;
  /** With `--apply`: whether the fix is done (`failed`: see the run's needs-attention events). */
  outcome?: 'fixed' | 'failed';
}

/** The reads planned, printed before the bulk of them is made. */
export interface ReconcileEstimate {
  type: 'estimate';
  since: string;
  /** Cin7 Core: saleList pages still to read, and detail reads at most (only where a list does not settle it). */
  dearCalls: { listPages: number; detailsAtMost: number };
  /** Starshipit calls made for the listings. */
  starshipitCalls: number;
  /** Wall time of the Cin7 reads at the configured limit. */
  seconds: number;
}

export interface ReconcileSummary {
  type: 'reconcile';
  since: string;
  apply: boolean;
  /** Cin7 sales listed for the period, Starshipit orders listed, journal orders compared. */
  checked: { sales: number; orders: number; journal: number };
  counts: Record<ReconcileSection, number>;
  /** Findings with a safe fix; with `--apply` how many were made and how many failed. */
  fixable: number;
  fixed: number;
  failed: number;
  calls: { dear: number; starshipit: number };
  findings: ReconcileFinding[];
  cancelled?: boolean;
}

export type ReconcileEvent = ReconcileEstimate | ReconcileFinding | ReconcileSummary;

/** Findings not settled: every one without a fix, and with `--apply` every fix not made. */
export function openFindings(summary: ReconcileSummary): number {
  return summary.findings.filter((f) => !summary.apply || f.outcome !== 'fixed').length;
}

/** Human lines for a summary: one block per non-empty section, then the counts. */
export function formatReconcile(summary: ReconcileSummary): string[] {
  const out: string[] = [];
  for (const { section, title } of RECONCILE_SECTIONS) {
    const rows = summary.findings.filter((f) => f.section === section);
    if (rows.length === 0) continue;
    out.push(`${title} (${rows.length}):`);
    for (const finding of rows)
      out.push(`  ${finding.orderNumber}: ${finding.detail}${fixText(finding, summary.apply)}`);
  }
  const counts = RECONCILE_SECTIONS.map(({ section }) => summary.counts[section]);
  const total = counts.reduce((a, b) => a + b, 0);
  out.push(
    `reconcile since ${summary.since}${summary.apply ? '' : ' (dry run)'}${summary.cancelled ? ' — cancelled' : ''}: ${summary.checked.sales} sales, ${summary.checked.orders} Starshipit orders, ${summary.checked.journal} journal orders compared; ${total === 0 ? 'both systems agree' : `${total} disagreement(s), ${summary.fixable} with a safe fix`}${summary.apply ? `; fixed ${summary.fixed}, failed ${summary.failed}` : ''}`,
    `calls: Cin7 Core ${summary.calls.dear}, Starshipit ${summary.calls.starshipit}`,
  );
  return out;
}

function fixText(finding: ReconcileFinding, apply: boolean): string {
  if (!finding.fix) return ' [reported only]';
  if (!apply) return ` [--apply: ${FIX_WORDS[finding.fix]}]`;
  return finding.outcome === 'fixed'
    ? ` [${FIX_DONE[finding.fix]}]`
    : ` [${FIX_WORDS[finding.fix]}: failed]`;
}

const FIX_WORDS: Record<ReconcileFix, string> = {
  import: 'import it',
  writeback: 'write the tracking back',
  adopt: 'record the order in the journal',
};

const FIX_DONE: Record<ReconcileFix, string> = {
  import: 'imported',
  writeback: 'tracking written back',
  adopt: 'recorded in the journal',
};
