/**
 * CLI inputs, messages and conventions, always over a real child process: the settings file is
 * checked before it is read, state paths fail fast, file-system errors are sentences, `--json`
 * reports errors as events, help and usage behave, `init` writes a file that validates, and
 * printed follow-up commands run as printed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliErrorEvent } from '../../protocol/events';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { runCli, runCliSync, startChild, waitForLine } from '../support/cli';

const RAW_FS_CODE = /\b(ENOENT|EACCES|EISDIR|ENOTDIR|EPERM|EROFS)\b/;
const COMMANDS = [
  'init',
  'validate',
  'import',
  'writeback',
  'sync',
  'retry',
  'status',
  'doctor',
  'reconcile',
  'serve',
  'demo',
  'sandbox',
  'lsp',
  'help',
];

/** The `{"type":"error"}` event: the last line of stdout. */
function errorEvent(stdout: string): CliErrorEvent {
  const lines = stdout.trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1]) as CliErrorEvent;
  assert.equal(last.type, 'error', stdout);
  return last;
}

/** A settings file whose endpoints are never reached (the runs below stop before any request). */
function unreachableConfig(dir: string): string {
  return writeSandboxSettings(
    { dearBaseUrl: 'http://127.0.0.1:9/ExternalApi/v2/', starshipitBaseUrl: 'http://127.0.0.1:9' },
    dir,
  );
}

const SECRETS_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  DEAR_STARSHIPIT_SECRET_DEAR_ACCOUNT_ID: 'a',
  DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'b',
  DEAR_STARSHIPIT_SECRET_STARSHIPIT_API_KEY: 'c',
  DEAR_STARSHIPIT_SECRET_STARSHIPIT_SUBSCRIPTION_KEY: 'd',
};

describe('CLI: the settings file is checked before it is read', function () {
  // Generous: a regression here is a hang, which this timeout turns into a failure.
  this.timeout(120_000);

  it('refuses a FIFO at once (import and validate), with the path and a JSON error event', async () => {
    const dir = tempDir('dear-cli-');
    const fifo = path.join(dir, 'settings.yaml');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const r = await runCli(['import', '--config', fifo, '--json'], { env: SECRETS_ENV });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`${escapeRe(fifo)} is a named pipe \\(FIFO\\), not a regular file`),
    );
    const e = errorEvent(r.stdout);
    assert.equal(e.code, 'settings-file');
    assert.equal(e.exitCode, 2);
    assert.equal(e.file, fifo);
    const v = await runCli(['validate', fifo]);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /named pipe/);
  });

  it('refuses /dev/zero and a directory with a sentence, never a raw error code', async () => {
    const dir = tempDir('dear-cli-');
    for (const [file, kind] of [
      ['/dev/zero', 'a character device'],
      [dir, 'a directory'],
    ]) {
      const r = await runCli(['import', '--config', file], { env: SECRETS_ENV });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`settings file ${escapeRe(file)} is ${kind}, not a regular file`),
      );
      assert.doesNotMatch(r.stderr, RAW_FS_CODE);
    }
  });

  it('refuses a sparse 1 GB file by its size, like validate, without reading it', async () => {
    const dir = tempDir('dear-cli-');
    const big = path.join(dir, 'big.dear-starshipit.yaml');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 1024 * 1024 * 1024);
    fs.closeSync(fd);
    const r = await runCli(['import', '--config', big, '--dry-run', '--json'], {
      env: SECRETS_ENV,
    });
    assert.equal(r.code, 2, r.stderr);
    const e = errorEvent(r.stdout);
    assert.equal(e.code, 'settings-invalid');
    assert.deepEqual(
      e.diagnostics?.map((d) => d.code),
      ['file-too-large'],
    );
    const v = await runCli(['validate', big, '--json']);
    assert.equal(v.code, 1);
    assert.deepEqual(
      (JSON.parse(v.stdout) as { code: string; message: string }[]).map((d) => d.message),
      e.diagnostics?.map((d) => d.message),
      'the same diagnostic as validate',
    );
  });

  it('a missing settings file: absolute path, what to do, no ENOENT; --json adds the event', async () => {
    const dir = tempDir('dear-cli-');
    const r = await runCli(['sync', '--json'], { cwd: dir, env: SECRETS_ENV });
    assert.equal(r.code, 2);
    const expected = path.join(fs.realpathSync(dir), 'dear-starshipit.yaml');
    assert.match(
      r.stderr,
      new RegExp(`${escapeRe(expected)} does not exist; create it with "npx dear-starshipit init`),
    );
    assert.doesNotMatch(r.stderr, RAW_FS_CODE);
    assert.equal(errorEvent(r.stdout).code, 'settings-file');
  });

  it('an invalid settings file is also a JSON error event with its diagnostics', async () => {
    const dir = tempDir('dear-cli-');
    const config = unreachableConfig(dir);
    fs.appendFileSync(config, 'engine:\n  concurrency: 99\n');
    const r = await runCli(['import', '--config', config, '--json'], { env: SECRETS_ENV });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /:\d+:\d+ error /, 'validate-style lines on stderr');
    const e = errorEvent(r.stdout);
    assert.equal(e.code, 'settings-invalid');
    assert.ok(e.diagnostics?.length && e.diagnostics.every((d) => d.severity === 'error'));
  });
});

