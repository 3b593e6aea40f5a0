import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import {
  ResolveSecretsRequest,
  RetargetSandboxSettingsRequest,
  SecretNamesNotification,
  SecretReferenceEditsRequest,
  ServerInfoRequest,
  SettingsReferencesRequest,
} from '../../protocol/lsp';
import { LspClient } from '../support/lspClient';

const SAMPLE = readFileSync('samples/dear-starshipit.yaml', 'utf8');
const items = (r: CompletionItem[] | CompletionList | null) =>
  Array.isArray(r) ? r : (r?.items ?? []);

describe('language server over stdio (dear-starshipit lsp --stdio)', function () {
  this.timeout(30_000);
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    assert.equal(await client.stop(), 0);
  });

  it('announces its capabilities', () => {
    const caps = client.initializeResult!.capabilities;
    assert.ok(
      caps.completionProvider &&
        caps.hoverProvider &&
        caps.documentSymbolProvider &&
        caps.codeActionProvider &&
        caps.codeLensProvider,
    );
    assert.equal(client.initializeResult!.serverInfo?.name, 'dear-starshipit');
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    assert.equal(client.initializeResult!.serverInfo?.version, version);
  });

  it('reads and edits settings text for the client (references, secret edits, sandbox URLs)', async () => {
    const text = [
      'dear:',
      '  accountId: "${secret:ACC}" # ${secret:IN_COMMENT}',
      '  apiKey: plain-key',
      'starshipit:',
      '  apiKey: ${env:SS_KEY}',
      '',
    ].join('\n');
    const refs = await client.conn.sendRequest(SettingsReferencesRequest.type, { text });
    assert.deepEqual(refs, {
      secrets: ['ACC'],
      env: ['SS_KEY'],
      secretSettings: { ACC: 'dear.accountId' },
      apiVersion: 2,
    });
    const planned = await client.conn.sendRequest(SecretReferenceEditsRequest.type, {
      text,
      refs: [{ path: ['dear', 'apiKey'], name: 'DEAR_API_KEY' }],
    });
    assert.equal(planned.error, undefined);
    assert.deepEqual(
      planned.edits.map((e) => e.newText),
      ['"${secret:DEAR_API_KEY}"'],
    );
    const broken = await client.conn.sendRequest(SecretReferenceEditsRequest.type, {
      text: 'dear: [unclosed\n',
      refs: [{ path: ['dear', 'apiKey'], name: 'DEAR_API_KEY' }],
    });
    assert.match(broken.error ?? '', /YAML errors \(line \d+\)/);
    const retargeted = await client.conn.sendRequest(RetargetSandboxSettingsRequest.type, {
      text: 'dear:\n  baseUrl: http://127.0.0.1:1/ExternalApi/v2/ # sandbox\n',
      endpoints: {
        dearBaseUrl: 'http://127.0.0.1:2/ExternalApi/v2/',
        starshipitBaseUrl: 'x',
        timeScale: 10,
      },
    });
    assert.equal(
      retargeted.text,
      'dear:\n  baseUrl: http://127.0.0.1:2/ExternalApi/v2/ # sandbox\n',
    );
  });

  it('didOpen → publishDiagnostics: the sample has no warnings or errors', async () => {
    const uri = 'file:///ws/sample/dear-starshipit.yaml';
    await client.open(uri, SAMPLE);
    const p = await client.diagnostics(uri);
    assert.deepEqual(
      p.diagnostics.filter((d) => (d.severity ?? 1) <= 2),
      [],
    );
    assert.deepEqual(
      p.diagnostics.map((d) => d.code),
      ['memo-and-order-note'],
    );
    assert.equal(p.diagnostics[0].source, 'dear-starshipit');
  });

  it('didChange → diagnostics for the latest version (debounced)', async () => {
    const uri = 'file:///ws/change/dear-starshipit.yaml';
    await client.open(uri, SAMPLE);
    await client.diagnostics(uri);
    const lines = SAMPLE.split('\n');
    const pageLine = lines.findIndex((l) => l.includes('pageSize:'));
    // Several quick edits: only the last text matters.
    for (let v = 2; v <= 5; v++) {
      await client.conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: v },
        contentChanges: [
          {
            range: {
              start: { line: pageLine, character: 12 },
              end: { line: pageLine, character: lines[pageLine].length },
            },
            text: String(1000 * v),
          },
        ],
      });
      lines[pageLine] = `  pageSize: ${1000 * v}`;
    }
    // The error is on the line being typed: it shows once typing pauses.
    const p = await client.diagnostics(
      uri,
      (x) => x.version === 5 && x.diagnostics.some((d) => d.severity === 1),
    );
    const errors = p.diagnostics.filter((d) => d.severity === 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'out-of-range');
    assert.ok(String(errors[0].message).includes('5000'));
    assert.deepEqual(errors[0].range, {
      start: { line: pageLine, character: 12 },
      end: { line: pageLine, character: 16 },
    });
  });

  it('a new problem on the line being typed is held back until typing pauses, then shown', async () => {
    const uri = 'file:///ws/typing/dear-starshipit.yaml';
    await client.open(uri, SAMPLE);
    await client.diagnostics(uri);
    const lines = SAMPLE.split('\n');
    const pageLine = lines.findIndex((l) => l.includes('pageSize:'));
    const since = client.publishedCount;
    await client.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [
        {
          range: {
            start: { line: pageLine, character: 12 },
            end: { line: pageLine, character: lines[pageLine].length },
          },
          text: '99999',
        },
      ],
    });
    const first = await client.diagnostics(uri, (x) => x.version === 2, since);
    assert.deepEqual(
      first.diagnostics.filter((d) => d.range.start.line === pageLine),
      [],
      'the first publish for the edit does not flash the half-typed value',
    );
    const settled = await client.diagnostics(
      uri,
      (x) => x.version === 2 && x.diagnostics.some((d) => d.range.start.line === pageLine),
      since,
    );
    assert.deepEqual(
      settled.diagnostics.filter((d) => d.range.start.line === pageLine).map((d) => d.code),
      ['out-of-range'],
    );
  });

  it('completion, hover, documentSymbol and codeLens answer', async () => {
    const uri = 'file:///ws/features/dear-starshipit.yaml';
    await client.open(uri, 'import:\n  source: \n');
    const completion = items(
      await client.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 1, character: 10 },
      }),
    );
    assert.deepEqual(
      completion.map((i) => i.label),
      ['sales', 'fulfilments'],
    );

    const indenting = await client.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 1, character: 2 },
      context: { triggerKind: 2, triggerCharacter: ' ' },
    });
    assert.deepEqual(items(indenting), [], 'typing indentation does not pop up suggestions');

    const hover = await client.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 1, character: 3 },
    });
    assert.ok((hover?.contents as MarkupContent).value.includes('**import.source**'));

    const symbols = (await client.conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri },
    })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((s) => [s.name, s.children?.map((c) => c.name)]),
      [['import', ['source']]],
    );

    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.deepEqual(
      lenses?.map((l) => [l.command?.command, l.command?.arguments]),
      [
        ['dear.previewImport', [uri]],
        ['dear.importNow', [uri]],
        ['dear.writebackNow', [uri]],
      ],
    );
  });

  it('codeAction returns the quick fix of a published diagnostic', async () => {
    const uri = 'file:///ws/fix/dear-starshipit.yaml';
    await client.open(uri, SAMPLE.replace('  orderNote: true', '  ordernote: true'));
    const p = await client.diagnostics(uri);
    const d = p.diagnostics.find((x) => x.code === 'unknown-key')!;
    assert.ok(d, JSON.stringify(p.diagnostics));
    const actions = await client.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d] },
    });
    const fix = actions?.find((a) => 'title' in a && a.title === 'Change to "orderNote"');
    assert.ok(fix && 'edit' in fix, JSON.stringify(actions));
    assert.deepEqual(fix.edit?.changes?.[uri], [{ range: d.range, newText: 'orderNote' }]);
  });

  it('a hostile document (alias bomb, 10 MB) gets a diagnostic and the server keeps answering', async () => {
    const bombUri = 'file:///ws/bomb/dear-starshipit.yaml';
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    await client.open(bombUri, levels.join('\n'));
    assert.deepEqual(
      (await client.diagnostics(bombUri)).diagnostics.map((d) => d.code),
      ['alias-limit'],
    );

    const hugeUri = 'file:///ws/huge/dear-starshipit.yaml';
    await client.open(
      hugeUri,
      `dear:\n${'  # padding padding padding padding padding padding padding padding padding padding\n'.repeat(130_000)}`,
    );
    assert.deepEqual(
      (await client.diagnostics(hugeUri)).diagnostics.map((d) => d.code),
      ['file-too-large'],
    );
    const completion = await client.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri: hugeUri },
      position: { line: 1, character: 2 },
    });
    assert.deepEqual(items(completion), []);
    const symbols = await client.conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: hugeUri },
    });
    assert.deepEqual(symbols, []);
  });
});

