/**
 * Hostile settings files against the real language server (`dear-starshipit lsp --stdio`, JSON-RPC
 * over stdio): fast-check mutations of the sample plus hand-made monsters (alias bomb, deep nesting,
 * 10 MB, binary bytes, tabs, duplicate keys, several documents, lone surrogates …). For every
 * document the server must publish diagnostics whose ranges lie inside the document, log no
 * internal error, and keep answering requests; `validate --json` must give the same diagnostics.
 * Per-document time is measured and reported (not asserted: speed belongs to `npm run bench`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  CompletionRequest,
  DidCloseTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  LogMessageNotification,
  MessageType,
  type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { tempDir } from '../engine/helpers';
import { LspClient } from '../support/lspClient';
import { figure, Rng, runChild, size, suiteSeed } from './helpers';
import { errorMessage } from '../../protocol/errorMessage';

const SAMPLE = fs.readFileSync('samples/dear-starshipit.yaml', 'utf8');
const SEVERITY = ['', 'error', 'warning', 'information', 'hint'];

/** LSP lines: split on \r\n, \r and \n (what a client counts). */
function lspLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function rangeInside(d: Diagnostic, lines: string[]): boolean {
  const { start, end } = d.range;
  const ok = (p: { line: number; character: number }) =>
    Number.isInteger(p.line) &&
    Number.isInteger(p.character) &&
    p.line >= 0 &&
    p.line < lines.length &&
    p.character >= 0 &&
    p.character <= lines[p.line].length;
  return (
    ok(start) &&
    ok(end) &&
    (start.line < end.line || (start.line === end.line && start.character <= end.character))
  );
}

// ---- the corpus ----------------------------------------------------------------------------------

const TOKENS = [
  ': ',
  ':',
  '- ',
  '-',
  '\n',
  '\n  ',
  '\t',
  '  ',
  '#',
  '&a ',
  '*a',
  '<<: *a',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '|',
  '>',
  '!!str ',
  '!tag ',
  '? ',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '${secret:',
  '${env:X}',
  '${secret:A}',
  'null',
  '~',
  'true',
  'yes',
  '0x1F',
  '1e999',
  '-0',
  '.nan',
  '2026-13-45',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\ufeff',
  '\u2028',
  '\u200b',
  'é',
  '🚚',
  'ü'.normalize('NFD'),
  '\r',
  '\r\n',
];

type Mutation =
  | { k: 'delete'; at: number; len: number }
  | { k: 'insert'; at: number; s: string }
  | { k: 'dupLine'; line: number }
  | { k: 'swapLines'; a: number; b: number }
  | { k: 'indent'; line: number; by: string }
  | { k: 'value'; line: number; s: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    k: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({
    k: fc.constant('insert' as const),
    at: fc.nat(),
    s: fc.oneof(
      fc.constantFrom(...TOKENS),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ maxLength: 12 }),
    ),
  }),
  fc.record({ k: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ k: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    k: fc.constant('indent' as const),
    line: fc.nat(),
    by: fc.constantFrom(' ', '  ', '\t', '-', ''),
  }),
  fc.record({
    k: fc.constant('value' as const),
    line: fc.nat(),
    s: fc.oneof(
      fc.constantFrom(...TOKENS),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer().map(String),
      fc.double().map(String),
    ),
  }),
);

function mutate(text: string, ms: Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const lines = t.split('\n');
    const L = (n: number) => n % lines.length;
    switch (m.k) {
      case 'delete': {
        const at = m.at % (t.length + 1);
        t = t.slice(0, at) + t.slice(at + m.len);
        break;
      }
      case 'insert': {
        const at = m.at % (t.length + 1);
        t = t.slice(0, at) + m.s + t.slice(at);
        break;
      }
      case 'dupLine':
        lines.splice(L(m.line), 0, lines[L(m.line)]);
        t = lines.join('\n');
        break;
      case 'swapLines': {
        const [a, b] = [L(m.a), L(m.b)];
        [lines[a], lines[b]] = [lines[b], lines[a]];
        t = lines.join('\n');
        break;
      }
      case 'indent':
        lines[L(m.line)] =
          m.by === '' ? lines[L(m.line)].replace(/^\s{1,2}/, '') : m.by + lines[L(m.line)];
        t = lines.join('\n');
        break;
      case 'value': {
        const i = L(m.line);
        const colon = lines[i].indexOf(': ');
        lines[i] = colon >= 0 ? lines[i].slice(0, colon + 2) + m.s : lines[i] + m.s;
        t = lines.join('\n');
        break;
      }
    }
  }
  return t;
}

