/**
 * Throttles and wire faults against the sandbox: every run must end with the same exactly-once
 * result (one Starshipit order per eligible sale, one ship write per label).
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox, SandboxSwitches } from '../../sandbox/src/api';
import type { SummaryEvent } from '../../protocol/events';
import type { DearSettings } from '../../protocol/settings';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

const STATUSES: ('ORDERED' | 'PICKED' | 'PACKED')[] = ['ORDERED', 'PICKED', 'PACKED'];

function expectedOrders(sb: Sandbox): string[] {
  return sb
    .eligibleSales(STATUSES)
    .filter(
      (e) =>
        (sb.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
        'SHIPPED',
    )
    .map((e) => e.orderNumber)
    .sort();
}

function assertExactlyOnce(sb: Sandbox): void {
  const orders = sb.starshipitOrders();
  for (const [number, list] of orders)
    assert.equal(list.length, 1, `order ${number} exists ${list.length} times`);
  assert.deepEqual([...orders.keys()].sort(), expectedOrders(sb));
}

/** Runs until nothing retryable is left (faults may exhaust retries on one run). */
async function runUntilSettled(
  sb: Sandbox,
  s: DearSettings,
  dir: string,
  mode: 'import' | 'sync' | 'writeback',
): Promise<SummaryEvent[]> {
  const all: SummaryEvent[] = [];
  for (let i = 0; i < 4; i++) {
    const { summary, events } = await run(sb, s, dir, mode);
    all.push(summary);
    if (!events.some((e) => e.type === 'attention' && e.retryable)) break;
  }
  return all;
}

