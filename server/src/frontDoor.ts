/**
 * The front door to a run: load a settings file (or an editor's text), check it, resolve its
 * credential references and run the engine or the doctor. The CLI, the language server's run
 * requests and the demo all come in here, so a settings file and a `${secret:NAME}` mean the same
 * thing everywhere.
 *
 *   const loaded = loadSettingsFile('dear-starshipit.yaml', { flag: '--config FILE' });
 *   if (!loaded.ok) return fail(loaded.code, loaded.message);   // one sentence; loaded.diagnostics
 *   const secrets = new RunSecrets({ env: process.env });
 *   const summary = await runWithSettings({ settings: loaded.settings, configPath: loaded.file,
 *     secrets, mode: 'sync', dryRun: false, onEvent });
 *   … secrets.redact(message) before showing an error.
 *
 * Where a reference's value comes from (one rule for every caller):
 * - `${secret:NAME}`: `sources.secrets[NAME]` (VS Code's SecretStorage, the demo's sandbox keys),
 *   else the environment variable `DEAR_STARSHIPIT_SECRET_<NAME>`;
 * - `${env:NAME}`: the environment variable NAME.
 * The engine resolves the references right before its first request (engine/secrets.ts), so a
 * missing value is reported there, naming every credential that has none.
 */
import * as path from 'node:path';
import type { SummaryEvent } from '../../protocol/events';
import type { DoctorReport } from '../../protocol/doctor';
import type { ReconcileSummary } from '../../protocol/reconcile';
import { redactSecrets } from '../../protocol/redact';
import { SECRET_ENV_PREFIX, type DearSettings } from '../../protocol/settings';
import { analyzeSettings, type ConfigDiagnostic } from './config/index';
import type { ReconcileOptions, RunOptions, SecretLookup } from './engine/index';
import type { DoctorOptions } from './engine/doctor';
import { FsProblem } from './cli/fsErrors';
import { readSettingsFile } from './cli/settingsFile';

// The engine (undici, the journal) is loaded by the first run, so a language server that only
// helps edit never holds it in memory.
const loadEngine = () => import('./engine/index.js');
const loadDoctor = () => import('./engine/doctor.js');

// ---- secrets -----------------------------------------------------------------------------------

type Environment = Readonly<Record<string, string | undefined>>;

/** Where credential references get their values for one run (see the header for the rule). */
export interface SecretSources {
  /** `${secret:NAME}` values by NAME. */
  secrets?: Readonly<Record<string, string>>;
  /** The environment; defaults to `process.env`. */
  env?: Environment;
}

/** Secret names the environment provides (`DEAR_STARSHIPIT_SECRET_<NAME>` variables). */
export function environmentSecretNames(env: Environment = process.env): string[] {
  return Object.keys(env)
    .filter((key) => key.startsWith(SECRET_ENV_PREFIX) && env[key] !== undefined)
    .map((key) => key.slice(SECRET_ENV_PREFIX.length));
}

/**
 * The secrets of one run: the lookup the engine resolves references with, and a redactor that
 * removes every secret it knows and every value it handed out from a message.
 */
export class RunSecrets {
  private readonly env: Environment;
  private readonly revealed = new Set<string>();

  constructor(private readonly sources: SecretSources = {}) {
    this.env = sources.env ?? process.env;
  }

  /** The value of `${kind:name}`, or undefined when it has none. */
  readonly lookup: SecretLookup = (kind, name) => {
    const value =
      kind === 'env'
        ? this.env[name]
        : (this.sources.secrets?.[name] ?? this.env[`${SECRET_ENV_PREFIX}${name}`]);
    if (value) this.revealed.add(value);
    return value;
  };

  /** Every `${secret:NAME}` this run can resolve. */
  names(): Set<string> {
    return new Set([
      ...Object.keys(this.sources.secrets ?? {}),
      ...environmentSecretNames(this.env),
    ]);
  }

  /** `text` without any secret value of this run (in any of the forms redaction knows). */
  redact(text: string): string {
    return redactSecrets(text, [...Object.values(this.sources.secrets ?? {}), ...this.revealed]);
  }
}

// ---- settings ----------------------------------------------------------------------------------

