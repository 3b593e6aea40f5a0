/** Dear: Create Settings File writes a valid, reference-only settings file and never overwrites one. */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, tempDir, waitForDiagnostics } from './helpers';

describe('Create Settings File', () => {
  before(async () => {
    await activateExtension();
  });

  it('writes the template, opens it as a dear-starshipit file, and the server finds no error in it', async () => {
    const uri = vscode.Uri.file(join(tempDir('create'), 'dear-starshipit.yaml'));
    const result = await vscode.commands.executeCommand<{ ok: boolean; settingsFile: string }>(
      'dear.createSettingsFile',
      uri.toString(),
    );
    assert.equal(result.ok, true);
    assert.equal(result.settingsFile, uri.toString());
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), uri.toString());
    assert.equal(editor?.document.languageId, 'dear-starshipit');
    const text = readFileSync(uri.fsPath, 'utf8');
    assert.match(text, /accountId: "\$\{secret:DEAR_ACCOUNT_ID\}"/);
    // The server validated it (it warns that the referenced secrets are not stored yet) and found no error.
    const diags = await waitForDiagnostics(uri, (d) =>
      d.some((x) => x.message.includes('DEAR_ACCOUNT_ID')),
    );
    assert.deepEqual(
      diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message),
      [],
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens an existing file instead of overwriting it', async () => {
    const file = join(tempDir('exists'), 'dear-starshipit.yaml');
    writeFileSync(file, '# mine\ndear:\n  apiVersion: 2\n');
    const result = await vscode.commands.executeCommand<{ ok: boolean }>(
      'dear.createSettingsFile',
      vscode.Uri.file(file).toString(),
    );
    assert.equal(result.ok, true);
    assert.equal(readFileSync(file, 'utf8'), '# mine\ndear:\n  apiVersion: 2\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
