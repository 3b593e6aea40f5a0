import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_PATH } from '../support/paths';

describe('dear-starshipit lsp (usage)', function () {
  this.timeout(30_000);
  it('needs --stdio: anything else is a usage error (exit 2)', () => {
    for (const args of [[], ['--socket=1234'], ['--stdio', '--extra']]) {
      const r = spawnSync(process.execPath, [CLI_PATH, 'lsp', ...args], {
        encoding: 'utf8',
        input: '',
      });
      assert.equal(r.status, 2, `lsp ${args.join(' ')}`);
      assert.match(r.stderr, /usage: dear-starshipit lsp --stdio/);
      assert.equal(r.stdout, '');
    }
  });

  it('exits when the client closes stdin', () => {
    const r = spawnSync(process.execPath, [CLI_PATH, 'lsp', '--stdio'], {
      encoding: 'utf8',
      input: '',
      timeout: 20_000,
    });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '', 'nothing but JSON-RPC on stdout');
  });
});
