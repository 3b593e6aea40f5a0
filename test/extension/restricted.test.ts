/**
 * Runs only in an untrusted window (see index.ts): every network command refuses before anything
 * else, the server was told and refuses too, and the sandbox sees no API call.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Sandbox } from '../../sandbox/src/api';
import { RunRequest, ServerInfoRequest } from '../../protocol/lsp';
import { NETWORK_COMMANDS } from '../../client/src/trust';
import {
  activateExtension,
  startTestSandbox,
  storeSandboxSecrets,
  writeSandboxSettings,
} from './helpers';

describe('Restricted Mode (untrusted workspace)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let settings: vscode.Uri;

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite needs an untrusted window');
    await activateExtension();
    sandbox = await startTestSandbox({ seed: 3, sales: 8, timeScale: 100 });
    settings = writeSandboxSettings(sandbox, 100, 'restricted');
    await storeSandboxSecrets(sandbox);
    sandbox.clearCallLog();
  });
  after(async () => {
    await sandbox?.close();
  });

  it('every network command refuses with "untrusted"', async () => {
    for (const id of NETWORK_COMMANDS) {
      const result = await vscode.commands.executeCommand<{ ok: boolean; refused?: string }>(
        id,
        settings.toString(),
      );
      assert.deepEqual(result, { ok: false, refused: 'untrusted' }, id);
    }
  });

  it('the server knows the workspace is untrusted and refuses a direct run', async () => {
    const api = await activateExtension();
    const client = await api.client();
    assert.equal(
      (await client.sendRequest<ServerInfoRequest.Result>(ServerInfoRequest.method, {})).trusted,
      false,
    );
    const result = await client.sendRequest<RunRequest.Result>(RunRequest.method, {
      runId: 'direct',
      uri: settings.toString(),
      mode: 'import',
      dryRun: true,
      secrets: {},
    });
    assert.match(result.error ?? '', /not trusted/);
  });

  it('no call reached the sandbox APIs', () => {
    assert.deepEqual(
      sandbox
        .callLog()
        .filter((c) => c.api !== 'control')
        .map((c) => `${c.method} ${c.route}`),
      [],
    );
  });
});
