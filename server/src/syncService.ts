/**
 * Wires the sync engine (and the built-in sandbox) to the language-server connection: dear/run,
 * dear/doctor, dear/cancelRun, dear/runEvent, dear/status, dear/workspaceTrust, the sandbox messages and
 * dear/serverInfo (protocol/lsp.ts). The server calls `registerSyncHandlers` once.
 * (dear/secretNames belongs to the language server, which uses the names for diagnostics.)
 *
 * Trust: a run is refused before any network call when the client says the workspace is untrusted
 * (RunRequest.trusted === false or the last WorkspaceTrustNotification said so).
 * Secrets: the client resolves `${secret:NAME}` per run; values live only for that run and are
 * scrubbed from every error message sent back.
 */
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelRunNotification,
  DoctorRequest,
  RunEventNotification,
  RunRequest,
  SandboxPrintLabelsRequest,
  ServerInfoRequest,
  StartSandboxRequest,
  StatusRequest,
  StopSandboxRequest,
  WorkspaceTrustNotification,
} from '../../protocol/lsp';
import { redactSecrets } from '../../protocol/redact';
import type { DearSettings } from '../../protocol/settings';
import type { SummaryEvent } from '../../protocol/events';
import { analyzeSettings } from './config';
import { errorMessage } from '../../protocol/errorMessage';
import type { Sandbox } from '../../sandbox/src/index';

/**
 * The engine (with undici, and the connection check) and the sandbox (HTTP servers, the data
 * generator) are loaded by the first request that needs them, so a server that only helps edit
 * never holds them in memory.
 */
const loadEngine = () => import('./engine/index.js');
const loadSandbox = () => import('../../sandbox/src/index.js');
const loadDoctor = () => import('./engine/doctor.js');

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

/** Settings from text, or an error naming the first problems (1-based lines). */
export function settingsOrError(
  text: string,
  fileName: string,
  names: ReadonlySet<string>,
): { settings?: DearSettings; error?: string } {
  const { settings, diagnostics } = analyzeSettings(text, { knownSecretNames: names, fileName });
  const errors = diagnostics.filter((d) => d.severity === 1);
  if (settings && errors.length === 0) return { settings };
  const shown = errors
    .slice(0, 3)
    .map((d) => `line ${d.range.start.line + 1}: ${d.message}`)
    .join('; ');
  return {
    error: `${fileName} has ${errors.length || 'unresolved'} error(s)${shown ? `: ${shown}` : ''}${errors.length > 3 ? '; …' : ''}. Fix them (see the Problems panel) and run again.`,
  };
}

// ---- the handlers ------------------------------------------------------------------------------

export interface SyncHandlerOptions {
  /**
   * The secret names the language server knows: those the client declared (initializationOptions or
   * SecretNamesNotification, whose handler the language server owns) plus the secret environment
   * variables; undefined while the client declared none. Reported by dear/serverInfo.
   */
  knownSecretNames?: () => ReadonlySet<string> | undefined;
}

