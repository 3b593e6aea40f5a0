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
function apiName(api: Api): string {
  return API_NAMES[api];
}

/** A wait in milliseconds: `250 ms`, `1.5 s`, `12 s`. */
function formatWait(ms: number): string {
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

function orderLine(event: Extract<EngineEvent, { type: 'order' }>): EventLine {
  const verb = event.dryRun
    ? 'would create'
    : event.outcome === 'alreadyPresent'
      ? 'already in Starshipit (not created again)'
      : 'created';
  const id =
    event.starshipitOrderId !== undefined ? ` (Starshipit order ${event.starshipitOrderId})` : '';
  const account = event.account ? ` in Starshipit account ${event.account}` : '';
  const source = `sale ${event.source.saleId}${event.source.taskId ? `, fulfilment ${event.source.taskId}` : ''}`;
  const warnings = event.warnings?.length ? ` — warning: ${event.warnings.join('; ')}` : '';
  return {
    level: event.warnings?.length ? 'warn' : 'info',
    text: `order ${event.orderNumber}: ${verb}${account}${id}, ${payloadHint(event.starshipit)} [${source}]${warnings}`,
  };
}

function writebackLine(event: Extract<EngineEvent, { type: 'writeback' }>): EventLine {
  const lines = Array.isArray(event.dear.Lines)
    ? (event.dear.Lines as Record<string, unknown>[])
    : [];
  const tracking = lines
    .map((line) => line.TrackingNumber)
    .filter((number) => typeof number === 'string' && number)
    .join(', ');
  const carriers = lines.map((line) => line.Carrier).filter((c) => typeof c === 'string' && c);
  const carrier = [...new Set(carriers)].join(', ');
  const verb = event.dryRun
    ? 'would write back'
    : event.outcome === 'alreadyDone'
      ? 'tracking already in Cin7 Core'
      : 'wrote back';
  const what = `${verb} ${carrier || 'carrier'} ${tracking}`.trimEnd();
  return {
    level: 'info',
    text: `order ${event.orderNumber}: ${what} [fulfilment ${event.taskId}]`,
  };
}

function attentionLine(event: Extract<EngineEvent, { type: 'attention' }>): EventLine {
  const order = event.orderNumber ? ` — order ${event.orderNumber}` : '';
  const sale = event.saleId ? ` (sale ${event.saleId})` : '';
  const code = `${event.code}${event.retryable ? ', retryable' : ''}`;
  return { level: 'warn', text: `needs attention${order}${sale}: ${event.reason} (${code})` };
}

/** One event → one line; progress and short limiter waits are `debug` (progress UIs show them). */
export function eventLine(event: EngineEvent): EventLine {
  switch (event.type) {
    case 'order':
      return orderLine(event);
    case 'skip':
      return {
        level: 'info',
        text: `order ${event.orderNumber}: skipped — ${event.reason} (${event.code})`,
      };
    case 'writeback':
      return writebackLine(event);
    case 'attention':
      return attentionLine(event);
    case 'update': {
      const changes = event.changes.map(
        (change) => `${change.field}: ${shortValue(change.before)} → ${shortValue(change.after)}`,
      );
      const verb = event.dryRun ? 'would update' : 'updated';
      return { level: 'info', text: `order ${event.orderNumber}: ${verb} — ${changes.join('; ')}` };
    }
    case 'withdraw': {
      const verb = event.dryRun ? 'would withdraw' : 'withdrawn';
      return { level: 'info', text: `order ${event.orderNumber}: ${verb} — ${event.reason}` };
    }
    case 'progress':
      return { level: 'debug', text: `progress: ${activityText(event)}` };
    case 'throttle':
      return {
        level: 'warn',
        text: `${apiName(event.api)} throttled the run (HTTP ${event.status}); every call pauses ${formatWait(event.waitMs)}`,
      };
    case 'retry':
      return {
        level: 'warn',
        text: `${apiName(event.api)} call failed (${event.reason}); retry ${event.attempt} in ${formatWait(event.waitMs)}`,
      };
    case 'wait':
      // Long holds are worth a line at the default level; the many short ones only at debug.
      return {
        level: event.waitMs >= 1000 ? 'info' : 'debug',
        text: `${apiName(event.api)} rate limit: waiting ${formatWait(event.waitMs)} for a free slot`,
      };
    case 'log':
      return { level: event.level, text: event.message };
    case 'summary':
      return { level: 'info', text: summaryText(event) };
  }
}

/**
 * What a run is doing now, for progress displays: `detail 15/40`, `waiting 4 s for the Cin7 Core
 * rate limit`, `Cin7 Core throttled (HTTP 429); waiting 60 s`. Undefined for other events.
 */
export function activityText(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'progress': {
      const total = event.total !== undefined ? `/${event.total}` : '';
      return `${event.phase} ${event.done}${total}${event.message ? ` — ${event.message}` : ''}`;
    }
    case 'wait':
      return `waiting ${Math.ceil(event.waitMs / 1000)} s for the ${apiName(event.api)} rate limit`;
    case 'throttle':
      return `${apiName(event.api)} throttled (HTTP ${event.status}); waiting ${Math.ceil(event.waitMs / 1000)} s`;
    default:
      return undefined;
  }
}

