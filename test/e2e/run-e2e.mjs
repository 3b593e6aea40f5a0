// Real-editor suites: prepares the harness (test/e2e/prepare.sh: Debian packages + code-server,
// idempotent), then runs every compiled suite under out/test/e2e with mocha, one at a time, and
// ends with the plain "e2e: N passed, N failed" line CI reads. Exit code 1 on any failure.
// Run through `npm run test:e2e` (build + compile-tests first).
import Mocha from 'mocha';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.chdir(repo);
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const grepIndex = args.indexOf('--grep');
const grep = grepIndex >= 0 ? args[grepIndex + 1] : process.env.DEAR_E2E_GREP;

const t0 = Date.now();
if (process.env.DEAR_E2E_SKIP_PREPARE !== '1') {
  const prep = spawnSync('bash', [join(repo, 'test/e2e/prepare.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (prep.status !== 0) {
    console.error(`e2e: prepare.sh failed (exit ${prep.status ?? prep.signal})`);
    console.log('\ne2e: 0 passed, 1 failed');
    process.exit(1);
  }
}
const prepareSeconds = (Date.now() - t0) / 1000;

const root = join(repo, 'out/test/e2e');
if (!existsSync(root)) {
  console.error(`${root} is missing: run "npm run compile-tests" first`);
  console.log('\ne2e: 0 passed, 1 failed');
  process.exit(1);
}
function collect(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, files);
    else if (name.endsWith('.test.js')) files.push(p);
  }
  return files;
}
// The harness self-test first: if it fails, the rest cannot be trusted either.
const files = collect(root).sort(
  (a, b) => Number(!a.includes('selftest')) - Number(!b.includes('selftest')) || a.localeCompare(b),
);

const { closeAll } = require(join(root, 'harness/cleanup.js'));
const mocha = new Mocha({
  timeout: 300_000,
  reporter: process.env.MOCHA_REPORTER ?? 'spec',
  forbidOnly: true,
  rootHooks: {
    afterAll: async () => {
      await closeAll();
    },
  },
});
if (grep) mocha.grep(grep);
for (const f of files) mocha.addFile(f);

const t1 = Date.now();
const runner = mocha.run(async (failures) => {
  await closeAll();
  const { passes = 0, failures: failed = 0 } = runner.stats ?? {};
  console.log(
    `\ne2e timing: prepare ${prepareSeconds.toFixed(1)} s, suites ${((Date.now() - t1) / 1000).toFixed(1)} s`,
  );
  console.log(`e2e: ${passes} passed, ${failed} failed`);
  process.exitCode = failures > 0 || passes === 0 ? 1 : 0;
});
