/**
 * Durable state: SIGKILL a `dear-starshipit sync --json` child at every instrumented point, run it
 * again, and check from the sandbox's own state that every order was created exactly once and
 * every label written back exactly once.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { CRASH_POINTS } from '../../server/src/engine/crash';
import { tempDir, TIME_SCALE } from './helpers';
import { runCli } from '../support/cli';

const STATUSES = ['ORDERED', 'PICKED', 'PACKED'];

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

function assertOrdersExactlyOnce(sb: Sandbox, expected: string[]): void {
  const orders = sb.starshipitOrders();
  for (const [n, list] of orders) assert.equal(list.length, 1, `${n} created ${list.length} times`);
  assert.deepEqual([...orders.keys()].sort(), expected);
}

/** Prints labels for every imported simple sale whose pack is authorised; returns their TaskIDs. */
function printLabels(sb: Sandbox): Map<string, string> {
  const out = new Map<string, string>();
  const orders = sb.starshipitOrders();
  for (const e of sb.eligibleSales(STATUSES)) {
    if (!orders.has(e.orderNumber) || e.type !== 'Simple Sale') continue;
    const f = (
      sb.sale(e.saleId) as {
        Fulfilments: { TaskID: string; Pack: { Status: string }; Ship: { Status: string } }[];
      }
    ).Fulfilments[0];
    if (f.Pack.Status !== 'AUTHORISED' || f.Ship.Status === 'AUTHORISED') continue;
    sb.printLabel({
      orderNumber: e.orderNumber,
      carrier: out.size % 2 ? 'AusPost' : 'DHL',
      trackingNumbers: out.size === 0 ? ['X1', 'X2'] : undefined,
    });
    out.set(e.orderNumber, f.TaskID);
  }
  return out;
}

describe('engine: SIGKILL at every instrumented point, then exactly once', function () {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  const importPoints = [
    'before-journal-intent',
    'after-journal-intent',
    'after-starshipit-create',
    'after-journal-created',
    'after-cursor',
  ];
  const writebackPoints = [
    'before-dear-ship',
    'after-dear-ship',
    'after-journal-writeback',
    'after-cursor',
  ];
  it('covers every crash point the engine declares', () => {
    assert.deepEqual(
      [...new Set([...importPoints, ...writebackPoints])].sort(),
      [...CRASH_POINTS].sort(),
    );
  });

  for (const point of importPoints) {
    for (const nth of [1, 3]) {
      if (point === 'after-cursor' && nth === 3) continue;
      it(`import: killed at ${point}:${nth}`, async () => {
        const box = (sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 19 }));
        const expected = expectedOrders(box); // before any shipment changes the sales
        const dir = tempDir();
        const config = writeSandboxSettings(box, dir);
        const crashed = await runCli(['sync', '--config', config, '--json'], {
          env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: `${point}:${nth}` }),
        });
        assert.equal(
          crashed.signal,
          'SIGKILL',
          `the run reached ${point}:${nth} (${crashed.stderr})`,
        );
        const again = await runCli(['sync', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(
          again.code,
          0,
          again.stderr +
            again.stdout
              .split('\n')
              .filter((l) => /attention|"log"/.test(l))
              .join('\n'),
        );
        assertOrdersExactlyOnce(box, expected);
        const third = await runCli(['sync', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(
          third.code,
          0,
          third.stderr +
            third.stdout
              .split('\n')
              .filter((l) => /attention|"log"/.test(l))
              .join('\n'),
        );
        assert.match(third.stdout.trim().split('\n').pop()!, /"created":0,"alreadyPresent":0/);
      });
    }
  }

  for (const point of writebackPoints) {
    for (const nth of [1, 2]) {
      it(`writeback: killed at ${point}:${nth}`, async () => {
        const box = (sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 19 }));
        const expected = expectedOrders(box); // before any shipment changes the sales
        const dir = tempDir();
        const config = writeSandboxSettings(box, dir);
        const imported = await runCli(['import', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(imported.code, 0, imported.stderr);
        const labels = printLabels(box);
        assert.ok(labels.size >= 2, 'at least two labels to write back');
        const crashed = await runCli(['sync', '--config', config, '--json'], {
          env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: `${point}:${nth}` }),
        });
        assert.equal(
          crashed.signal,
          'SIGKILL',
          `the run reached ${point}:${nth} (${crashed.stderr})`,
        );
        const again = await runCli(['sync', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(again.code, 0, again.stderr);
        const ships = box.dearShipments({ changedOnly: true });
        for (const [orderNumber, taskId] of labels) {
          const s = ships.get(taskId);
          assert.equal(s?.status, 'AUTHORISED', `${orderNumber} written back`);
          assert.equal(s?.writes, 1, `${orderNumber} written back exactly once`);
        }
        assertOrdersExactlyOnce(box, expected);
      });
    }
  }

  it('a label printed on an order whose create outcome was unknown is still written back', async () => {
    const box = (sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 19 }));
    const expected = expectedOrders(box);
    const dir = tempDir();
    const config = writeSandboxSettings(box, dir, 'writeback:\n  autoPickPack: true\n');
    // Killed right after Starshipit answered the first create: the journal only has the intent.
    const crashed = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: 'after-starshipit-create:1' }),
    });
    assert.equal(crashed.signal, 'SIGKILL');
    const [orderNumber] = [...box.starshipitOrders().keys()];
    const sale = box.eligibleSales(STATUSES).find((e) => e.orderNumber === orderNumber)!;
    const f = (box.sale(sale.saleId) as { Fulfilments: { TaskID: string }[] }).Fulfilments[0];
    box.printLabel({ orderNumber, carrier: 'AusPost' });
    // Writeback alone (no import to reconcile first) must not let the cursor pass this label.
    const wb = await runCli(['writeback', '--config', config, '--json'], {
      env: sandboxCliEnv(box),
    });
    const ship = box.dearShipments({ changedOnly: true }).get(f.TaskID);
    assert.equal(wb.code, 0, wb.stderr);
    assert.equal(ship?.status, 'AUTHORISED');
    assert.equal(ship?.writes, 1);
    assert.match(wb.stdout, /"alreadyPresent":1/, 'the intent was settled from the shipped list');
    const again = await runCli(['sync', '--config', config, '--json'], { env: sandboxCliEnv(box) });
    assert.ok(again.code === 0 || again.code === 1, again.stderr);
    assertOrdersExactlyOnce(box, expected);
  });

  it('an unknown-outcome create of a sale voided meanwhile is settled, never re-sent', async () => {
    const box = (sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 19 }));
    const dir = tempDir();
    const config = writeSandboxSettings(box, dir);
    const crashed = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: 'after-starshipit-create:1' }),
    });
    assert.equal(crashed.signal, 'SIGKILL');
    const [orderNumber] = [...box.starshipitOrders().keys()];
    const sale = box.eligibleSales(STATUSES).find((e) => e.orderNumber === orderNumber)!;
    box.updateSale(sale.saleId, (x) => {
      x.Status = 'VOIDED';
    });
    const again = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box),
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(box.starshipitOrders().get(orderNumber)!.length, 1);
    const status = await runCli(['status', '--config', config, '--json'], {
      env: sandboxCliEnv(box),
    });
    const st = JSON.parse(status.stdout) as { imported: number };
    assert.equal(
      st.imported,
      box.starshipitOrders().size,
      "the voided sale's order is recorded as existing",
    );
  });
});
