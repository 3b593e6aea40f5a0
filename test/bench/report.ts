/**
 * The one table `npm run bench` prints, and the JSON file it writes. Every row is a figure with
 * the comparison it belongs to (ours / baseline / limit side by side) and, for the goals listed
 * in README (Performance), a met / not met verdict. Benchmarks never fail on a time: verdicts are printed, the
 * process exits 0 unless the benchmark itself could not run.
 */

export type Verdict = 'met' | 'not met' | '';

export interface Row {
  section: string;
  metric: string;
  ours: string;
  /** The naive baseline, yaml-language-server, or the Red Hat VSIX — whatever this row compares with. */
  other?: string;
  /** The API limit / theoretical figure, or the goal. */
  limit?: string;
  verdict?: Verdict;
  note?: string;
}

export class Report {
  readonly rows: Row[] = [];
  /** Raw figures per scenario, written to bench-results-<timestamp>.json. */
  readonly figures: Record<string, unknown> = {};

  add(row: Row): void {
    this.rows.push(row);
  }

  notMeasured(section: string, metric: string, reason: string): void {
    this.rows.push({ section, metric, ours: 'not measured', note: reason });
  }

  /** Plain-text table for the terminal (fixed-width columns, long notes wrapped below). */
  text(): string {
    const head: Row = {
      section: 'Section',
      metric: 'Metric',
      ours: 'Ours',
      other: 'Compared with',
      limit: 'Limit / goal',
      verdict: '',
    };
    const cols = (r: Row) => [
      r.section,
      r.metric,
      r.ours,
      r.other ?? '',
      r.limit ?? '',
      r.verdict ? r.verdict.toUpperCase() : '',
    ];
    const all = [head, ...this.rows].map(cols);
    const widths = all[0].map((_, i) =>
      Math.min(i === 1 ? 52 : 40, Math.max(...all.map((c) => c[i].length))),
    );
    const fmt = (c: string[]) =>
      c
        .map((v, i) => v.padEnd(widths[i]))
        .join(' │ ')
        .trimEnd();
    const lines = [fmt(all[0]), widths.map((w) => '─'.repeat(w)).join('─┼─')];
    for (const r of this.rows) {
      lines.push(fmt(cols(r)));
      if (r.note) lines.push(`${' '.repeat(widths[0])} │   ↳ ${r.note}`);
    }
    return lines.join('\n');
  }

  /** Markdown table (for README's Performance section). */
  markdown(): string {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const lines = [
      '| Section | Metric | Ours | Compared with | Limit / goal | Goal |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    for (const r of this.rows) {
      const metric = r.note ? `${r.metric} — ${r.note}` : r.metric;
      lines.push(
        `| ${[r.section, metric, r.ours, r.other ?? '', r.limit ?? '', r.verdict ?? ''].map(esc).join(' | ')} |`,
      );
    }
    return lines.join('\n');
  }
}

export const fmt = {
  n(v: number, digits = 0): string {
    return Number.isFinite(v)
      ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : 'n/a';
  },
  pct(v: number, digits = 1): string {
    return Number.isFinite(v) ? `${(v * 100).toFixed(digits)} %` : 'n/a';
  },
  s(ms: number): string {
    return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a';
  },
  ms(v: number): string {
    if (!Number.isFinite(v)) return 'n/a';
    return v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
  },
  mb(bytes: number): string {
    return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
  },
  kb(bytes: number): string {
    return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : 'n/a';
  },
};

export function verdict(ok: boolean): Verdict {
  return ok ? 'met' : 'not met';
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