export function registerSyncHandlers(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: SyncHandlerOptions = {},
): void {
  const runs = new Map<string, AbortController>();
  let sandbox: Sandbox | undefined;
  let sandboxTimeScale = 1;

  async function textOf(uri: string): Promise<{ text: string; filePath: string }> {
    const open = documents.get(uri);
    let filePath: string;
    try {
      filePath = fileURLToPath(uri);
    } catch {
      throw new Error(`${uri} is not a local file; runs need a folder on disk for their journal`);
    }
    if (open) return { text: open.getText(), filePath };
    try {
      return { text: await readFile(filePath, 'utf8'), filePath };
    } catch (err) {
      throw new Error(`cannot read ${filePath}: ${errorMessage(err)}`, { cause: err });
    }
  }

  connection.onNotification(WorkspaceTrustNotification.type, (p) => {
    clientTrust = p?.trusted === true;
  });

  connection.onRequest(RunRequest.type, async (p): Promise<RunRequest.Result> => {
    const secretValues = Object.values(p.secrets ?? {});
    const envValues = Object.values(p.env ?? {});
    const refusal = trustRefusal(p.trusted, clientTrust);
    if (refusal) return { summary: null, error: refusal };
    if (runs.has(p.runId)) return { summary: null, error: `run ${p.runId} is already running` };
    const controller = new AbortController();
    runs.set(p.runId, controller);
    try {
      const { text, filePath } = await textOf(p.uri);
      // The client resolved every `${secret:…}` the file references, so those names are the known ones.
      const parsed = settingsOrError(
        text,
        path.basename(filePath),
        new Set(Object.keys(p.secrets ?? {})),
      );
      if (!parsed.settings) return { summary: null, error: parsed.error };
      const { runEngine } = await loadEngine();
      const summary: SummaryEvent = await runEngine({
        settings: parsed.settings,
        configPath: filePath,
        mode: p.mode,
        dryRun: p.dryRun === true,
        onlyOrderNumbers: Array.isArray(p.onlyOrderNumbers) ? p.onlyOrderNumbers : undefined,
        signal: controller.signal,
        secrets: (kind, name) =>
          kind === 'secret' ? p.secrets?.[name] : (p.env?.[name] ?? process.env[name]),
        onEvent: (event) =>
          void connection.sendNotification(RunEventNotification.type, { runId: p.runId, event }),
      });
      return { summary };
    } catch (err) {
      const message = errorMessage(err);
      return { summary: null, error: redactSecrets(message, [...secretValues, ...envValues]) };
    } finally {
      runs.delete(p.runId);
    }
  });

  connection.onRequest(DoctorRequest.type, async (p): Promise<DoctorRequest.Result> => {
    const values = [...Object.values(p.secrets ?? {}), ...Object.values(p.env ?? {})];
    const refusal = trustRefusal(p.trusted, clientTrust);
    if (refusal) return { report: null, error: refusal };
    try {
      const { text, filePath } = await textOf(p.uri);
      const parsed = settingsOrError(
        text,
        path.basename(filePath),
        new Set(Object.keys(p.secrets ?? {})),
      );
      if (!parsed.settings) return { report: null, error: parsed.error };
      const { runDoctor } = await loadDoctor();
      const report = await runDoctor({
        settings: parsed.settings,
        configPath: filePath,
        secrets: (kind, name) =>
          kind === 'secret' ? p.secrets?.[name] : (p.env?.[name] ?? process.env[name]),
      });
      return { report };
    } catch (err) {
      return {
        report: null,
        error: redactSecrets(errorMessage(err), values),
      };
    }
  });

  connection.onNotification(CancelRunNotification.type, (p) => {
    runs.get(p?.runId)?.abort(new Error('cancelled by the user'));
  });

  connection.onRequest(StatusRequest.type, async (p): Promise<StatusRequest.Result> => {
    const { text, filePath } = await textOf(p.uri);
    const { settings } = analyzeSettings(text, { fileName: path.basename(filePath) });
    const { readStatus, resolveStateDir } = await loadEngine();
    const stateDir = settings
      ? resolveStateDir(filePath, settings)
      : path.resolve(path.dirname(filePath), '.dear-starshipit');
    return readStatus(stateDir);
  });

  connection.onRequest(StartSandboxRequest.type, async (p): Promise<StartSandboxRequest.Result> => {
    const alreadyRunning = sandbox !== undefined;
    if (!sandbox) {
      sandboxTimeScale = typeof p.timeScale === 'number' && p.timeScale > 0 ? p.timeScale : 1;
      const { startSandbox } = await loadSandbox();
      sandbox = await startSandbox({
        port: 0,
        seed: p.seed,
        sales: p.sales,
        timeScale: sandboxTimeScale,
        stateFile: p.stateFile,
      });
    }
    return {
      dearBaseUrl: sandbox.dearBaseUrl,
      starshipitBaseUrl: sandbox.starshipitBaseUrl,
      controlUrl: sandbox.controlUrl,
      credentials: { ...sandbox.credentials },
      timeScale: sandboxTimeScale,
      alreadyRunning,
    };
  });

  connection.onRequest(StopSandboxRequest.type, async (): Promise<StopSandboxRequest.Result> => {
    if (!sandbox) return { stopped: false };
    const s = sandbox;
    sandbox = undefined;
    await s.close();
    return { stopped: true };
  });

  connection.onRequest(SandboxPrintLabelsRequest.type, (p): SandboxPrintLabelsRequest.Result => {
    if (!sandbox) throw new Error('no sandbox is running; start it with "Dear: Start Sandbox"');
    const max = typeof p?.max === 'number' && p.max > 0 ? p.max : Infinity;
    const printed: string[] = [];
    for (const [orderNumber, orders] of sandbox.starshipitOrders()) {
      if (printed.length >= max) break;
      const status = String((orders[0] as { status?: unknown } | undefined)?.status ?? '');
      if (status && !/^(unshipped|saved)$/i.test(status)) continue;
      sandbox.printLabel({
        orderNumber,
        carrier: typeof p?.carrier === 'string' && p.carrier ? p.carrier : 'AusPost',
      });
      printed.push(orderNumber);
    }
    return { orderNumbers: printed };
  });

  connection.onRequest(ServerInfoRequest.type, (): ServerInfoRequest.Result => ({
    secretNames: options.knownSecretNames
      ? [...(options.knownSecretNames() ?? [])].sort()
      : undefined,
    trusted: clientTrust,
    activeRuns: [...runs.keys()],
    sandbox: sandbox
      ? { dearBaseUrl: sandbox.dearBaseUrl, starshipitBaseUrl: sandbox.starshipitBaseUrl }
      : undefined,
    engineAvailable: true,
  }));

  connection.onShutdown(async () => {
    for (const c of runs.values()) c.abort(new Error('the language server is shutting down'));
    if (sandbox) await sandbox.close().catch(() => undefined);
    sandbox = undefined;
  });
}
