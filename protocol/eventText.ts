/**
 * Engine events in words: one line per event, the summary, the live counts and the "what is it doing
 * now" text. The CLI's human output, the extension's Dear Sync output, its progress notification,
 * status bar and preview all use these, so a run reads the same wherever it is watched. Pure (no
 * Node or editor API), so every area may import it. Events never carry secrets (engine contract);
 * front ends that show free text (error messages) still redact it.
 */
import type { Api, EngineEvent, RunMode, SummaryEvent } from './events';

export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface EventLine {
  level: LineLevel;
  text: string;
}

const API_NAMES: Record<Api, string> = { dear: 'Cin7 Core', starshipit: 'Starshipit' };

/** The vendor's name for an API, as every message writes it. */
export function apiName(api: Api): string {
  return API_NAMES[api];
}

/** A wait in milliseconds: `250 ms`, `1.5 s`, `12 s`. */
export function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A duration in seconds: `3 s`, `1 min`, `1 min 35 s`. */
export function formatDuration(totalSeconds: number): string {
  const rounded = Math.max(0, Math.round(totalSeconds));
  if (rounded < 60) return `${rounded} s`;
  const minutes = Math.floor(rounded / 60);
  return rounded % 60 ? `${minutes} min ${rounded % 60} s` : `${minutes} min`;
}

/** The title of a run, e.g. `Sync (import + writeback)`, with the dry-run note. */
export function modeTitle(mode: RunMode, dryRun: boolean): string {
  const name = {
    import: 'Import',
    writeback: 'Tracking writeback',
    sync: 'Sync (import + writeback)',
    retry: 'Retry needs-attention items',
  }[mode];
  return dryRun ? `${name} — dry run (nothing is written)` : name;
}

function payloadHint(order: Record<string, unknown>): string {
  const destination = (order.destination ?? {}) as Record<string, unknown>;
  const name = typeof destination.name === 'string' ? destination.name : '';
  const items = Array.isArray(order.items) ? order.items.length : 0;
  return `${name ? `for ${name}, ` : ''}${items} item${items === 1 ? '' : 's'}`;
}

function shortValue(value: unknown): string {
  const text =
    value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function orderLine(e: Extract<EngineEvent, { type: 'order' }>): EventLine {
  const verb = e.dryRun
    ? 'would create'
    : e.outcome === 'alreadyPresent'
      ? 'already in Starshipit (not created again)'
      : 'created';
  const id = e.starshipitOrderId !== undefined ? ` (Starshipit order ${e.starshipitOrderId})` : '';
  const account = e.account ? ` in Starshipit account ${e.account}` : '';
  const source = `sale ${e.source.saleId}${e.source.taskId ? `, fulfilment ${e.source.taskId}` : ''}`;
  const warnings = e.warnings?.length ? ` — warning: ${e.warnings.join('; ')}` : '';
  return {
    level: e.warnings?.length ? 'warn' : 'info',
    text: `order ${e.orderNumber}: ${verb}${account}${id}, ${payloadHint(e.starshipit)} [${source}]${warnings}`,
  };
}

function writebackLine(e: Extract<EngineEvent, { type: 'writeback' }>): EventLine {
  const lines = Array.isArray(e.dear.Lines) ? (e.dear.Lines as Record<string, unknown>[]) : [];
  const tracking = lines
    .map((line) => line.TrackingNumber)
    .filter((number) => typeof number === 'string' && number)
    .join(', ');
  const carriers = lines.map((line) => line.Carrier).filter((c) => typeof c === 'string' && c);
  const carrier = [...new Set(carriers)].join(', ');
  const verb = e.dryRun
    ? 'would write back'
    : e.outcome === 'alreadyDone'
      ? 'tracking already in Cin7 Core'
      : 'wrote back';
  const what = `${verb} ${carrier || 'carrier'} ${tracking}`.trimEnd();
  return { level: 'info', text: `order ${e.orderNumber}: ${what} [fulfilment ${e.taskId}]` };
}

function attentionLine(e: Extract<EngineEvent, { type: 'attention' }>): EventLine {
  const order = e.orderNumber ? ` — order ${e.orderNumber}` : '';
  const sale = e.saleId ? ` (sale ${e.saleId})` : '';
  const code = `${e.code}${e.retryable ? ', retryable' : ''}`;
  return { level: 'warn', text: `needs attention${order}${sale}: ${e.reason} (${code})` };
}

/** One event → one line; progress and short limiter waits are `debug` (progress UIs show them). */
export function eventLine(e: EngineEvent): EventLine {
  switch (e.type) {
    case 'order':
      return orderLine(e);
    case 'skip':
      return { level: 'info', text: `order ${e.orderNumber}: skipped — ${e.reason} (${e.code})` };
    case 'writeback':
      return writebackLine(e);
    case 'attention':
      return attentionLine(e);
    case 'update': {
      const changes = e.changes.map(
        (change) => `${change.field}: ${shortValue(change.before)} → ${shortValue(change.after)}`,
      );
      const verb = e.dryRun ? 'would update' : 'updated';
      return { level: 'info', text: `order ${e.orderNumber}: ${verb} — ${changes.join('; ')}` };
    }
    case 'withdraw': {
      const verb = e.dryRun ? 'would withdraw' : 'withdrawn';
      return { level: 'info', text: `order ${e.orderNumber}: ${verb} — ${e.reason}` };
    }
    case 'progress':
      return { level: 'debug', text: `progress: ${activityText(e)}` };
    case 'throttle':
      return {
        level: 'warn',
        text: `${apiName(e.api)} throttled the run (HTTP ${e.status}); every call pauses ${formatWait(e.waitMs)}`,
      };
    case 'retry':
      return {
        level: 'warn',
        text: `${apiName(e.api)} call failed (${e.reason}); retry ${e.attempt} in ${formatWait(e.waitMs)}`,
      };
    case 'wait':
      // Long holds are worth a line at the default level; the many short ones only at debug.
      return {
        level: e.waitMs >= 1000 ? 'info' : 'debug',
        text: `${apiName(e.api)} rate limit: waiting ${formatWait(e.waitMs)} for a free slot`,
      };
    case 'log':
      return { level: e.level, text: e.message };
    case 'summary':
      return { level: 'info', text: summaryText(e) };
  }
}

/**
 * What a run is doing now, for progress displays: `detail 15/40`, `waiting 4 s for the Cin7 Core
 * rate limit`, `Cin7 Core throttled (HTTP 429); waiting 60 s`. Undefined for other events.
 */
export function activityText(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'progress': {
      const total = e.total !== undefined ? `/${e.total}` : '';
      return `${e.phase} ${e.done}${total}${e.message ? ` — ${e.message}` : ''}`;
    }
    case 'wait':
      return `waiting ${Math.ceil(e.waitMs / 1000)} s for the ${apiName(e.api)} rate limit`;
    case 'throttle':
      return `${apiName(e.api)} throttled (HTTP ${e.status}); waiting ${Math.ceil(e.waitMs / 1000)} s`;
    default:
      return undefined;
  }
}

