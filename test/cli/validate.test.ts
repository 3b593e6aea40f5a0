import * as assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { runCliSync } from '../support/cli';
import { tempDir } from '../support/paths';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = runCliSync(['validate', ...args], { env: { PATH: process.env.PATH, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dear-starshipit validate', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = tempDir('dear-validate-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('exits 0 on the sample and prints only its information line', () => {
    const r = run(['samples/dear-starshipit.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(
      r.stdout,
      /^samples\/dear-starshipit\.yaml:29:3 information memo-and-order-note Delivery instructions/,
    );
  });

  it('prints file:line:col severity code message (1-based) and exits 1 on errors', () => {
    const p = file(
      'bad.yaml',
      'dear:\n  accountId: ${secret:A}\n  apiKey: ${secret:B}\n  pageSize: 0\nstarshipit:\n  apiKey: ${secret:C}\n  subscriptionKey: ${secret:D}\nimport:\n  statuses: [ORDERED]\n  memo: quote\n  orderNote: true\n',
    );
    const r = run([p]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines, [
      `${p}:4:13 error out-of-range "dear.pageSize" must be >= 1 (got 0).`,
      `${p}:11:3 information memo-and-order-note Delivery instructions will hold the quote memo first, then the sale note, separated by a space. Starshipit keeps 100 characters: longer text is cut and the run reports a warning.`,
    ]);
  });

  it('--json prints one array of 0-based LSP-style rows', () => {
    const p = file(
      'json.yaml',
      'dear:\n  accountId: ${secret:A}\n  apiKey: plain-key-value\nstarshipit:\n  apiKey: ${secret:C}\n  subscriptionKey: ${env:SUB_KEY}\nimport:\n  statuses: [ORDERED]\n',
    );
    const r = run(['--json', p]);
    assert.equal(r.code, 0, 'warnings alone do not fail');
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((x) => [x.line, x.character, x.endLine, x.endCharacter, x.severity, x.code]),
      [
        [2, 10, 2, 25, 'warning', 'plain-text-secret'],
        [5, 19, 5, 33, 'warning', 'env-not-set'],
      ],
    );
    assert.ok(!r.stdout.includes('plain-key-value'), 'the secret is not echoed');
    const withEnv = run(['--json', p], { SUB_KEY: 'x' });
    assert.equal((JSON.parse(withEnv.stdout) as unknown[]).length, 1);
  });

  it('--json lists hints too, and hints do not fail the run', () => {
    const p = file(
      'clean.yaml',
      'dear:\n  accountId: ${secret:A}\n  apiKey: ${secret:B}\nstarshipit:\n  apiKey: ${secret:C}\n  subscriptionKey: ${secret:D}\nimport:\n  statuses: Ordered\n',
    );
    const r = run([p, '--json']);
    assert.equal(r.code, 0);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { code: string }[]).map((x) => x.code),
      ['statuses-string'],
    );
  });

  it('exits 1 with a YAML syntax error', () => {
    const r = run([file('syntax.yaml', 'dear: [\n')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /yaml-syntax/);
  });

  it('exits 2 for usage errors and unreadable files', () => {
    assert.equal(run([]).code, 2);
    assert.equal(run(['a.yaml', 'b.yaml']).code, 2);
    assert.equal(run(['--bogus', 'a.yaml']).code, 2);
    const missing = run([path.join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /settings file \/.*nope\.yaml does not exist/);
    assert.doesNotMatch(missing.stderr, /ENOENT/);
    assert.equal(run([dir]).code, 2, 'a directory is not a settings file');
  });
});
