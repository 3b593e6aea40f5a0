/**
 * Wires the sync engine (and the built-in sandbox) to the language-server connection: dear/run,
 * dear/doctor, dear/reconcile, dear/cancelRun, dear/runEvent, dear/status, dear/workspaceTrust, the sandbox messages and
 * dear/serverInfo (protocol/lsp.ts). The server calls `registerSyncHandlers` once.
 * (dear/secretNames belongs to the language server, which uses the names for diagnostics.)
 *
 * Trust: a run is refused before any network call when the client says the workspace is untrusted
 * (RunRequest.trusted === false or the last WorkspaceTrustNotification said so).
 * Secrets: the client resolves `${secret:NAME}` per run; runs and checks go through the front door
 * (frontDoor.ts), where those values live only for that run and are scrubbed from every error
 * message sent back.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelRunNotification,
  DoctorRequest,
  ReconcileRequest,
  RunEventNotification,
  RunRequest,
  SandboxPrintLabelsRequest,
  ServerInfoRequest,
  StartSandboxRequest,
  StatusRequest,
  StopSandboxRequest,
  WorkspaceTrustNotification,
} from '../../protocol/lsp';
import type { SummaryEvent } from '../../protocol/events';
import { errorMessage } from '../../protocol/errorMessage';
import {
  doctorWithSettings,
  reconcileWithSettings,
  loadSettingsFile,
  loadSettingsText,
  RunSecrets,
  runWithSettings,
  type LoadedSettings,
  type LoadOptions,
} from './frontDoor';
import type { Sandbox } from '../../sandbox/src/index';

/**
 * The engine (with undici, and the connection check) and the sandbox (HTTP servers, the data
 * generator) are loaded by the first request that needs them, so a server that only helps edit
 * never holds them in memory.
 */
const loadEngine = () => import('./engine/index.js');
const loadSandbox = () => import('../../sandbox/src/index.js');

// ---- state shared with the rest of the server --------------------------------------------------

let clientTrust: boolean | undefined;

/**
 * Reads the trust state the VS Code client sends in `initializationOptions.trusted`, so network
 * features are off in Restricted Mode from the very first document (before WorkspaceTrustNotification
 * arrives). Call from the server's onInitialize handler.
 */
export function applyInitializationOptions(initializationOptions: unknown): void {
  const trusted = (initializationOptions as { trusted?: unknown } | null | undefined)?.trusted;
  if (typeof trusted === 'boolean') clientTrust = trusted;
}

/**
 * Whether network features (carrier completion, runs) may run: false only when the client said the
 * workspace is untrusted. Clients that never say (other editors) are treated as trusted.
 */
export function networkAllowed(): boolean {
  return clientTrust !== false;
}

// ---- pure helpers (exported for tests) ---------------------------------------------------------

/** A local file path for a document URI; runs keep their journal beside the file. */
function localPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch {
    throw new Error(`${uri} is not a local file; runs need a folder on disk for their journal`);
  }
}

/**
 * The secrets of one run request: the values the client resolved from its SecretStorage, and the
 * server's environment with the client's `env` on top.
 */
function runSecrets(request: {
  secrets?: Record<string, string>;
  env?: Record<string, string>;
}): RunSecrets {
  return new RunSecrets({ secrets: request.secrets, env: { ...process.env, ...request.env } });
}

/** The refusal message for an untrusted run, or undefined when the run may go ahead. */
export function trustRefusal(
  paramsTrusted: boolean | undefined,
  lastNotified: boolean | undefined,
): string | undefined {
  if (paramsTrusted === false || lastNotified === false) {
    return 'refused: the workspace is not trusted (Restricted Mode), so no request was sent to Cin7 Core or Starshipit. Trust the workspace to run syncs.';
  }
  return undefined;
}

// ---- the handlers ------------------------------------------------------------------------------

export interface SyncHandlerOptions {
  /**
   * The secret names the language server knows: those the client declared (initializationOptions or
   * SecretNamesNotification, whose handler the language server owns) plus the secret environment
   * variables; undefined while the client declared none. Reported by dear/serverInfo.
   */
  knownSecretNames?: () => ReadonlySet<string> | undefined;
  /**
   * After a dry run that mapped orders: the shipping methods its orders had, for the settings file
   * at `uri` (the language server flags shipping rules no recent sale used, without a call).
   */
  onPreviewShippingMethods?: (uri: string, methods: string[]) => void;
}

/** What a run, doctor or reconcile request has in common: the file, trust and secrets. */
interface SettingsRequest {
  uri: string;
  trusted?: boolean;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
}

/**
 * The sync side of one connection: the runs in flight, the sandbox, and one method per message;
 * `register` is the composition root that wires them to the connection.
 */
