/**
 * `dear-starshipit serve` — runs the service (server/src/service/service.ts) until SIGTERM/SIGINT.
 *
 * Logs: one JSON object per line on stdout (engine and service events, each with `at` and, during
 * a run, `run`), or readable lines when stdout is a terminal (unless `--json`). Exit codes: 0
 * stopped by a signal · 1 the state directory is in use by another engine · 2 bad usage or
 * configuration (settings, a credential without a value, the listen address).
 */
import * as path from 'node:path';
import type { EngineEvent } from '../../../protocol/events';
import { errorMessage } from '../../../protocol/errorMessage';
import { LockedError, lockStateDir, resolveStateDir } from '../engine/index';
import { Service, ServiceStartError, type ServiceLine } from '../service/service';
import type { ServiceMode } from '../service/health';
import { ErrorReporter } from './errorReport';
import { describeFsError, isFsError } from './fsErrors';
import { commandUsage, unknownOptionMessage } from './help';
import { RunSecrets } from '../frontDoor';
import { loadSettings, reloadSettings } from './run';

interface ServeFlags {
  config: string;
  json: boolean;
  state?: string;
}

function parseServeFlags(args: string[]): ServeFlags | string {
  const flags: ServeFlags = { config: 'dear-starshipit.yaml', json: false };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] =
      args[i].startsWith('--') && args[i].includes('=')
        ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)]
        : [args[i], undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '--json') flags.json = true;
    else if (name === '--config' || name === '-c' || name === '--state') {
      const v = value();
      if (!v || (inline === undefined && v.startsWith('--'))) return `${name} needs a value`;
      if (name === '--state') flags.state = v;
      else flags.config = v;
    } else if (name.startsWith('-')) return unknownOptionMessage('serve', name);
    else return `unexpected argument "${name}" (the settings file is given with --config FILE)`;
  }
  return flags;
}

export async function serveCommand(args: string[]): Promise<number> {
  const report = new ErrorReporter('serve', args.includes('--json'));
  const flags = parseServeFlags(args);
  if (typeof flags === 'string') {
    report.fail('usage', 2, flags);
    process.stderr.write(`${commandUsage('serve')}\n`);
    return 2;
  }
  const settings = loadSettings(flags.config, report);
  if (!settings) return 2;
  const stateDir = flags.state
    ? path.resolve(flags.state)
    : resolveStateDir(flags.config, settings);
  let lock: { release(): void };
  try {
    lock = lockStateDir(stateDir);
  } catch (err) {
    if (err instanceof LockedError) return report.fail(err.code, 1, `cannot start: ${err.message}`);
    if (isFsError(err))
      return report.fail(
        'state-dir',
        2,
        describeFsError(err, { what: 'state directory', path: stateDir, flag: '--state DIR' }),
      );
    throw err;
  }
  const controller = new AbortController();
  const writer = new LogWriter(flags.json || !process.stdout.isTTY);
  let stops = 0;
  const onSignal = (): void => {
    stops++;
    if (stops > 1) process.exit(130); // the journal is consistent at any instant
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const service = new Service({
      configPath: flags.config,
      stateDir,
      settings,
      reload: () => reloadSettings(flags.config, 'serve'),
      secrets: new RunSecrets(),
      emit: (e, run) => writer.write(e, run),
      signal: controller.signal,
    });
    await service.run();
    return 0;
  } catch (err) {
    if (err instanceof ServiceStartError) return report.fail('configuration', 2, err.message);
    if (err instanceof Error && /^service\.listen /.test(err.message))
      return report.fail('listen', 2, err.message);
    return report.fail('failed', 1, errorMessage(err));
  } finally {
    lock.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** JSON lines (with `at` and `run`) or readable lines; progress and waits only in JSON. */
class LogWriter {
  constructor(private readonly json: boolean) {}

  write(e: ServiceLine, run?: ServiceMode): void {
    const at = new Date().toISOString();
    if (this.json) {
      process.stdout.write(JSON.stringify({ at, ...(run ? { run } : {}), ...e }) + '\n');
      return;
    }
    const text = humanText(e);
    if (text) process.stdout.write(`${at} ${run ? `[${run}] ` : ''}${text}\n`);
  }
}

function humanText(e: ServiceLine): string | undefined {
  switch (e.type) {
    case 'service':
      return `${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
    case 'progress':
    case 'wait':
      return undefined;
    default:
      return engineText(e);
  }
}

function engineText(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'order':
      return `+ ${e.orderNumber} ${e.outcome === 'alreadyPresent' ? 'already in Starshipit' : 'created'}`;
    case 'writeback':
      return `> ${e.orderNumber} ${e.outcome === 'alreadyDone' ? 'already written back' : 'written back'}`;
    case 'update':
      return `* ${e.orderNumber} updated: ${e.changes.map((c) => c.field).join(', ')}`;
    case 'withdraw':
      return `x ${e.orderNumber} withdrawn: ${e.reason}`;
    case 'attention':
      return `! ${e.orderNumber ?? e.saleId ?? ''} needs attention [${e.code}]: ${e.reason}`;
    case 'throttle':
      return `~ ${e.api} throttled (HTTP ${e.status})`;
    case 'retry':
      return `~ retry ${e.attempt}: ${e.reason}`;
    case 'log':
      return e.level === 'debug' ? undefined : `${e.level}: ${e.message}`;
    case 'summary':
      return `${e.mode}${e.cancelled ? ' (stopped)' : ''}: ${e.created} created, ${e.writtenBack} written back, ${e.updated} updated, ${e.withdrawn} withdrawn, ${e.needsAttention} need attention · calls: Cin7 Core ${e.calls.dear}, Starshipit ${e.calls.starshipit}`;
    default:
      return undefined;
  }
}
