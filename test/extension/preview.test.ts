/**
 * The preview and the run commands against a sandbox started by this test: the webview reports the
 * rows it rendered (through its message protocol), the output channel logs the run, a live import
 * creates each eligible order exactly once, labels are written back, and no secret value shows.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Sandbox } from '../../sandbox/src/api';
import type { RenderReport } from '../../protocol/preview';
import { RunRequest } from '../../protocol/lsp';
import {
  activateExtension,
  setConfirmLiveRuns,
  startTestSandbox,
  storeSandboxSecrets,
  writeSandboxSettings,
} from './helpers';
import type { DearExtensionApi } from '../../client/src/extension';

const TIME_SCALE = 100;
const STATUSES = ['ORDERED', 'PICKED', 'PACKED']; // what sandboxSettingsTemplate selects

describe('preview, runs and output against the sandbox', function () {
  this.timeout(180_000);
  let api: DearExtensionApi;
  let sandbox: Sandbox;
  let settings: vscode.Uri;
  let secretValues: string[];

  before(async () => {
    api = await activateExtension();
    sandbox = await startTestSandbox({ seed: 5, sales: 30, timeScale: TIME_SCALE });
    settings = writeSandboxSettings(sandbox, TIME_SCALE, 'preview');
    secretValues = await storeSandboxSecrets(sandbox);
    await setConfirmLiveRuns(false);
  });
  after(async () => {
    await setConfirmLiveRuns(true);
    await sandbox?.close();
  });

  const assertNoSecrets = (text: string, where: string): void => {
    for (const v of secretValues)
      assert.ok(!text.includes(v), `a secret value appears in ${where}`);
  };

  it('Preview Mapped Orders renders exactly the eligible sales, reported by the webview', async () => {
    const expected = sandbox
      .eligibleSales(STATUSES)
      .map((s) => s.orderNumber)
      .sort();
    assert.ok(expected.length > 0, 'the seeded sandbox has eligible sales');
    sandbox.clearCallLog();
    const result = await vscode.commands.executeCommand<{ ok: boolean; orderNumbers: string[] }>(
      'dear.previewImport',
      settings.toString(),
    );
    assert.equal(result.ok, true, JSON.stringify(result));
    const report = await vscode.commands.executeCommand<RenderReport>('dear.test.previewState', {
      waitFor: 'ready',
      timeoutMs: 60_000,
    });
    assert.equal(report.kind, 'import');
    assert.deepEqual([...report.orderNumbers].sort(), expected);
    assert.equal(report.totalOrders, expected.length);
    assert.ok(report.skipped > 0, 'non-eligible sales are listed as skipped');
    assert.ok(
      !sandbox.callLog().some((c) => c.api === 'starshipit' && c.method !== 'GET'),
      'a dry run writes nothing to Starshipit',
    );
    assert.equal(sandbox.starshipitOrders().size, 0);

    const state = await vscode.commands.executeCommand<unknown>('dear.test.previewCurrentState');
    assertNoSecrets(JSON.stringify(state), 'the preview state');
    const out = await vscode.commands.executeCommand<string>('dear.test.outputText');
    assert.match(out, /Import — dry run \(nothing is written\)/);
    assert.match(out, /Cin7 Core API v2/);
    assert.match(out, /Summary: would create \d+/);
    assert.match(out, new RegExp(`order ${expected[0]}: would create`));
  });

  it('the server refuses a run the client marks untrusted, with no API call', async () => {
    sandbox.clearCallLog();
    const client = await api.client();
    const result = await client.sendRequest<RunRequest.Result>(RunRequest.method, {
      runId: 'untrusted-check',
      uri: settings.toString(),
      mode: 'import',
      dryRun: false,
      secrets: {},
      trusted: false,
    });
    assert.match(result.error ?? '', /not trusted/);
    assert.equal(sandbox.callLog().filter((c) => c.api !== 'control').length, 0);
    assert.match(
      api.restrictedModeRefusal(false, 'Import Now') ?? '',
      /disabled in Restricted Mode/,
    );
  });

  it('"Import these now" imports exactly the previewed subset; a malformed message is refused', async () => {
    const state = await vscode.commands.executeCommand<{ orders: { orderNumber: string }[] }>(
      'dear.test.previewCurrentState',
    );
    const subset = state.orders.slice(0, 2).map((o) => o.orderNumber);
    assert.equal(subset.length, 2);
    const rejected = await vscode.commands.executeCommand<boolean>('dear.test.previewMessage', {
      type: 'importThese',
      orderNumbers: subset.join(','),
    });
    assert.equal(rejected, false);
    assert.equal(sandbox.starshipitOrders().size, 0, 'nothing imported for a malformed message');
    assert.match(
      await vscode.commands.executeCommand<string>('dear.test.outputText'),
      /Ignored a malformed message from the preview webview/,
    );

    const accepted = await vscode.commands.executeCommand<boolean>('dear.test.previewMessage', {
      type: 'importThese',
      orderNumbers: subset,
    });
    assert.equal(accepted, true);
    assert.deepEqual([...sandbox.starshipitOrders().keys()].sort(), [...subset].sort());
  });

  it('Import Now creates each eligible order exactly once; a second import creates none', async () => {
    const expected = sandbox
      .eligibleSales(STATUSES)
      .map((s) => s.orderNumber)
      .sort();
    const first = await vscode.commands.executeCommand<{ ok: boolean; orderNumbers: string[] }>(
      'dear.importNow',
      settings.toString(),
    );
    assert.equal(first.ok, true, JSON.stringify(first));
    const orders = sandbox.starshipitOrders();
    assert.deepEqual([...orders.keys()].sort(), expected);
    for (const [n, list] of orders) assert.equal(list.length, 1, `order ${n} exists once`);
    const second = await vscode.commands.executeCommand<{ ok: boolean; orderNumbers: string[] }>(
      'dear.importNow',
      settings.toString(),
    );
    assert.equal(second.ok, true);
    for (const list of sandbox.starshipitOrders().values()) assert.equal(list.length, 1);
    const out = await vscode.commands.executeCommand<string>('dear.test.outputText');
    assert.match(out, /Summary: created \d+/);
  });

  it('writeback preview lists printed labels; Write Back Tracking Now writes them to Cin7 Core', async () => {
    const [first] = [...sandbox.starshipitOrders().keys()].sort();
    const label = sandbox.printLabel({
      orderNumber: first,
      carrier: 'AusPost',
      trackingNumbers: ['E2ETRACK0001'],
    });
    assert.deepEqual(label.trackingNumbers, ['E2ETRACK0001']);
    const preview = await vscode.commands.executeCommand<{ ok: boolean }>(
      'dear.previewWriteback',
      settings.toString(),
    );
    assert.equal(preview.ok, true, JSON.stringify(preview));
    const report = await vscode.commands.executeCommand<RenderReport>('dear.test.previewState', {
      waitFor: 'ready',
    });
    assert.equal(report.kind, 'writeback');
    assert.equal(report.writebacks, 1, 'the webview rendered one writeback row');

    const result = await vscode.commands.executeCommand<{ ok: boolean; writebacks: number }>(
      'dear.writebackNow',
      settings.toString(),
    );
    assert.equal(result.ok, true, JSON.stringify(result));
    const shipments = [...sandbox.dearShipments().values()].filter((s) => s.orderNumber === first);
    assert.ok(shipments.length >= 1);
    assert.ok(JSON.stringify(shipments).includes('E2ETRACK0001'));
    assert.ok(
      JSON.stringify(shipments).includes('Australia Post'),
      'the courier mapping names the Cin7 carrier',
    );

    const status = await vscode.commands.executeCommand<{
      ok: boolean;
      status: { imported: number; writtenBack: number };
    }>('dear.showStatus', settings.toString());
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(status.status.writtenBack, 1);
    assert.ok(status.status.imported >= 1);
  });

  it('Sync Now and Retry Needs-Attention Items run their modes and leave every order single', async () => {
    const sync = await vscode.commands.executeCommand<{
      ok: boolean;
      summary: { mode: string; dryRun: boolean };
    }>('dear.syncNow', settings.toString());
    assert.equal(sync.ok, true, JSON.stringify(sync));
    assert.deepEqual([sync.summary.mode, sync.summary.dryRun], ['sync', false]);
    const retry = await vscode.commands.executeCommand<{ ok: boolean; summary: { mode: string } }>(
      'dear.retryAttention',
      settings.toString(),
    );
    assert.equal(retry.ok, true, JSON.stringify(retry));
    assert.equal(retry.summary.mode, 'retry');
    for (const [n, list] of sandbox.starshipitOrders())
      assert.equal(list.length, 1, `order ${n} exists once`);
    const out = await vscode.commands.executeCommand<string>('dear.test.outputText');
    assert.match(out, /Sync \(import \+ writeback\)/);
    assert.match(out, /Retry needs-attention items/);
  });

  it('no secret value appears in the output channel', async () => {
    assertNoSecrets(
      await vscode.commands.executeCommand<string>('dear.test.outputText'),
      'the Dear Sync output',
    );
    assertNoSecrets(readFileSync(settings.fsPath, 'utf8'), 'the settings file');
  });
});
