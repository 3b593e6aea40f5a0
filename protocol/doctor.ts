/**
 * The report of `dear-starshipit doctor` and **Dear: Check Connection**: a few read-only calls to
 * each API, the shapes the engine relies on, courier mappings and sale statuses. The CLI prints it
 * (`--json`: this object), the extension shows it in the Dear Sync output.
 */
import type { Api } from './events';

/** `problem` makes the doctor exit 1; the others are for reading. */
export type DoctorStatus = 'ok' | 'info' | 'warning' | 'problem';

export interface DoctorCheck {
  /** Stable identifier, e.g. `dear.credentials`, `shape.saleListRow`, `mapping.carrier`. */
  id: string;
  api: Api;
  status: DoctorStatus;
  /** One line: what was checked and what was found. */
  message: string;
}

export interface DoctorApiHealth {
  api: Api;
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
  starshipit: DoctorApiHealth;
  checks: DoctorCheck[];
  /** Where `--save-samples` wrote the observed answers (secrets scrubbed, personal data masked). */
  samples?: { dir: string; files: string[] };
}

const MARK: Record<DoctorStatus, string> = { ok: '✓', info: '·', warning: '!', problem: '✗' };
const API_NAME: Record<Api, string> = { dear: 'Cin7 Core', starshipit: 'Starshipit' };

function healthLine(h: DoctorApiHealth): string {
  const latency = h.latencyMs
    ? `latency ${h.latencyMs.average} ms average, ${h.latencyMs.max} ms max`
    : 'no answer';
  return `${API_NAME[h.api]}: credentials ${h.credentials} · ${h.calls} call(s) · ${latency} · throttled ${h.throttled}`;
}

/** The report as text lines (the CLI's output and the Dear Sync output channel). */
export function formatDoctorReport(r: DoctorReport): string[] {
  const lines: string[] = [];
  for (const h of [r.dear, r.starshipit]) {
    lines.push(healthLine(h), `  headroom: ${h.headroom}`);
    for (const c of r.checks.filter((x) => x.api === h.api))
      lines.push(`  ${MARK[c.status]} ${c.message}`);
  }
  if (r.samples)
    lines.push(
      `samples: ${r.samples.files.length} file(s) in ${r.samples.dir} (personal data masked, credentials scrubbed)`,
    );
  lines.push(
    r.result === 'ok'
      ? `doctor: no problem found${r.warnings ? ` (${r.warnings} warning(s))` : ''}`
      : `doctor: ${r.problems} problem(s)${r.warnings ? `, ${r.warnings} warning(s)` : ''} found`,
  );
  return lines;
}
