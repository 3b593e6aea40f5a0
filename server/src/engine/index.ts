/**
 * Public surface of the sync engine. The CLI (`server/src/cli/run.ts`, `demo.ts`) and the language
 * server (extension work) drive the engine only through these names. The engine imports neither
 * `vscode` nor the LSP connection and loads no native module, so it runs inside VS Code's
 * language-server process as well as in the CLI.
 */
import * as path from 'node:path';
import type { DearSettings } from '../../../protocol/settings';
import type { Api, EngineEvent, RunMode, SummaryEvent } from '../../../protocol/events';
import type { StatusRequest } from '../../../protocol/lsp';
import { runEngineImpl } from './runner';
import { readStatusImpl } from './status';
import { StateLock } from './lock';
import { runReconcileImpl, type ReconcileOptions } from './reconcile';
import type { ReconcileSummary } from '../../../protocol/reconcile';

/** Resolves `${env:NAME}` / `${secret:NAME}` references; `undefined` when the value is unknown. */
export interface SecretLookup {
  (kind: 'env' | 'secret', name: string): string | undefined;
}

/** Live counts a long-running host reads while runs go on (`serve`'s metrics). */
export interface RunMeter {
  /** One HTTP attempt was sent to `api` (retries and throttled attempts included). */
  call(api: Api): void;
  /** A call waited `ms` for a rate-limiter slot of `api`. */
  waited(api: Api, ms: number): void;
}

export interface RunOptions {
  settings: DearSettings;
  /** Path of the settings file (the state directory is resolved relative to it). */
  configPath: string;
  /** Overrides `engine.stateDir`. */
  stateDir?: string;
  mode: RunMode;
  dryRun: boolean;
  secrets: SecretLookup;
  onEvent: (e: EngineEvent) => void;
  signal?: AbortSignal;
  /** Restrict an import to these Starshipit order numbers ("Import these now" from the preview). */
  onlyOrderNumbers?: string[];
  /** The caller already holds the state directory's lock (`lockStateDir`, e.g. `sync --watch`). */
  lockHeld?: boolean;
  meter?: RunMeter;
}

/** Takes the one-engine-per-state-directory lock for longer than one run; throws LockedError. */
export function lockStateDir(stateDir: string): { release(): void } {
  return StateLock.acquire(stateDir);
}

/** Runs one import / writeback / sync / retry pass. Resolves with the summary (also emitted last). */
export function runEngine(options: RunOptions): Promise<SummaryEvent> {
  return runEngineImpl(options);
}

/** Summarises the journal in `stateDir` without taking the run lock and without any network call. */
export function readStatus(stateDir: string): Promise<StatusRequest.Result> {
  return readStatusImpl(stateDir);
}

/** `engine.stateDir` relative to the directory of the settings file (absolute paths kept). */
export function resolveStateDir(configPath: string, settings: DearSettings): string {
  return path.resolve(
    path.dirname(path.resolve(configPath)),
    settings.engine.stateDir || '.dear-starshipit',
  );
}

export { EngineError, ConfigurationError, LockedError, UnavailableError } from './errors';
export type { EngineEvent, RunMode, SummaryEvent, ReconcileOptions, ReconcileSummary };

/**
 * Compares Cin7 Core sales, Starshipit orders and the journal for a period; with `apply` makes
 * the safe fixes. Resolves with the summary (also emitted last).
 */
export function runReconcile(options: ReconcileOptions): Promise<ReconcileSummary> {
  return runReconcileImpl(options);
}