describe('language server: secrets and the Cin7 Core carrier list', function () {
  this.timeout(30_000);
  let cin7: Server;
  let baseUrl: string;
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  before(async () => {
    // A real loopback HTTP server standing in for Cin7 Core's ref/carrier endpoint.
    cin7 = createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      if (
        req.headers['api-auth-accountid'] !== 'acc-1' ||
        req.headers['api-auth-applicationkey'] !== 'key-1'
      ) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('Incorrect credentials!');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          Total: 3,
          Page: 1,
          CarrierList: [
            { CarrierID: '1', Description: 'DEFAULT Carrier' },
            { CarrierID: '2', Description: 'Australia Post' },
            { CarrierID: '3', Description: 'StarTrack' },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => cin7.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(cin7.address() as AddressInfo).port}/ExternalApi/v2/`;
  });
  after(() => new Promise<void>((resolve) => cin7.close(() => resolve())));

  const settingsText = (base: string) => `dear:
  accountId: \${secret:DEAR_ACCOUNT_ID}
  apiKey: \${secret:DEAR_API_KEY}
  baseUrl: ${base}
starshipit:
  apiKey: \${secret:STARSHIPIT_API_KEY}
  subscriptionKey: \${secret:STARSHIPIT_SUBSCRIPTION_KEY}
import:
  statuses: [ORDERED]
writeback:
  courierMappings:
    - courier: AusPost
      carrier: Australia Posts
`;

  it('with secrets from DEAR_STARSHIPIT_SECRET_*: fetches carriers once, republishes unknown-carrier, completes names', async () => {
    requests.length = 0;
    const client = await LspClient.start({
      DEAR_STARSHIPIT_SECRET_DEAR_ACCOUNT_ID: 'acc-1',
      DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'key-1',
    });
    try {
      const uri = 'file:///ws/carriers/dear-starshipit.yaml';
      await client.open(uri, settingsText(baseUrl));
      const first = await client.diagnostics(uri);
      assert.ok(
        !first.diagnostics.some((d) => d.code === 'missing-secret'),
        'no secret checks for a client that never sent dear/secretNames',
      );
      const later = await client.diagnostics(uri, (p) =>
        p.diagnostics.some((d) => d.code === 'unknown-carrier'),
      );
      const d = later.diagnostics.find((x) => x.code === 'unknown-carrier')!;
      assert.ok(String(d.message).includes('Did you mean "Australia Post"?'));
      assert.deepEqual(d.range, {
        start: { line: 12, character: 15 },
        end: { line: 12, character: 30 },
      });
      assert.equal(requests.length, 1);
      assert.equal(requests[0].url, '/ExternalApi/v2/ref/carrier?Page=1&Limit=1000');
      const completion = items(
        await client.conn.sendRequest(CompletionRequest.type, {
          textDocument: { uri },
          position: { line: 12, character: 15 },
        }),
      );
      assert.deepEqual(
        completion.map((i) => i.label),
        ['Australia Post', 'DEFAULT Carrier', 'StarTrack'],
      );
      assert.equal(requests.length, 1, 'served from the cache');
      assert.ok(!client.stderr.includes('key-1'));
    } finally {
      await client.stop();
    }
  });

  it('with a secret-aware client: flags secrets it does not hold and resolves the rest through dear/resolveSecrets', async () => {
    requests.length = 0;
    const client = await LspClient.start();
    const asked: string[] = [];
    client.conn.onRequest(ResolveSecretsRequest.type, (params) => {
      asked.push(...params.names);
      const values: Record<string, string> = { DEAR_ACCOUNT_ID: 'acc-1', DEAR_API_KEY: 'key-1' };
      return {
        values: Object.fromEntries(
          params.names.filter((n) => n in values).map((n) => [n, values[n]]),
        ),
      };
    });
    try {
      const uri = 'file:///ws/secrets/dear-starshipit.yaml';
      const since = client.publishedCount;
      await client.conn.sendNotification(SecretNamesNotification.type, {
        names: ['DEAR_ACCOUNT_ID', 'DEAR_API_KEY', 'STARSHIPIT_API_KEY'],
      });
      await client.open(uri, settingsText(baseUrl));
      const p = await client.diagnostics(
        uri,
        (x) => x.diagnostics.some((d) => d.code === 'missing-secret'),
        since,
      );
      const missing = p.diagnostics.filter((d) => d.code === 'missing-secret');
      assert.equal(missing.length, 1);
      assert.ok(String(missing[0].message).includes('STARSHIPIT_SUBSCRIPTION_KEY'));
      const actions = await client.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: missing[0].range,
        context: { diagnostics: [missing[0]] },
      });
      assert.deepEqual(
        actions?.map((a) =>
          'command' in a && typeof a.command === 'object'
            ? [a.command.command, a.command.arguments]
            : a,
        ),
        [['dear.setCredentials', ['STARSHIPIT_SUBSCRIPTION_KEY']]],
      );
      await client.diagnostics(uri, (x) => x.diagnostics.some((d) => d.code === 'unknown-carrier'));
      assert.deepEqual(asked.sort(), ['DEAR_ACCOUNT_ID', 'DEAR_API_KEY']);
      assert.equal(requests.length, 1);
    } finally {
      await client.stop();
    }
  });

  it('a client can declare its secret names in initializationOptions', async () => {
    const client = await LspClient.start({}, { secretNames: ['DEAR_ACCOUNT_ID'] });
    try {
      const uri = 'file:///ws/init-secrets/dear-starshipit.yaml';
      await client.open(uri, settingsText(baseUrl));
      const p = await client.diagnostics(uri);
      assert.deepEqual(
        p.diagnostics.filter((d) => d.code === 'missing-secret').map((d) => d.range.start.line),
        [2, 5, 6],
      );
    } finally {
      await client.stop();
    }
  });

  it('dear/serverInfo reports the secret names the client declared', async () => {
    const client = await LspClient.start({}, { secretNames: ['DEAR_API_KEY', 'DEAR_ACCOUNT_ID'] });
    try {
      const info = await client.conn.sendRequest(ServerInfoRequest.type, {});
      assert.deepEqual(info.secretNames, ['DEAR_ACCOUNT_ID', 'DEAR_API_KEY']);
    } finally {
      await client.stop();
    }
  });

  it("didClose clears the document's diagnostics", async () => {
    const client = await LspClient.start();
    try {
      const uri = 'file:///ws/close/dear-starshipit.yaml';
      await client.open(uri, 'dear: 1\n');
      assert.ok((await client.diagnostics(uri)).diagnostics.length > 0);
      const since = client.publishedCount;
      await client.conn.sendNotification(DidCloseTextDocumentNotification.type, {
        textDocument: { uri },
      });
      assert.deepEqual((await client.diagnostics(uri, () => true, since)).diagnostics, []);
    } finally {
      await client.stop();
    }
  });

  it('fetches nothing in an untrusted workspace (initializationOptions.trusted: false)', async () => {
    requests.length = 0;
    const client = await LspClient.start(
      {
        DEAR_STARSHIPIT_SECRET_DEAR_ACCOUNT_ID: 'acc-1',
        DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'key-1',
      },
      { trusted: false },
    );
    try {
      const uri = 'file:///ws/untrusted/dear-starshipit.yaml';
      await client.open(uri, settingsText(baseUrl));
      await client.diagnostics(uri);
      await client.log((m) => m.includes('not trusted'));
      const completion = items(
        await client.conn.sendRequest(CompletionRequest.type, {
          textDocument: { uri },
          position: { line: 12, character: 15 },
        }),
      );
      assert.deepEqual(completion, []);
      assert.equal(requests.length, 0);
    } finally {
      await client.stop();
    }
  });

  it('never sends credentials to a plain-http remote endpoint', async () => {
    requests.length = 0;
    const client = await LspClient.start({
      DEAR_STARSHIPIT_SECRET_DEAR_ACCOUNT_ID: 'acc-1',
      DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'key-1',
    });
    try {
      const uri = 'file:///ws/remote/dear-starshipit.yaml';
      await client.open(uri, settingsText('http://example.invalid/ExternalApi/v2/'));
      const p = await client.diagnostics(uri);
      assert.ok(p.diagnostics.some((d) => d.code === 'insecure-base-url'));
      // Ask for carrier completion: it must answer from nothing, without any network attempt.
      const completion = items(
        await client.conn.sendRequest(CompletionRequest.type, {
          textDocument: { uri },
          position: { line: 12, character: 15 },
        }),
      );
      assert.deepEqual(completion, []);
      assert.ok(!client.stderr.includes('example.invalid'), client.stderr);
    } finally {
      await client.stop();
    }
  });
});
