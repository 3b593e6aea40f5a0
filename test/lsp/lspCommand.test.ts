import * as assert from 'node:assert/strict';
import { runCliSync } from '../support/cli';

describe('dear-starshipit lsp (usage)', function () {
  this.timeout(30_000);
  it('needs --stdio: anything else is a usage error (exit 2)', () => {
    for (const args of [[], ['--socket=1234'], ['--stdio', '--extra']]) {
      const r = runCliSync(['lsp', ...args], { input: '' });
      assert.equal(r.status, 2, `lsp ${args.join(' ')}`);
      assert.match(r.stderr, /usage: dear-starshipit lsp --stdio/);
      assert.equal(r.stdout, '');
    }
  });

  it('exits when the client closes stdin', () => {
    const r = runCliSync(['lsp', '--stdio'], { input: '', timeoutMs: 20_000 });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '', 'nothing but JSON-RPC on stdout');
  });
});
