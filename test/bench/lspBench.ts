/**
 * Scenario 6: `dear-starshipit lsp --stdio` against yaml-language-server 1.x configured with our
 * JSON Schema, through the same client, on the same documents, one fresh server process per
 * document size (so each peak RSS belongs to one document size).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  ClientCapabilities,
  Diagnostic,
  PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { dearServerSpec, LspClient, type LspServerSpec } from '../support/lspClient';
import { tempDir } from '../support/paths';
import { brokenDocuments, validDocument, type BenchDocument } from './lspDocs';
import { procMemory, RssSampler } from './proc';
import { percentile } from './report';

export interface EditFigures {
  lines: number;
  edits: number;
  p50: number;
  p95: number;
  mean: number;
  completionP50: number;
  completionP95: number;
  completionItems: number;
  hoverP95: number;
  codeActionP95: number;
  /** Diagnostics on the freshly opened document (0 = accepted). */
  openErrors: number;
  openDiagnostics: string[];
  /** Edits whose diagnostics were not empty (the edits keep the document valid). */
  editsWithDiagnostics: number;
  /** RSS after initialize, before any document is open. */
  idleRssBytes: number;
  peakRssBytes: number;
}

export interface Mismatch {
  doc: string;
  what: string;
  side: 'ours-only' | 'theirs-only';
  line: number;
  message: string;
}

export interface AgreementFigures {
  documents: number;
  agreed: number;
  oursOnly: number;
  theirsOnly: number;
  mismatches: Mismatch[];
}

export interface LspFigures {
  serverDebounceMs: { ours: number; theirs: number };
  sizes: { ours: EditFigures; theirs: EditFigures }[];
  agreement: AgreementFigures;
}

const WARMUP_EDITS = 10;
const COMPLETIONS = 60;
/** Time for the server to finish start-up work before its idle memory is read. */
const IDLE_SETTLE_MS = 1000;

export function serverSpecs(root: string): { ours: LspServerSpec; theirs: LspServerSpec } {
  const schemaUri = pathToFileURL(
    path.join(root, 'schemas/dear-starshipit.schema.json'),
  ).toString();
  // Never let yaml-language-server reach the network: no schema store, and a dead loopback proxy.
  const deadProxy = 'http://127.0.0.1:9';
  return {
    ours: { ...dearServerSpec(process.env), cwd: root },
    theirs: {
      label: 'yaml-language-server',
      command: process.execPath,
      args: [
        path.join(root, 'node_modules/yaml-language-server/bin/yaml-language-server'),
        '--stdio',
      ],
      languageId: 'yaml',
      cwd: root,
      env: {
        ...process.env,
        HTTP_PROXY: deadProxy,
        HTTPS_PROXY: deadProxy,
        http_proxy: deadProxy,
        https_proxy: deadProxy,
      },
      configuration: {
        yaml: {
          validate: true,
          completion: true,
          hover: true,
          format: { enable: false },
          schemaStore: { enable: false },
          schemas: { [schemaUri]: ['*.dear-starshipit.yaml'] },
        },
        http: { proxy: deadProxy, proxyStrictSSL: false },
        '[yaml]': {},
        editor: { tabSize: 2 },
      },
    },
  };
}

/** Client capabilities an editor announces (completion snippets, markdown, versioned diagnostics). */
const EDITOR_CAPABILITIES: ClientCapabilities = {
  workspace: {
    configuration: true,
    didChangeConfiguration: { dynamicRegistration: false },
    workspaceFolders: true,
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false, willSave: false },
    completion: {
      completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] },
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
  },
};

