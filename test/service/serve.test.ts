/**
 * `dear-starshipit serve` as a child process against the sandbox over real HTTP: schedules,
 * `/healthz` and `/metrics`, the lock, settings re-read before each run, SIGTERM and restart.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox, sandboxCliEnv } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { tempDir, TIME_SCALE } from '../engine/helpers';
import { runCli } from '../support/cli';
import {
  metricValue,
  parsePrometheus,
  serveConfig,
  startServe,
  type ServeProcess,
} from './serveHarness';

describe('service: serve (child process, real HTTP)', function () {
  let sb: Sandbox;
  const running: ServeProcess[] = [];
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 31 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stopAndWait()));
    await sb.close();
  });
  const serve = (...args: Parameters<typeof startServe>): ServeProcess => {
    const p = startServe(...args);
    running.push(p);
    return p;
  };

  it('runs writeback and import at start; /metrics parses and its call counters equal the sandbox call log', async () => {
    const dir = tempDir();
    const config = serveConfig(sb, dir, { importEverySeconds: 3600, writebackEverySeconds: 3600 });
    const svc = serve(config, sb);
    await svc.until('both first runs', (ls) =>
      ls.filter((l) => l.type === 'summary').length >= 2 ? true : undefined,
    );
    const [first, second] = svc.summaries();
    assert.equal(first.run, 'writeback', 'writebacks first');
    assert.equal(second.run, 'import');
    assert.ok(Number(second.created) > 0);
    assert.equal(sb.starshipitOrders().size, Number(second.created));

    const health = await svc.get('/healthz');
    assert.equal(health.status, 200, health.text);
    assert.equal((JSON.parse(health.text) as { status: string }).status, 'ok');

    const res = await fetch(`${await svc.address()}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());
    const log = sb.callLog();
    for (const api of ['dear', 'starshipit'] as const)
      assert.equal(
        metricValue(samples, 'dear_starshipit_api_calls_total', { api }),
        log.filter((c) => c.api === api).length,
        `${api} calls`,
      );
    assert.equal(
      metricValue(samples, 'dear_starshipit_orders_total', { outcome: 'created' }),
      Number(second.created),
    );
    assert.equal(metricValue(samples, 'dear_starshipit_runs_total', { result: 'ok' }), 2);
    for (const mode of ['import', 'writeback'])
      assert.ok(
        metricValue(samples, 'dear_starshipit_last_success_timestamp_seconds', { mode }) > 0,
        mode,
      );
    assert.equal(metricValue(samples, 'dear_starshipit_run_duration_seconds_count'), 2);
    assert.ok(metricValue(samples, 'dear_starshipit_process_resident_memory_bytes') > 0);
    assert.equal((await svc.get('/nothing')).status, 404);
    assert.equal((await svc.get('/webhooks/starshipit')).status, 404, 'webhooks are off');

    const stopped = await svc.stopAndWait();
    assert.equal(stopped.code, 0, svc.stderr);
    assert.ok(svc.lines.some((l) => l.type === 'service' && l.event === 'stopped'));
  });

  it('keeps to its schedules: a printed label is written back by the next writeback poll', async () => {
    const dir = tempDir();
    const config = serveConfig(sb, dir, { importEverySeconds: 0.6, writebackEverySeconds: 0.3 });
    const svc = serve(config, sb);
    await svc.until('an import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import'),
    );
    const orderNumber = [...sb.starshipitOrders().keys()][0];
    sb.printLabel({ orderNumber, carrier: 'AusPost' });
    await svc.until('the writeback', (ls) =>
      ls.find((l) => l.type === 'writeback' && l.orderNumber === orderNumber),
    );
    await svc.until('three imports and three writebacks', () =>
      svc.summaries('import').length >= 3 && svc.summaries('writeback').length >= 3
        ? true
        : undefined,
    );
    const shipped = [...sb.dearShipments().values()].filter((s) => s.orderNumber === orderNumber);
    assert.ok(shipped.some((s) => s.status === 'AUTHORISED'));
  });

  it('/healthz goes 200 → 503 (with the reason) → 200 as the sandbox fails and recovers', async () => {
    const dir = tempDir();
    const config = serveConfig(sb, dir, {
      importEverySeconds: 0.2,
      writebackEverySeconds: 0.2,
      failuresInARow: 2,
    });
    const svc = serve(config, sb);
    await svc.healthBecomes(200);
    await svc.until('an import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import'),
    );
    sb.setFaults('*:*:503');
    const down = await svc.healthBecomes(503, /failed \d+ times in a row \(last: .*HTTP 503/);
    assert.equal(down.status, 'unhealthy');
    sb.setFaults('');
    const up = await svc.healthBecomes(200);
    assert.deepEqual(up.reasons, []);
    assert.ok(
      svc.lines.some((l) => l.type === 'service' && l.event === 'run-failed'),
      'each failed run is logged',
    );
  });

  it('refuses to start while another engine holds the state directory', async () => {
    const dir = tempDir();
    const config = serveConfig(sb, dir, { importEverySeconds: 3600, writebackEverySeconds: 3600 });
    const first = serve(config, sb);
    await first.address();
    const second = await runCli(['serve', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      /cannot start: state directory .* is in use by another dear-starshipit run \(pid \d+/,
    );
    assert.match(second.stderr, new RegExp(`pid ${first.pid}`));
  });

  it('a credential reference without a value, or a listen address in use, stops the start (exit 2)', async () => {
    const config = serveConfig(sb, tempDir(), {
      trackingWebhooks: true,
      webhookSecret: '${secret:NOT_SET_ANYWHERE}',
    });
    const missing = await runCli(['serve', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /service\.webhookSecret: \$\{secret:NOT_SET_ANYWHERE\} has no value; set DEAR_STARSHIPIT_SECRET_NOT_SET_ANYWHERE/,
    );
    const first = serve(
      serveConfig(sb, tempDir(), { importEverySeconds: 3600, writebackEverySeconds: 3600 }),
      sb,
    );
    const taken = (await first.address()).replace('http://', '');
    const busy = await runCli(
      ['serve', '--config', serveConfig(sb, tempDir(), { listen: taken })],
      { env: sandboxCliEnv(sb) },
    );
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /service\.listen .*: the address is already in use/);
  });

  it('a configuration error found by the first run stops the service (exit 2) and frees the lock', async () => {
    const config = serveConfig(sb, tempDir(), {
      importEverySeconds: 3600,
      writebackEverySeconds: 3600,
    });
    const env = sandboxCliEnv(sb);
    delete env.DEAR_STARSHIPIT_SECRET_DEAR_API_KEY;
    const stopped = await runCli(['serve', '--config', config], { env });
    assert.equal(stopped.code, 2, stopped.stderr);
    assert.match(stopped.stderr, /dear\.apiKey: \$\{secret:DEAR_API_KEY\} has no value/);
    const again = serve(config, sb);
    await again.until('a run', (ls) => ls.find((l) => l.type === 'summary'));
  });

  it('re-reads the settings before each run and keeps the last good ones when the file breaks', async () => {
    const dir = tempDir();
    const config = serveConfig(sb, dir, { importEverySeconds: 0.3, writebackEverySeconds: 0.3 });
    const svc = serve(config, sb);
    await svc.until('a run', (ls) => ls.find((l) => l.type === 'summary'));
    const good = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, good.replace('import:', 'import: [unclosed'));
    await svc.until('settings kept', (ls) =>
      ls.find((l) => l.type === 'service' && l.event === 'settings-kept'),
    );
    const kept = svc.lines.length;
    await svc.until('a run with the kept settings', (ls) =>
      ls.slice(kept).find((l) => l.type === 'summary'),
    );
    fs.writeFileSync(config, good);
  });

  it('SIGTERM mid-import stops after the current call; a restart loses and duplicates nothing', async () => {
    await sb.close();
    sb = await startTestSandbox({ sales: 60, timeScale: TIME_SCALE, seed: 7 });
    const dir = tempDir();
    const config = serveConfig(sb, dir, { importEverySeconds: 3600, writebackEverySeconds: 3600 });
    const first = serve(config, sb);
    await first.until('the first order', (ls) => ls.find((l) => l.type === 'order'));
    first.stop('SIGTERM');
    const exit = await first.exited;
    assert.equal(exit.code, 0, first.stderr);
    const stoppedAfter = sb.starshipitOrders().size;
    assert.ok(stoppedAfter > 0);

    const second = serve(config, sb);
    await second.until('a full import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import' && !l.cancelled),
    );
    await second.stopAndWait();
    for (const [orderNumber, list] of sb.starshipitOrders())
      assert.equal(list.length, 1, `${orderNumber} exists once`);
    const check = await runCli(['import', '--config', config, '--dry-run', '--json'], {
      env: sandboxCliEnv(sb),
    });
    const summary = JSON.parse(check.stdout.trim().split('\n').pop()!) as { created: number };
    assert.equal(summary.created, 0, 'nothing was left to import');
    assert.ok(fs.existsSync(path.join(dir, '.dear-starshipit', 'journal.jsonl')));
  });
});
