import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

describe('language server bundle over IPC (dist/server.js, as VS Code starts it)', function () {
  this.timeout(30_000);

  it('initializes and publishes diagnostics', async () => {
    const child = fork(path.resolve('dist/server.js'), ['--node-ipc'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { PATH: process.env.PATH },
    });
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const published = new Promise<PublishDiagnosticsParams>((resolve) =>
      conn.onNotification(PublishDiagnosticsNotification.type, resolve),
    );
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      workspaceFolders: null,
    });
    assert.equal(init.serverInfo?.name, 'dear-starshipit');
    await conn.sendNotification(InitializedNotification.type, {});
    const uri = 'file:///ipc/dear-starshipit.yaml';
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: {
        uri,
        languageId: 'dear-starshipit',
        version: 1,
        text: 'dear:\n  pageSize: 0\n',
      },
    });
    const p = await published;
    assert.equal(p.uri, uri);
    assert.ok(p.diagnostics.some((d) => d.code === 'out-of-range'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0);
    conn.dispose();
  });
});
