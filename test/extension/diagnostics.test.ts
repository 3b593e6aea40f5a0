/**
 * Editing help reaches the editor: diagnostics for a bad settings file, and the secret names the
 * extension stores reach the language server (its "secret not stored" warning goes away).
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, tempDir, waitForDiagnostics } from './helpers';

describe('diagnostics and secrets', () => {
  before(async () => {
    await activateExtension();
  });

  it('shows an error for a bad value on the right line', async () => {
    const file = join(tempDir('bad'), 'dear-starshipit.yaml');
    writeFileSync(file, 'dear:\n  apiVersion: 7\n');
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'dear-starshipit');
    await vscode.window.showTextDocument(doc);
    const diags = await waitForDiagnostics(uri, (d) =>
      d.some((x) => x.severity === vscode.DiagnosticSeverity.Error && x.range.start.line === 1),
    );
    assert.ok(
      diags.some((d) => /apiVersion|1|2/.test(d.message)),
      diags.map((d) => d.message).join('\n'),
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('round-trips a secret: stored name reaches the server, value never shows', async () => {
    const name = `E2E_SECRET_${Date.now()}`;
    const value = `distinctive-secret-value-${Math.random().toString(36).slice(2)}`;
    const file = join(tempDir('secret'), 'secret.dear-starshipit.yaml');
    writeFileSync(file, `dear:\n  apiVersion: 2\n  accountId: "\${secret:${name}}"\n`);
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const mentions = (d: readonly vscode.Diagnostic[]): boolean =>
      d.some((x) => x.message.includes(name) && /not stored/i.test(x.message));
    await waitForDiagnostics(uri, mentions);

    const names = await vscode.commands.executeCommand<string[]>(
      'dear.test.storeSecret',
      name,
      value,
    );
    assert.ok(names.includes(name));
    await waitForDiagnostics(uri, (d) => !mentions(d));

    await vscode.commands.executeCommand('dear.test.deleteSecret', name);
    await waitForDiagnostics(uri, mentions);
    const output = await vscode.commands.executeCommand<string>('dear.test.outputText');
    assert.ok(!output.includes(value));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
