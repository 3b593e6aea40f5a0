/**
 * Harness self-test: proves each piece of the real-editor harness with a 20-line fixture extension
 * (test/e2e/fixtures/selftest-ext), independent of the product. If these fail, no other e2e result
 * can be trusted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { codeServerBin, fixturesDir } from './harness/paths';
import { harnessEnv, httpStatus, startCodeServer } from './harness/codeServer';
import { runExtensionHostSuite } from './harness/extensionHost';
import { liveCount } from './harness/cleanup';
import { openBrowser } from './harness/browser';

const ext = join(fixturesDir, 'selftest-ext');
const workspace = join(fixturesDir, 'selftest-workspace');

describe('e2e harness self-test', function () {
  this.timeout(180_000);

  it('prepare.sh installed code-server 4.100.3', () => {
    const res = spawnSync(codeServerBin, ['--version'], { encoding: 'utf8', env: harnessEnv() });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^4\.100\.3 .* with Code 1\.100\.3$/m);
  });

  it('starts code-server on loopback, answers /healthz, and stops it (port closed afterwards)', async () => {
    const server = await startCodeServer({ label: 'selftest-server' });
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await httpStatus(server.port, '/healthz'), 200);
    await server.stop();
    assert.equal(await httpStatus(server.port, '/healthz'), 0, 'nothing answers after stop()');
  });

  it('runs a passing extension-host suite inside code-server and gets exit code 0', async () => {
    const res = await runExtensionHostSuite({
      label: 'selftest-pass',
      extensionDevelopmentPath: ext,
      extensionTestsPath: join(ext, 'suite', 'pass.js'),
      workspace,
      env: { DEAR_E2E_SELFTEST_ENV: 'passed-through' },
      timeoutMs: 120_000,
    });
    assert.equal(res.exitCode, 0, `suite failed:\n${res.console.slice(-40).join('\n')}`);
    assert.ok(
      res.console.some((l) => l.includes('selftest: all assertions passed')),
      'the suite output reached the page console',
    );
    assert.deepEqual(res.offLoopback, [], 'the workbench only talked to 127.0.0.1');
  });

  it('reports a failing extension-host suite as exit code 1 with its message', async () => {
    const res = await runExtensionHostSuite({
      label: 'selftest-fail',
      extensionDevelopmentPath: ext,
      extensionTestsPath: join(ext, 'suite', 'fail.js'),
      workspace,
      timeoutMs: 120_000,
      echo: false,
    });
    assert.equal(res.exitCode, 1);
    assert.ok(
      res.console.some((l) => l.includes('deliberate failure')),
      `the assertion message is visible:\n${res.console.slice(-20).join('\n')}`,
    );
  });

  it('gives up on a suite that never finishes with a clear message, and stops code-server and Chromium', async () => {
    const before = liveCount();
    await assert.rejects(
      runExtensionHostSuite({
        label: 'selftest-hang',
        extensionDevelopmentPath: ext,
        extensionTestsPath: join(ext, 'suite', 'hang.js'),
        workspace,
        timeoutMs: 20_000,
        echo: false,
      }),
      (err: Error) => {
        assert.match(err.message, /did not finish within 20 s \(no codeAutomationExit call\)/);
        assert.match(
          err.message,
          /selftest: hanging on purpose/,
          'the message shows the last console lines',
        );
        return true;
      },
    );
    assert.equal(liveCount(), before, 'no code-server or browser is left running');
  });

  it('flags and blocks a request that would leave loopback', async () => {
    // A reserved .invalid name: Chromium's resolver rules answer "not found" without asking any DNS
    // server, so this proves the guard without sending a packet anywhere.
    const session = await openBrowser({ label: 'selftest-guard', forwardConsole: 'none' });
    try {
      const url = 'http://dear-e2e-guard.invalid/probe';
      const outcome = await session.page.evaluate(async (u) => {
        try {
          await fetch(u);
          return 'reached';
        } catch {
          return 'blocked';
        }
      }, url);
      assert.equal(outcome, 'blocked');
      assert.deepEqual(session.offLoopback(), [url]);
    } finally {
      await session.close();
    }
  });
});
