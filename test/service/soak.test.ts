/**
 * Soak: `serve` at a high sandbox time scale for many runs with faults on the wire, labels printed
 * as it goes. Memory (RSS) and open handles, read from its own /metrics, stay flat; every label
 * printed is written back exactly once. `npm test` runs a short round; `npm run test:soak` runs
 * thousands of runs (DEAR_SOAK=1) and prints the figures README quotes.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { tempDir } from '../engine/helpers';
import { figure, size } from '../reliability/helpers';
import {
  metricValue,
  parsePrometheus,
  serveConfig,
  startServe,
  type ServeProcess,
} from './serveHarness';

const TIME_SCALE = 1000;

interface Reading {
  runs: number;
  rssMb: number;
  handles: number;
}

describe('reliability soak: serve for many runs at a high time scale, with faults', function () {
  this.timeout(size(120_000, 1_800_000));
  let sb: Sandbox;
  let svc: ServeProcess | undefined;
  afterEach(async () => {
    await svc?.stopAndWait();
    await sb?.close();
  });

  async function reading(): Promise<Reading> {
    const samples = parsePrometheus((await svc!.get('/metrics')).text);
    return {
      runs: metricValue(samples, 'dear_starshipit_runs_total'),
      rssMb: metricValue(samples, 'dear_starshipit_process_resident_memory_bytes') / 2 ** 20,
      handles: metricValue(samples, 'dear_starshipit_nodejs_active_handles_total'),
    };
  }

  it('RSS and open handles stay flat; every printed label is written back once', async () => {
    const totalRuns = size(300, 4000);
    sb = await startTestSandbox({ sales: 80, timeScale: TIME_SCALE, seed: 11 });
    // Scattered faults the retries absorb, and a flaky connection check that fails whole runs.
    sb.setFaults(
      'dear:*:500@0.03, starshipit:*:503@0.03, starshipit:*:reset@0.01, starshipit:orders/unshipped:500@0.6',
    );
    const config = serveConfig(
      sb,
      tempDir(),
      { importEverySeconds: 0.01, writebackEverySeconds: 0.01, failuresInARow: 50 },
      '',
      TIME_SCALE,
    );
    svc = startServe(config, sb);
    const startedAt = Date.now();
    await svc.until('the first import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import' && Number(l.created) > 0),
    );
    const orders = [...sb.starshipitOrders().keys()];
    const warm = Math.round(totalRuns * 0.2);
    await svc.until(`${warm} runs`, (ls) =>
      ls.filter((l) => l.type === 'summary').length >= warm ? true : undefined,
    );
    const before = await reading();
    let printed = 0;
    let seen = svc.lines.length;
    await svc.until(`${totalRuns} runs`, (ls) => {
      // One label every few runs, while orders last.
      if (ls.length - seen > 40 && printed < orders.length) {
        sb.printLabel({ orderNumber: orders[printed++], carrier: 'AusPost' });
        seen = ls.length;
      }
      return ls.filter((l) => l.type === 'summary').length >= totalRuns ? true : undefined;
    });
    const after = await reading();
    sb.setFaults('');
    const printedOrders = orders.slice(0, printed);
    await svc.until('every label written back', () =>
      printedOrders.every((n) =>
        [...sb.dearShipments({ changedOnly: true }).values()].some(
          (s) => s.orderNumber === n && s.status === 'AUTHORISED',
        ),
      )
        ? true
        : undefined,
    );
    const failed = svc.lines.filter((l) => l.type === 'service' && l.event === 'run-failed').length;
    figure('serve-soak', {
      runs: after.runs,
      failedRuns: failed,
      labels: printed,
      seconds: Math.round((Date.now() - startedAt) / 1000),
      rssMbAfterWarmup: before.rssMb.toFixed(1),
      rssMbAtEnd: after.rssMb.toFixed(1),
      handlesAfterWarmup: before.handles,
      handlesAtEnd: after.handles,
    });
    assert.ok(printed > 0, 'labels were printed during the soak');
    assert.ok(failed > 0, 'some runs failed (the failure path is part of the soak)');
    for (const n of printedOrders) {
      const writes = [...sb.dearShipments({ changedOnly: true }).values()]
        .filter((s) => s.orderNumber === n)
        .reduce((sum, s) => sum + s.writes, 0);
      assert.ok(writes >= 1, `${n} written back`);
    }
    for (const [n, list] of sb.starshipitOrders()) assert.equal(list.length, 1, `${n} once`);
    assert.ok(
      after.handles <= before.handles + 5,
      `open handles ${before.handles} → ${after.handles}`,
    );
    assert.ok(
      after.rssMb <= before.rssMb * 1.5 + 20,
      `RSS ${before.rssMb.toFixed(1)} MB → ${after.rssMb.toFixed(1)} MB`,
    );
  });
});
