/**
 * The extension's own extension-host suites (test/extension, compiled to out/test/extension) run
 * inside code-server's real extension host: once in a trusted window (every suite but the
 * Restricted Mode one) and once in an untrusted window (the Restricted Mode suite); index.ts picks
 * the files by `vscode.workspace.isTrusted`. Mocha's output inside VS Code is echoed here.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExtensionHostSuite } from './harness/extensionHost';
import { repoRoot } from './harness/paths';
import { tempDir } from '../support/paths';

const suite = join(repoRoot, 'out', 'test', 'extension', 'index.js');

describe('extension-host suites in code-server', function () {
  this.timeout(600_000);
  let workspace: string;

  before(() => {
    assert.ok(existsSync(suite), `${suite} is missing (npm run compile-tests)`);
    assert.ok(
      existsSync(join(repoRoot, 'dist', 'client.js')),
      'dist/client.js is missing (npm run build)',
    );
    workspace = tempDir('dear-e2e-exthost-');
    writeFileSync(join(workspace, 'README.txt'), 'workspace for the dear extension-host suites\n');
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  for (const trusted of [true, false]) {
    it(`pass in a ${trusted ? 'trusted' : 'Restricted Mode (untrusted)'} window`, async () => {
      const res = await runExtensionHostSuite({
        label: trusted ? 'exthost-trusted' : 'exthost-restricted',
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: suite,
        workspace,
        workspaceTrust: !trusted,
        timeoutMs: 540_000,
      });
      const passing = res.console.map((l) => /(\d+) passing/.exec(l)).find(Boolean);
      assert.equal(
        res.exitCode,
        0,
        `the extension-host suites failed (exit ${res.exitCode}); see the output above and test-results/e2e/`,
      );
      assert.ok(passing && Number(passing[1]) > 0, 'mocha inside VS Code reported passing tests');
      assert.ok(
        res.console.some((l) => l.includes(trusted ? 'trusted window' : 'Restricted Mode window')),
        'index.js saw the intended trust state',
      );
      assert.deepEqual(res.offLoopback, [], 'the workbench only talked to 127.0.0.1');
    });
  }
});
