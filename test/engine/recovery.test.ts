/**
 * Recovery without a human, over real HTTP against the sandbox: transient failures are retried
 * by every later run (with backoff across runs), data rejections wait for a change, and each
 * run's summary counts what is still parked.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { EngineEvent, SummaryEvent } from '../../protocol/events';
import { readStatus } from '../../server/src/engine/index';
import { Journal } from '../../server/src/engine/journal';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';
import { runCli } from '../support/cli';

const STATUSES: ('ORDERED' | 'PICKED' | 'PACKED')[] = ['ORDERED', 'PICKED', 'PACKED'];

function expectedOrders(sb: Sandbox): string[] {
  return sb
    .eligibleSales(STATUSES)
    .filter(
      (e) =>
        e.valid &&
        (sb.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
          'SHIPPED',
    )
    .map((e) => e.orderNumber)
    .sort();
}

function assertExactlyOnce(sb: Sandbox, expected: string[]): void {
  const orders = sb.starshipitOrders();
  for (const [number, list] of orders)
    assert.equal(list.length, 1, `order ${number} exists ${list.length} times`);
  assert.deepEqual([...orders.keys()].sort(), expected);
}

/** Simple sales whose single fulfilment is packed (authorised) but not shipped: ready to ship. */
function packedSales(sb: Sandbox): string[] {
  type Fulfilment = { Pack: { Status: string }; Ship: { Status: string } };
  return sb
    .eligibleSales(STATUSES)
    .filter((e) => e.valid && e.type === 'Simple Sale')
    .filter((e) => {
      const f = (sb.sale(e.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0];
      return f && f.Pack.Status === 'AUTHORISED' && f.Ship.Status !== 'AUTHORISED';
    })
    .map((e) => e.orderNumber);
}

/** Waits until every transient item in the journal is due again (its backoff has passed). */
async function untilDue(dir: string): Promise<void> {
  const next = [...Journal.read(dir).attention.values()]
    .map((a) => (a.nextAt ? Date.parse(a.nextAt) : 0))
    .reduce((a, b) => Math.max(a, b), 0);
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
}

/** Each watch run ends with a summary, or with one error line when an API is unavailable. */
const runEnds = (out: string): string[] =>
  out.split('\n').filter((l) => /^\{"type":"(summary|error)"/.test(l));

/**
 * How many watch runs have ended so far, fed from the child's output, so a test can hold an
 * outage until a run has actually met it (however slowly the child starts on a loaded machine).
 */
class RunEndCounter {
  count = 0;
  private waiters: { target: number; resolve: () => void }[] = [];

  update(out: string): void {
    this.count = runEnds(out).length;
    for (const w of this.waiters.filter((waiter) => waiter.target <= this.count)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  /** Resolves once `target` runs have ended. */
  reach(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }
}

/** An outage lasts its scaled duration and at least until one more watch run has ended in it. */
async function holdOutage(ms: number, runs: RunEndCounter): Promise<void> {
  await Promise.all([new Promise((r) => setTimeout(r, ms)), runs.reach(runs.count + 1)]);
}

const parkedTotal = (s: SummaryEvent): number =>
  (s.parked?.willRetry ?? 0) + (s.parked?.needsChange ?? 0);

describe('engine: recovery without retry (sandbox)', function () {
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('orders parked by a Starshipit outage are created by later plain imports, with backoff between runs', async () => {
    sb = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 41 });
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    // The same Cin7 rate over a 10× longer window: the engine's backoff (scaled like the window)
    // is then 3 s, far longer than one of these runs.
    s.dear.rateLimit = { calls: 600, perSeconds: (60 / TIME_SCALE) * 10 };
    const dir = tempDir();
    const expected = expectedOrders(sb);
    // Starshipit answers the listing, then every create fails with 500 (nothing applied).
    sb.setFaults('starshipit:orders:500^POST');
    const first = await run(sb, s, dir, 'import');
    assert.equal(first.summary.created, 0);
    assert.equal(first.summary.parked?.willRetry, expected.length);

    // The second run retries at once; after two failures in a row the item waits for its backoff.
    const second = await run(sb, s, dir, 'import');
    assert.equal(second.summary.parked?.willRetry, expected.length);
    sb.clearCallLog();
    const third = await run(sb, s, dir, 'import');
    assert.equal(
      sb.callLog().filter((e) => e.api === 'starshipit' && e.method === 'POST').length,
      0,
      'nothing is retried before its backoff has passed',
    );
    assert.equal(third.summary.needsAttention, 0);
    assert.equal(third.summary.parked?.willRetry, expected.length, 'still counted as parked');

    sb.setFaults('');
    await untilDue(dir);
    const fixed = await run(sb, s, dir, 'import');
    assert.equal(fixed.summary.created, expected.length);
    assertExactlyOnce(sb, expected);
    assert.equal(parkedTotal(fixed.summary), (await readStatus(dir)).needsAttention.length);
    assert.equal(fixed.summary.parked?.willRetry, 0);
  });

  it('refused credentials on Cin7 Core writes are transient: the writeback goes through once the key works', async () => {
    sb = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 43 });
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const target = packedSales(sb)[0];
    sb.printLabel({ orderNumber: target, carrier: 'AusPost' });
    // Cin7 Core refuses every write with 403 (e.g. a key without write permission, later fixed).
    sb.setFaults('dear:sale/*:403^POST,dear:sale/*:403^PUT');
    const refused = await run(sb, s, dir, 'sync');
    const parked = refused.events.filter(
      (e): e is Extract<EngineEvent, { type: 'attention' }> => e.type === 'attention',
    );
    assert.ok(parked.length > 0);
    assert.ok(parked.every((a) => a.retryable && a.code === 'dear-unavailable'));
    sb.setFaults('');
    const fixed = await run(sb, s, dir, 'sync');
    assert.equal(fixed.summary.writtenBack, 1);
    assert.equal(fixed.summary.parked?.willRetry, 0);
    const st = await readStatus(dir);
    assert.equal(st.pendingWritebacks, 0);
  });

  it('a writeback Cin7 Core rejects waits for a change; a fixed courier mapping writes it back on the next sync', async () => {
    sb = await startTestSandbox({
      sales: 30,
      timeScale: TIME_SCALE,
      seed: 47,
      switches: { dearUnknownCarrier: 'reject' },
    });
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { defaultCarrier: 'Rocket Post', courierMappings: [] },
    });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const target = packedSales(sb)[0];
    sb.printLabel({ orderNumber: target, carrier: 'AusPost' });
    const rejected = await run(sb, s, dir, 'sync');
    assert.ok(
      rejected.events.some(
        (e) => e.type === 'attention' && e.code === 'dear-rejected' && !e.retryable,
      ),
    );
    sb.clearCallLog();
    const unchanged = await run(sb, s, dir, 'sync');
    assert.equal(unchanged.summary.writtenBack, 0);
    assert.equal(unchanged.summary.needsAttention, 0);
    assert.equal(unchanged.summary.parked?.needsChange, 1, 'the summary still counts it');
    assert.equal(
      sb.callLog().filter((e) => e.api === 'dear' && e.method !== 'GET').length,
      0,
      'unchanged data is not sent again',
    );

    s.writeback.courierMappings = [{ courier: 'AusPost', carrier: 'Australia Post' }];
    const fixed = await run(sb, s, dir, 'sync');
    assert.equal(fixed.summary.writtenBack, 1);
    assert.equal(parkedTotal(fixed.summary), (await readStatus(dir)).needsAttention.length);
    assert.equal(fixed.summary.parked?.needsChange, 0);
    const again = await run(sb, s, dir, 'sync');
    assert.equal(again.summary.writtenBack, 0, 'written back exactly once');
  });

  it('sync --watch through a 10-minute (scaled) Starshipit outage ends with everything imported and written back exactly once', async function () {
    this.timeout(120_000);
    sb = await startTestSandbox({ sales: 24, timeScale: TIME_SCALE, seed: 53 });
    const expected = expectedOrders(sb);
    const toShip = packedSales(sb).slice(0, 5);
    assert.ok(toShip.length > 0, 'the sandbox has packed sales to label');
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    const outageMs = (10 * 60_000) / TIME_SCALE;
    sb.setFaults('starshipit:*:503');
    let outageOver = false;
    let labelled = false;
    let stopped = false;
    const runs = new RunEndCounter();
    const watch = runCli(['sync', '--watch', '--interval', '0.2', '--config', config, '--json'], {
      env: sandboxCliEnv(sb),
      onStdout: (out, child) => {
        runs.update(out);
        const summaries = out
          .split('\n')
          .filter((l) => l.startsWith('{"type":"summary"'))
          .map((l) => JSON.parse(l) as SummaryEvent);
        if (!outageOver || summaries.length === 0) return;
        const orders = sb.starshipitOrders();
        if (!labelled && orders.size === expected.length) {
          labelled = true;
          for (const n of toShip) sb.printLabel({ orderNumber: n, carrier: 'AusPost' });
          return;
        }
        const written = [...sb.dearShipments().values()].filter((x) => x.writes > 0).length;
        const last = summaries[summaries.length - 1];
        if (!stopped && labelled && written === toShip.length && last.parked?.willRetry === 0) {
          stopped = true;
          child.kill('SIGINT');
        }
      },
    });
    await holdOutage(outageMs, runs);
    sb.setFaults('');
    outageOver = true;
    const w = await watch;
    assert.equal(w.code, 0, w.stderr.slice(-2000));
    assertExactlyOnce(sb, expected);
    const shipments = [...sb.dearShipments().values()].filter((x) => x.writes > 0);
    assert.equal(shipments.length, toShip.length);
    assert.ok(
      shipments.every((x) => x.writes === 1),
      'every label written once',
    );
    const st = await readStatus(path.join(dir, '.dear-starshipit'));
    assert.equal(st.pendingWritebacks, 0);
    assert.ok(fs.existsSync(path.join(dir, '.dear-starshipit', 'journal.jsonl')));
  });
});

