import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCliSync } from '../support/cli';

describe('dear-starshipit --version', () => {
  it("prints package.json's version", () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = runCliSync([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `dear-starshipit ${version}\n`);
    }
  });
});
