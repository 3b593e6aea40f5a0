/**
 * `dear-starshipit import|writeback|sync|retry|status` — drives the engine from a terminal.
 *
 * Exit codes: 0 everything done · 1 something needs attention (or the run could not finish:
 * state directory locked, cancelled, an API unavailable at the connection check) · 2 bad
 * configuration or usage (an unusable settings file or state directory included), or credentials
 * / a base URL refused by the connection check. Every error is one sentence on stderr and, with
 * `--json`, also one `{"type":"error", "code", …}` object on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, RunMode, SummaryEvent } from '../../../protocol/events';
import { eventLine, RunCounts, summaryText } from '../../../protocol/eventText';
import type { DearSettings } from '../../../protocol/settings';
import { formatDiagnosticText } from '../config/index';
import {
  EngineError,
  UnavailableError,
  lockStateDir,
  LockedError,
  readStatus,
  resolveStateDir,
} from '../engine/index';
import { loadSettingsFile, RunSecrets, runWithSettings } from '../frontDoor';
import { errorMessage } from '../../../protocol/errorMessage';
import { diagnosticRows, ErrorReporter } from './errorReport';
import { describeFsError, isFsError } from './fsErrors';
import { commandUsage, unknownOptionMessage } from './help';
import { tuneHeapForRuns } from '../heapTuning';

interface Flags {
  config: string;
  dryRun: boolean;
  json: boolean;
  state?: string;
  watch: boolean;
  intervalSeconds: number;
}

type CommandMode = RunMode | 'status';

class UsageError extends Error {}

const VALUE_FLAGS = ['--config', '--state', '--interval'];

/** Splits `--flag=value` into its two parts; other arguments are returned as they are. */
function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq > 2 && VALUE_FLAGS.includes(arg.slice(0, eq)))
    return [arg.slice(0, eq), arg.slice(eq + 1)];
  return [arg, undefined];
}

function parseFlags(args: string[], mode: CommandMode): Flags {
  const flags: Flags = {
    config: 'dear-starshipit.yaml',
    dryRun: false,
    json: false,
    watch: false,
    intervalSeconds: 300,
  };
  for (let i = 0; i < args.length; i++) {
    const [arg, inline] = splitInline(args[i]);
    const value = (): string => {
      const value = inline ?? args[++i];
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`${arg} needs a value`);
      return value;
    };
    if (arg === '--config' || arg === '-c') flags.config = value();
    else if (arg === '--dry-run' && mode !== 'status') flags.dryRun = true;
    else if (arg === '--json') flags.json = true;
    else if (arg === '--state') flags.state = value();
    else if (arg === '--watch' && mode === 'sync') flags.watch = true;
    else if (arg === '--interval' && mode === 'sync') {
      flags.intervalSeconds = Number(value());
      if (!Number.isFinite(flags.intervalSeconds) || flags.intervalSeconds <= 0)
        throw new UsageError('--interval needs a positive number of seconds');
    } else if (arg.startsWith('-')) throw new UsageError(unknownOptionMessage(mode, arg));
    else
      throw new UsageError(
        `unexpected argument "${arg}" (the settings file is given with --config FILE)`,
      );
  }
  return flags;
}

/**
 * Reads and checks the settings file through the front door; prints its diagnostics like
 * `validate` (on stderr) and returns undefined when it cannot be used, after reporting why through
 * `report`.
 */
export function loadSettings(file: string, report: ErrorReporter): DearSettings | undefined {
  const loaded = loadSettingsFile(file, { flag: '--config FILE' });
  for (const diagnostic of loaded.diagnostics)
    if (diagnostic.severity <= 2)
      process.stderr.write(formatDiagnosticText(file, diagnostic) + '\n');
  if (loaded.ok) return loaded.settings;
  const errors = loaded.diagnostics.filter((d) => d.severity === 1);
  report.fail(loaded.code, 2, loaded.message, {
    file: loaded.file,
    ...(loaded.code === 'settings-invalid' ? { diagnostics: diagnosticRows(errors) } : {}),
  });
  return undefined;
}

/**
 * Reads the settings file again for a command that keeps running (`sync --watch`, `serve`): its
 * problems are printed on stderr as at start; undefined means "keep the last good settings".
 */
export function reloadSettings(file: string, command: string): DearSettings | undefined {
  return loadSettings(file, new ErrorReporter(command, false));
}

