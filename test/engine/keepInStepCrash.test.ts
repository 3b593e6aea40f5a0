/**
 * Keeping orders in step, exactly once: SIGKILL a `dear-starshipit import --json` child between
 * the journal and the Starshipit update/delete call (and right after it), run it again, and check
 * from the sandbox's own state and call log that every change was applied once — an added line is
 * not added twice, a withdrawal is not repeated, no order is duplicated. Also the `--json` stream.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { EngineEvent, SummaryEvent, UpdateEvent, WithdrawEvent } from '../../protocol/events';
import { KEEP_IN_STEP_CRASH_POINTS } from '../../server/src/engine/crash';
import { tempDir, TIME_SCALE } from './helpers';
import { runCli } from '../support/cli';

type Obj = Record<string, unknown>;
type Line = { SKU: string; ProductID: string; [k: string]: unknown };
const STATUSES = ['ORDERED', 'PICKED', 'PACKED'];
const EXTRA = '  propagateChanges: true\n  onCancelled: withdraw\n';

function only(sb: Sandbox, orderNumber: string): Obj {
  const list = sb.starshipitOrders().get(orderNumber);
  assert.ok(
    list && list.length === 1,
    `${orderNumber}: expected one Starshipit order, found ${list?.length ?? 0}`,
  );
  return list[0] as Obj;
}

function events(stdout: string): EngineEvent[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEvent);
}

interface Plan {
  street: string[];
  added: string;
  voided: string;
}

/** Imports, then changes two addresses, adds a line to a third sale and voids a fourth. */
async function importAndChange(sb: Sandbox, config: string): Promise<Plan> {
  const first = await runCli(['import', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
  assert.ok(first.code === 0 || first.code === 1, first.stderr);
  const imported = sb.starshipitOrders();
  const c = sb
    .eligibleSales(STATUSES)
    .filter((e) => e.valid && e.type === 'Simple Sale' && imported.has(e.orderNumber));
  assert.ok(c.length >= 4, `enough imported sales (${c.length})`);
  const [s1, s2, s3, s4] = c;
  for (const s of [s1, s2])
    sb.updateSale(s.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = `1 Crash Street ${s.orderNumber}`;
    });
  sb.updateSale(s3.saleId, (x) => {
    const lines = (x.Order as Obj).Lines as Line[];
    lines.push({
      ...lines[0],
      SKU: 'CRASH-ADDED',
      Name: 'Added after import',
      Quantity: 2,
      ProductID: '00000000-0000-4000-8000-0000000c4a5e',
    });
  });
  sb.updateSale(s4.saleId, (x) => {
    x.Status = 'VOIDED';
  });
  sb.clearCallLog();
  return {
    street: [s1.orderNumber, s2.orderNumber],
    added: s3.orderNumber,
    voided: s4.orderNumber,
  };
}

function assertEndState(sb: Sandbox, plan: Plan): void {
  for (const n of plan.street)
    assert.equal((only(sb, n).destination as Obj).street, `1 Crash Street ${n}`);
  const added = (only(sb, plan.added).items as Obj[]).filter((i) => i.sku === 'CRASH-ADDED');
  assert.equal(added.length, 1, 'the added line is in Starshipit exactly once');
  assert.equal(added[0].quantity, 2);
  assert.ok(!sb.starshipitOrders().has(plan.voided), "the voided sale's order was withdrawn");
  for (const [n, list] of sb.starshipitOrders())
    assert.equal(list.length, 1, `${n} exists ${list.length} times`);
}

describe('engine: keeping orders in step survives SIGKILL (CLI child)', function () {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('--json carries update and withdraw events with exact payloads, and the summary counts them', async () => {
    const box = (sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 19 }));
    const dir = tempDir();
    const config = writeSandboxSettings(box, dir, EXTRA);
    const plan = await importAndChange(box, config);
    const r = await runCli(['import', '--config', config, '--json'], { env: sandboxCliEnv(box) });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const ev = events(r.stdout);
    const ups = ev.filter((e): e is UpdateEvent => e.type === 'update');
    assert.deepEqual(ups.map((u) => u.orderNumber).sort(), [...plan.street, plan.added].sort());
    for (const u of ups) {
      assert.equal(u.dryRun, false);
      assert.ok(
        u.changes.length >= 1 &&
          u.changes.every((c) => typeof c.field === 'string' && 'before' in c),
      );
      assert.equal(typeof u.starshipit.order_id, 'number');
    }
    const street = ups.find((u) => u.orderNumber === plan.street[0])!;
    // The whole destination goes with a street change (no partial merge is documented).
    const { tax_numbers: _taxNumbers, ...stored } = only(box, plan.street[0]).destination as Obj;
    assert.equal(stored.street, `1 Crash Street ${plan.street[0]}`);
    assert.ok(stored.name && stored.country);
    assert.deepEqual(street.starshipit, {
      order_id: only(box, plan.street[0]).order_id as number,
      destination: stored,
    });
    const wd = ev.filter((e): e is WithdrawEvent => e.type === 'withdraw');
    assert.deepEqual(
      wd.map((w) => w.orderNumber),
      [plan.voided],
    );
    const summary = ev.at(-1) as SummaryEvent;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.updated, 3);
    assert.equal(summary.withdrawn, 1);
    assertEndState(box, plan);
  });

  it('an update whose answer was lost, then undone in Cin7 Core, is undone in Starshipit too', async () => {
    const box = (sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 19 }));
    const dir = tempDir();
    const config = writeSandboxSettings(box, dir, EXTRA);
    const first = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box),
    });
    assert.ok(first.code === 0 || first.code === 1, first.stderr);
    const imported = box.starshipitOrders();
    const s1 = box
      .eligibleSales(STATUSES)
      .find((e) => e.valid && e.type === 'Simple Sale' && imported.has(e.orderNumber))!;
    const original = (only(box, s1.orderNumber).destination as Obj).street;
    box.updateSale(s1.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '1 Lost Answer Road';
    });
    const crashed = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: 'after-starshipit-update:1' }),
    });
    assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
    assert.equal(
      (only(box, s1.orderNumber).destination as Obj).street,
      '1 Lost Answer Road',
      'the PUT was applied before the kill',
    );
    box.updateSale(s1.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = original;
    });
    const again = await runCli(['import', '--config', config, '--json'], {
      env: sandboxCliEnv(box),
    });
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal((only(box, s1.orderNumber).destination as Obj).street, original);
    const up = events(again.stdout).find((e): e is UpdateEvent => e.type === 'update');
    assert.deepEqual(up?.changes, [
      { field: 'destination.street', before: '1 Lost Answer Road', after: original },
    ]);
  });

  for (const point of KEEP_IN_STEP_CRASH_POINTS) {
    for (const nth of [1, 3]) {
      it(`killed at ${point}:${nth}, the next run reaches the same end state with each change sent once`, async () => {
        const box = (sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 19 }));
        const dir = tempDir();
        const config = writeSandboxSettings(box, dir, EXTRA);
        const plan = await importAndChange(box, config);
        const crashed = await runCli(['import', '--config', config, '--json'], {
          env: sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: `${point}:${nth}` }),
        });
        assert.equal(
          crashed.signal,
          'SIGKILL',
          `the run reached ${point}:${nth} (${crashed.stderr})`,
        );
        const again = await runCli(['import', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(again.code, 0, again.stderr + again.stdout);
        assertEndState(box, plan);
        // A throttled call applies nothing and is retried: only calls let through count as sent.
        const writes = box
          .callLog()
          .filter((e) => e.api === 'starshipit' && e.method !== 'GET' && e.fault !== 'rate-limit');
        assert.equal(
          writes.filter((e) => e.method === 'PUT').length,
          3,
          'one PUT per changed order across both runs',
        );
        assert.equal(
          writes.filter((e) => e.method === 'DELETE').length,
          1,
          'one DELETE across both runs',
        );
        assert.equal(writes.filter((e) => e.method === 'POST').length, 0, 'no order created');
        box.clearCallLog();
        const third = await runCli(['import', '--config', config, '--json'], {
          env: sandboxCliEnv(box),
        });
        assert.equal(third.code, 0, third.stderr);
        assert.equal(
          box.callLog().filter((e) => e.api === 'starshipit' && e.method !== 'GET').length,
          0,
          'nothing left to send',
        );
        const summary = events(third.stdout).at(-1) as SummaryEvent;
        assert.equal(summary.updated + summary.withdrawn + summary.created, 0);
      });
    }
  }
});
