/**
 * Warehouse locations against the sandbox's two Starshipit accounts (one API key each): the
 * location filter, routes to an account, `unrouted: skip`, the account in events and journal,
 * exactly once per account, and a writeback poll per account.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { EngineEvent, OrderEvent, SkipEvent } from '../../protocol/events';
import type { DearSettings } from '../../protocol/settings';
import {
  run,
  sandboxSecrets,
  sandboxSettings,
  secondAccount,
  tempDir,
  TIME_SCALE,
} from './helpers';

const STATUSES = ['ORDERED', 'PICKED', 'PACKED'] as const;

const ordersOf = (events: EngineEvent[]): OrderEvent[] =>
  events.filter((e): e is OrderEvent => e.type === 'order');
const skipsOf = (events: EngineEvent[], code: string): SkipEvent[] =>
  events.filter((e): e is SkipEvent => e.type === 'skip' && e.code === code);

/** Journal records (the checksum after the tab is dropped). */
function journal(dir: string): Record<string, unknown>[] {
  return fs
    .readFileSync(path.join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l.slice(0, l.lastIndexOf('\t'))) as Record<string, unknown>);
}

describe('engine: warehouses and Starshipit accounts (sandbox)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 80, timeScale: TIME_SCALE, seed: 31 });
  });
  afterEach(async () => {
    await sb.close();
  });

  /** Ground truth: the sandbox's location per order number (from each sale's detail). */
  function locations(): Map<string, string> {
    const m = new Map<string, string>();
    for (const e of sb.eligibleSales([...STATUSES]))
      m.set(e.orderNumber, String((sb.sale(e.saleId) as { Location: string }).Location));
    return m;
  }

  function twoWarehouses(over: Partial<DearSettings['warehouses']> = {}): DearSettings {
    return sandboxSettings(sb, {
      import: { statuses: [...STATUSES] },
      warehouses: {
        locations: ['Main Warehouse', 'auckland warehouse '],
        accounts: [secondAccount('nz')],
        routes: [{ location: 'Auckland Warehouse', account: 'nz' }],
        unrouted: 'default',
        ...over,
      },
    });
  }

  it('routes each location to its account, skips unselected locations, and names the account; dry run equals live; exactly once per account', async () => {
    const dir = tempDir();
    const s = twoWarehouses();
    const where = locations();
    const dry = await run(sb, s, dir, 'import', true);
    const live = await run(sb, s, dir, 'import');
    const sent = ordersOf(live.events);
    assert.deepEqual(
      sent.map((o) => `${o.orderNumber}@${o.account}`).sort(),
      ordersOf(dry.events)
        .map((o) => `${o.orderNumber}@${o.account}`)
        .sort(),
    );
    const nz = sent.filter((o) => o.account === 'nz');
    const main = sent.filter((o) => o.account === 'default');
    assert.ok(nz.length > 0 && main.length > 0, 'both accounts get orders');
    assert.equal(nz.length + main.length, sent.length);
    for (const o of nz) assert.equal(where.get(o.orderNumber), 'Auckland Warehouse', o.orderNumber);
    for (const o of main) assert.equal(where.get(o.orderNumber), 'Main Warehouse', o.orderNumber);
    // Each account's Starshipit holds exactly its own orders, once.
    const second = sb.starshipitOrders('second');
    const first = sb.starshipitOrders();
    assert.deepEqual([...second.keys()].sort(), nz.map((o) => o.orderNumber).sort());
    assert.deepEqual([...first.keys()].sort(), main.map((o) => o.orderNumber).sort());
    for (const list of [...second.values(), ...first.values()]) assert.equal(list.length, 1);
    const store = skipsOf(live.events, 'location-not-selected');
    assert.ok(store.length > 0);
    for (const k of store)
      assert.match(k.reason, /"Melbourne Store" is not in warehouses\.locations/);
    // The journal records the account of every order of the second account, and none otherwise.
    const created = journal(dir).filter((r) => r.t === 'created');
    for (const r of created)
      assert.equal(r.account, nz.some((o) => o.orderNumber === r.orderNumber) ? 'nz' : undefined);
    // A second run creates nothing; a lost state directory finds every order in its own account.
    const again = await run(sb, s, dir, 'import');
    assert.equal(again.summary.created, 0);
    const fresh = tempDir();
    const rebuilt = await run(sb, s, fresh, 'import');
    assert.equal(rebuilt.summary.created, 0);
    assert.equal(rebuilt.summary.alreadyPresent, sent.length);
    for (const list of [
      ...sb.starshipitOrders('second').values(),
      ...sb.starshipitOrders().values(),
    ])
      assert.equal(list.length, 1, 'no duplicate in either account');
  });

  it('unrouted: skip leaves sales of a location without a route out, with the reason', async () => {
    const dir = tempDir();
    const s = twoWarehouses({ locations: [], unrouted: 'skip' });
    const r = await run(sb, s, dir, 'import');
    const where = locations();
    assert.ok(ordersOf(r.events).every((o) => o.account === 'nz'));
    const skipped = skipsOf(r.events, 'location-not-routed');
    assert.ok(skipped.length > 0);
    for (const k of skipped) assert.notEqual(where.get(k.orderNumber), 'Auckland Warehouse');
    assert.equal(sb.starshipitOrders().size, 0, 'nothing went to the default account');
  });

  it('keeps orders in step in their own account: a changed sale updates, a voided one is withdrawn there', async () => {
    const dir = tempDir();
    const s = twoWarehouses();
    s.import.propagateChanges = true;
    s.import.onCancelled = 'withdraw';
    const live = await run(sb, s, dir, 'import');
    const nz = ordersOf(live.events).filter((o) => o.account === 'nz');
    assert.ok(nz.length >= 2);
    const saleOf = (n: string): string =>
      sb.eligibleSales([...STATUSES]).find((e) => e.orderNumber === n)!.saleId;
    const [changed, voided] = nz;
    sb.updateSale(saleOf(changed.orderNumber), (x) => {
      x.CustomerReference = 'PO-CHANGED';
    });
    sb.updateSale(saleOf(voided.orderNumber), (x) => {
      x.Status = 'VOIDED';
    });
    const r = await run(sb, s, dir, 'import');
    assert.equal(r.summary.updated, 1);
    assert.equal(r.summary.withdrawn, 1);
    const second = sb.starshipitOrders('second');
    const updated = second.get(changed.orderNumber)?.[0] as { reference?: string };
    assert.equal(updated.reference, 'PO-CHANGED', 'updated in the second account');
    assert.equal(second.has(voided.orderNumber), false, 'withdrawn from the second account');
    assert.equal(
      sb.starshipitOrders().has(changed.orderNumber),
      false,
      'nothing in the default one',
    );
  });

  it('polls each account for labels from its own cursor and writes each label back once', async () => {
    const dir = tempDir();
    const s = twoWarehouses();
    s.writeback.autoPickPack = true;
    const live = await run(sb, s, dir, 'import');
    const nz = ordersOf(live.events).find((o) => o.account === 'nz')!;
    const main = ordersOf(live.events).find((o) => o.account === 'default')!;
    sb.printLabel({ account: 'second', orderNumber: nz.orderNumber, carrier: 'NZPost' });
    sb.printLabel({ orderNumber: main.orderNumber, carrier: 'AusPost' });
    const wb = await run(sb, s, dir, 'writeback');
    assert.equal(wb.summary.writtenBack, 2);
    const written = [...sb.dearShipments({ changedOnly: true }).values()].filter(
      (x) => x.writes > 0,
    );
    assert.deepEqual(
      written.map((x) => x.orderNumber).sort(),
      [nz.orderNumber, main.orderNumber].sort(),
    );
    assert.ok(written.every((x) => x.writes === 1));
    const cursors = journal(dir).filter((r) => r.t === 'cursor' && r.name !== 'dear');
    assert.ok(
      cursors.some((r) => r.account === 'nz'),
      'the second account has its own cursor',
    );
    assert.ok(cursors.some((r) => r.account === undefined));
    const again = await run(sb, s, dir, 'writeback');
    assert.equal(again.summary.writtenBack, 0);
  });
  it("a rejected key of a second account names that account's settings, not the starshipit section", async () => {
    const dir = tempDir();
    const good = sandboxSecrets(sb)!;
    const secrets: typeof good = (kind, name) =>
      name === 'SS_KEY2' ? 'not-the-nz-key' : good(kind, name);
    await assert.rejects(
      run(sb, twoWarehouses(), dir, 'import', false, { secrets }),
      (err: Error) => {
        assert.match(err.message, /the apiKey and subscriptionKey of warehouses\.accounts "nz"/);
        assert.doesNotMatch(err.message, /starshipit\.apiKey/);
        assert.doesNotMatch(err.message, /not-the-nz-key/);
        return true;
      },
    );
    assert.equal(sb.starshipitOrders().size, 0, 'nothing was created in either account');
  });
});
