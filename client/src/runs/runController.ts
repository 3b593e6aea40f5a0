/**
 * Runs the engine (inside the language server) on a settings file: resolves the `${secret:…}` and
 * `${env:…}` references the file uses, sends RunRequest, routes RunEventNotifications to the output
 * channel, the status item and the caller, and turns cancellation into CancelRunNotification.
 * One run at a time per window (the engine also locks its state directory).
 */
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CancelRunNotification, RunEventNotification, RunRequest } from '../../../protocol/lsp';
import type { EngineEvent, RunMode, SummaryEvent } from '../../../protocol/events';
import { settingsReferences } from '../settingsFile/credentialRefs';
import { displayPath, readSettingsText } from '../settingsFile/locate';
import { redactSecrets } from '../../../protocol/redact';
import type { SyncOutput } from '../output/syncOutput';
import type { SecretStore } from '../secrets/secretStore';
import type { StatusItem } from '../status/statusItem';
import { errorMessage } from '../../../protocol/errorMessage';

/** An error whose message is meant for the user as is, with optional follow-up commands. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly actions: { title: string; command: string; args?: unknown[] }[] = [],
  ) {
    super(message);
  }
}

/** The values of every credential reference a settings file makes, and its API version. */
export interface FileCredentials {
  /** `dear.apiVersion` as written (1 or 2, default 2), for the run header. */
  apiVersion: 1 | 2;
  secrets: Record<string, string>;
  env: Record<string, string>;
  /** Every value, for scrubbing output. */
  scrub: string[];
}

/** Settings whose credentials a run, a check or a reconcile sends (the rest serve `serve`). */
const RUN_CREDENTIAL_SECTIONS = ['dear.', 'starshipit.'];

/**
 * Resolves the `${secret:…}` (SecretStorage) and `${env:…}` (this process) references of a
 * settings file. A secret the Cin7 Core or Starshipit credentials need with no stored value is a
 * UserFacingError offering "Set Credentials…"; other secrets (e.g. the service's webhook secret)
 * are sent when stored and otherwise left out.
 */
export async function fileCredentials(
  uri: vscode.Uri,
  store: SecretStore,
  client: LanguageClient,
): Promise<FileCredentials> {
  const text = await readSettingsText(uri);
  const refs = await settingsReferences(client, text);
  const { values: secrets, missing: unstored } = await store.resolve(refs.secrets);
  const missing = unstored.filter((name) =>
    RUN_CREDENTIAL_SECTIONS.some((section) => refs.secretSettings[name]?.startsWith(section)),
  );
  if (missing.length) {
    throw new UserFacingError(
      `Dear: ${displayPath(uri)} references ${missing.map((n) => `\${secret:${n}}`).join(', ')} but SecretStorage holds no value for ${missing.length === 1 ? 'it' : 'them'}. Store ${missing.length === 1 ? 'it' : 'them'} with "Dear: Set Credentials…".`,
      [{ title: 'Set Credentials…', command: 'dear.setCredentials', args: [uri.toString()] }],
    );
  }
  const env: Record<string, string> = {};
  for (const name of refs.env) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const scrub = [...Object.values(secrets), ...Object.values(env)];
  return { apiVersion: refs.apiVersion, secrets, env, scrub };
}

export interface RunSpec {
  uri: vscode.Uri;
  mode: RunMode;
  dryRun: boolean;
  onlyOrderNumbers?: string[];
  token?: vscode.CancellationToken;
  onEvent?: (event: EngineEvent) => void;
  /** Header note, e.g. "estimate before import". */
  purpose?: string;
}

export interface RunOutcome {
  summary: SummaryEvent | null;
  /** Order numbers the run created (live) or would create (dry run), in event order. */
  orderNumbers: string[];
  writebacks: number;
  cancelled: boolean;
}

/** What a run's event listener has collected so far. */
interface RunTracking {
  outcome: RunOutcome;
  sawSummary: boolean;
}

export class RunController {
  private readonly listeners = new Map<string, (event: EngineEvent) => void>();
  private running: string | undefined;
  private attached = false;