/** Fails with the server's last stderr when `promise` has not settled within `ms`. */
function within<T>(client: LspClient, promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${client.spec.label}: no ${what} within ${ms} ms; stderr: ${client.stderr.slice(-400)}`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * One server under measurement: the shared test client (test/support/lspClient.ts) with the
 * server's memory sampled, and each call timed from sending it to its answer (for an edit: to the
 * diagnostics of that version).
 */
class BenchSession {
  private constructor(
    readonly client: LspClient,
    readonly memory: RssSampler,
  ) {}

  static async start(spec: LspServerSpec, dir: string): Promise<BenchSession> {
    const rootUri = pathToFileURL(dir).toString();
    const client = await LspClient.launch(spec, {
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: EDITOR_CAPABILITIES,
    });
    return new BenchSession(client, new RssSampler(client.child.pid, 25));
  }

  /** Diagnostics published after `since` for `uri` (for `version` or later when versioned). */
  private diagnosticsAfter(
    uri: string,
    since: number,
    version?: number,
  ): Promise<PublishDiagnosticsParams> {
    const current = (p: PublishDiagnosticsParams) =>
      version === undefined || p.version === undefined || p.version >= version;
    return within(
      this.client,
      this.client.diagnostics(uri, current, since),
      60_000,
      `diagnostics for ${uri}`,
    );
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    const since = this.client.publishedCount;
    await this.client.open(uri, text);
    return (await this.diagnosticsAfter(uri, since)).diagnostics;
  }

  /** Closes `uri` and waits (briefly) for the server to clear its diagnostics. */
  async close(uri: string): Promise<void> {
    const since = this.client.publishedCount;
    await this.client.close(uri);
    await within(
      this.client,
      this.client.diagnostics(uri, () => true, since),
      10_000,
      'clear',
    )
      .then(() => undefined)
      .catch(() => undefined);
  }

  /** One incremental edit on one line; the ms from sending it to its diagnostics. */
  async edit(
    uri: string,
    version: number,
    site: { line: number; start: number; end: number },
    text: string,
  ): Promise<{ ms: number; diagnostics: Diagnostic[] }> {
    const since = this.client.publishedCount;
    const t0 = performance.now();
    await this.client.change(uri, version, [
      {
        range: {
          start: { line: site.line, character: site.start },
          end: { line: site.line, character: site.end },
        },
        text,
      },
    ]);
    const p = await this.diagnosticsAfter(uri, since, version);
    return { ms: performance.now() - t0, diagnostics: p.diagnostics };
  }

  async completion(
    uri: string,
    line: number,
    character: number,
  ): Promise<{ ms: number; items: number }> {
    const t0 = performance.now();
    const r = await this.client.completion(uri, line, character);
    const ms = performance.now() - t0;
    return { ms, items: Array.isArray(r) ? r.length : (r?.items.length ?? 0) };
  }

  async hover(uri: string, line: number, character: number): Promise<number> {
    const t0 = performance.now();
    await this.client.hover(uri, line, character);
    return performance.now() - t0;
  }

  async codeActions(uri: string, site: { line: number; start: number; end: number }) {
    const t0 = performance.now();
    await this.client.codeActions(uri, {
      start: { line: site.line, character: site.start },
      end: { line: site.line, character: site.end },
    });
    return performance.now() - t0;
  }

  /** Shuts the server down (killed if it does not exit); resolves with its peak RSS in bytes. */
  async dispose(): Promise<number> {
    const peak = this.memory.peak();
    this.memory.stop();
    await this.client.stop(3000);
    return peak;
  }
}

async function editRun(
  spec: LspServerSpec,
  dir: string,
  doc: BenchDocument,
  edits: number,
): Promise<EditFigures> {
  const file = path.join(dir, `${doc.name}.dear-starshipit.yaml`);
  fs.writeFileSync(file, doc.text);
  const uri = pathToFileURL(file).toString();
  const session = await BenchSession.start(spec, dir);
  let peakRssBytes: number | undefined;
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const idleRssBytes = procMemory(session.client.child.pid).rss;
    const opened = await session.open(uri, doc.text);
    const errors = opened.filter((d) => d.severity === 1 || d.severity === 2);
    const times: number[] = [];
    let withDiagnostics = 0;
    let version = 1;
    const current = doc.editSites.map((site) => ({ ...site }));
    for (let i = 0; i < WARMUP_EDITS + edits; i++) {
      // Spread the edits over the whole document; alternate two valid carrier names.
      const site = current[i % current.length];
      const next = site.value.endsWith(' (mapped)')
        ? site.value.replace(/ \(mapped\)$/, ' (edited)')
        : site.value.replace(/ \(edited\)$/, ' (mapped)');
      const r = await session.edit(uri, ++version, site, next);
      site.end = site.start + next.length;
      site.value = next;
      if (i >= WARMUP_EDITS) {
        times.push(r.ms);
        if (r.diagnostics.some((d) => d.severity === 1 || d.severity === 2)) withDiagnostics++;
      }
    }
    const completionTimes: number[] = [];
    let items = 0;
    for (let i = 0; i < COMPLETIONS; i++) {
      const c = await session.completion(uri, doc.completionAt.line, doc.completionAt.character);
      if (i >= 5) completionTimes.push(c.ms);
      items = c.items;
    }
    const hoverTimes: number[] = [];
    const actionTimes: number[] = [];
    for (let i = 0; i < COMPLETIONS; i++) {
      const site = current[i % current.length];
      const hoverMs = await session.hover(uri, doc.completionAt.line, 4);
      const actionMs = await session.codeActions(uri, site);
      if (i >= 5) {
        hoverTimes.push(hoverMs);
        actionTimes.push(actionMs);
      }
    }
    await session.close(uri);
    peakRssBytes = await session.dispose();
    return {
      lines: doc.lines,
      edits: times.length,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
      completionP50: percentile(completionTimes, 50),
      completionP95: percentile(completionTimes, 95),
      completionItems: items,
      hoverP95: percentile(hoverTimes, 95),
      codeActionP95: percentile(actionTimes, 95),
      openErrors: errors.length,
      openDiagnostics: errors.slice(0, 3).map((d) => `${d.range.start.line + 1}: ${d.message}`),
      editsWithDiagnostics: withDiagnostics,
      idleRssBytes,
      peakRssBytes,
    };
  } finally {
    if (peakRssBytes === undefined) await session.dispose();
  }
}

function lineSet(ds: Diagnostic[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const d of ds)
    if (!m.has(d.range.start.line))
      m.set(
        d.range.start.line,
        (typeof d.message === 'string' ? d.message : d.message.value)
          .replace(/\s+/g, ' ')
          .slice(0, 140),
      );
  return m;
}

/** A diagnostic of one side matches the other when either starts on a line the other covers. */
function covers(ds: Diagnostic[], line: number): boolean {
  return ds.some(
    (d) =>
      d.range.start.line === line ||
      (d.range.start.line <= line &&
        line <= d.range.end.line &&
        d.range.end.line - d.range.start.line <= 3),
  );
}

async function diagnosticsOf(spec: LspServerSpec, dir: string): Promise<Map<string, Diagnostic[]>> {
  const out = new Map<string, Diagnostic[]>();
  const session = await BenchSession.start(spec, dir);
  try {
    for (const b of brokenDocuments()) {
      const file = path.join(dir, `broken-${b.name}.dear-starshipit.yaml`);
      fs.writeFileSync(file, b.text);
      const uri = pathToFileURL(file).toString();
      const ds = await session.open(uri, b.text);
      // Schema errors only: errors and warnings (yaml-language-server turns its warnings into errors).
      out.set(
        b.name,
        ds.filter((d) => d.severity === 1 || d.severity === 2),
      );
      await session.close(uri);
    }
  } finally {
    await session.dispose();
  }
  return out;
}

export async function agreementScenario(root: string): Promise<AgreementFigures> {
  const { ours, theirs } = serverSpecs(root);
  const dir = tempDir('dear-bench-ls-');
  const a = await diagnosticsOf(ours, dir);
  const b = await diagnosticsOf(theirs, dir);
  const fig: AgreementFigures = {
    documents: 0,
    agreed: 0,
    oursOnly: 0,
    theirsOnly: 0,
    mismatches: [],
  };
  for (const doc of brokenDocuments()) {
    fig.documents++;
    const o = a.get(doc.name) ?? [];
    const t = b.get(doc.name) ?? [];
    for (const [line, message] of lineSet(t)) {
      if (covers(o, line)) fig.agreed++;
      else {
        fig.theirsOnly++;
        fig.mismatches.push({
          doc: doc.name,
          what: doc.what,
          side: 'theirs-only',
          line: line + 1,
          message,
        });
      }
    }
    for (const [line, message] of lineSet(o)) {
      if (!covers(t, line)) {
        fig.oursOnly++;
        fig.mismatches.push({
          doc: doc.name,
          what: doc.what,
          side: 'ours-only',
          line: line + 1,
          message,
        });
      }
    }
  }
  return fig;
}

export async function editScenario(
  root: string,
  lines: number,
  edits: number,
): Promise<{ ours: EditFigures; theirs: EditFigures }> {
  const { ours, theirs } = serverSpecs(root);
  const dir = tempDir('dear-bench-ls-');
  const doc = validDocument(lines);
  return {
    ours: await editRun(ours, dir, doc, edits),
    theirs: await editRun(theirs, dir, doc, edits),
  };
}
