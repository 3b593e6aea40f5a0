/** Dear: Start Sandbox runs the sandbox in the language server and writes a settings file for it. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DoctorReport } from '../../protocol/doctor';
import type { RenderReport } from '../../protocol/preview';
import type { ReconcileSummary } from '../../protocol/reconcile';
import { SANDBOX_SECRET_NAMES } from '../../client/src/settingsFile/templates';
import { activateExtension, tempDir } from './helpers';

describe('Start Sandbox / Stop Sandbox commands', function () {
  this.timeout(180_000);
  before(async () => {
    await activateExtension();
  });
  after(async () => {
    await vscode.commands.executeCommand('dear.stopSandbox');
  });

  it('starts, stores its credentials, writes a settings file that previews, and stops', async () => {
    const file = vscode.Uri.file(join(tempDir('sbcmd'), 'sandbox.dear-starshipit.yaml'));
    const started = await vscode.commands.executeCommand<{
      ok: boolean;
      dearBaseUrl: string;
      starshipitBaseUrl: string;
      settingsFile: string;
    }>('dear.startSandbox', { settingsFile: file.toString(), noPrompt: true });
    assert.equal(started.ok, true, JSON.stringify(started));
    assert.match(started.dearBaseUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
    const text = readFileSync(file.fsPath, 'utf8');
    assert.ok(text.includes(started.dearBaseUrl) && text.includes(started.starshipitBaseUrl));
    assert.ok(
      !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(text.replace(/baseUrl:.*$/gm, '')),
      'no credential value in the file',
    );
    const api = await activateExtension();
    for (const name of Object.values(SANDBOX_SECRET_NAMES))
      assert.ok(api.secretNames().includes(name), `${name} stored`);

    const preview = await vscode.commands.executeCommand<{ ok: boolean; orderNumbers: string[] }>(
      'dear.previewImport',
      file.toString(),
    );
    assert.equal(preview.ok, true, JSON.stringify(preview));
    const report = await vscode.commands.executeCommand<RenderReport>('dear.test.previewState', {
      waitFor: 'ready',
    });
    assert.deepEqual([...report.orderNumbers].sort(), [...preview.orderNumbers].sort());

    // Dear: Check Connection runs the read-only doctor through the language server.
    const checked = await vscode.commands.executeCommand<{ ok: boolean; report?: DoctorReport }>(
      'dear.checkConnection',
      file.toString(),
    );
    assert.equal(checked.ok, true, JSON.stringify(checked));
    assert.equal(checked.report?.dear.credentials, 'accepted', JSON.stringify(checked.report));
    assert.equal(checked.report?.starshipit.credentials, 'accepted');

    // Dear: Reconcile compares both systems and the journal (nothing imported yet: every
    // selected sale is missing in Starshipit) and shows the sections in the preview.
    const reconciled = await vscode.commands.executeCommand<{
      ok: boolean;
      summary?: ReconcileSummary;
    }>('dear.reconcile', file.toString(), '2026-01-01');
    assert.equal(reconciled.ok, true, JSON.stringify(reconciled));
    const counts = reconciled.summary?.counts;
    assert.ok(counts && counts.missing > 0, JSON.stringify(counts));
    assert.equal(reconciled.summary?.apply, false);
    const shown = await vscode.commands.executeCommand<RenderReport>('dear.test.previewState', {
      waitFor: 'ready',
      kind: 'reconcile',
    });
    assert.equal(shown.kind, 'reconcile');
    assert.deepEqual(shown.findings, counts, 'every finding rendered in its section');

    const stopped = await vscode.commands.executeCommand<{ ok: boolean; stopped: boolean }>(
      'dear.stopSandbox',
    );
    assert.equal(stopped.stopped, true);
  });
});
