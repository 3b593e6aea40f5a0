/**
 * A minimal LSP client over stdio (vscode-languageserver-protocol's JSON-RPC), the same for both
 * servers: start the child, initialize, answer `workspace/configuration`, open/change documents,
 * wait for `textDocument/publishDiagnostics`, and sample the child's memory.
 */
import type { ChildProcess } from 'node:child_process';
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
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { RssSampler, start, stop } from './proc';

export interface LspServerSpec {
  label: string;
  command: string;
  args: string[];
  languageId: string;
  /** Settings answered to `workspace/configuration`, by section. */
  configuration?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

interface Waiter {
  uri: string;
  minVersion?: number;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class LspClient {
  readonly child: ChildProcess;
  readonly memory: RssSampler;
  private readonly conn: ProtocolConnection;
  private waiters: Waiter[] = [];
  readonly stderr: string[] = [];

  constructor(
    readonly spec: LspServerSpec,
    cwd: string,
  ) {
    this.child = start(spec.command, spec.args, { cwd, env: { ...process.env, ...spec.env } });
    this.child.stderr?.on('data', (c: Buffer) => {
      if (this.stderr.length < 200) this.stderr.push(c.toString('utf8'));
    });
    this.memory = new RssSampler(this.child.pid, 25);
    if (!this.child.stdout || !this.child.stdin)
      throw new Error(`${spec.label}: child has no stdio`);
    this.conn = createProtocolConnection(
      new StreamMessageReader(this.child.stdout),
      new StreamMessageWriter(this.child.stdin),
    );
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => this.onDiagnostics(p));
    this.conn.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) =>
        item.section ? (spec.configuration?.[item.section] ?? null) : null,
      ),
    );
    this.conn.onRequest(RegistrationRequest.type, () => undefined);
    this.conn.onRequest(UnregistrationRequest.type, () => undefined);
    this.conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    // Other notifications (window/logMessage, telemetry, custom ones) have no handler and are dropped.
    this.conn.listen();
  }

  private onDiagnostics(p: PublishDiagnosticsParams): void {
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (
        w.uri === p.uri &&
        (w.minVersion === undefined || p.version === undefined || p.version >= w.minVersion)
      )
        w.resolve(p);
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** The next publishDiagnostics for `uri` (for `version` or later when the server sends versions). */
  nextDiagnostics(
    uri: string,
    version?: number,
    timeoutMs = 60_000,
  ): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `${this.spec.label}: no diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${this.stderr.join('').slice(-400)}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        minVersion: version,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      this.waiters.push(waiter);
    });
  }

  async initialize(rootUri: string): Promise<void> {
    await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: false },
          workspaceFolders: true,
        },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: false, willSave: false },
          completion: {
            completionItem: {
              snippetSupport: true,
              documentationFormat: ['markdown', 'plaintext'],
            },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
        },
      },
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
    if (this.spec.configuration)
      await this.conn.sendNotification(DidChangeConfigurationNotification.type, {
        settings: this.spec.configuration,
      });
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    const next = this.nextDiagnostics(uri);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: this.spec.languageId, version: 1, text },
    });
    return (await next).diagnostics;
  }

  async close(uri: string): Promise<void> {
    const next = this.nextDiagnostics(uri, undefined, 10_000).catch(() => undefined);
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri },
    });
    await next;
  }

  /** One incremental edit; resolves with the ms from sending it to its diagnostics. */
  async edit(
    uri: string,
    version: number,
    range: { line: number; start: number; end: number },
    text: string,
  ): Promise<{ ms: number; diagnostics: Diagnostic[] }> {
    const next = this.nextDiagnostics(uri, version);
    const t0 = performance.now();
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [
        {
          range: {
            start: { line: range.line, character: range.start },
            end: { line: range.line, character: range.end },
          },
          text,
        },
      ],
    });
    const p = await next;
    return { ms: performance.now() - t0, diagnostics: p.diagnostics };
  }

  async completion(
    uri: string,
    line: number,
    character: number,
  ): Promise<{ ms: number; items: number }> {
    const t0 = performance.now();
    const r = (await this.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
    })) as CompletionItem[] | CompletionList | null;
    const ms = performance.now() - t0;
    const items = Array.isArray(r) ? r.length : (r?.items.length ?? 0);
    return { ms, items };
  }

  /** One hover request; resolves with its round trip in ms. */
  async hover(uri: string, line: number, character: number): Promise<{ ms: number }> {
    const t0 = performance.now();
    await this.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line, character },
    });
    return { ms: performance.now() - t0 };
  }

  /** One code-action request for a range (as an editor sends when the cursor moves); ms round trip. */
  async codeActions(
    uri: string,
    range: { line: number; start: number; end: number },
  ): Promise<{ ms: number }> {
    const t0 = performance.now();
    await this.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: {
        start: { line: range.line, character: range.start },
        end: { line: range.line, character: range.end },
      },
      context: { diagnostics: [] },
    });
    return { ms: performance.now() - t0 };
  }

  /** Polite shutdown; the child is killed if it does not exit. Returns its peak RSS in bytes. */
  async dispose(): Promise<number> {
    const peak = this.memory.peak();
    try {
      await Promise.race([
        this.conn.sendRequest(ShutdownRequest.type),
        new Promise((r) => setTimeout(r, 3000)),
      ]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      // The server may already be gone.
    }
    this.memory.stop();
    this.conn.dispose();
    await stop(this.child);
    return peak;
  }
}
