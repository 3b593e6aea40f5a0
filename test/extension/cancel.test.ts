/**
 * Cancel: the client's cancellation (what the progress notification's Cancel button triggers) reaches
 * the engine in the language server, which stops while the rate limiter holds the run and reports
 * what it had done; the output says so.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Sandbox } from '../../sandbox/src/api';
import type { RunOutcome } from '../../client/src/runs/runController';
import {
  activateExtension,
  startTestSandbox,
  storeSandboxSecrets,
  writeSandboxSettings,
} from './helpers';

describe('cancelling a run', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let settings: vscode.Uri;

  before(async () => {
    await activateExtension();
    sandbox = await startTestSandbox({ seed: 9, sales: 40, timeScale: 100 });
    settings = writeSandboxSettings(sandbox, 100, 'cancel');
    // 2 Cin7 Core calls per 600 s: after the list and one detail the limiter must hold the run.
    writeFileSync(
      settings.fsPath,
      readFileSync(settings.fsPath, 'utf8')
        .replace(/perSeconds: 0\.6\b/, 'perSeconds: 600')
        .replace('calls: 60', 'calls: 2'),
    );
    await storeSandboxSecrets(sandbox);
  });
  after(async () => {
    await sandbox?.close();
  });

  it('stops a live import held by the rate limiter; the summary is marked cancelled', async () => {
    assert.ok(sandbox.eligibleSales(['ORDERED', 'PICKED', 'PACKED']).length >= 2);
    const outcome = await vscode.commands.executeCommand<RunOutcome>('dear.test.runAndCancel', {
      uri: settings.toString(),
      mode: 'import',
      dryRun: false,
      cancelOn: 'wait',
    });
    assert.equal(outcome.cancelled, true);
    assert.equal(outcome.summary?.cancelled, true);
    assert.ok((outcome.summary?.calls.dear ?? 99) <= 2, 'no Cin7 Core call after the hold');
    assert.ok(
      sandbox.starshipitOrders().size <= 1,
      'at most the order before the hold was created',
    );
    for (const list of sandbox.starshipitOrders().values()) assert.equal(list.length, 1);
    const out = await vscode.commands.executeCommand<string>('dear.test.outputText');
    assert.match(out, /Cancel requested/);
    assert.match(out, /CANCELLED — done before the stop: created \d/);
  });
});
