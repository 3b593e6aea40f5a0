/**
 * `dear-starshipit reconcile [--since DATE] [--apply] [--json]` — compares Cin7 Core, Starshipit
 * and the journal for a period (server/src/engine/reconcile.ts) and, with `--apply`, makes the
 * safe fixes. Exit codes as the run commands: 0 both systems agree (or every finding was fixed) ·
 * 1 findings left, cancelled, or the state directory is in use · 2 usage or configuration.
 */
import * as path from 'node:path';
import type { EngineEvent } from '../../../protocol/events';
import { eventLine } from '../../../protocol/eventText';
import {
  formatReconcile,
  openFindings,
  type ReconcileEvent,
  type ReconcileSummary,
} from '../../../protocol/reconcile';
import { errorMessage } from '../../../protocol/errorMessage';
import { EngineError, LockedError } from '../engine/index';
import { periodStart } from '../engine/reconcile';
import { reconcileWithSettings, RunSecrets } from '../frontDoor';
import { ErrorReporter } from './errorReport';
import { commandUsage, unknownOptionMessage } from './help';
import { loadSettings } from './run';

interface ReconcileFlags {
  config: string;
  state?: string;
  since?: string;
  apply: boolean;
  json: boolean;
}

const VALUE_FLAGS = new Set(['--config', '-c', '--state', '--since']);

function parseReconcileFlags(args: string[]): ReconcileFlags | string {
  const flags: ReconcileFlags = { config: 'dear-starshipit.yaml', apply: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? args[++i];
      if (!value || (inline === undefined && value.startsWith('--')))
        return `${name} needs a value`;
      if (name === '--state') flags.state = value;
      else if (name === '--since') flags.since = value;
      else flags.config = value;
    } else if (name === '--apply' && inline === undefined) flags.apply = true;
    else if (name === '--json' && inline === undefined) flags.json = true;
    else if (arg.startsWith('-')) return unknownOptionMessage('reconcile', arg);
    else return `unexpected argument "${arg}" (the settings file is given with --config FILE)`;
  }
  if (flags.since) {
    try {
      periodStart(flags.since);
    } catch (err) {
      return errorMessage(err);
    }
  }
  return flags;
}

export async function reconcileCommand(args: string[]): Promise<number> {
  const report = new ErrorReporter('reconcile', args.includes('--json'));
  const flags = parseReconcileFlags(args);
  if (typeof flags === 'string') {
    report.fail('usage', 2, flags);
    process.stderr.write(`${commandUsage('reconcile')}\n`);
    return 2;
  }
  const settings = loadSettings(flags.config, report);
  if (!settings) return 2;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const secrets = new RunSecrets();
  try {
    const summary = await reconcileWithSettings({
      settings,
      configPath: flags.config,
      stateDir: flags.state ? path.resolve(flags.state) : undefined,
      secrets,
      since: flags.since,
      apply: flags.apply,
      signal: controller.signal,
      onEvent: (e) => printEvent(e, flags.json),
    });
    return openFindings(summary) > 0 || summary.cancelled ? 1 : 0;
  } catch (err) {
    if (err instanceof LockedError) return report.fail(err.code, 1, err.message);
    if (err instanceof EngineError) {
      const usable = err.code === 'configuration' || err.code === 'state-dir';
      return report.fail(err.code, usable ? 2 : 1, err.message);
    }
    return report.fail('failed', 1, secrets.redact(errorMessage(err)));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** JSON: every event as one line. Human: the estimate, what the fixes did, then the sections. */
function printEvent(event: EngineEvent | ReconcileEvent, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }
  switch (event.type) {
    case 'estimate':
      process.stderr.write(
        `reading since ${event.since}: Cin7 Core ${event.dearCalls.listPages} more saleList page(s) and at most ${event.dearCalls.detailsAtMost} fulfilment read(s), about ${event.seconds} s at the configured limit; Starshipit ${event.starshipitCalls} listing call(s) made\n`,
      );
      break;
    case 'reconcile':
      process.stdout.write(`${formatReconcile(event as ReconcileSummary).join('\n')}\n`);
      break;
    case 'finding':
      break; // listed by section in the summary
    default: {
      // The fixes' own events, in the words every front end uses; progress stays quiet here.
      const line = eventLine(event);
      if (line.level === 'trace' || line.level === 'debug') break;
      const toStderr = line.level === 'warn' || line.level === 'error';
      (toStderr ? process.stderr : process.stdout).write(`${line.text}\n`);
    }
  }
}