describe('CLI: state paths, secrets and the lock', function () {
  this.timeout(120_000);

  it('a state directory that cannot be created fails fast with a sentence (/proc, a file in the way)', async () => {
    const dir = tempDir('dear-cli-');
    const config = unreachableConfig(dir);
    const aFile = path.join(dir, 'a-file');
    fs.writeFileSync(aFile, '');
    for (const [state, words] of [
      ['/proc/dear-starshipit-test/state', 'does not allow new folders'],
      [path.join(aFile, 'state'), 'is a file, not a folder'],
      [aFile, 'is a file, not a folder'],
    ]) {
      const r = await runCli(['import', '--config', config, '--state', state, '--json'], {
        env: SECRETS_ENV,
      });
      assert.equal(r.code, 2, `${state}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`state directory ${escapeRe(state)}: .*${words}.*--state DIR`),
      );
      assert.doesNotMatch(r.stderr, RAW_FS_CODE);
      assert.equal(errorEvent(r.stdout).code, 'state-dir');
    }
  });

  it('the sandbox state file: a directory or a missing folder is a sentence, not a raw error code', async () => {
    const dir = tempDir('dear-cli-');
    for (const [file, words] of [
      [dir, 'it is a directory, not a file'],
      [path.join(dir, 'missing', 'state.json'), 'its folder does not exist'],
    ]) {
      const r = await runCli(['sandbox', '--port', '0', '--state', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^dear-starshipit sandbox: cannot (read|write) the state file ${escapeRe(file)}: ${words}`,
        ),
      );
      assert.doesNotMatch(r.stderr, RAW_FS_CODE);
    }
  });

  it('names every missing secret at once and the real command "Dear: Set Credentials…"', async () => {
    const dir = tempDir('dear-cli-');
    const env = { ...SECRETS_ENV };
    delete env.DEAR_STARSHIPIT_SECRET_DEAR_API_KEY;
    delete env.DEAR_STARSHIPIT_SECRET_STARSHIPIT_SUBSCRIPTION_KEY;
    const r = await runCli(['import', '--config', unreachableConfig(dir), '--json'], { env });
    assert.equal(r.code, 2);
    for (const expected of [
      /dear\.apiKey: \$\{secret:DEAR_API_KEY\} has no value/,
      /starshipit\.subscriptionKey: \$\{secret:STARSHIPIT_SUBSCRIPTION_KEY\} has no value/,
      /"Dear: Set Credentials…"/,
      /DEAR_STARSHIPIT_SECRET_DEAR_API_KEY, DEAR_STARSHIPIT_SECRET_STARSHIPIT_SUBSCRIPTION_KEY/,
    ])
      assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /Set Secret/);
    assert.equal(errorEvent(r.stdout).code, 'configuration');
  });

  describe('with the sandbox', () => {
    let sb: Sandbox;
    beforeEach(async () => {
      sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 31 });
    });
    afterEach(async () => {
      await sb.close();
    });

    it('a dry run works while another process holds the lock, and writes no journal, cursor or limiter log', async () => {
      const dir = tempDir('dear-cli-');
      const config = writeSandboxSettings(sb, dir);
      const stateDir = path.join(dir, '.dear-starshipit');
      const live = await runCli(['import', '--config', config], { env: sandboxCliEnv(sb) });
      assert.equal(live.code, 0, live.stderr);
      sb.printLabel({ orderNumber: [...sb.starshipitOrders().keys()][0], carrier: 'AusPost' });
      const holder = await holdLock(stateDir);
      try {
        const before = snapshot(stateDir);
        const dry = await runCli(['sync', '--config', config, '--dry-run', '--json'], {
          env: sandboxCliEnv(sb),
        });
        assert.equal(dry.code, 0, dry.stderr);
        const lines = dry.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; message?: string; writtenBack?: number });
        assert.ok(
          lines.some(
            (l) =>
              l.type === 'log' &&
              /in use by another dear-starshipit run \(pid \d+/.test(l.message ?? ''),
          ),
          'says whose lock it is',
        );
        const summary = lines[lines.length - 1];
        assert.equal(summary.type, 'summary');
        assert.equal(summary.writtenBack, 1, 'the printed label is previewed');
        assert.deepEqual(snapshot(stateDir), before, 'nothing in the state directory changed');
        const liveBeside = await runCli(['import', '--config', config, '--json'], {
          env: sandboxCliEnv(sb),
        });
        assert.equal(liveBeside.code, 1, 'a live run is still refused');
        assert.equal(errorEvent(liveBeside.stdout).code, 'locked');
      } finally {
        holder.kill('SIGKILL');
      }
    });

    it('SIGTERM stops sync --watch cleanly (exit 0, lock released)', async () => {
      const dir = tempDir('dear-cli-');
      const config = writeSandboxSettings(sb, dir);
      let sent = false;
      const r = await runCli(
        ['sync', '--watch', '--interval', '600', '--config', config, '--json'],
        {
          env: sandboxCliEnv(sb),
          onStdout: (out, child) => {
            if (!sent && out.includes('"type":"summary"')) {
              sent = true;
              child.kill('SIGTERM');
            }
          },
        },
      );
      assert.equal(r.signal, null, 'the signal was handled');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.existsSync(path.join(dir, '.dear-starshipit', 'lock')), false);
    });

    it('the demo\'s "Next:" lines run as printed (npx dear-starshipit = the package bin)', async () => {
      const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
        bin: Record<string, string>;
      };
      assert.equal(path.resolve(pkg.bin['dear-starshipit']), path.resolve('dist/cli.js'));
      const demo = runCliSync(['demo'], { cliPath: 'dist/cli.js' });
      assert.equal(demo.status, 0, demo.stderr);
      const next = demo.stdout.slice(demo.stdout.indexOf('Next'));
      const commands = next
        .split('\n')
        .map((l) => l.replace(/#.*$/, '').trim())
        .filter(
          (l) =>
            l.startsWith('npx ') || l.startsWith('export ') || l.includes('npx dear-starshipit'),
        );
      assert.ok(
        !/(^|\s)dear-starshipit /.test(next.replace(/npx dear-starshipit/g, '')),
        'every command goes through npx',
      );
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const line of commands.filter((l) => l.startsWith('export ')))
        for (const [, k, v] of line.matchAll(/(\w+)=(\S+)/g)) env[k] = v;
      const sync = commands.find((l) => l.startsWith('npx dear-starshipit sync'));
      assert.ok(sync, next);
      assert.ok(commands.some((l) => l.startsWith('npx dear-starshipit sandbox')));
      // The printed sync reads samples/dear-starshipit.yaml, which names the sandbox's fixed ports
      // (4780/4781). Those may be taken on a shared machine, so it runs in a copy of the project
      // layout whose sample points at this test's sandbox; the command line is exactly as printed,
      // and so are the credentials (the sandbox's fixed ones).
      const project = tempDir('dear-cli-project-');
      fs.mkdirSync(path.join(project, 'samples'));
      const sample = fs
        .readFileSync('samples/dear-starshipit.yaml', 'utf8')
        .replace('http://127.0.0.1:4780/ExternalApi/v2/', sb.dearBaseUrl)
        .replace('http://127.0.0.1:4781', sb.starshipitBaseUrl);
      fs.writeFileSync(path.join(project, 'samples', 'dear-starshipit.yaml'), sample);
      const args = sync.replace(/^npx dear-starshipit /, '').split(/\s+/);
      const r = await runCli(args, { cwd: project, env });
      assert.notEqual(r.code, 2, r.stderr);
      assert.match(r.stdout, /^Summary: would create \d+, .*would write back \d+/m);
      assert.ok(/With real accounts: npx dear-starshipit init/.test(next));
    });
  });
});

