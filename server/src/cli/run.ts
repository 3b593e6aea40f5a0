/**
 * `dear-starshipit import|writeback|sync|retry|status` — drives the engine from a terminal.
 *
 * Exit codes: 0 everything done · 1 something needs attention (or the run could not finish:
 * state directory locked, cancelled) · 2 bad configuration or usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, RunMode, SummaryEvent } from '../../../protocol/events';
import type { DearSettings } from '../../../protocol/settings';
import { analyzeSettings, formatDiagnosticText } from '../config/index';
import {
  ConfigurationError,
  lockStateDir,
  readStatus,
  resolveStateDir,
  runEngine,
  type SecretLookup,
} from '../engine/index';
import { errorMessage } from '../../../protocol/errorMessage';

interface Flags {
  config: string;
  dryRun: boolean;
  json: boolean;
  state?: string;
  watch: boolean;
  intervalSeconds: number;
}

const USAGE = `usage: dear-starshipit import|writeback|sync|retry [--config FILE] [--dry-run] [--json] [--state DIR]
       dear-starshipit sync --watch [--interval SECONDS] [--config FILE] [--json] [--state DIR]
       dear-starshipit status [--config FILE] [--json] [--state DIR]

  --config FILE    settings file (default ./dear-starshipit.yaml)
  --dry-run        write nothing to either API; print exactly what would be sent, skips and an estimate
  --json           one JSON event per line on stdout; the last line is the summary
  --state DIR      state directory (default: engine.stateDir beside the settings file)
  --watch          sync, then again every --interval seconds (default 300) until Ctrl+C
`;

class UsageError extends Error {}

function parseFlags(args: string[], mode: RunMode | 'status'): Flags {
  const f: Flags = {
    config: 'dear-starshipit.yaml',
    dryRun: false,
    json: false,
    watch: false,
    intervalSeconds: 300,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--config' || a === '-c') f.config = value();
    else if (a.startsWith('--config=')) f.config = a.slice(9);
    else if (a === '--dry-run') f.dryRun = true;
    else if (a === '--json') f.json = true;
    else if (a === '--state') f.state = value();
    else if (a.startsWith('--state=')) f.state = a.slice(8);
    else if (a === '--watch' && mode === 'sync') f.watch = true;
    else if (a === '--interval' && mode === 'sync') {
      f.intervalSeconds = Number(value());
      if (!Number.isFinite(f.intervalSeconds) || f.intervalSeconds <= 0)
        throw new UsageError('--interval needs a positive number of seconds');
    } else throw new UsageError(`unknown option "${a}"`);
  }
  if (mode === 'status' && f.dryRun) throw new UsageError('status takes no --dry-run');
  return f;
}

/** `${env:NAME}` from the environment; `${secret:NAME}` from DEAR_STARSHIPIT_SECRET_<NAME>. */
export const cliSecrets: SecretLookup = (kind, name) =>
  kind === 'env' ? process.env[name] : process.env[`DEAR_STARSHIPIT_SECRET_${name}`];

/** Reads and validates the settings file; prints diagnostics like `validate` and returns undefined on errors. */
export function loadSettings(file: string): DearSettings | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(
      `dear-starshipit: cannot read settings file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`,
    );
    return undefined;
  }
  const { settings, diagnostics } = analyzeSettings(text, { fileName: file });
  const errors = diagnostics.filter((d) => d.severity === 1);
  for (const d of diagnostics)
    if (d.severity <= 2) process.stderr.write(formatDiagnosticText(file, d) + '\n');
  if (errors.length > 0 || !settings) {
    if (errors.length === 0) process.stderr.write(`${file}: the settings could not be read\n`);
    return undefined;
  }
  return settings;
}

/** `--state DIR` when given, else `engine.stateDir` beside the settings file (as the engine resolves it). */
function stateDirFor(flags: Flags, settings: DearSettings): string {
  return flags.state ? path.resolve(flags.state) : resolveStateDir(flags.config, settings);
}

