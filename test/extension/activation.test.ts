/** The extension activates, registers every contributed command and talks to its language server. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ServerInfoRequest } from '../../protocol/lsp';
import { activateExtension, EXTENSION_ID } from './helpers';

describe('activation', () => {
  it('activates and starts the language server', async () => {
    const api = await activateExtension();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    const client = await api.client();
    assert.equal(client.isRunning(), true);
    const info = await client.sendRequest<ServerInfoRequest.Result>(ServerInfoRequest.method, {});
    assert.equal(info.trusted, true, 'the client told the server the workspace is trusted');
    assert.equal(info.engineAvailable, true);
  });

  it('registers every contributed command, including the ids the e2e harness uses', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
      contributes: { commands: { command: string; category?: string }[] };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command);
    const required = [
      'dear.importNow',
      'dear.previewImport',
      'dear.writebackNow',
      'dear.previewWriteback',
      'dear.syncNow',
      'dear.setCredentials',
      'dear.clearCredentials',
      'dear.startSandbox',
      'dear.stopSandbox',
      'dear.createSettingsFile',
      'dear.showOutput',
      'dear.showStatus',
      'dear.retryAttention',
    ];
    for (const id of required) assert.ok(contributed.includes(id), `${id} is contributed`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], 'every contributed command has a handler');
    assert.ok(pkg.contributes.commands.every((c) => c.category === 'Dear'));
    // The test hooks exist in this (Test mode) host, and are not offered to users.
    for (const hook of ['dear.test.previewState', 'dear.test.outputText']) {
      assert.ok(registered.has(hook), `${hook} is registered for tests`);
      assert.ok(!contributed.includes(hook), `${hook} is not contributed`);
    }
  });

  it('Show Output reveals the one "Dear Sync" channel', async () => {
    const result = await vscode.commands.executeCommand<{ ok: boolean }>('dear.showOutput');
    assert.equal(result.ok, true);
    assert.equal(
      typeof (await vscode.commands.executeCommand<string>('dear.test.outputText')),
      'string',
    );
  });
});
