/**
 * dear/reconcile over real LSP stdio (what "Dear: Reconcile" sends): the summary of a dry
 * comparison against the sandbox, with no write and no secret in it; refused when untrusted.
 */
import * as assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { sandboxSecrets, startTestSandbox, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { ReconcileRequest } from '../../protocol/lsp';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { LspClient } from '../support/lspClient';

describe('language server: dear/reconcile (Dear: Reconcile)', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  let client: LspClient;
  let secrets: Record<string, string>;
  before(async () => {
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 44 });
    client = await LspClient.start();
    secrets = sandboxSecrets(sb);
  });
  after(async () => {
    await client.stop();
    await sb.close();
  });

  it('answers with the sections of a dry comparison; reads only, no secret in it', async () => {
    const uri = pathToFileURL(writeSandboxSettings(sb, tempDir('dear-lsp-reconcile-'))).toString();
    sb.clearCallLog();
    const r = await client.conn.sendRequest(ReconcileRequest.type, {
      runId: 'r1',
      uri,
      since: '2026-01-01',
      secrets,
      trusted: true,
    });
    assert.equal(r.error, undefined);
    assert.equal(r.summary?.apply, false);
    assert.ok((r.summary?.counts.missing ?? 0) > 0, 'nothing imported yet: sales are missing');
    assert.equal(r.summary?.counts.missing, r.summary?.findings.length);
    assert.deepEqual(
      [
        ...new Set(
          sb
            .callLog()
            .filter((c) => c.api !== 'control')
            .map((c) => c.method),
        ),
      ],
      ['GET'],
    );
    const text = JSON.stringify(r);
    for (const v of Object.values(secrets)) assert.ok(!text.includes(v));
  });

  it('untrusted: refused before any call', async () => {
    const uri = pathToFileURL(writeSandboxSettings(sb, tempDir('dear-lsp-reconcile-'))).toString();
    sb.clearCallLog();
    const r = await client.conn.sendRequest(ReconcileRequest.type, {
      runId: 'r2',
      uri,
      secrets,
      trusted: false,
    });
    assert.equal(r.summary, null);
    assert.match(r.error ?? '', /not trusted/);
    assert.equal(sb.callLog().filter((c) => c.api !== 'control').length, 0);
  });
});