describe('CLI: help, usage and did-you-mean', function () {
  this.timeout(60_000);
  const cli = (args: string[], cwd?: string) =>
    runCliSync(args, { cwd, env: SECRETS_ENV, timeoutMs: 30_000 });

  it('--help works on every command (demo included, which must not run) and equals help COMMAND', () => {
    const listed = cli(['--help'])
      .stdout.split('\n')
      .map((l) => /^ {2}([a-z]+)\b/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined);
    assert.deepEqual([...listed].sort(), [...COMMANDS].sort(), 'every listed command is checked');
    for (const name of COMMANDS) {
      const r = cli([name, '--help']);
      assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: dear-starshipit ${name}`), name);
      assert.equal(r.stderr, '', name);
      assert.equal(cli(['help', name]).stdout, r.stdout, `help ${name}`);
    }
    const demo = cli(['demo', '--help']);
    assert.doesNotMatch(demo.stdout, /Preview|sandbox with/);
  });

  it('the sync help says what the code does: writebacks first, then the import', () => {
    const r = cli(['help', 'sync']);
    assert.match(r.stdout, /write back printed labels first, then import/i);
    assert.match(cli(['--help']).stdout, /sync .*write back printed labels first, then import/);
  });

  it('usage errors: usage on stderr, nothing on stdout, exit 2; did-you-mean for commands and options', () => {
    const none = cli([]);
    assert.equal(none.status, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /usage: dear-starshipit <command>/);
    const typo = cli(['improt']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown command "improt" \(did you mean import\?\)/);
    assert.equal(typo.stdout, '');
    for (const [args, guess] of [
      [['import', '--dryrun'], '--dry-run'],
      [['sync', '--wacth'], '--watch'],
      [['status', '--stat', 'x'], '--state'],
      [['validate', '--jsno', 'x.yaml'], '--json'],
      [['sandbox', '--prot', '5'], '--port'],
      [['lsp', '--stdoi'], '--stdio'],
      [['doctor', '--jsno'], '--json'],
      [['reconcile', '--aply'], '--apply'],
      [['help', 'stauts'], 'status'],
    ] as const) {
      const r = cli([...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, new RegExp(`did you mean ${escapeRe(guess)}\\?`), args.join(' '));
      assert.match(r.stderr, /usage: dear-starshipit/, args.join(' '));
    }
    const json = cli(['import', '--bogus', '--json']);
    assert.equal(json.status, 2);
    assert.equal(errorEvent(json.stdout).code, 'usage');
    assert.match(cli(['demo', 'extra']).stderr, /unexpected argument "extra"/);
  });

  it('status --state DIR needs no settings file', () => {
    const empty = tempDir('dear-cli-');
    const state = path.join(empty, 'state');
    const r = cli(['status', '--state', state, '--json'], empty);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { imported: number }).imported, 0);
    const text = cli(['status', '--state', state], empty);
    assert.match(text.stdout, /does not exist yet/);
    const withoutState = cli(['status'], empty);
    assert.equal(withoutState.status, 2);
    assert.match(withoutState.stderr, /does not exist; create it with "npx dear-starshipit init/);
  });
});

describe('CLI: init', function () {
  this.timeout(60_000);
  const cli = (args: string[], cwd: string) => runCliSync(args, { cwd, env: SECRETS_ENV });

  it('writes a commented file with credential references that validates; its printed commands work as printed', () => {
    const dir = tempDir('dear-cli-');
    const r = cli(['init'], dir);
    assert.equal(r.status, 0, r.stderr);
    const file = path.join(dir, 'dear-starshipit.yaml');
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^# /m);
    for (const ref of [
      'DEAR_ACCOUNT_ID',
      'DEAR_API_KEY',
      'STARSHIPIT_API_KEY',
      'STARSHIPIT_SUBSCRIPTION_KEY',
    ])
      assert.match(text, new RegExp(`: \\$\\{secret:${ref}\\}$`, 'm'));
    assert.match(text, /\$\{env:NAME\}/);
    assert.match(text, /Dear: Set Credentials…/);
    const printed = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('npx dear-starshipit '));
    assert.ok(printed.length >= 2, r.stdout);
    const validate = printed.find((l) => l.includes(' validate '));
    assert.ok(validate);
    const v = cli(validate.replace(/^npx dear-starshipit /, '').split(' '), dir);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.equal(v.stdout, '', 'no diagnostic at all');
    // The next printed step is the dry run (not run here: the template names the real APIs).
    assert.ok(printed.some((l) => l === 'npx dear-starshipit import --dry-run'));
  });

  it('refuses to overwrite an existing file (exit 1, unchanged); FILE names another', () => {
    const dir = tempDir('dear-cli-');
    const file = path.join(dir, 'dear-starshipit.yaml');
    fs.writeFileSync(file, 'mine\n');
    const r = cli(['init'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already exists; it was left unchanged/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine\n');
    const other = cli(['init', 'shop.dear-starshipit.yaml'], dir);
    assert.equal(other.status, 0, other.stderr);
    assert.match(
      other.stdout,
      /npx dear-starshipit import --dry-run --config shop\.dear-starshipit\.yaml/,
    );
    const missingFolder = cli(['init', 'no/such/dir.yaml'], dir);
    assert.equal(missingFolder.status, 2);
    assert.match(missingFolder.stderr, /folder .*no\/such does not exist/);
    assert.doesNotMatch(missingFolder.stderr, RAW_FS_CODE);
  });

  it("README's real-accounts path starts from npx dear-starshipit init", () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## With real accounts'));
    const block = section.slice(
      section.indexOf('```sh'),
      section.indexOf('```', section.indexOf('```sh') + 5),
    );
    const commands = block.split('\n').filter((l) => l.startsWith('npx '));
    assert.match(commands[0] ?? '', /^npx dear-starshipit init\b/);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every file in the state directory with its content (the limiter log included). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort())
    out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  return out;
}

/** Another process that takes the state directory's lock and keeps it until killed. */
async function holdLock(stateDir: string): Promise<ChildProcess> {
  const engine = path.resolve(__dirname, '../../server/src/engine/index.js');
  const child = startChild(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(engine)}).lockStateDir(${JSON.stringify(stateDir)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitForLine(child, /locked/);
  return child;
}
