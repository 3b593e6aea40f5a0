/**
 * The report of `dear-starshipit doctor` and **Dear: Check Connection**: a few read-only calls to
 * Cin7 Core and to every Starshipit account, the shapes the engine relies on, courier mappings and
 * sale statuses. The CLI prints it (`--json`: this object), the extension shows it in the Dear
 * Sync output.
 */
import type { Api } from './events';
import { DEFAULT_ACCOUNT } from './settings';

/** `problem` makes the doctor exit 1; the others are for reading. */
export type DoctorStatus = 'ok' | 'info' | 'warning' | 'problem';

export interface DoctorCheck {
  /** Stable identifier, e.g. `dear.credentials`, `shape.saleListRow`, `mapping.carrier`. */
  id: string;
  api: Api;
  /** The Starshipit account checked (`default` or a `warehouses.accounts` name); Starshipit only. */
  account?: string;
  status: DoctorStatus;
  /** One line: what was checked and what was found. */
  message: string;
}

export interface DoctorApiHealth {
  api: Api;
  /** The Starshipit account (`default` or a `warehouses.accounts` name); Starshipit only. */
  account?: string;
  /** `unknown`: no answer came back (network, timeout, server error), so nothing was proven. */
  credentials: 'accepted' | 'rejected' | 'unknown';
  /** Requests sent, including retries. */
  calls: number;
  /** Round trips of answered requests. */
  latencyMs?: { average: number; max: number };
  throttled: number;
  /** Rate-limit headroom as seen: the vendor's headers when it sends any, and our own limiter. */
  headroom: string;
}

export interface DoctorReport {
  type: 'doctor';
  at: string;
  /** `ok`: no problem found (exit 0); `problems`: at least one (exit 1). */
  result: 'ok' | 'problems';
  problems: number;
  warnings: number;
  dear: DoctorApiHealth;
  /** The `starshipit` section's account (`default`). */
  starshipit: DoctorApiHealth;
  /** Each `warehouses.accounts` Starshipit account, in settings order (empty when there is none). */
  accounts: DoctorApiHealth[];
  checks: DoctorCheck[];
  /** Where `--save-samples` wrote the observed answers (secrets scrubbed, personal data masked). */
  samples?: { dir: string; files: string[] };
}

const MARK: Record<DoctorStatus, string> = { ok: '✓', info: '·', warning: '!', problem: '✗' };
const API_NAME: Record<Api, string> = { dear: 'Cin7 Core', starshipit: 'Starshipit' };

/** `Starshipit account nz` when the report covers more than one Starshipit account. */
function healthName(health: DoctorApiHealth, manyAccounts: boolean): string {
  return health.api === 'starshipit' && manyAccounts
    ? `${API_NAME.starshipit} account ${health.account ?? DEFAULT_ACCOUNT}`
    : API_NAME[health.api];
}

function healthLine(health: DoctorApiHealth, manyAccounts: boolean): string {
  const latency = health.latencyMs
    ? `latency ${health.latencyMs.average} ms average, ${health.latencyMs.max} ms max`
    : 'no answer';
  return `${healthName(health, manyAccounts)}: credentials ${health.credentials} · ${health.calls} call(s) · ${latency} · throttled ${health.throttled}`;
}

/** The checks of one API, and for Starshipit of one account (no account: `default`). */
function checksOf(report: DoctorReport, health: DoctorApiHealth): DoctorCheck[] {
  const account = (check: { account?: string }): string => check.account ?? DEFAULT_ACCOUNT;
  return report.checks.filter(
    (check) =>
      check.api === health.api && (health.api === 'dear' || account(check) === account(health)),
  );
}

/** The report as text lines (the CLI's output and the Dear Sync output channel). */
export function formatDoctorReport(report: DoctorReport): string[] {
  const lines: string[] = [];
  const accounts = report.accounts;
  for (const health of [report.dear, report.starshipit, ...accounts]) {
    lines.push(healthLine(health, accounts.length > 0), `  headroom: ${health.headroom}`);
    for (const check of checksOf(report, health))
      lines.push(`  ${MARK[check.status]} ${check.message}`);
  }
  if (report.samples)
    lines.push(
      `samples: ${report.samples.files.length} file(s) in ${report.samples.dir} (personal data masked, credentials scrubbed)`,
    );
  lines.push(
    report.result === 'ok'
      ? `doctor: no problem found${report.warnings ? ` (${report.warnings} warning(s))` : ''}`
      : `doctor: ${report.problems} problem(s)${report.warnings ? `, ${report.warnings} warning(s)` : ''} found`,
  );
  return lines;
}
