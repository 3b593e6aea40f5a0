/**
 * A minimal LSP client for tests: spawns `node dist/cli.js lsp --stdio` and speaks JSON-RPC over its
 * stdio with vscode-languageserver-protocol. Waits on real notifications only (no sleeps).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  DidOpenTextDocumentNotification,
  ShutdownRequest,
  ExitNotification,
  LogMessageNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { CLI_PATH } from './paths';

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
    child.stderr.on('data', (b: Buffer) => {
      this.stderr += b.toString();
    });
  }

  static async start(
    env: NodeJS.ProcessEnv = {},
    initializationOptions?: unknown,
  ): Promise<LspClient> {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run build" first`);
    const child = spawn(process.execPath, [CLI_PATH, 'lsp', '--stdio'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'pipe',
    });
    const conn = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspClient(child, conn);
    conn.listen();
    client.initializeResult = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      workspaceFolders: null,
      initializationOptions,
    });
    await conn.sendNotification(InitializedNotification.type, {});
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
      textDocument: { uri, languageId: 'dear-starshipit', version, text },
    });
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    if (this.child.exitCode === null) {
      await this.conn.sendRequest(ShutdownRequest.type);
      await this.conn.sendNotification(ExitNotification.type);
    }
    const code = await exited;
    this.conn.dispose();
    return code;
  }
}