/** `--state DIR` when given, else `engine.stateDir` beside the settings file (as the engine resolves it). */
function stateDirFor(flags: Flags, settings: DearSettings): string {
  return flags.state ? path.resolve(flags.state) : resolveStateDir(flags.config, settings);
}

/** Reports an error a run stopped on and returns the exit code (see the header for the codes). */
function reportRunError(err: unknown, report: ErrorReporter, stateDir: string): number {
  if (err instanceof LockedError) return report.fail(err.code, 1, err.message);
  if (err instanceof EngineError) {
    const usable = err.code === 'configuration' || err.code === 'state-dir';
    return report.fail(err.code, usable ? 2 : 1, err.message);
  }
  if (isFsError(err)) {
    const subject = { what: 'state directory', path: stateDir, flag: '--state DIR' };
    return report.fail('state-dir', 2, describeFsError(err, subject));
  }
  return report.fail('failed', 1, errorMessage(err));
}

export async function runCommand(mode: string, args: string[]): Promise<number> {
  const commandMode = mode as CommandMode;
  const report = new ErrorReporter(mode, args.includes('--json'));
  let flags: Flags;
  try {
    flags = parseFlags(args, commandMode);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    report.fail('usage', 2, err.message);
    process.stderr.write(`${commandUsage(mode)}\n`);
    return 2;
  }
  if (commandMode === 'status') return statusCommand(flags, report);
  tuneHeapForRuns();
  const settings = loadSettings(flags.config, report);
  if (!settings) return 2;
  const stateDir = stateDirFor(flags, settings);
  const stopper = listenForStop(flags);
  let watchLock: { release(): void } | undefined;
  try {
    if (flags.watch) {
      // A watcher owns its state directory between runs too.
      try {
        watchLock = lockStateDir(stateDir);
      } catch (err) {
        return reportRunError(err, report, stateDir);
      }
    }
    const printer = new Printer(flags.json, commandMode, flags.dryRun);
    return await runUntilDone(
      { mode: commandMode, flags, settings, stateDir, report, printer },
      stopper,
    );
  } finally {
    watchLock?.release();
    stopper.detach();
  }
}

/** One `run`/`sync` invocation: its flags, settings, output and error reporting. */
interface RunInvocation {
  mode: RunMode;
  flags: Flags;
  settings: DearSettings;
  stateDir: string;
  report: ErrorReporter;
  printer: Printer;
}

/**
 * Ctrl+C / SIGTERM stop after the current call; a second one quits at once. `… | head` closing
 * stdout early stops quietly instead of dying on EPIPE mid-run.
 */