function summaryCounts(s: SummaryEvent): string[] {
  const counts: string[] = [];
  if (s.mode !== 'writeback') counts.push(`${s.dryRun ? 'would create' : 'created'} ${s.created}`);
  if (s.alreadyPresent) counts.push(`already present ${s.alreadyPresent}`);
  counts.push(`skipped ${s.skipped}`);
  if (s.mode !== 'import')
    counts.push(`${s.dryRun ? 'would write back' : 'written back'} ${s.writtenBack}`);
  if (s.updated) counts.push(`${s.dryRun ? 'would update' : 'updated'} ${s.updated}`);
  if (s.withdrawn) counts.push(`${s.dryRun ? 'would withdraw' : 'withdrawn'} ${s.withdrawn}`);
  counts.push(`needs attention ${s.needsAttention}`);
  return counts;
}

/** What is still parked after the run, e.g. `3 parked in all: 2 retried by later runs, 1 waiting …`. */
function parkedText(s: SummaryEvent): string {
  const parked = s.parked;
  if (!parked || parked.willRetry + parked.needsChange === 0) return '';
  return `; ${parked.willRetry + parked.needsChange} parked in all: ${parked.willRetry} retried by later runs, ${parked.needsChange} waiting for a change or "retry"`;
}

function summaryFigures(s: SummaryEvent): string {
  const calls = `calls: Cin7 Core ${s.calls.dear}, Starshipit ${s.calls.starshipit}`;
  const throttled =
    s.throttled.dear + s.throttled.starshipit > 0
      ? `; throttled: Cin7 Core ${s.throttled.dear}, Starshipit ${s.throttled.starshipit}`
      : '';
  const time = s.dryRun
    ? `; a live run needs about ${s.estimate.dearCalls} Cin7 Core calls, ~${formatDuration(s.estimate.seconds)}`
    : s.elapsedSeconds !== undefined
      ? `; took ${formatDuration(s.elapsedSeconds)}`
      : '';
  return `${calls}${throttled}${time}`;
}

/** The summary: one line of counts and figures, then the run's notes (one per line). */
export function summaryText(s: SummaryEvent): string {
  const lead = s.cancelled ? 'CANCELLED — done before the stop: ' : 'Summary: ';
  const notes = s.notes?.length ? `\n${s.notes.join('\n')}` : '';
  return `${lead}${summaryCounts(s).join(', ')} (${summaryFigures(s)}${parkedText(s)})${notes}`;
}

/** Counts of a run so far, for live progress: `12 created · 3 skipped · 0 needing attention — detail 15/40`. */
export class RunCounts {
  private created = 0;
  private skipped = 0;
  private attention = 0;
  private writtenBack = 0;
  private activity = '';

  constructor(
    private readonly mode: RunMode,
    private readonly dryRun = false,
  ) {}

  add(e: EngineEvent): void {
    if (e.type === 'order') this.created++;
    else if (e.type === 'skip') this.skipped++;
    else if (e.type === 'attention') this.attention++;
    else if (e.type === 'writeback') this.writtenBack++;
    else this.activity = activityText(e) ?? this.activity;
  }

  text(): string {
    const parts = [];
    if (this.mode !== 'writeback')
      parts.push(`${this.created} ${this.dryRun ? 'to create' : 'created'}`);
    if (this.mode !== 'import')
      parts.push(`${this.writtenBack} ${this.dryRun ? 'to write back' : 'written back'}`);
    parts.push(`${this.skipped} skipped`, `${this.attention} needing attention`);
    return `${parts.join(' · ')}${this.activity ? ` — ${this.activity}` : ''}`;
  }
}
