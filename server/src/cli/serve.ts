/**
 * `dear-starshipit serve` — runs the service (server/src/service/service.ts) until SIGTERM/SIGINT.
 *
 * Logs: one JSON object per line on stdout (engine and service events, each with `at` and, during
 * a run, `run`), or readable lines when stdout is a terminal (unless `--json`). Exit codes: 0
 * stopped by a signal · 1 the state directory is in use by another engine · 2 bad usage or
 * configuration (settings, a credential without a value, the listen address).
 */
import * as path from 'node:path';
import { eventLine } from '../../../protocol/eventText';
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
      const given = value();
      if (!given || (inline === undefined && given.startsWith('--')))
        return `${name} needs a value`;
      if (name === '--state') flags.state = given;
      else flags.config = given;
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

/** JSON lines (with `at` and `run`) or readable lines; progress and short waits only in JSON. */
class LogWriter {
  constructor(private readonly json: boolean) {}

  write(line: ServiceLine, run?: ServiceMode): void {
    const at = new Date().toISOString();
    if (this.json) {
      process.stdout.write(JSON.stringify({ at, ...(run ? { run } : {}), ...line }) + '\n');
      return;
    }
    const text = humanText(line);
    if (text) process.stdout.write(`${at} ${run ? `[${run}] ` : ''}${text}\n`);
  }
}

/** Service events as they are; engine events in the shared words (protocol/eventText.ts), no debug. */
function humanText(serviceLine: ServiceLine): string | undefined {
  if (serviceLine.type === 'service')
    return `${serviceLine.level === 'info' ? '' : `${serviceLine.level}: `}${serviceLine.message}`;
  const line = eventLine(serviceLine);
  if (line.level === 'debug' || line.level === 'trace') return undefined;
  return `${line.level === 'info' ? '' : `${line.level}: `}${line.text}`;
}