/** Settings ready for a run, or the one sentence that says why the file cannot be used. */
export type LoadedSettings =
  | { ok: true; settings: DearSettings; file: string; diagnostics: ConfigDiagnostic[] }
  | {
      ok: false;
      /** `settings-file` (cannot be read) or `settings-invalid` (has errors); stable for `--json`. */
      code: 'settings-file' | 'settings-invalid';
      message: string;
      file: string;
      diagnostics: ConfigDiagnostic[];
    };

export interface LoadOptions {
  /** The option that names the file (e.g. `--config FILE`), named in the advice. */
  flag?: string;
  /** Secret names to check `${secret:NAME}` against (warnings only). */
  knownSecretNames?: ReadonlySet<string>;
}

/** Checks settings text; `file` is where it is (or would be) on disk. */
export function loadSettingsText(
  text: string,
  file: string,
  options: LoadOptions = {},
): LoadedSettings {
  const abs = path.resolve(file);
  const { settings, diagnostics } = analyzeSettings(text, {
    fileName: file,
    knownSecretNames: options.knownSecretNames,
  });
  return settingsOrProblem(abs, settings, diagnostics);
}

/**
 * Reads and checks a settings file. Only a regular file of sane size is read (a FIFO, a device or
 * a directory is refused at once: cli/settingsFile.ts).
 */
export function loadSettingsFile(file: string, options: LoadOptions = {}): LoadedSettings {
  const abs = path.resolve(file);
  try {
    const read = readSettingsFile(file, options.flag);
    if (read.kind === 'tooLarge') return settingsOrProblem(abs, undefined, [read.diagnostic]);
    return loadSettingsText(read.text, file, options);
  } catch (err) {
    if (!(err instanceof FsProblem)) throw err;
    return { ok: false, code: 'settings-file', message: err.message, file: abs, diagnostics: [] };
  }
}

function settingsOrProblem(
  file: string,
  settings: DearSettings | undefined,
  diagnostics: ConfigDiagnostic[],
): LoadedSettings {
  const errors = diagnostics.filter((d) => d.severity === 1);
  if (settings && errors.length === 0) return { ok: true, settings, file, diagnostics };
  return {
    ok: false,
    code: 'settings-invalid',
    message: invalidSettingsMessage(file, errors),
    file,
    diagnostics,
  };
}

/** One sentence naming the first three errors (1-based lines). */
function invalidSettingsMessage(file: string, errors: ConfigDiagnostic[]): string {
  if (errors.length === 0)
    return `the settings in ${file} could not be read; check it with "npx dear-starshipit validate ${file}".`;
  const shown = errors
    .slice(0, 3)
    .map((d) => `line ${d.range.start.line + 1}: ${d.message}`)
    .join('; ');
  const more = errors.length > 3 ? '; …' : '';
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  return `the settings file ${file} has ${count} (${shown}${more}); fix ${errors.length === 1 ? 'it' : 'them'} and run again — nothing was sent.`;
}

// ---- runs --------------------------------------------------------------------------------------

/** A run of the engine with the front door's secrets. */
export type SettingsRun = Omit<RunOptions, 'secrets'> & { secrets: RunSecrets };

/** Runs one import / writeback / sync / retry pass (engine/index.ts runEngine). */
export async function runWithSettings(run: SettingsRun): Promise<SummaryEvent> {
  const { runEngine } = await loadEngine();
  return runEngine({ ...run, secrets: run.secrets.lookup });
}

/** A connection check with the front door's secrets. */
export type SettingsDoctor = Omit<DoctorOptions, 'secrets'> & { secrets: RunSecrets };

/** Checks both connections with a few read-only calls (engine/doctor.ts runDoctor). */
export async function doctorWithSettings(check: SettingsDoctor): Promise<DoctorReport> {
  const { runDoctor } = await loadDoctor();
  return runDoctor({ ...check, secrets: check.secrets.lookup });
}

/** A reconcile with the front door's secrets. */
export type SettingsReconcile = Omit<ReconcileOptions, 'secrets'> & { secrets: RunSecrets };

/** Compares Cin7 Core, Starshipit and the journal for a period (engine/reconcile.ts). */
export async function reconcileWithSettings(check: SettingsReconcile): Promise<ReconcileSummary> {
  const { runReconcile } = await loadEngine();
  return runReconcile({ ...check, secrets: check.secrets.lookup });
}
