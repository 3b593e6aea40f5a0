/**
 * Exactly once when the first run on a fresh state directory cannot reach Starshipit, while
 * Starshipit already holds some of the orders (a second machine, a lost state directory, a switch
 * from Starshipit's own Cin7 integration). Over real HTTP against the sandbox: after the cause is
 * fixed, the next plain `import` records the orders Starshipit holds, creates the rest, and no
 * order number exists twice.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { DearSettings } from '../../protocol/settings';
import { readStatus, type RunOptions } from '../../server/src/engine/index';
import { isCheckCall, run, sandboxSecrets, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

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

function assertNoDuplicates(sb: Sandbox): void {
  for (const [number, list] of sb.starshipitOrders())
    assert.equal(list.length, 1, `order ${number} exists ${list.length} times in Starshipit`);
}

function secretsWith(sb: Sandbox, over: Record<string, string>): RunOptions['secrets'] {
  const base = sandboxSecrets(sb);
  return (kind, name) => over[name] ?? base(kind, name);
}

interface Breakage {
  name: string;
  /** Settings and secrets of the failing run; `undo` restores the sandbox afterwards. */
  apply(
    sb: Sandbox,
    s: DearSettings,
  ): { settings: DearSettings; secrets: RunOptions['secrets']; undo(): void };
}

const BREAKAGES: Breakage[] = [
  {
    name: 'a wrong Starshipit API key',
    apply: (sb, s) => ({
      settings: s,
      secrets: secretsWith(sb, { SS_KEY: 'not-the-api-key' }),
      undo: () => undefined,
    }),
  },
  {
    name: 'a wrong Starshipit subscription key',
    apply: (sb, s) => ({
      settings: s,
      secrets: secretsWith(sb, { SS_SUB: 'not-the-subscription-key' }),
      undo: () => undefined,
    }),
  },
  {
    name: 'a Starshipit outage (every call answers 503)',
    apply: (sb, s) => {
      sb.setFaults('starshipit:*:503');
      return { settings: s, secrets: sandboxSecrets(sb), undo: () => sb.setFaults('') };
    },
  },
  {
    name: 'a closed Starshipit port',
    apply: (sb, s) => {
      const broken = structuredClone(s);
      broken.starshipit.baseUrl = 'http://127.0.0.1:1';
      return { settings: broken, secrets: sandboxSecrets(sb), undo: () => undefined };
    },
  },
];

describe('engine: exactly once after a failed first run (sandbox)', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 17 });
  });
  afterEach(async () => {
    await sb.close();
  });

  for (const b of BREAKAGES) {
    it(`${b.name} on a fresh state directory: no duplicates, and the next plain import does the rest`, async () => {
      const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
      const expected = expectedOrders(sb);
      const held = expected.filter((_, i) => i % 2 === 0);
      // Another state directory already imported half of the orders.
      await run(sb, s, tempDir(), 'import', false, { onlyOrderNumbers: held });
      assert.deepEqual([...sb.starshipitOrders().keys()].sort(), held);

      const fresh = tempDir();
      const broken = b.apply(sb, s);
      await run(sb, broken.settings, fresh, 'import', false, { secrets: broken.secrets }).catch(
        () => undefined, // stopping the run is as good as parking its orders
      );
      broken.undo();
      assert.deepEqual([...sb.starshipitOrders().keys()].sort(), held, 'nothing created blind');
      assertNoDuplicates(sb);

      const fixed = await run(sb, s, fresh, 'import');
      assertNoDuplicates(sb);
      assert.deepEqual([...sb.starshipitOrders().keys()].sort(), expected);
      assert.equal(fixed.summary.created, expected.length - held.length);
      assert.equal(fixed.summary.alreadyPresent, held.length);
      const st = await readStatus(fresh);
      assert.equal(st.imported, expected.length, 'every order is recorded as imported');
      assert.deepEqual(
        st.needsAttention.filter((a) => a.retryable),
        [],
        'nothing transient is left parked',
      );

      const again = await run(sb, s, fresh, 'import');
      assert.equal(again.summary.created, 0);
      assertNoDuplicates(sb);
    });
  }

  it('a journaled listing is trusted on later runs: orders Starshipit held then are recorded, not created', async () => {
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    const expected = expectedOrders(sb);
    const held = expected.slice(0, 4);
    await run(sb, s, tempDir(), 'import', false, { onlyOrderNumbers: held });
    const fresh = tempDir();
    // The fresh directory lists Starshipit (4 orders) but imports only one other order this run.
    const first = await run(sb, s, fresh, 'import', false, { onlyOrderNumbers: [expected[5]] });
    assert.equal(first.summary.created, 1);
    sb.clearCallLog();
    const second = await run(sb, s, fresh, 'import');
    assertNoDuplicates(sb);
    assert.equal(second.summary.alreadyPresent, held.length);
    assert.equal(second.summary.created, expected.length - held.length - 1);
    const listCalls = sb
      .callLog()
      .filter(
        (e) =>
          e.api === 'starshipit' &&
          e.method === 'GET' &&
          /orders\/(un)?shipped/.test(e.route) &&
          !isCheckCall(e),
      );
    assert.equal(listCalls.length, 0, 'the journaled listing is not read again');
  });
});
