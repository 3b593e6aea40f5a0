/** The CLI as a child process against the in-process sandbox: --json stream, exit codes, refusals. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { EngineEvent, SummaryEvent } from '../../protocol/events';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { runCli } from '../support/cli';

function events(stdout: string): EngineEvent[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEvent);
}

describe('CLI: import, writeback and sync as a child process', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    // ≤ 20 sales: the seed has no invalid sale, so a full run exits 0.
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 31 });
  });
  afterEach(async () => {
    await sb.close();
  });

  it('--json: one event per line, summary last; dry-run then live; status; exit 0', async () => {
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    const dry = await runCli(['import', '--config', config, '--dry-run', '--json'], {
      env: sandboxCliEnv(sb),
    });
    assert.equal(dry.code, 0, dry.stderr);
    const evs = events(dry.stdout);
    const summary = evs[evs.length - 1] as SummaryEvent;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.dryRun, true);
    assert.equal(evs.filter((e) => e.type === 'summary').length, 1);
    const orders = evs.filter((e) => e.type === 'order');
    assert.ok(
      orders.length > 0 &&
        orders.every(
          (o) =>
            o.type === 'order' && o.source.saleId && typeof o.starshipit.order_number === 'string',
        ),
    );
    for (const k of [
      'created',
      'alreadyPresent',
      'skipped',
      'needsAttention',
      'writtenBack',
      'calls',
      'throttled',
      'estimate',
    ])
      assert.ok(k in summary, k);
    assert.equal(sb.starshipitOrders().size, 0);

    const live = await runCli(['sync', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
    assert.equal(live.code, 0, live.stderr);
    const ls = events(live.stdout).pop() as SummaryEvent;
    assert.equal(ls.created, orders.length);
    assert.equal(sb.starshipitOrders().size, orders.length);
    assert.ok(
      fs.existsSync(path.join(dir, '.dear-starshipit', 'journal.jsonl')),
      'state beside the config by default',
    );

    const st = await runCli(['status', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
    assert.equal(st.code, 0);
    const status = JSON.parse(st.stdout) as { imported: number; pendingWritebacks: number };
    assert.equal(status.imported, orders.length);

    // Human output names what happened.
    const human = await runCli(['import', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^Summary: created 0, /m);
    // Secrets never reach the output or the state files.
    const secret = sb.credentials.dearApiKey;
    for (const text of [
      dry.stdout,
      dry.stderr,
      live.stdout,
      live.stderr,
      human.stdout,
      fs.readFileSync(path.join(dir, '.dear-starshipit', 'journal.jsonl'), 'utf8'),
    ]) {
      assert.equal(text.includes(secret), false);
    }
  });

  it('refuses a config with errors (exit 2, validate-style diagnostics) before any request', async () => {
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace('statuses: [ORDERED, PICKED, PACKED]', 'statuses: [ORDERED, SHIPPED]'),
    );
    const r = await runCli(['import', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(`${config.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ error`),
    );
    assert.equal(sb.callLog().length, 0);
    const missing = await runCli(['import', '--config', path.join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /settings file \/.*nope\.yaml does not exist/);
    const usage = await runCli(['import', '--bogus']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown option "--bogus"/);
  });

  it('refuses plain http to a non-loopback host and a missing secret (exit 2, no request)', async () => {
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace(sb.starshipitBaseUrl, 'http://api.example.com'),
    );
    const r = await runCli(['import', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 2);
    // The config core refuses it as a diagnostic; the engine checks again before any request.
    assert.match(
      r.stderr,
      /insecure-base-url|starshipit\.baseUrl: "http:\/\/api\.example\.com" is refused/,
    );
    const ok = writeSandboxSettings(sb, dir);
    const env = sandboxCliEnv(sb);
    delete env.DEAR_STARSHIPIT_SECRET_DEAR_API_KEY;
    const m = await runCli(['import', '--config', ok], { env });
    assert.equal(m.code, 2);
    assert.match(m.stderr, /dear\.apiKey: \$\{secret:DEAR_API_KEY\} has no value/);
    assert.equal(sb.callLog().length, 0);
  });

  it('a second engine on the same state directory refuses; --watch stops cleanly on SIGINT', async () => {
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    let signalled = false;
    let second: Promise<{ code: number | null; stderr: string }> | undefined;
    const watch = runCli(['sync', '--watch', '--interval', '60', '--config', config, '--json'], {
      env: sandboxCliEnv(sb),
      onStdout: (out, child) => {
        if (!signalled && out.includes('"type":"summary"')) {
          signalled = true;
          // The watcher holds the lock between runs too: a second engine must refuse.
          second = runCli(['import', '--config', config], { env: sandboxCliEnv(sb) }).then((r) => {
            child.kill('SIGINT');
            return r;
          });
        }
      },
    });
    const w = await watch;
    assert.ok(second);
    const s = await second;
    assert.equal(s.code, 1);
    assert.match(s.stderr, /in use by another dear-starshipit run \(pid \d+/);
    assert.equal(w.signal, null);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(
      fs.existsSync(path.join(dir, '.dear-starshipit', 'lock')),
      false,
      'the lock is released',
    );
  });

  it('refuses (exit 1, "in use") a state directory whose lock file another starter is still writing (BUG-R8)', async () => {
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    const stateDir = path.join(dir, '.dear-starshipit');
    fs.mkdirSync(stateDir, { recursive: true });
    fs.closeSync(fs.openSync(path.join(stateDir, 'lock'), 'wx')); // created, not yet written
    sb.clearCallLog();
    const r = await runCli(['import', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /in use by another dear-starshipit run/);
    assert.equal(sb.callLog().filter((e) => e.api !== 'control').length, 0, 'no call was made');
    assert.equal(
      fs.statSync(path.join(stateDir, 'lock')).size,
      0,
      'the lock file was left to its writer',
    );
  });

  it('exits 1 when something needs attention', async () => {
    await sb.close();
    sb = await startTestSandbox({ sales: 120, timeScale: TIME_SCALE, seed: 31 });
    assert.ok(
      sb
        .eligibleSales(['ORDERED', 'PICKED', 'PACKED'], { includeInvalid: true })
        .some((e) => !e.valid),
      'the seed has an invalid sale',
    );
    const dir = tempDir();
    const r = await runCli(['import', '--config', writeSandboxSettings(sb, dir), '--json'], {
      env: sandboxCliEnv(sb),
    });
    assert.equal(r.code, 1);
    const s = events(r.stdout).pop() as SummaryEvent;
    assert.ok(s.needsAttention > 0);
    assert.ok(events(r.stdout).some((e) => e.type === 'attention' && e.code === 'missing-street'));
  });

  it('--json --dry-run streams: each previewed order is on stdout while the run is still reading sales', async () => {
    await sb.close();
    // Enough sales for more than one Cin7 window of detail reads: the run must wait mid-way.
    sb = await startTestSandbox({ sales: 400, timeScale: TIME_SCALE, seed: 31 });
    const config = writeSandboxSettings(sb, tempDir());
    let linesAtFirstOrder: string[] | undefined;
    const r = await runCli(['import', '--config', config, '--dry-run', '--json'], {
      env: sandboxCliEnv(sb),
      onStdout: (out) => {
        if (linesAtFirstOrder || !out.includes('{"type":"order"')) return;
        linesAtFirstOrder = out.split('\n').filter(Boolean);
      },
    });
    assert.ok(r.code === 0 || r.code === 1, r.stderr.slice(-2000));
    assert.ok(linesAtFirstOrder, 'the dry run previewed orders');
    assert.ok(
      !linesAtFirstOrder.some((l) => l.startsWith('{"type":"summary"')),
      'the first order line came before the run ended',
    );
    const all = events(r.stdout);
    const orders = all.filter((e) => e.type === 'order').length;
    const details = all.filter((e) => e.type === 'progress' && e.phase === 'detail').length;
    assert.ok(details > 60, `more detail reads (${details}) than one Cin7 window allows`);
    assert.ok(
      linesAtFirstOrder.filter((l) => l.startsWith('{"type":"order"')).length < orders,
      'the rest followed as they were produced',
    );
  });
});