/** Text as a UTF-8 file would hold it (lone surrogates become U+FFFD), so CLI and LSP see the same. */
const utf8 = (t: string) => Buffer.from(t, 'utf8').toString('utf8');

function handMade(rng: Rng): [string, string][] {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(', ')}]`,
    );
  const mergeBomb = [
    'base: &b {k: v}',
    ...Array.from(
      { length: 60 },
      (_, i) =>
        `m${i}: &m${i}\n  <<: [${Array(20)
          .fill(i === 0 ? '*b' : `*m${i - 1}`)
          .join(', ')}]`,
    ),
  ];
  const randomBytes = Buffer.alloc(4096);
  for (let i = 0; i < randomBytes.length; i++) randomBytes[i] = rng.int(0, 255);
  const lines = SAMPLE.split('\n');
  return [
    ['empty', ''],
    ['only a newline', '\n'],
    ['only ---', '---'],
    ['alias bomb (billion laughs)', bomb.join('\n')],
    ['merge-key bomb', mergeBomb.join('\n')],
    [
      'alias bomb inside the settings',
      SAMPLE.replace(
        'import:\n',
        `import:\n  x: &x [${Array(50).fill('1').join(',')}]\n  y: &y [${Array(50).fill('*x').join(',')}]\n  z: [${Array(50).fill('*y').join(',')}]\n`,
      ),
    ],
    ['deep flow nesting 20k', `dear: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
    ['deep flow nesting unclosed', `dear: ${'{a: ['.repeat(5_000)}\n`],
    [
      'deep block nesting 3k',
      Array.from({ length: 3_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
    ],
    [
      'deep block sequence nesting',
      Array.from({ length: 2_000 }, (_, i) => `${'  '.repeat(i)}- `).join('\n') + 'x',
    ],
    [
      '10 MB file',
      `dear:\n  apiKey: ${'x'.repeat(64)}\n${'  # padding padding padding padding padding padding padding padding padding padding\n'.repeat(125_000)}`,
    ],
    ['just over 1 MB', `dear:\n${'#'.repeat(1024 * 1024)}\n`],
    ['500 KB single line', `dear: {apiKey: "${'k'.repeat(500_000)}"}`],
    ['binary bytes (latin1)', randomBytes.toString('latin1')],
    ['binary bytes (utf8 replacement)', randomBytes.toString('utf8')],
    [
      'NUL bytes in values',
      SAMPLE.replace(/calls: 60/, 'calls: 6\u00000').replace(
        'source: sales',
        'source: sa\u0000les',
      ),
    ],
    ['tabs for indentation', SAMPLE.replace(/\n {2}/g, '\n\t')],
    ['tabs mixed', SAMPLE.replace(/\n {4}/g, '\n\t  ')],
    [
      'duplicate keys',
      SAMPLE + '\ndear:\n  apiVersion: 1\nimport:\n  statuses: [ORDERED]\n  statuses: [PICKED]\n',
    ],
    ['several documents', `${SAMPLE}\n---\n${SAMPLE}\n---\nfoo: bar\n`],
    ['a document end marker mid-file', SAMPLE.replace('starshipit:', '...\nstarshipit:')],
    ['BOM and CRLF', `\ufeff${SAMPLE.replace(/\n/g, '\r\n')}`],
    ['CR-only line ends', SAMPLE.replace(/\n/g, '\r')],
    ['unicode line separators', SAMPLE.replace(/\n/g, '\u2028')],
    [
      'astral and combining characters',
      SAMPLE.replace('DEFAULT Carrier', '🚚📦 Ca\u0301rrier 𝕏'.repeat(5)),
    ],
    [
      'control characters',
      SAMPLE.replace(
        'statuses: [ORDERED, PICKED, PACKED]',
        'statuses: [ORD\u0007ERED, \u001b[31mPICKED\u001b[0m]',
      ),
    ],
    ['every line indented one more', lines.map((l) => ` ${l}`).join('\n')],
    ['tags everywhere', SAMPLE.replace(/: (\S)/g, ': !!binary $1')],
    [
      'huge numbers',
      SAMPLE.replace(/calls: \d+/g, 'calls: 1e400').replace(
        /perSeconds: \d+/g,
        'perSeconds: -0x7FFFFFFFFFFFFFFFFFFF',
      ),
    ],
    ['a scalar instead of the map', '"just a string"'],
    ['a sequence instead of the map', '- dear\n- starshipit\n'],
    ['keys that are maps', '? {a: b}\n: c\n? [x]\n: y\n'],
    [
      'anchors on keys and __proto__',
      '&k dear: {__proto__: {polluted: true}, constructor: {prototype: 1}}\n*k : 2\n',
    ],
    [
      'secret references broken',
      SAMPLE.replace('${secret:DEAR_API_KEY}', '${secret:').replace(
        '${secret:STARSHIPIT_API_KEY}',
        '${env:}${secret:A}${secret:B}',
      ),
    ],
    [
      'courier mappings of every wrong type',
      SAMPLE.replace(
        /courierMappings:[\s\S]*?\nengine:/,
        'courierMappings: [1, "x", [], {courier: [a]}, {carrier: {x: 1}}, null]\nengine:',
      ),
    ],
  ];
}

