/**
 * The "no sale in the last preview used this shipping method" diagnostic over real LSP stdio: the
 * language server learns the methods only from a dry run it ran (dear/run with dryRun, what
 * "Dear: Preview Import" sends), then revalidates the open settings file. Before any preview it says
 * nothing about shipping methods.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { sandboxSecrets, startTestSandbox, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { RunEventNotification, RunRequest } from '../../protocol/lsp';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { LspClient } from '../support/lspClient';

const USED_METHOD = 'Express Shipping';
const UNUSED_METHOD = 'Carrier Pigeon Deluxe';
const CODE = 'unused-shipping-method';

const RULES = `  shippingRules:
    - method: ${USED_METHOD}
      courier: AusPost
    - method: ${UNUSED_METHOD}
      courier: StarTrack
`;

const unusedMethodDiagnostics = (diagnostics: Diagnostic[]): Diagnostic[] =>
  diagnostics.filter((d) => d.code === CODE);

const messageText = (d: Diagnostic): string =>
  typeof d.message === 'string' ? d.message : d.message.value;

/** The 0-based line of the rule whose `method:` names `method`. */
function methodLine(text: string, method: string): number {
  const line = text.split('\n').findIndex((l) => l.trim() === `- method: ${method}`);
  assert.ok(line >= 0, `no rule for ${method} in the settings`);
  return line;
}

describe('language server: shipping rule no previewed sale used', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  let client: LspClient;
  let secrets: Record<string, string>;
  before(async () => {
    sb = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 47 });
    client = await LspClient.start();
    secrets = sandboxSecrets(sb);
  });
  after(async () => {
    await client.stop();
    await sb.close();
  });

  it('flags only the rule whose method no previewed sale used, and only after the preview', async () => {
    const file = writeSandboxSettings(sb, tempDir('dear-lsp-unused-method-'), RULES);
    const text = fs.readFileSync(file, 'utf8');
    const uri = pathToFileURL(file).toString();

    await client.open(uri, text);
    const first = await client.diagnostics(uri);
    assert.deepEqual(unusedMethodDiagnostics(first.diagnostics), [], 'before any preview');

    const runId = 'preview-unused-method';
    const previewed = new Set<string>();
    client.conn.onNotification(RunEventNotification.type, (p) => {
      if (p.runId !== runId || p.event.type !== 'order') return;
      const method = p.event.starshipit.shipping_method;
      if (typeof method === 'string') previewed.add(method);
    });
    const since = client.publishedCount;
    const result = await client.conn.sendRequest(RunRequest.type, {
      runId,
      uri,
      mode: 'import',
      dryRun: true,
      secrets,
      trusted: true,
    });
    assert.equal(result.error, undefined);
    // The premise: the sandbox's sales use the one method and not the other.
    assert.ok(previewed.has(USED_METHOD), `previewed methods: ${[...previewed].join(', ')}`);
    assert.ok(!previewed.has(UNUSED_METHOD));

    const after = await client.diagnostics(
      uri,
      (p) => unusedMethodDiagnostics(p.diagnostics).length > 0,
      since,
    );
    const flagged = unusedMethodDiagnostics(after.diagnostics);
    assert.equal(flagged.length, 1, JSON.stringify(flagged));
    assert.equal(flagged[0].range.start.line, methodLine(text, UNUSED_METHOD));
    const message = messageText(flagged[0]);
    assert.ok(message.includes(`"${UNUSED_METHOD}"`), message);
    assert.ok(!message.includes(`"${USED_METHOD}"`), message);
  });
});
