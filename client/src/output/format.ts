/**
 * Readable lines for the "Dear Sync" output channel: one header per run, one line per engine event,
 * one summary. Pure (no `vscode`) so it is unit-tested in Node. Engine events never carry secrets
 * (engine contract); the output channel redacts every line as a second line of defence for free
 * text such as error messages (syncOutput.ts).
 */
import type { EngineEvent, RunMode, SummaryEvent } from '../../../protocol/events';

export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface OutputLine {
  level: LineLevel;
  text: string;
}

export interface RunHeader {
  at: Date;
  file: string;
  mode: RunMode;
  dryRun: boolean;
  apiVersion: number;
  onlyOrderNumbers?: number;
}

const API: Record<'dear' | 'starshipit', string> = { dear: 'Cin7 Core', starshipit: 'Starshipit' };
const seconds = (ms: number): string =>
  ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export function modeTitle(mode: RunMode, dryRun: boolean): string {
  const name = {
    import: 'Import',
    writeback: 'Tracking writeback',
    sync: 'Sync (import + writeback)',
    retry: 'Retry needs-attention items',
  }[mode];
  return dryRun ? `${name} — dry run (nothing is written)` : name;
}

export function formatHeader(h: RunHeader): string[] {
  return [
    '─'.repeat(72),
    `${modeTitle(h.mode, h.dryRun)}`,
    `  started  ${h.at.toISOString()}`,
    `  file     ${h.file}`,
    `  Cin7 Core API v${h.apiVersion}${h.onlyOrderNumbers !== undefined ? ` · limited to ${h.onlyOrderNumbers} previewed order(s)` : ''}`,
  ];
}

function payloadHint(order: Record<string, unknown>): string {
  const dest = (order.destination ?? {}) as Record<string, unknown>;
  const name = typeof dest.name === 'string' ? dest.name : '';
  const items = Array.isArray(order.items) ? order.items.length : 0;
  return `${name ? `for ${name}, ` : ''}${items} item${items === 1 ? '' : 's'}`;
}

/** One event → one line; progress and short limiter waits are `debug` lines (the progress UI shows them). */
export function formatEvent(e: EngineEvent): OutputLine {
  switch (e.type) {
    case 'order': {
      const verb = e.dryRun
        ? 'would create'
        : e.outcome === 'alreadyPresent'
          ? 'already in Starshipit (not created again)'
          : 'created';
      const id =
        e.starshipitOrderId !== undefined ? ` (Starshipit order ${e.starshipitOrderId})` : '';
      const warn = e.warnings?.length ? ` — warning: ${e.warnings.join('; ')}` : '';
      return {
        level: e.warnings?.length ? 'warn' : 'info',
        text: `order ${e.orderNumber}: ${verb}${id}, ${payloadHint(e.starshipit)} [sale ${e.source.saleId}${e.source.taskId ? `, fulfilment ${e.source.taskId}` : ''}]${warn}`,
      };
    }
    case 'skip':
      return { level: 'info', text: `order ${e.orderNumber}: skipped — ${e.reason} (${e.code})` };
    case 'writeback': {
      const lines = Array.isArray(e.dear.Lines) ? (e.dear.Lines as Record<string, unknown>[]) : [];
      const tracking = lines
        .map((l) => l.TrackingNumber)
        .filter((t) => typeof t === 'string' && t)
        .join(', ');
      const carrier = [
        ...new Set(lines.map((l) => l.Carrier).filter((c) => typeof c === 'string' && c)),
      ].join(', ');
      const verb = e.dryRun
        ? 'would write back'
        : e.outcome === 'alreadyDone'
          ? 'tracking already in Cin7 Core'
          : 'wrote back';
      return {
        level: 'info',
        text:
          `order ${e.orderNumber}: ${verb} ${carrier || 'carrier'} ${tracking || ''}`.trimEnd() +
          ` [fulfilment ${e.taskId}]`,
      };
    }
    case 'attention':
      return {
        level: 'warn',
        text: `needs attention${e.orderNumber ? ` — order ${e.orderNumber}` : ''}${e.saleId ? ` (sale ${e.saleId})` : ''}: ${e.reason} (${e.code}${e.retryable ? ', retryable' : ''})`,
      };
    case 'update':
      return {
        level: 'info',
        text: `order ${e.orderNumber}: ${e.dryRun ? 'would update' : 'updated'} — ${e.changes.map((c) => `${c.field}: ${short(c.before)} → ${short(c.after)}`).join('; ')}`,
      };
    case 'withdraw':
      return {
        level: 'info',
        text: `order ${e.orderNumber}: ${e.dryRun ? 'would withdraw' : 'withdrawn'} — ${e.reason}`,
      };
    case 'progress':
      return {
        level: 'debug',
        text: `progress: ${e.phase} ${e.done}${e.total !== undefined ? `/${e.total}` : ''}${e.message ? ` — ${e.message}` : ''}`,
      };
    case 'throttle':
      return {
        level: 'warn',
        text: `${API[e.api]} throttled the run (HTTP ${e.status}); every call pauses ${seconds(e.waitMs)}`,
      };
    case 'retry':
      return {
        level: 'warn',
        text: `${API[e.api]} call failed (${e.reason}); retry ${e.attempt} in ${seconds(e.waitMs)}`,
      };
    case 'wait':
      // Long holds are worth a line at the default level; the many short ones only at debug.
      return {
        level: e.waitMs >= 1000 ? 'info' : 'debug',
        text: `${API[e.api]} rate limit: waiting ${seconds(e.waitMs)} for a free slot`,
      };
    case 'log':
      return { level: e.level, text: e.message };
    case 'summary':
      return { level: 'info', text: formatSummary(e) };
  }
}

function short(v: unknown): string {
  const s = v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

export function formatSummary(s: SummaryEvent): string {
  const parts: string[] = [];
  if (s.mode !== 'writeback') parts.push(`${s.dryRun ? 'would create' : 'created'} ${s.created}`);
  if (s.alreadyPresent) parts.push(`already present ${s.alreadyPresent}`);
  parts.push(`skipped ${s.skipped}`);
  if (s.mode !== 'import')
    parts.push(`${s.dryRun ? 'would write back' : 'written back'} ${s.writtenBack}`);
  if (s.updated) parts.push(`${s.dryRun ? 'would update' : 'updated'} ${s.updated}`);
  if (s.withdrawn) parts.push(`${s.dryRun ? 'would withdraw' : 'withdrawn'} ${s.withdrawn}`);
  parts.push(`needs attention ${s.needsAttention}`);
  const calls = `calls: Cin7 Core ${s.calls.dear}, Starshipit ${s.calls.starshipit}`;
  const throttled =
    s.throttled.dear + s.throttled.starshipit > 0
      ? `; throttled: Cin7 Core ${s.throttled.dear}, Starshipit ${s.throttled.starshipit}`
      : '';
  const estimate = s.dryRun
    ? `; a live run needs about ${s.estimate.dearCalls} Cin7 Core calls, ~${formatDuration(s.estimate.seconds)}`
    : '';
  const notes = s.notes?.length ? `\n${s.notes.join('\n')}` : '';
  return `${s.cancelled ? 'CANCELLED — done before the stop: ' : 'Summary: '}${parts.join(', ')} (${calls}${throttled}${estimate})${notes}`;
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

const ORDER: Record<LineLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
/** Whether a line at `level` passes the `dear.logLevel` threshold. */
export function passes(level: LineLevel, threshold: LineLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}