  constructor(
    private readonly client: () => Promise<LanguageClient>,
    private readonly secrets: SecretStore,
    private readonly output: SyncOutput,
    private readonly status: StatusItem,
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  async execute(spec: RunSpec): Promise<RunOutcome> {
    if (this.running) {
      throw new UserFacingError(
        `Dear: a run is already in progress (${this.running}). Wait for it or cancel it first.`,
        [{ title: 'Show Output', command: 'dear.showOutput' }],
      );
    }
    const client = await this.client();
    this.attach(client);
    const file = displayPath(spec.uri);
    const credentials = await fileCredentials(spec.uri, this.secrets, client);
    this.output.setSecretValues(credentials.scrub);

    const runId = randomUUID();
    this.running = `${spec.mode}${spec.dryRun ? ' dry run' : ''} of ${file}`;
    const tracking = this.trackEvents(runId, spec);
    const cancelSub = this.forwardCancellation(client, runId, spec, tracking.outcome);
    this.writeHeader(spec, file, credentials.apiVersion);
    this.status.start(spec.mode, spec.dryRun);
    try {
      return await this.sendRun(client, runId, spec, credentials, tracking);
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      const message = redactSecrets(errorMessage(err), credentials.scrub);
      this.reportFailure(message);
      throw new UserFacingError(`Dear: the run could not finish: ${message}`, [
        { title: 'Show Output', command: 'dear.showOutput' },
      ]);
    } finally {
      cancelSub?.dispose();
      this.listeners.delete(runId);
      this.running = undefined;
    }
  }

  /** Routes the run's events to the output, the status item and the caller, collecting the outcome. */
  private trackEvents(runId: string, spec: RunSpec): RunTracking {
    const tracking: RunTracking = {
      outcome: { summary: null, orderNumbers: [], writebacks: 0, cancelled: false },
      sawSummary: false,
    };
    this.listeners.set(runId, (event) => {
      if (event.type === 'order') tracking.outcome.orderNumbers.push(event.orderNumber);
      if (event.type === 'writeback') tracking.outcome.writebacks++;
      if (event.type === 'summary') tracking.sawSummary = true;
      this.output.event(event);
      this.status.event(event);
      spec.onEvent?.(event);
    });
    return tracking;
  }

  private forwardCancellation(
    client: LanguageClient,
    runId: string,
    spec: RunSpec,
    outcome: RunOutcome,
  ): vscode.Disposable | undefined {
    return spec.token?.onCancellationRequested(() => {
      outcome.cancelled = true;
      this.output.warn(
        'Cancel requested: the engine stops after the call in flight and records what was done.',
      );
      void client.sendNotification(CancelRunNotification.type, { runId });
    });
  }

  private writeHeader(spec: RunSpec, file: string, apiVersion: 1 | 2): void {
    if (spec.purpose) this.output.info(spec.purpose);
    this.output.header({
      at: new Date(),
      file,
      mode: spec.mode,
      dryRun: spec.dryRun,
      apiVersion,
      onlyOrderNumbers: spec.onlyOrderNumbers?.length,
    });
  }

  /** Sends RunRequest and turns its result into the outcome (an engine error is a UserFacingError). */
  private async sendRun(
    client: LanguageClient,
    runId: string,
    spec: RunSpec,
    credentials: FileCredentials,
    tracking: RunTracking,
  ): Promise<RunOutcome> {
    const result = await client.sendRequest(RunRequest.type, {
      runId,
      uri: spec.uri.toString(),
      mode: spec.mode,
      dryRun: spec.dryRun,
      secrets: credentials.secrets,
      env: credentials.env,
      onlyOrderNumbers: spec.onlyOrderNumbers,
      trusted: vscode.workspace.isTrusted,
    });
    if (result.error) {
      const message = redactSecrets(result.error, credentials.scrub);
      this.reportFailure(message);
      throw new UserFacingError(`Dear: ${message}`, [
        { title: 'Show Output', command: 'dear.showOutput' },
      ]);
    }
    const outcome = tracking.outcome;
    outcome.summary = result.summary;
    if (result.summary && !tracking.sawSummary) this.output.summary(result.summary);
    if (result.summary?.cancelled) outcome.cancelled = true;
    this.status.finish(result.summary);
    return outcome;
  }

  private reportFailure(message: string): void {
    this.output.error(`Run failed: ${message}`);
    this.status.finish(null, message);
  }

  private attach(client: LanguageClient): void {
    if (this.attached) return;
    this.attached = true;
    client.onNotification(RunEventNotification.type, (p) => this.listeners.get(p.runId)?.(p.event));
  }
}
