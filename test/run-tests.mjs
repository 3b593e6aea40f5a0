// Runs every compiled mocha suite under out/test (except the real-editor e2e suites and benchmarks,
// which have their own commands) and ends with the plain "N passed, N failed" line CI reads.
import Mocha from 'mocha';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = 'out/test';
const skipDirs = new Set(['e2e', 'bench', 'extension']);
const args = process.argv.slice(2);
const grepIndex = args.indexOf('--grep');
const grep = grepIndex >= 0 ? args[grepIndex + 1] : undefined;

function collect(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!skipDirs.has(name)) collect(p, files);
    } else if (name.endsWith('.test.js')) {
      files.push(p);
    }
  }
  return files;
}

if (!existsSync(root)) {
  console.error(`${root} is missing: run "npm run compile-tests" first`);
  process.exit(2);
}
const mocha = new Mocha({
  timeout: 60_000,
  reporter: process.env.MOCHA_REPORTER ?? 'spec',
  forbidOnly: true,
});
if (grep) mocha.grep(grep);
for (const f of collect(root).sort()) mocha.addFile(f);
const runner = mocha.run((failures) => {
  const { passes = 0, failures: failed = 0, pending = 0 } = runner.stats ?? {};
  console.log(
    `\nmocha: ${passes} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`,
  );
  process.exitCode = failures > 0 || passes === 0 ? 1 : 0;
});
