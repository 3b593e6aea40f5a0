import * as assert from 'node:assert/strict';
import { runCli } from '../support/cli';

describe('CLI: npm start demo', () => {
  it('tours preview, import, labels and writeback on the built-in sandbox and exits 0', async () => {
    const r = await runCli(['demo']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1\. Preview \(dry run/);
    assert.match(r.stdout, /writes during the preview: 0/);
    assert.match(r.stdout, /Starshipit orders: \d+ \(0 duplicates\)/);
    assert.match(r.stdout, /labels written back to Cin7 Core exactly once: (\d+) of \1/);
    assert.match(r.stdout, /carrier "Australia Post"/);
    assert.match(r.stdout, /carrier "DEFAULT Carrier"/);
  });
});