describe('engine: sync --watch through a Cin7 Core outage (sandbox)', function () {
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('sync --watch through a 10-minute (scaled) Cin7 Core outage (503s, then closed connections) ends with everything imported and written back exactly once', async function () {
    this.timeout(120_000);
    sb = await startTestSandbox({ sales: 24, timeScale: TIME_SCALE, seed: 53 });
    const dir = tempDir();
    const config = writeSandboxSettings(sb, dir);
    const first = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(sb),
    });
    // Exit 1: one generated sale has no street and waits for a change (not for the outage).
    assert.equal(first.code, 1, first.stderr.slice(-2000));
    const invalid = (await readStatus(path.join(dir, '.dear-starshipit'))).needsAttention;
    // Work that arrives while Cin7 Core is down: labels on imported orders (written back to Cin7)
    // and sales that move into a selected status (listed from Cin7).
    const toShip = packedSales(sb).slice(0, 5);
    assert.ok(toShip.length > 0, 'the sandbox has packed sales to label');
    for (const n of toShip) sb.printLabel({ orderNumber: n, carrier: 'AusPost' });
    const promoted = sb
      .eligibleSales(['BACKORDERED', 'PICKING'])
      .filter((e) => e.valid && e.type === 'Simple Sale');
    assert.ok(promoted.length > 0, 'the sandbox has sales to move into a selected status');
    for (const e of promoted)
      sb.updateSale(e.saleId, (sale) => {
        sale.Status = e.status === 'BACKORDERED' ? 'ORDERED' : 'PICKED';
      });
    const expected = expectedOrders(sb);
    for (const e of promoted) assert.ok(expected.includes(e.orderNumber));

    const outageMs = (10 * 60_000) / TIME_SCALE;
    sb.setFaults('dear:*:503');
    let outageOver = false;
    let stopped = false;
    let runsInOutage = 0;
    const runs = new RunEndCounter();
    const watch = runCli(['sync', '--watch', '--interval', '0.2', '--config', config, '--json'], {
      env: sandboxCliEnv(sb),
      onStdout: (out, child) => {
        runs.update(out);
        const ends = runEnds(out);
        if (!outageOver) {
          runsInOutage = ends.length;
          return;
        }
        const last = ends[ends.length - 1];
        if (ends.length <= runsInOutage || !last.startsWith('{"type":"summary"')) return;
        const written = [...sb.dearShipments().values()].filter((x) => x.writes > 0).length;
        if (
          !stopped &&
          sb.starshipitOrders().size === expected.length &&
          written === toShip.length &&
          (JSON.parse(last) as SummaryEvent).parked?.willRetry === 0
        ) {
          stopped = true;
          child.kill('SIGINT');
        }
      },
    });
    await holdOutage(outageMs / 2, runs);
    sb.setFaults('dear:*:reset');
    await holdOutage(outageMs / 2, runs);
    const writesInOutage = [...sb.dearShipments().values()].filter((x) => x.writes > 0).length;
    const ordersInOutage = sb.starshipitOrders().size;
    sb.setFaults('');
    outageOver = true;
    const w = await watch;
    assert.equal(w.code, 0, w.stderr.slice(-2000));
    assert.ok(runsInOutage >= 1, `a watch run ended inside the outage (${runsInOutage})`);
    assert.equal(writesInOutage, 0, 'nothing reached Cin7 Core during the outage');
    assert.equal(ordersInOutage, expected.length - promoted.length, 'no sale was listed');
    assertExactlyOnce(sb, expected);
    const shipments = [...sb.dearShipments().values()].filter((x) => x.writes > 0);
    assert.equal(shipments.length, toShip.length);
    assert.ok(
      shipments.every((x) => x.writes === 1),
      'every label written once',
    );
    const st = await readStatus(path.join(dir, '.dear-starshipit'));
    assert.equal(st.pendingWritebacks, 0);
    assert.deepEqual(st.needsAttention, invalid, 'only the sale without a street is parked');
  });
});