const LONE_SURROGATES = `dear:\n  apiKey: "\ud800 \udfff x"\n  baseUrl: \udc00\n${SAMPLE}`;

// ---- the suite -------------------------------------------------------------------------------------

describe('reliability soak: hostile settings files over real LSP stdio, and validate agrees', function () {
  this.timeout(size(300_000, 3_600_000));
  const seed = suiteSeed();
  const mutations = size(500, 5_000);
  const compareEvery = size(10, 5); // every Nth mutation is also run through `validate --json`
  let client: LspClient;
  const internalErrors: string[] = [];
  let exited: Promise<never>;
  before(async () => {
    // A server that never answers initialize is a failure with a message, not a silent suite timeout.
    let guard: NodeJS.Timeout | undefined;
    client = await Promise.race([
      LspClient.start(),
      new Promise<never>((_, reject) => {
        guard = setTimeout(
          () => reject(new Error('the language server did not answer initialize within 60 s')),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(guard));
    client.conn.onNotification(LogMessageNotification.type, (p) => {
      if (p.type === MessageType.Error) internalErrors.push(p.message);
    });
    exited = new Promise<never>((_, reject) =>
      client.child.once('exit', (code, signal) =>
        reject(
          new Error(
            `the language server exited (${code ?? signal}) — stderr: ${client.stderr.slice(-2000)}`,
          ),
        ),
      ),
    );
    exited.catch(() => undefined);
  });
  after(async () => {
    if (client && client.child.exitCode === null) assert.equal(await client.stop(), 0);
  });

  /** Opens one document, waits for its diagnostics (or a crash), checks them, asks for more, closes it. */
  let docNo = 0;
  async function check(
    name: string,
    text: string,
  ): Promise<{ ms: number; diagnostics: Diagnostic[] }> {
    const uri = `file:///ws/hostile/${++docNo}/dear-starshipit.yaml`;
    const since = client.publishedCount;
    const errorsBefore = internalErrors.length;
    const t0 = process.hrtime.bigint();
    await client.open(uri, text);
    let watchdog: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`no diagnostics for "${name}" after 60 s: the server hangs`)),
        60_000,
      );
    });
    try {
      const p = await Promise.race([client.diagnostics(uri, () => true, since), exited, hang]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const lines = lspLines(text);
      for (const d of p.diagnostics)
        assert.ok(
          rangeInside(d, lines),
          `"${name}": range ${JSON.stringify(d.range)} of ${d.code} is outside the document (${lines.length} lines)`,
        );
      // It keeps answering: requests on this very document, at its start and at its end.
      const last = { line: lines.length - 1, character: lines[lines.length - 1].length };
      const ask = async (what: string, req: Promise<unknown>) => {
        try {
          await Promise.race([req, exited, hang]);
        } catch (err) {
          throw new Error(
            `"${name}": ${what} failed: ${errorMessage(err)}\ntext: ${JSON.stringify(text.length > 4000 ? `${text.slice(0, 2000)}…` : text)}`,
            { cause: err },
          );
        }
      };
      await ask(
        'documentSymbol',
        client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }),
      );
      await ask(
        'hover at 0:0',
        client.conn.sendRequest(HoverRequest.type, {
          textDocument: { uri },
          position: { line: 0, character: 0 },
        }),
      );
      await ask(
        `completion at ${last.line}:${last.character}`,
        client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: last }),
      );
      assert.deepEqual(
        internalErrors.slice(errorsBefore),
        [],
        `"${name}": the server logged an internal error`,
      );
      await client.conn.sendNotification(DidCloseTextDocumentNotification.type, {
        textDocument: { uri },
      });
      return { ms, diagnostics: p.diagnostics };
    } finally {
      clearTimeout(watchdog);
    }
  }

  const dir = tempDir('dear-rel-hostile-');
  /** `validate --json` on the same text gives the same rows as the server published. */
  async function compareWithValidate(
    name: string,
    text: string,
    diagnostics: Diagnostic[],
  ): Promise<void> {
    const file = path.join(dir, `${docNo}.dear-starshipit.yaml`);
    fs.writeFileSync(file, text);
    const r = await runChild(['validate', '--json', file], { PATH: process.env.PATH });
    assert.ok(
      r.code === 0 || r.code === 1,
      `validate on "${name}" exits 0/1, got ${r.code}: ${r.stderr.slice(0, 500)}`,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.stdout);
    } catch (err) {
      throw new Error(
        `validate --json on "${name}" printed no valid JSON (exit ${r.code}, ${r.stdout.length} bytes, ends ${JSON.stringify(r.stdout.slice(-80))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}): ${String(err)}`,
        { cause: err },
      );
    }
    const rows = parsed as {
      line: number;
      character: number;
      endLine: number;
      endCharacter: number;
      severity: string;
      code: string;
      message: string;
    }[];
    const fromServer = diagnostics.map((d) => ({
      line: d.range.start.line,
      character: d.range.start.character,
      endLine: d.range.end.line,
      endCharacter: d.range.end.character,
      severity: SEVERITY[d.severity ?? 1],
      code: String(d.code),
      message: String(d.message),
    }));
    assert.deepEqual(
      rows,
      fromServer,
      `validate --json and the language server disagree on "${name}"`,
    );
  }

  const times: number[] = [];
  let slowest = { ms: 0, name: '' };
  const record = (name: string, ms: number) => {
    times.push(ms);
    if (ms > slowest.ms) slowest = { ms, name };
  };

  it('hand-made monsters: answered, ranges inside, server alive, validate agrees', async () => {
    const rng = new Rng(seed);
    for (const [name, raw] of handMade(rng)) {
      const text = utf8(raw);
      const { ms, diagnostics } = await check(name, text);
      record(name, ms);
      await compareWithValidate(name, text, diagnostics);
    }
    // Not representable in a UTF-8 file, so only the server sees it.
    record('lone surrogates', (await check('lone surrogates', LONE_SURROGATES)).ms);
  });

  it(`${mutations} fast-check mutations of the sample (seed printed): answered, ranges inside, server alive; every ${compareEvery}th through validate`, async () => {
    console.log(`      hostile-config seed ${seed} (replay with DEAR_SEED=${seed})`);
    const corpus = fc.sample(fc.array(mutationArb, { minLength: 1, maxLength: 8 }), {
      numRuns: mutations,
      seed,
    });
    let compared = 0;
    let withErrors = 0;
    for (let i = 0; i < corpus.length; i++) {
      const text = utf8(mutate(SAMPLE, corpus[i]));
      const name = `mutation #${i} ${JSON.stringify(corpus[i]).slice(0, 300)}`;
      const { ms, diagnostics } = await check(name, text);
      record(`mutation #${i}`, ms);
      if (diagnostics.some((d) => d.severity === 1)) withErrors++;
      if (i % compareEvery === 0) {
        await compareWithValidate(name, text, diagnostics);
        compared++;
      }
    }
    // The corpus is hostile enough to matter: most mutations break the file.
    assert.ok(withErrors > mutations / 4, `${withErrors} of ${mutations} mutations gave an error`);
    const sorted = [...times].sort((a, b) => a - b);
    figure('hostile-config', {
      seed,
      documents: times.length,
      mutations,
      withErrors,
      comparedWithValidate: compared,
      p50ms: sorted[Math.floor(sorted.length / 2)].toFixed(1),
      p99ms: sorted[Math.floor(sorted.length * 0.99)].toFixed(1),
      maxMs: slowest.ms.toFixed(1),
      slowest: JSON.stringify(slowest.name.slice(0, 60)),
    });
    assert.equal(client.child.exitCode, null, 'the server is still running');
  });
});
