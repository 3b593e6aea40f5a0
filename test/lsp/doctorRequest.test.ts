/**
 * dear/doctor over real LSP stdio (what "Dear: Check Connection" sends): a report from the
 * sandbox (with its second Starshipit account too), the trust refusal before any call, and API
 * version 1 refused in the same words the editor's diagnostic uses.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { sandboxSecrets, startTestSandbox, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { formatDoctorReport } from '../../protocol/doctor';
import { DoctorRequest } from '../../protocol/lsp';
import { API_V1_UNSUPPORTED } from '../../protocol/settings';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { LspClient } from '../support/lspClient';

describe('language server: dear/doctor (Dear: Check Connection)', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  let client: LspClient;
  let secrets: Record<string, string>;
  before(async () => {
    sb = await startTestSandbox({ sales: 10, timeScale: TIME_SCALE, seed: 43 });
    client = await LspClient.start();
    secrets = sandboxSecrets(sb);
  });
  after(async () => {
    await client.stop();
    await sb.close();
  });

  it('answers with the report; no secret in it', async () => {
    const uri = pathToFileURL(writeSandboxSettings(sb, tempDir('dear-lsp-doctor-'))).toString();
    const r = await client.conn.sendRequest(DoctorRequest.type, { uri, secrets, trusted: true });
    assert.equal(r.error, undefined);
    assert.equal(r.report?.result, 'ok', JSON.stringify(r.report?.checks));
    assert.equal(r.report?.dear.credentials, 'accepted');
    assert.equal(r.report?.starshipit.credentials, 'accepted');
    const text = JSON.stringify(r);
    for (const v of Object.values(secrets)) assert.ok(!text.includes(v));
  });

  it('a warehouses.accounts entry: checked with the keys the request carries, named in the output', async () => {
    const yaml = `warehouses:
  accounts:
    - name: nz
      apiKey: \${secret:STARSHIPIT_NZ_API_KEY}
      subscriptionKey: \${secret:STARSHIPIT_NZ_SUBSCRIPTION_KEY}
      plan: developer
`;
    const uri = pathToFileURL(
      writeSandboxSettings(sb, tempDir('dear-lsp-doctor-'), yaml),
    ).toString();
    const withNz = {
      ...secrets,
      STARSHIPIT_NZ_API_KEY: sb.credentials.starshipitApiKey2,
      STARSHIPIT_NZ_SUBSCRIPTION_KEY: sb.credentials.starshipitSubscriptionKey2,
    };
    const r = await client.conn.sendRequest(DoctorRequest.type, {
      uri,
      secrets: withNz,
      trusted: true,
    });
    assert.ok(r.report, r.error);
    assert.equal(r.report.result, 'ok', JSON.stringify(r.report.checks));
    assert.deepEqual(
      r.report.accounts.map((h) => [h.account, h.credentials]),
      [['nz', 'accepted']],
    );
    const lines = formatDoctorReport(r.report);
    assert.ok(
      lines.includes('  ✓ Starshipit account nz accepted the credentials'),
      lines.join('\n'),
    );
    const text = JSON.stringify(r);
    for (const v of Object.values(withNz)) assert.ok(!text.includes(v));
  });

  it('untrusted: refused before any call', async () => {
    const uri = pathToFileURL(writeSandboxSettings(sb, tempDir('dear-lsp-doctor-'))).toString();
    sb.clearCallLog();
    const r = await client.conn.sendRequest(DoctorRequest.type, { uri, secrets, trusted: false });
    assert.equal(r.report, null);
    assert.match(r.error ?? '', /not trusted/);
    assert.equal(sb.callLog().filter((c) => c.api !== 'control').length, 0);
  });

  it('apiVersion 1: the published diagnostic and the refusal carry the same text', async () => {
    const file = writeSandboxSettings(sb, tempDir('dear-lsp-doctor-'));
    const text = fs.readFileSync(file, 'utf8').replace('apiVersion: 2', 'apiVersion: 1');
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    await client.open(uri, text);
    const published = await client.diagnostics(uri, (p) =>
      p.diagnostics.some((d) => d.code === 'api-v1-unsupported'),
    );
    const diag = published.diagnostics.find((d) => d.code === 'api-v1-unsupported');
    assert.equal(diag?.message, API_V1_UNSUPPORTED);
    sb.clearCallLog();
    const r = await client.conn.sendRequest(DoctorRequest.type, { uri, secrets, trusted: true });
    assert.equal(r.report, null);
    assert.ok(r.error?.includes(`line 2: ${API_V1_UNSUPPORTED}`), r.error);
    assert.equal(sb.callLog().filter((c) => c.api !== 'control').length, 0);
  });
});