function listenForStop(flags: Flags): { signal: AbortSignal; detach(): void } {
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
  return {
    signal: controller.signal,
    detach: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** One run, or with --watch runs every interval until stopped; the exit code of the last. */
async function runUntilDone(
  invocation: RunInvocation,
  stopper: { signal: AbortSignal },
): Promise<number> {
  const { flags, printer } = invocation;
  for (;;) {
    // A watcher holds the state directory's lock itself (taken before the first run).
    const outcome = await runOnce(invocation, stopper.signal, flags.watch);
    if (outcome.final || !flags.watch || stopper.signal.aborted) return outcome.code;
    await sleepUnlessStopped(flags.intervalSeconds * 1000, stopper.signal);
    if (stopper.signal.aborted) return outcome.code;
    // Pick up edits made while watching; a broken file keeps the last good settings.
    const next = reloadSettings(flags.config, invocation.mode);
    if (next) invocation.settings = next;
    else
      printer.event({
        type: 'log',
        level: 'warn',
        message: `${path.resolve(flags.config)} cannot be used (see above); the watcher keeps using the previous settings`,
      });
  }
}

/** One engine run; `final` when its failure ends even a watcher. */
async function runOnce(
  invocation: RunInvocation,
  signal: AbortSignal,
  lockHeld: boolean,
): Promise<{ code: number; final: boolean }> {
  const { flags, printer } = invocation;
  try {
    const summary: SummaryEvent = await runWithSettings({
      settings: invocation.settings,
      configPath: flags.config,
      stateDir: flags.state,
      mode: invocation.mode,
      dryRun: flags.dryRun,
      secrets: new RunSecrets(),
      onEvent: (e) => printer.event(e),
      signal,
      lockHeld,
    });
    // A single run stopped early did not do everything (1); stopping a watcher is its normal end.
    const code = summary.needsAttention > 0 || (summary.cancelled && !flags.watch) ? 1 : 0;
    return { code, final: false };
  } catch (err) {
    printer.clear();
    const failed = reportRunError(err, invocation.report, invocation.stateDir);
    // A watcher rides out an outage; anything else stops it.
    return { code: failed, final: !(flags.watch && err instanceof UnavailableError) };
  }
}

function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Where `status` reads: `--state DIR` needs no settings file; otherwise engine.stateDir of --config. */
function statusDir(flags: Flags, report: ErrorReporter): string | undefined {
  if (flags.state) return path.resolve(flags.state);
  const settings = loadSettings(flags.config, report);
  return settings ? resolveStateDir(flags.config, settings) : undefined;
}

async function statusCommand(flags: Flags, report: ErrorReporter): Promise<number> {
  const dir = statusDir(flags, report);
  if (!dir) return 2;
  let exists = false;
  try {
    const info = fs.statSync(dir);
    if (!info.isDirectory())
      return report.fail(
        'state-dir',
        2,
        `the state directory ${dir} is a file, not a folder; name the state directory with --state DIR.`,
      );
    exists = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return report.fail(
        'state-dir',
        2,
        describeFsError(err, { what: 'state directory', path: dir, flag: '--state DIR' }),
      );
  }
  let status: Awaited<ReturnType<typeof readStatus>>;
  try {
    status = await readStatus(dir);
  } catch (err) {
    return reportRunError(err, report, dir);
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify({ type: 'status', ...status }) + '\n');
  } else {
    const out = [
      `state: ${status.stateDir}${exists ? '' : ' (does not exist yet: no run has used it)'}`,
      `imported orders:     ${status.imported}`,
      `written back:        ${status.writtenBack}`,
      `pending writebacks:  ${status.pendingWritebacks}`,
      `needs attention:     ${status.needsAttention.length}`,
      ...status.needsAttention.map(
        (a) =>
          `  ! ${a.orderNumber ?? a.saleId ?? ''} [${a.code}${a.retryable ? ', retryable' : ''}] ${a.reason}`,
      ),
    ];
    if (status.lastRun) {
      const summary = status.lastRun.summary;
      out.push(
        `last run: ${status.lastRun.at} ${status.lastRun.mode}${status.lastRun.dryRun ? ' (dry run)' : ''}: ${summary.created} created, ${summary.writtenBack} written back, ${summary.needsAttention} need attention`,
      );
    }
    process.stdout.write(out.join('\n') + '\n');
  }
  return status.needsAttention.length > 0 ? 1 : 0;
}

/**
 * Human output in the words every front end uses (protocol/eventText.ts), with a one-line live
 * count on a TTY; or, with `--json`, one JSON event per line.
 */
class Printer {
  private counts: RunCounts;
  private progressShown = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly json: boolean,
    private readonly mode: RunMode,
    private readonly dryRun: boolean,
  ) {
    this.counts = new RunCounts(mode, dryRun);
  }

  clear(): void {
    if (this.progressShown) {
      process.stderr.write('\r\x1b[K');
      this.progressShown = false;
    }
  }

  private progress(): void {
    if (!this.tty || this.json) return;
    const line = `[${this.mode}] ${this.counts.text()}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    this.progressShown = true;
  }

  private line(text: string, toStderr: boolean): void {
    this.clear();
    (toStderr ? process.stderr : process.stdout).write(text + '\n');
    this.progress();
  }

  event(event: EngineEvent): void {
    if (this.json) {
      process.stdout.write(JSON.stringify(event) + '\n');
      return;
    }
    this.counts.add(event);
    if (event.type === 'summary') {
      this.clear();
      process.stdout.write(summaryText(event) + '\n');
      // A watcher's next run counts from zero.
      this.counts = new RunCounts(this.mode, this.dryRun);
      return;
    }
    const { level, text } = eventLine(event);
    // Progress and limiter holds only move the live count; a TTY shows it.
    if (
      event.type === 'progress' ||
      event.type === 'wait' ||
      level === 'debug' ||
      level === 'trace'
    ) {
      this.progress();
      return;
    }
    this.line(text, toStderr(event));
  }
}

/** Problems and warnings go to stderr; what was done (orders, skips, writebacks) to stdout. */
function toStderr(event: EngineEvent): boolean {
  if (event.type === 'attention' || event.type === 'throttle' || event.type === 'retry')
    return true;
  return event.type === 'log' && event.level !== 'info';
}