export async function runCommand(mode: string, args: string[]): Promise<number> {
  const m = mode as RunMode | 'status';
  let flags: Flags;
  try {
    flags = parseFlags(args, m);
  } catch (err) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(`dear-starshipit ${mode}: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let settings = loadSettings(flags.config);
  if (!settings) return 2;
  if (m === 'status') return statusCommand(flags, settings);

  // `… | head` closes stdout early: stop quietly instead of dying on EPIPE mid-run.
  const controller = new AbortController();
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort();
  });
  let stops = 0;
  const onSignal = (): void => {
    stops++;
    if (stops > 1) process.exit(130); // second Ctrl+C: the journal is consistent at any instant
    if (!flags.json)
      process.stderr.write('\nstopping after the current call (Ctrl+C again to quit now)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printer = new Printer(flags.json, m);
  let watchLock: { release(): void } | undefined;
  try {
    if (flags.watch) {
      // A watcher owns its state directory between runs too.
      try {
        watchLock = lockStateDir(stateDirFor(flags, settings));
      } catch (err) {
        process.stderr.write(`dear-starshipit ${mode}: ${(err as Error).message}\n`);
        return 1;
      }
    }
    for (;;) {
      let summary: SummaryEvent;
      try {
        summary = await runEngine({
          settings,
          configPath: flags.config,
          stateDir: flags.state,
          mode: m,
          dryRun: flags.dryRun,
          secrets: cliSecrets,
          onEvent: (e) => printer.event(e),
          signal: controller.signal,
          lockHeld: watchLock !== undefined,
        });
      } catch (err) {
        printer.clear();
        const msg = errorMessage(err);
        process.stderr.write(`dear-starshipit ${mode}: ${msg}\n`);
        return err instanceof ConfigurationError ? 2 : 1;
      }
      // A single run stopped early did not do everything (1); stopping a watcher is its normal end.
      const code = summary.needsAttention > 0 || (summary.cancelled && !flags.watch) ? 1 : 0;
      if (!flags.watch || controller.signal.aborted) return code;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, flags.intervalSeconds * 1000);
        controller.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
      if (controller.signal.aborted) return code;
      // Pick up edits made while watching; a broken file keeps the last good settings.
      const next = loadSettings(flags.config);
      if (next) settings = next;
      else
        process.stderr.write(
          `dear-starshipit ${mode}: ${flags.config} has errors; the watcher keeps using the previous settings\n`,
        );
    }
  } finally {
    watchLock?.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function statusCommand(flags: Flags, settings: DearSettings): Promise<number> {
  const dir = stateDirFor(flags, settings);
  const st = await readStatus(dir);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ type: 'status', ...st }) + '\n');
  } else {
    const out = [
      `state: ${st.stateDir}`,
      `imported orders:     ${st.imported}`,
      `written back:        ${st.writtenBack}`,
      `pending writebacks:  ${st.pendingWritebacks}`,
      `needs attention:     ${st.needsAttention.length}`,
      ...st.needsAttention.map(
        (a) =>
          `  ! ${a.orderNumber ?? a.saleId ?? ''} [${a.code}${a.retryable ? ', retryable' : ''}] ${a.reason}`,
      ),
    ];
    if (st.lastRun) {
      const s = st.lastRun.summary;
      out.push(
        `last run: ${st.lastRun.at} ${st.lastRun.mode}${st.lastRun.dryRun ? ' (dry run)' : ''}: ${s.created} created, ${s.writtenBack} written back, ${s.needsAttention} need attention`,
      );
    }
    process.stdout.write(out.join('\n') + '\n');
  }
  return st.needsAttention.length > 0 ? 1 : 0;
}

/** What is still parked after the run, e.g. " (3 parked in all: 2 retried by later runs, 1 waiting for a change)". */
function parkedText(s: SummaryEvent): string {
  const p = s.parked;
  if (!p || p.willRetry + p.needsChange === 0) return '';
  return ` (${p.willRetry + p.needsChange} parked in all: ${p.willRetry} retried by later runs, ${p.needsChange} waiting for a change or "retry")`;
}

/** Human output with a one-line progress display on a TTY, or one JSON event per line. */
class Printer {
  private counts = { listed: 0, details: 0, created: 0, skipped: 0, attention: 0, written: 0 };
  private waitMs = 0;
  private progressShown = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly json: boolean,
    private readonly mode: string,
  ) {}

  clear(): void {
    if (this.progressShown) {
      process.stderr.write('\r\x1b[K');
      this.progressShown = false;
    }
  }

  private progress(): void {
    if (!this.tty || this.json) return;
    const c = this.counts;
    const line = `[${this.mode}] pages ${c.listed} · sales read ${c.details} · orders ${c.created} · skipped ${c.skipped} · written back ${c.written} · attention ${c.attention}${this.waitMs > 0 ? ` · limiter waiting ${(this.waitMs / 1000).toFixed(1)} s` : ''}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    this.progressShown = true;
  }

  private line(text: string, toErr = false): void {
    this.clear();
    (toErr ? process.stderr : process.stdout).write(text + '\n');
    this.progress();
  }

  event(e: EngineEvent): void {
    if (this.json) {
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    switch (e.type) {
      case 'progress':
        if (e.phase === 'list') this.counts.listed = e.done;
        if (e.phase === 'detail') this.counts.details = e.done;
        this.waitMs = 0;
        this.progress();
        break;
      case 'wait':
        this.waitMs = e.waitMs;
        this.progress();
        break;
      case 'order': {
        this.counts.created++;
        const verb = e.dryRun
          ? 'would create'
          : e.outcome === 'alreadyPresent'
            ? 'already in Starshipit'
            : 'created';
        const d = (e.starshipit.destination ?? {}) as Record<string, unknown>;
        const items = Array.isArray(e.starshipit.items) ? e.starshipit.items.length : 0;
        this.line(
          `+ ${e.orderNumber} ${verb}${e.starshipitOrderId ? ` (#${e.starshipitOrderId})` : ''}: ${String(d.name ?? '')}, ${[d.street, d.suburb, d.post_code, d.country].filter(Boolean).join(', ')} · ${items} item(s)${e.starshipit.shipping_method ? ` · ${String(e.starshipit.shipping_method)}` : ''}`,
        );
        for (const w of e.warnings ?? []) this.line(`    warning: ${w}`);
        break;
      }
      case 'skip':
        this.counts.skipped++;
        this.line(`- ${e.orderNumber} skipped [${e.code}]: ${e.reason}`);
        break;
      case 'writeback': {
        this.counts.written++;
        const lines = Array.isArray(e.dear.Lines)
          ? (e.dear.Lines as Record<string, unknown>[])
          : [];
        const verb = e.dryRun
          ? 'would write back'
          : e.outcome === 'alreadyDone'
            ? 'already written back'
            : 'written back';
        this.line(
          `> ${e.orderNumber} ${verb}: ${String(lines[0]?.Carrier ?? '')} ${lines.map((l) => String(l.TrackingNumber)).join(', ')}`,
        );
        break;
      }
      case 'attention':
        this.counts.attention++;
        this.line(
          `! ${e.orderNumber ?? e.saleId ?? ''} needs attention [${e.code}]: ${e.reason}`,
          true,
        );
        break;
      case 'throttle':
        this.line(
          `~ ${e.api} throttled (HTTP ${e.status}); every call paused ${(e.waitMs / 1000).toFixed(1)} s`,
          true,
        );
        break;
      case 'retry':
        this.line(`~ retry ${e.attempt} in ${(e.waitMs / 1000).toFixed(1)} s: ${e.reason}`, true);
        break;
      case 'log':
        if (e.level !== 'debug') this.line(`${e.level}: ${e.message}`, e.level !== 'info');
        break;
      case 'update':
        this.line(
          `* ${e.orderNumber} ${e.dryRun ? 'would update' : 'updated'}: ${e.changes.map((c) => c.field).join(', ')}`,
        );
        break;
      case 'withdraw':
        this.line(`x ${e.orderNumber} ${e.dryRun ? 'would withdraw' : 'withdrawn'}: ${e.reason}`);
        break;
      case 'summary': {
        this.clear();
        const s = e;
        const lines = [
          `${s.mode}${s.dryRun ? ' (dry run)' : ''}${s.cancelled ? ' — cancelled' : ''}: ${s.created} ${s.dryRun ? 'to create' : 'created'}, ${s.alreadyPresent} already present, ${s.skipped} skipped, ${s.writtenBack} ${s.dryRun ? 'to write back' : 'written back'}, ${s.updated} updated, ${s.withdrawn} withdrawn, ${s.needsAttention} need attention${parkedText(s)}`,
          `calls: Cin7 Core ${s.calls.dear}, Starshipit ${s.calls.starshipit}; throttled: ${s.throttled.dear}/${s.throttled.starshipit}`,
          `estimate for a live run: ${s.estimate.dearCalls} Cin7 Core calls, about ${s.estimate.seconds} s at the configured limit`,
          ...(s.notes ?? []),
        ];
        process.stdout.write(lines.join('\n') + '\n');
        break;
      }
    }
  }
}