describe('engine: throttles and faults (sandbox)', () => {
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  for (const status of [429, 503, 400] as const) {
    it(`Cin7 throttle as HTTP ${status} (half the quota spent by another app): pauses everyone, ends exactly once`, async () => {
      sb = await startTestSandbox({
        sales: 90,
        timeScale: TIME_SCALE,
        seed: 21,
        switches: { dearThrottleStatus: status, dearForeignTraffic: 0.6 },
      });
      const dir = tempDir();
      const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
      const summaries = await runUntilSettled(sb, s, dir, 'import');
      assert.ok(
        summaries[0].throttled.dear > 0,
        'the sandbox throttled us (another app shares the key)',
      );
      assertExactlyOnce(sb);
      const throttled = sb.callLog().filter((e) => e.api === 'dear' && e.status === status);
      assert.equal(
        throttled.length,
        summaries.reduce((n, x) => n + x.throttled.dear, 0),
        'every throttle answer was recognised as one',
      );
    });
  }

  it('our own traffic alone never causes a Cin7 throttle, and a Starshipit 429 is honoured', async () => {
    sb = await startTestSandbox({
      sales: 150,
      timeScale: TIME_SCALE,
      seed: 22,
      faults: 'starshipit:orders:throttle^POST*2',
    });
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: STATUSES }, engine: { concurrency: 6 } });
    const { summary } = await run(sb, s, dir, 'import');
    assert.ok(summary.calls.dear > 60, 'more calls than one window holds');
    assert.equal(summary.throttled.dear, 0);
    assert.equal(sb.callLog().filter((e) => e.api === 'dear' && e.status === 429).length, 0);
    assert.ok(summary.throttled.starshipit >= 2, 'both injected 429s were seen and retried');
    assert.equal(
      summary.throttled.starshipit,
      sb.callLog().filter((e) => e.api === 'starshipit' && e.status === 429).length,
    );
    assertExactlyOnce(sb);
  });

  const createFaults: [string, Partial<SandboxSwitches>][] = [
    ['starshipit:orders:commit-reset^POST@0.3', {}],
    ['starshipit:orders:truncate^POST@0.3', { starshipitNotFoundStatus: 200 }],
    ['starshipit:orders:html^POST@0.3, starshipit:orders:502^POST@0.2', {}],
    [
      'starshipit:orders:commit-reset^POST@0.3',
      { starshipitDuplicates: 'reject', starshipitNotFoundStatus: 200 },
    ],
    [
      'dear:sale:500@0.2, dear:saleList:html*1, dear:sale:truncate@0.1, dear:*:reset@0.05',
      { dearErrorShape: 'object' },
    ],
  ];
  for (const [faults, switches] of createFaults) {
    it(`import exactly once under faults: ${faults} ${JSON.stringify(switches)}`, async () => {
      sb = await startTestSandbox({ sales: 60, timeScale: TIME_SCALE, seed: 23, faults, switches });
      const dir = tempDir();
      const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
      const summaries = await runUntilSettled(sb, s, dir, 'import');
      assert.ok(
        sb.callLog().some((e) => e.fault),
        'faults were injected',
      );
      assertExactlyOnce(sb);
      const created = summaries.reduce((n, x) => n + x.created + x.alreadyPresent, 0);
      assert.equal(created, expectedOrders(sb).length);
    });
  }

  it('a create slower than the timeout is looked up, not re-sent', async () => {
    sb = await startTestSandbox({
      sales: 30,
      timeScale: TIME_SCALE,
      seed: 24,
      faults: 'starshipit:orders:slow=2500^POST*1',
    });
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    s.starshipit.timeoutSeconds = 1;
    const { summary } = await run(sb, s, dir, 'import');
    assert.equal(summary.alreadyPresent, 1, 'the timed-out create was found by order number');
    assertExactlyOnce(sb);
  });

  it('Starshipit validation failures (HTTP 200, success:false) park the order with its message; the run goes on', async () => {
    sb = await startTestSandbox({
      sales: 30,
      timeScale: TIME_SCALE,
      seed: 25,
      switches: { starshipitValidationStatus: 200 },
    });
    const [target, other] = expectedOrders(sb);
    const sale = (n: string) => sb.eligibleSales(STATUSES).find((e) => e.orderNumber === n)!;
    sb.updateSale(sale(target).saleId, (x) => {
      // A negative price passes through the mapping untouched; Starshipit refuses it.
      ((x.Order as Record<string, unknown>).Lines as Record<string, unknown>[])[0].Price = -5;
    });
    sb.updateSale(sale(other).saleId, (x) => {
      (x.ShippingAddress as Record<string, unknown>).Line1 = 'S'.repeat(150); // we cut to 100 and say so
    });
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    const { events, summary } = await run(sb, s, dir, 'import');
    const att = events.find((e) => e.type === 'attention' && e.orderNumber === target);
    assert.ok(att && att.type === 'attention');
    assert.equal(att.code, 'starshipit-rejected');
    assert.equal(att.retryable, false);
    assert.match(
      att.reason,
      new RegExp(`${target}.*items\\[0\\]\\.value must be a non-negative number`),
    );
    const ev = events.find((e) => e.type === 'order' && e.orderNumber === other);
    assert.ok(
      ev && ev.type === 'order' && (ev.warnings ?? []).some((w) => /street cut to 100/.test(w)),
    );
    assert.equal(sb.starshipitOrders().has(target), false);
    assert.equal(summary.created, expectedOrders(sb).length - 1);
    // Not retried blindly: the next run leaves it parked without sending it again.
    sb.clearCallLog();
    await run(sb, s, dir, 'import');
    assert.equal(sb.callLog().filter((e) => e.method === 'POST').length, 0);
  });

  it('ship writes exactly once under faults (commit-reset, truncated answer, 500)', async () => {
    sb = await startTestSandbox({ sales: 120, timeScale: TIME_SCALE, seed: 5 });
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    await run(sb, s, dir, 'import');
    const labelled: string[] = [];
    for (const e of sb.eligibleSales(STATUSES)) {
      const f = (
        sb.sale(e.saleId) as {
          Fulfilments: { Pack: { Status: string }; Ship: { Status: string } }[];
        }
      ).Fulfilments;
      if (
        e.type !== 'Simple Sale' ||
        f[0].Pack.Status !== 'AUTHORISED' ||
        f[0].Ship.Status === 'AUTHORISED'
      )
        continue;
      sb.printLabel({ orderNumber: e.orderNumber, carrier: 'AusPost' });
      labelled.push(e.orderNumber);
    }
    assert.ok(labelled.length >= 4);
    sb.setFaults(
      'dear:sale/fulfilment/ship:commit-reset^POST*1, dear:sale/fulfilment/ship:truncate^POST*1>1, dear:sale/fulfilment/ship:500^POST*1>2, starshipit:orders/shipped:500*1',
    );
    const summaries = await runUntilSettled(sb, s, dir, 'writeback');
    const written = summaries.reduce((n, x) => n + x.writtenBack, 0);
    assert.equal(written, labelled.length);
    const ships = sb.dearShipments({ changedOnly: true });
    const byOrder = new Map([...ships.values()].map((v) => [v.orderNumber, v]));
    for (const n of labelled) {
      assert.equal(byOrder.get(n)!.status, 'AUTHORISED');
      assert.equal(byOrder.get(n)!.writes, 1, `${n} written once`);
    }
  });
});
