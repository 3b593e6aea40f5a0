/**
 * The LSP client every test and benchmark uses: spawns a language server (ours — `node dist/cli.js
 * lsp --stdio` — or any other, e.g. yaml-language-server for the benchmark's comparison) and speaks
 * JSON-RPC over its stdio with vscode-languageserver-protocol. Waits on real notifications only (no
 * sleeps); callers that measure latency time the calls themselves.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  CodeActionRequest,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  type CodeAction,
  type Command,
  type CompletionItem,
  type CompletionList,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { CLI_PATH } from './paths';

/** Which server to start and how the client answers it. */
export interface LspServerSpec {
  /** Names the server in errors. */
  label: string;
  command: string;
  args: string[];
  /** The languageId of every document opened. */
  languageId: string;
  /** The server's whole environment. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Answers to `workspace/configuration`, by section; also sent once as didChangeConfiguration. */
  configuration?: Record<string, unknown>;
}

/** Our language server over stdio, with only PATH and `env` in its environment. */
export function dearServerSpec(env: NodeJS.ProcessEnv = {}): LspServerSpec {
  return {
    label: 'dear-starshipit lsp',
    command: process.execPath,
    args: [CLI_PATH, 'lsp', '--stdio'],
    languageId: 'dear-starshipit',
    env: { PATH: process.env.PATH, ...env },
  };
}

export class LspClient {
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: {
    match: (p: PublishDiagnosticsParams) => boolean;
    resolve: (p: PublishDiagnosticsParams) => void;
  }[] = [];
  stderr = '';
  readonly logs: string[] = [];
  private readonly logWaiters: { match: (m: string) => boolean; resolve: (m: string) => void }[] =
    [];
  initializeResult?: InitializeResult;

  private constructor(
    readonly spec: LspServerSpec,
    readonly child: ChildProcessWithoutNullStreams,
    readonly conn: ProtocolConnection,
  ) {
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.match(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    conn.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
      for (const w of [...this.logWaiters]) {
        if (w.match(p.message)) {
          this.logWaiters.splice(this.logWaiters.indexOf(w), 1);
          w.resolve(p.message);
        }
      }
    });
    conn.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) =>
        item.section ? (spec.configuration?.[item.section] ?? null) : null,
      ),
    );
    // Servers that register capabilities or report progress expect these to be answered.
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.onRequest(UnregistrationRequest.type, () => undefined);
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    child.stderr.on('data', (b: Buffer) => {
      this.stderr += b.toString();
    });
  }

  /** Our language server (`dist/cli.js lsp --stdio`), initialized with `initializationOptions`. */
  static start(env: NodeJS.ProcessEnv = {}, initializationOptions?: unknown): Promise<LspClient> {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run build" first`);
    return LspClient.launch(dearServerSpec(env), { initializationOptions });
  }

  /** Starts `spec`'s server and initializes it; `init` overrides the default initialize params. */
  static async launch(
    spec: LspServerSpec,
    init: Partial<InitializeParams> = {},
  ): Promise<LspClient> {
    const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: 'pipe' });
    const conn = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspClient(spec, child, conn);
    conn.listen();
    client.initializeResult = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      workspaceFolders: null,
      ...init,
    });
    await conn.sendNotification(InitializedNotification.type, {});
    if (spec.configuration)
      await conn.sendNotification(DidChangeConfigurationNotification.type, {
        settings: spec.configuration,
      });
    return client;
  }

  /** Resolves with the first publishDiagnostics for `uri` (already received or future) that matches. */
  diagnostics(
    uri: string,
    match: (p: PublishDiagnosticsParams) => boolean = () => true,
    since = 0,
  ): Promise<PublishDiagnosticsParams> {
    const done = this.published.slice(since).find((p) => p.uri === uri && match(p));
    if (done) return Promise.resolve(done);
    return new Promise((resolve) =>
      this.waiters.push({ match: (p) => p.uri === uri && match(p), resolve }),
    );
  }

  /** Resolves with the first window/logMessage (already received or future) that matches. */
  log(match: (m: string) => boolean): Promise<string> {
    const done = this.logs.find(match);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.logWaiters.push({ match, resolve }));
  }

  /** Number of publishDiagnostics received so far (to wait only for newer ones). */
  get publishedCount(): number {
    return this.published.length;
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: this.spec.languageId, version, text },
    });
  }

  async change(
    uri: string,
    version: number,
    contentChanges: TextDocumentContentChangeEvent[],
  ): Promise<void> {
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges,
    });
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri },
    });
  }

  completion(
    uri: string,
    line: number,
    character: number,
  ): Promise<CompletionItem[] | CompletionList | null> {
    return this.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
    });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line, character },
    });
  }

  /** The code actions for a range with no diagnostics in the context (as on a cursor move). */
  codeActions(
    uri: string,
    range: { start: { line: number; character: number }; end: { line: number; character: number } },
  ): Promise<(Command | CodeAction)[] | null> {
    return this.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range,
      context: { diagnostics: [] },
    });
  }

  /**
   * Shutdown and exit; resolves with the exit code. With `killAfterMs`, a server that has not exited
   * by then (or does not answer shutdown) is SIGKILLed.
   */
  async stop(killAfterMs?: number): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    const killer =
      killAfterMs === undefined ? undefined : setTimeout(() => this.kill(), killAfterMs);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const shutdown = this.conn
        .sendRequest(ShutdownRequest.type)
        .then(() => this.conn.sendNotification(ExitNotification.type))
        .catch(() => undefined);
      await Promise.race([shutdown, exited]);
    }
    const code =
      this.child.exitCode !== null || this.child.signalCode !== null
        ? this.child.exitCode
        : await exited;
    if (killer) clearTimeout(killer);
    this.conn.dispose();
    return code;
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