function summaryCounts(summary: SummaryEvent): string[] {
  const counts: string[] = [];
  if (summary.mode !== 'writeback')
    counts.push(`${summary.dryRun ? 'would create' : 'created'} ${summary.created}`);
  if (summary.alreadyPresent) counts.push(`already present ${summary.alreadyPresent}`);
  counts.push(`skipped ${summary.skipped}`);
  if (summary.mode !== 'import')
    counts.push(`${summary.dryRun ? 'would write back' : 'written back'} ${summary.writtenBack}`);
  if (summary.updated)
    counts.push(`${summary.dryRun ? 'would update' : 'updated'} ${summary.updated}`);
  if (summary.withdrawn)
    counts.push(`${summary.dryRun ? 'would withdraw' : 'withdrawn'} ${summary.withdrawn}`);
  counts.push(`needs attention ${summary.needsAttention}`);
  return counts;
}

/** What is still parked after the run, e.g. `3 parked in all: 2 retried by later runs, 1 waiting …`. */
function parkedText(summary: SummaryEvent): string {
  const parked = summary.parked;
  if (!parked || parked.willRetry + parked.needsChange === 0) return '';
  return `; ${parked.willRetry + parked.needsChange} parked in all: ${parked.willRetry} retried by later runs, ${parked.needsChange} waiting for a change or "retry"`;
}

function summaryFigures(summary: SummaryEvent): string {
  const calls = `calls: Cin7 Core ${summary.calls.dear}, Starshipit ${summary.calls.starshipit}`;
  const throttled =
    summary.throttled.dear + summary.throttled.starshipit > 0
      ? `; throttled: Cin7 Core ${summary.throttled.dear}, Starshipit ${summary.throttled.starshipit}`
      : '';
  const time = summary.dryRun
    ? `; a live run needs about ${summary.estimate.dearCalls} Cin7 Core calls, ~${formatDuration(summary.estimate.seconds)}`
    : summary.elapsedSeconds !== undefined
      ? `; took ${formatDuration(summary.elapsedSeconds)}`
      : '';
  return `${calls}${throttled}${time}`;
}

/** The summary: one line of counts and figures, then the run's notes (one per line). */
export function summaryText(summary: SummaryEvent): string {
  const lead = summary.cancelled ? 'CANCELLED — done before the stop: ' : 'Summary: ';
  const notes = summary.notes?.length ? `\n${summary.notes.join('\n')}` : '';
  return `${lead}${summaryCounts(summary).join(', ')} (${summaryFigures(summary)}${parkedText(summary)})${notes}`;
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

  add(event: EngineEvent): void {
    if (event.type === 'order') this.created++;
    else if (event.type === 'skip') this.skipped++;
    else if (event.type === 'attention') this.attention++;
    else if (event.type === 'writeback') this.writtenBack++;
    else this.activity = activityText(event) ?? this.activity;
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
