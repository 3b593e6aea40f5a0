/**
 * Scenario 6: `dear-starshipit lsp --stdio` against yaml-language-server 1.x configured with our
 * JSON Schema, through the same client, on the same documents, one fresh server process per
 * document size (so each peak RSS belongs to one document size).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspClient, type LspServerSpec } from './lspClient';
import { brokenDocuments, validDocument, type BenchDocument } from './lspDocs';
import { procMemory } from './proc';
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
    ours: {
      label: 'dear-starshipit lsp',
      command: process.execPath,
      args: [path.join(root, 'dist/cli.js'), 'lsp', '--stdio'],
      languageId: 'dear-starshipit',
    },
    theirs: {
      label: 'yaml-language-server',
      command: process.execPath,
      args: [
        path.join(root, 'node_modules/yaml-language-server/bin/yaml-language-server'),
        '--stdio',
      ],
      languageId: 'yaml',
      env: {
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

async function editRun(
  spec: LspServerSpec,
  root: string,
  dir: string,
  doc: BenchDocument,
  edits: number,
): Promise<EditFigures> {
  const file = path.join(dir, `${doc.name}.dear-starshipit.yaml`);
  fs.writeFileSync(file, doc.text);
  const uri = pathToFileURL(file).toString();
  const client = new LspClient(spec, root);
  try {
    await client.initialize(pathToFileURL(dir).toString());
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const idleRssBytes = procMemory(client.child.pid).rss;
    const opened = await client.open(uri, doc.text);
    const errors = opened.filter((d) => d.severity === 1 || d.severity === 2);
    const times: number[] = [];
    let withDiagnostics = 0;
    let version = 1;
    const current = doc.editSites.map((s) => ({ ...s }));
    for (let i = 0; i < WARMUP_EDITS + edits; i++) {
      // Spread the edits over the whole document; alternate two valid carrier names.
      const site = current[i % current.length];
      const next = site.value.endsWith(' (mapped)')
        ? site.value.replace(/ \(mapped\)$/, ' (edited)')
        : site.value.replace(/ \(edited\)$/, ' (mapped)');
      const r = await client.edit(
        uri,
        ++version,
        { line: site.line, start: site.start, end: site.end },
        next,
      );
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
      const c = await client.completion(uri, doc.completionAt.line, doc.completionAt.character);
      if (i >= 5) completionTimes.push(c.ms);
      items = c.items;
    }
    const hoverTimes: number[] = [];
    const actionTimes: number[] = [];
    for (let i = 0; i < COMPLETIONS; i++) {
      const site = current[i % current.length];
      const h = await client.hover(uri, doc.completionAt.line, 4);
      const a = await client.codeActions(uri, site);
      if (i >= 5) {
        hoverTimes.push(h.ms);
        actionTimes.push(a.ms);
      }
    }
    await client.close(uri);
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
      peakRssBytes: await client.dispose(),
    };
  } finally {
    if (client.child.exitCode === null) await client.dispose();
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

async function diagnosticsOf(
  spec: LspServerSpec,
  root: string,
  dir: string,
): Promise<Map<string, Diagnostic[]>> {
  const out = new Map<string, Diagnostic[]>();
  const client = new LspClient(spec, root);
  try {
    await client.initialize(pathToFileURL(dir).toString());
    for (const b of brokenDocuments()) {
      const file = path.join(dir, `broken-${b.name}.dear-starshipit.yaml`);
      fs.writeFileSync(file, b.text);
      const uri = pathToFileURL(file).toString();
      const ds = await client.open(uri, b.text);
      // Schema errors only: errors and warnings (yaml-language-server turns its warnings into errors).
      out.set(
        b.name,
        ds.filter((d) => d.severity === 1 || d.severity === 2),
      );
      await client.close(uri);
    }
  } finally {
    await client.dispose();
  }
  return out;
}

export async function agreementScenario(root: string): Promise<AgreementFigures> {
  const { ours, theirs } = serverSpecs(root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dear-bench-ls-'));
  const a = await diagnosticsOf(ours, root, dir);
  const b = await diagnosticsOf(theirs, root, dir);
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dear-bench-ls-'));
  const doc = validDocument(lines);
  return {
    ours: await editRun(ours, root, dir, doc, edits),
    theirs: await editRun(theirs, root, dir, doc, edits),
  };
}
