/**
 * server/src/syncService.ts over real JSON-RPC (vscode-jsonrpc framing over a stream pair), with a
 * plain HTTP server on 127.0.0.1 standing in for "any API": it only counts connections, so the tests
 * can prove that a refused run sends nothing over the network.
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver-protocol/node';
import { RunRequest, SecretNamesNotification, ServerInfoRequest, WorkspaceTrustNotification } from '../../protocol/lsp';
import { registerSyncHandlers } from '../../server/src/syncService';
import { sandboxSettingsTemplate } from '../../client/src/settingsFile/templates';

describe('syncService over JSON-RPC', () => {
  let client: MessageConnection;
  let http: Server;
  let hits = 0;
  let dir: string;
  let settingsUri: string;
  let disposeServer: () => void;

  before(async () => {
    http = createServer((req, res) => { hits++; res.statusCode = 500; res.end('counting server'); });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'dear-sync-'));
    const file = join(dir, 'sandbox.dear-starshipit.yaml');
    writeFileSync(file, sandboxSettingsTemplate({ dearBaseUrl: `http://127.0.0.1:${port}/ExternalApi/v2/`, starshipitBaseUrl: `http://127.0.0.1:${port}`, timeScale: 100 }));
    settingsUri = pathToFileURL(file).toString();

    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    const documents = new TextDocuments(TextDocument);
    registerSyncHandlers(server, documents);
    documents.listen(server);
    server.listen();
    client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    client.listen();
    disposeServer = () => { server.dispose(); toServer.end(); toClient.end(); };
  });

  after(async () => {
    client.dispose();
    disposeServer();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  const secrets = {
    SANDBOX_DEAR_ACCOUNT_ID: 'acct-0000', SANDBOX_DEAR_API_KEY: 'distinctive-dear-key-123',
    SANDBOX_STARSHIPIT_API_KEY: 'distinctive-ss-key-456', SANDBOX_STARSHIPIT_SUBSCRIPTION_KEY: 'distinctive-sub-789',
  };

  it('reports the secret names the client sent (names only)', async () => {
    await client.sendNotification(SecretNamesNotification.type, { names: ['B_NAME', 'A_NAME'] });
    const info = await client.sendRequest(ServerInfoRequest.type, {});
    assert.deepEqual(info.secretNames, ['A_NAME', 'B_NAME']);
    assert.equal(info.engineAvailable, true);
  });

  it('refuses a run marked untrusted before any network call', async () => {
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, { runId: 'r1', uri: settingsUri, mode: 'import', dryRun: true, secrets, trusted: false });
    assert.equal(result.summary, null);
    assert.match(result.error ?? '', /not trusted \(Restricted Mode\)/);
    assert.equal(hits, before);
  });

  it('refuses every run after the client reported an untrusted workspace', async () => {
    await client.sendNotification(WorkspaceTrustNotification.type, { trusted: false });
    const info = await client.sendRequest(ServerInfoRequest.type, {});
    assert.equal(info.trusted, false);
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, { runId: 'r2', uri: settingsUri, mode: 'sync', dryRun: false, secrets });
    assert.match(result.error ?? '', /not trusted/);
    assert.equal(hits, before);
    await client.sendNotification(WorkspaceTrustNotification.type, { trusted: true });
  });

  it('refuses a settings file with errors, naming the line, without a network call', async () => {
    const bad = join(dir, 'bad.dear-starshipit.yaml');
    writeFileSync(bad, 'dear:\n  apiVersion: 7\n');
    const before = hits;
    const result = await client.sendRequest(RunRequest.type, { runId: 'r3', uri: pathToFileURL(bad).toString(), mode: 'import', dryRun: true, secrets: {}, trusted: true });
    assert.equal(result.summary, null);
    assert.match(result.error ?? '', /bad\.dear-starshipit\.yaml has \d+ error\(s\): line \d+/);
    assert.equal(hits, before);
  });
});
