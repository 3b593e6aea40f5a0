/**
 * server/src/syncService.ts over real JSON-RPC (vscode-jsonrpc framing over a stream pair), with a
 * plain HTTP server on 127.0.0.1 standing in for "any API": it only counts connections, so the tests
 * can prove that a refused run sends nothing over the network.
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-languageserver-protocol/node';
import {
  CancelRunNotification,
  RunEventNotification,
  RunRequest,
  SandboxPrintLabelsRequest,
  SecretNamesNotification,
  ServerInfoRequest,
  StartSandboxRequest,
  StatusRequest,
  StopSandboxRequest,
  WorkspaceTrustNotification,
} from '../../protocol/lsp';
import type { EngineEvent } from '../../protocol/events';
import { registerSyncHandlers } from '../../server/src/syncService';
import {
  SANDBOX_SECRET_NAMES,
  sandboxSettingsTemplate,
} from '../../client/src/settingsFile/templates';
import { startTestSandbox } from '../support/sandbox';
import { tempDir } from '../support/paths';

describe('syncService over JSON-RPC', () => {
  let client: MessageConnection;
  let http: Server;
  let hits = 0;
  let dir: string;
  let settingsUri: string;
  let disposeServer: () => void;

  before(async () => {
    http = createServer((req, res) => {
      hits++;
      res.statusCode = 500;
      res.end('counting server');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    dir = tempDir('dear-sync-');
    const file = join(dir, 'sandbox.dear-starshipit.yaml');
    writeFileSync(
      file,
      sandboxSettingsTemplate({
        dearBaseUrl: `http://127.0.0.1:${port}/ExternalApi/v2/`,
        starshipitBaseUrl: `http://127.0.0.1:${port}`,
        timeScale: 100,
      }),
    );
    settingsUri = pathToFileURL(file).toString();

    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(
      new StreamMessageReader(toServer),
      new StreamMessageWriter(toClient),
    );
    const documents = new TextDocuments(TextDocument);
    let names: ReadonlySet<string> | undefined;
    server.onNotification(SecretNamesNotification.type, (p) => {
      names = new Set(p.names);
    });
    registerSyncHandlers(server, documents, { knownSecretNames: () => names });
    documents.listen(server);
    server.listen();
    client = createMessageConnection(
      new StreamMessageReader(toClient),
      new StreamMessageWriter(toServer),
    );
    client.listen();
    disposeServer = () => {
      server.dispose();
      toServer.end();
      toClient.end();
    };
  });

  after(async () => {
    client.dispose();
    disposeServer();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  const secrets = {
    SANDBOX_DEAR_ACCOUNT_ID: 'acct-0000',
    SANDBOX_DEAR_API_KEY: 'distinctive-dear-key-123',
    SANDBOX_STARSHIPIT_API_KEY: 'distinctive-ss-key-456',
    SANDBOX_STARSHIPIT_SUBSCRIPTION_KEY: 'distinctive-sub-789',
  };

  it('reports the secret names the language server learned, without taking over its handler', async () => {
    await client.sendNotification(SecretNamesNotification.type, { names: ['B_NAME', 'A_NAME'] });
    const info = await client.sendRequest(ServerInfoRequest.type, {});
    assert.deepEqual(info.secretNames, ['A_NAME', 'B_NAME']);
    assert.equal(info.engineAvailable, true);
  });

  it('refuses a run marked untrusted before any network call', async () => {
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'r1',
      uri: settingsUri,
      mode: 'import',
      dryRun: true,
      secrets,
      trusted: false,
    });
    assert.equal(result.summary, null);
    assert.match(result.error ?? '', /not trusted \(Restricted Mode\)/);
    assert.equal(hits, before);
  });

  it('refuses every run after the client reported an untrusted workspace', async () => {
    await client.sendNotification(WorkspaceTrustNotification.type, { trusted: false });
    const info = await client.sendRequest(ServerInfoRequest.type, {});
    assert.equal(info.trusted, false);
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'r2',
      uri: settingsUri,
      mode: 'sync',
      dryRun: false,
      secrets,
    });
    assert.match(result.error ?? '', /not trusted/);
    assert.equal(hits, before);
    await client.sendNotification(WorkspaceTrustNotification.type, { trusted: true });
  });

  it('refuses a settings file with errors, naming the line, without a network call', async () => {
    const bad = join(dir, 'bad.dear-starshipit.yaml');
    writeFileSync(bad, 'dear:\n  apiVersion: 7\n');
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'r3',
      uri: pathToFileURL(bad).toString(),
      mode: 'import',
      dryRun: true,
      secrets: {},
      trusted: true,
    });
    assert.equal(result.summary, null);
    assert.match(result.error ?? '', /bad\.dear-starshipit\.yaml has \d+ errors? \(line \d+: /);
    assert.equal(hits, before);
  });
});

describe('syncService runs the engine against the sandbox over JSON-RPC', function () {
  this.timeout(120_000);
  let client: MessageConnection;
  let disposeServer: () => void;
  let dir: string;
  let settingsUri: string;
  let sandbox: StartSandboxRequest.Result;
  const events: { runId: string; event: EngineEvent }[] = [];
  const eventListeners = new Set<(p: { runId: string; event: EngineEvent }) => void>();
  let creds: Record<string, string>;

  before(async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(
      new StreamMessageReader(toServer),
      new StreamMessageWriter(toClient),
    );
    const documents = new TextDocuments(TextDocument);
    registerSyncHandlers(server, documents);
    documents.listen(server);
    server.listen();
    client = createMessageConnection(
      new StreamMessageReader(toClient),
      new StreamMessageWriter(toServer),
    );
    client.onNotification(RunEventNotification.type, (p) => {
      events.push(p);
      for (const l of eventListeners) l(p);
    });
    client.listen();
    disposeServer = () => {
      server.dispose();
      toServer.end();
      toClient.end();
    };

    sandbox = await client.sendRequest(StartSandboxRequest.type, {
      timeScale: 100,
      sales: 12,
      seed: 7,
    });
    assert.equal(sandbox.alreadyRunning, false);
    assert.match(sandbox.dearBaseUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    dir = tempDir('dear-sync-sb-');
    const file = join(dir, 'sandbox.dear-starshipit.yaml');
    writeFileSync(
      file,
      sandboxSettingsTemplate({
        dearBaseUrl: sandbox.dearBaseUrl,
        starshipitBaseUrl: sandbox.starshipitBaseUrl,
        timeScale: sandbox.timeScale,
      }),
    );
    settingsUri = pathToFileURL(file).toString();
    creds = {
      [SANDBOX_SECRET_NAMES.dearAccountId]: sandbox.credentials.dearAccountId,
      [SANDBOX_SECRET_NAMES.dearApiKey]: sandbox.credentials.dearApiKey,
      [SANDBOX_SECRET_NAMES.starshipitApiKey]: sandbox.credentials.starshipitApiKey,
      [SANDBOX_SECRET_NAMES.starshipitSubscriptionKey]:
        sandbox.credentials.starshipitSubscriptionKey,
    };
  });

  after(async () => {
    const stopped = await client.sendRequest(StopSandboxRequest.type, {});
    assert.equal(stopped.stopped, true);
    client.dispose();
    disposeServer();
  });

  const eventsOf = (runId: string): EngineEvent[] =>
    events.filter((e) => e.runId === runId).map((e) => e.event);

  it('a second StartSandboxRequest reports the running sandbox', async () => {
    const again = await client.sendRequest(StartSandboxRequest.type, {
      timeScale: 100,
      sales: 12,
      seed: 7,
    });
    assert.equal(again.alreadyRunning, true);
    assert.equal(again.dearBaseUrl, sandbox.dearBaseUrl);
  });

  it('dry run streams order events and a summary, and creates nothing', async () => {
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'dry',
      uri: settingsUri,
      mode: 'import',
      dryRun: true,
      secrets: creds,
      trusted: true,
    });
    assert.equal(result.error, undefined, result.error);
    assert.ok(result.summary);
    const orders = eventsOf('dry').filter((e) => e.type === 'order');
    assert.ok(orders.length > 0, 'the sandbox has eligible sales');
    assert.equal(result.summary.created + result.summary.alreadyPresent, orders.length);
    assert.equal(eventsOf('dry').at(-1)?.type, 'summary');
    const status = await client.sendRequest(StatusRequest.type, { uri: settingsUri });
    assert.equal(status.imported, 0);
  });

  it('live import of exactly the previewed subset, then labels and writeback', async () => {
    const dryOrders = eventsOf('dry')
      .filter((e): e is Extract<EngineEvent, { type: 'order' }> => e.type === 'order')
      .map((e) => e.orderNumber);
    const subset = dryOrders.slice(0, 2);
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'live',
      uri: settingsUri,
      mode: 'import',
      dryRun: false,
      secrets: creds,
      trusted: true,
      onlyOrderNumbers: subset,
    });
    assert.equal(result.error, undefined, result.error);
    const created = eventsOf('live')
      .filter((e): e is Extract<EngineEvent, { type: 'order' }> => e.type === 'order')
      .map((e) => e.orderNumber);
    assert.deepEqual([...created].sort(), [...subset].sort());
    const status = await client.sendRequest(StatusRequest.type, { uri: settingsUri });
    assert.equal(status.imported, subset.length);

    const printed = await client.sendRequest(SandboxPrintLabelsRequest.type, {});
    assert.deepEqual([...printed.orderNumbers].sort(), [...subset].sort());
    const wb = await client.sendRequest(RunRequest.type, {
      runId: 'wb',
      uri: settingsUri,
      mode: 'writeback',
      dryRun: false,
      secrets: creds,
      trusted: true,
    });
    assert.equal(wb.error, undefined, wb.error);
    assert.equal(wb.summary?.writtenBack, subset.length);
  });

  it('CancelRunNotification stops a run while the limiter holds it; the summary says cancelled', async () => {
    // Its own sandbox with a backlog, and a limit of 2 Cin7 calls per 600 s: the run would take
    // half an hour without the cancel.
    const own = await startTestSandbox({ seed: 21, sales: 40, timeScale: 100 });
    try {
      const slowFile = join(tempDir('dear-sync-cancel-'), 'slow.dear-starshipit.yaml');
      writeFileSync(
        slowFile,
        sandboxSettingsTemplate({
          dearBaseUrl: own.dearBaseUrl,
          starshipitBaseUrl: own.starshipitBaseUrl,
          timeScale: 100,
        })
          .replace(/perSeconds: 0\.6\b/, 'perSeconds: 600')
          .replace('calls: 60', 'calls: 2'),
      );
      assert.ok(
        own.eligibleSales(['ORDERED', 'PICKED', 'PACKED']).length >= 2,
        'enough eligible sales to need a third call',
      );
      const ownCreds = {
        [SANDBOX_SECRET_NAMES.dearAccountId]: own.credentials.dearAccountId,
        [SANDBOX_SECRET_NAMES.dearApiKey]: own.credentials.dearApiKey,
        [SANDBOX_SECRET_NAMES.starshipitApiKey]: own.credentials.starshipitApiKey,
        [SANDBOX_SECRET_NAMES.starshipitSubscriptionKey]: own.credentials.starshipitSubscriptionKey,
      };
      let check: ((p: { runId: string; event: EngineEvent }) => void) | undefined;
      const waiting = new Promise<void>((resolve) => {
        check = (p) => {
          if (p.runId === 'cancel' && p.event.type === 'wait') resolve();
        };
        eventListeners.add(check);
      });
      const running = client.sendRequest(RunRequest.type, {
        runId: 'cancel',
        uri: pathToFileURL(slowFile).toString(),
        mode: 'import',
        dryRun: true,
        secrets: ownCreds,
        trusted: true,
      });
      // Cancel once the limiter holds the run back; if the run ended first, the assertions below fail.
      await Promise.race([waiting, running]);
      if (check) eventListeners.delete(check);
      await client.sendNotification(CancelRunNotification.type, { runId: 'cancel' });
      const result = await running;
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.summary?.cancelled, true, 'the run stopped because of the cancel');
      assert.equal(eventsOf('cancel').at(-1)?.type, 'summary');
      assert.ok((result.summary?.calls.dear ?? 0) <= 2, 'no call was made after the limiter hold');
    } finally {
      await own.close();
    }
  });

  it("scrubs secret values from a failed run's error", async () => {
    const wrong = { ...creds, [SANDBOX_SECRET_NAMES.dearApiKey]: 'wrong-key-that-is-distinctive' };
    const result = await client.sendRequest(RunRequest.type, {
      runId: 'bad',
      uri: settingsUri,
      mode: 'import',
      dryRun: true,
      secrets: wrong,
      trusted: true,
    });
    const text = JSON.stringify(result) + JSON.stringify(eventsOf('bad'));
    for (const v of Object.values(wrong))
      assert.ok(!text.includes(v), `secret value leaked: ${v.slice(0, 4)}…`);
  });
});