class SyncHandlers {
  private readonly runs = new Map<string, AbortController>();
  private sandbox: Sandbox | undefined;
  private sandboxTimeScale = 1;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly options: SyncHandlerOptions,
  ) {}

  register(): void {
    const connection = this.connection;
    connection.onNotification(WorkspaceTrustNotification.type, (params) => {
      clientTrust = params?.trusted === true;
    });
    connection.onRequest(RunRequest.type, (p) => this.run(p));
    connection.onRequest(DoctorRequest.type, (p) => this.doctor(p));
    connection.onRequest(ReconcileRequest.type, (p) => this.reconcile(p));
    connection.onNotification(CancelRunNotification.type, (p) => this.cancel(p?.runId));
    connection.onRequest(StatusRequest.type, (p) => this.status(p.uri));
    connection.onRequest(StartSandboxRequest.type, (p) => this.startSandbox(p));
    connection.onRequest(StopSandboxRequest.type, () => this.stopSandbox());
    connection.onRequest(SandboxPrintLabelsRequest.type, (p) => this.printSandboxLabels(p));
    connection.onRequest(ServerInfoRequest.type, () => this.serverInfo());
    connection.onShutdown(() => this.shutdown());
  }

  /**
   * The settings of `uri` through the front door: the open document's text when the editor has
   * it, else the file on disk.
   */
  private settingsOf(uri: string, options: LoadOptions = {}): LoadedSettings {
    const filePath = localPath(uri);
    const open = this.documents.get(uri);
    return open
      ? loadSettingsText(open.getText(), filePath, options)
      : loadSettingsFile(filePath, options);
  }

  /** Why a request may not go ahead (untrusted, or its run id is taken), if it may not. */
  private refusal(request: SettingsRequest, runId?: string): string | undefined {
    const untrusted = trustRefusal(request.trusted, clientTrust);
    if (untrusted) return untrusted;
    if (runId !== undefined && this.runs.has(runId)) return `run ${runId} is already running`;
    return undefined;
  }

  /** Runs `work` as the run `runId` (cancellable by CancelRunNotification until it ends). */
  private async tracked<T>(runId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.runs.set(runId, controller);
    try {
      return await work(controller.signal);
    } finally {
      this.runs.delete(runId);
    }
  }

  private forward(runId: string, event: RunEventNotification.Params['event']): void {
    void this.connection.sendNotification(RunEventNotification.type, { runId, event });
  }

  private async run(params: RunRequest.Params): Promise<RunRequest.Result> {
    const refused = this.refusal(params, params.runId);
    if (refused) return { summary: null, error: refused };
    const secrets = runSecrets(params);
    try {
      return await this.tracked(params.runId, (signal) => this.runEngine(params, secrets, signal));
    } catch (err) {
      return { summary: null, error: secrets.redact(errorMessage(err)) };
    }
  }

  private async runEngine(
    params: RunRequest.Params,
    secrets: RunSecrets,
    signal: AbortSignal,
  ): Promise<RunRequest.Result> {
    const loaded = this.settingsOf(params.uri, { knownSecretNames: secrets.names() });
    if (!loaded.ok) return { summary: null, error: loaded.message };
    const methods = new Set<string>();
    let orders = 0;
    const summary: SummaryEvent = await runWithSettings({
      settings: loaded.settings,
      configPath: loaded.file,
      mode: params.mode,
      dryRun: params.dryRun === true,
      onlyOrderNumbers: Array.isArray(params.onlyOrderNumbers)
        ? params.onlyOrderNumbers
        : undefined,
      signal,
      secrets,
      onEvent: (event) => {
        if (event.type === 'order') {
          orders++;
          const method = event.starshipit.shipping_method;
          if (typeof method === 'string' && method) methods.add(method);
        }
        this.forward(params.runId, event);
      },
    });
    if (params.dryRun === true && orders > 0 && !summary.cancelled)
      this.options.onPreviewShippingMethods?.(params.uri, [...methods].sort());
    return { summary };
  }

  private async doctor(params: DoctorRequest.Params): Promise<DoctorRequest.Result> {
    const refused = this.refusal(params);
    if (refused) return { report: null, error: refused };
    const secrets = runSecrets(params);
    try {
      const loaded = this.settingsOf(params.uri, { knownSecretNames: secrets.names() });
      if (!loaded.ok) return { report: null, error: loaded.message };
      const report = await doctorWithSettings({
        settings: loaded.settings,
        configPath: loaded.file,
        secrets,
      });
      return { report };
    } catch (err) {
      return { report: null, error: secrets.redact(errorMessage(err)) };
    }
  }

  private async reconcile(params: ReconcileRequest.Params): Promise<ReconcileRequest.Result> {
    const refused = this.refusal(params, params.runId);
    if (refused) return { summary: null, error: refused };
    const secrets = runSecrets(params);
    try {
      return await this.tracked(params.runId, (signal) =>
        this.runReconcile(params, secrets, signal),
      );
    } catch (err) {
      return { summary: null, error: secrets.redact(errorMessage(err)) };
    }
  }

  private async runReconcile(
    params: ReconcileRequest.Params,
    secrets: RunSecrets,
    signal: AbortSignal,
  ): Promise<ReconcileRequest.Result> {
    const loaded = this.settingsOf(params.uri, { knownSecretNames: secrets.names() });
    if (!loaded.ok) return { summary: null, error: loaded.message };
    const summary = await reconcileWithSettings({
      settings: loaded.settings,
      configPath: loaded.file,
      since: typeof params.since === 'string' && params.since ? params.since : undefined,
      apply: params.apply === true,
      signal,
      secrets,
      onEvent: (event) => {
        // Findings and the summary come back in the result; the run's own events stream.
        if (event.type === 'finding' || event.type === 'estimate' || event.type === 'reconcile')
          return;
        this.forward(params.runId, event);
      },
    });
    return { summary };
  }

  private cancel(runId: string | undefined): void {
    if (runId !== undefined) this.runs.get(runId)?.abort(new Error('cancelled by the user'));
  }

  private async status(uri: string): Promise<StatusRequest.Result> {
    const loaded = this.settingsOf(uri);
    const { readStatus, resolveStateDir } = await loadEngine();
    const stateDir = loaded.ok
      ? resolveStateDir(loaded.file, loaded.settings)
      : path.resolve(path.dirname(loaded.file), '.dear-starshipit');
    return readStatus(stateDir);
  }

  private async startSandbox(
    params: StartSandboxRequest.Params,
  ): Promise<StartSandboxRequest.Result> {
    const alreadyRunning = this.sandbox !== undefined;
    if (!this.sandbox) {
      this.sandboxTimeScale =
        typeof params.timeScale === 'number' && params.timeScale > 0 ? params.timeScale : 1;
      const { startSandbox } = await loadSandbox();
      this.sandbox = await startSandbox({
        port: 0,
        seed: params.seed,
        sales: params.sales,
        timeScale: this.sandboxTimeScale,
        stateFile: params.stateFile,
      });
    }
    const sandbox = this.sandbox;
    return {
      dearBaseUrl: sandbox.dearBaseUrl,
      starshipitBaseUrl: sandbox.starshipitBaseUrl,
      controlUrl: sandbox.controlUrl,
      credentials: { ...sandbox.credentials },
      timeScale: this.sandboxTimeScale,
      alreadyRunning,
    };
  }

  private async stopSandbox(): Promise<StopSandboxRequest.Result> {
    const running = this.sandbox;
    if (!running) return { stopped: false };
    this.sandbox = undefined;
    await running.close();
    return { stopped: true };
  }

  private printSandboxLabels(
    params: SandboxPrintLabelsRequest.Params,
  ): SandboxPrintLabelsRequest.Result {
    const sandbox = this.sandbox;
    if (!sandbox) throw new Error('no sandbox is running; start it with "Dear: Start Sandbox"');
    const max = typeof params?.max === 'number' && params.max > 0 ? params.max : Infinity;
    const carrier =
      typeof params?.carrier === 'string' && params.carrier ? params.carrier : 'AusPost';
    const printed: string[] = [];
    for (const [orderNumber, orders] of sandbox.starshipitOrders()) {
      if (printed.length >= max) break;
      const status = String((orders[0] as { status?: unknown } | undefined)?.status ?? '');
      if (status && !/^(unshipped|saved)$/i.test(status)) continue;
      sandbox.printLabel({ orderNumber, carrier });
      printed.push(orderNumber);
    }
    return { orderNumbers: printed };
  }

  private serverInfo(): ServerInfoRequest.Result {
    const known = this.options.knownSecretNames;
    const sandbox = this.sandbox;
    return {
      secretNames: known ? [...(known() ?? [])].sort() : undefined,
      trusted: clientTrust,
      activeRuns: [...this.runs.keys()],
      sandbox: sandbox
        ? { dearBaseUrl: sandbox.dearBaseUrl, starshipitBaseUrl: sandbox.starshipitBaseUrl }
        : undefined,
      engineAvailable: true,
    };
  }

  private async shutdown(): Promise<void> {
    for (const run of this.runs.values())
      run.abort(new Error('the language server is shutting down'));
    if (this.sandbox) await this.sandbox.close().catch(() => undefined);
    this.sandbox = undefined;
  }
}

export function registerSyncHandlers(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: SyncHandlerOptions = {},
): void {
  new SyncHandlers(connection, documents, options).register();
}
