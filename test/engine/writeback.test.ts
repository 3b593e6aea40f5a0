/** Writeback against the sandbox over real HTTP (time-scaled), checked from the sandbox's own state. */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { AttentionEvent, WritebackEvent } from '../../protocol/events';
import { readStatus } from '../../server/src/engine/index';
import { Journal } from '../../server/src/engine/journal';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

const STATUSES: ('ORDERED' | 'PICKED' | 'PACKED')[] = ['ORDERED', 'PICKED', 'PACKED'];
type Fulfilment = {
  TaskID: string;
  Pack: { Status: string; Lines: { Box?: string }[] };
  Ship: { Status: string };
  FulFilmentStatus: string;
};
type ShipLine = { Carrier: string; TrackingNumber: string; TrackingURL: string; Boxes: string };

/** Imported simple sales whose single fulfilment has its pack authorised or not. */
function pick(
  sb: Sandbox,
  packed: boolean,
  n: number,
): { orderNumber: string; saleId: string; taskId: string }[] {
  const out = [];
  for (const e of sb.eligibleSales(STATUSES)) {
    if (e.type !== 'Simple Sale') continue;
    const f = (sb.sale(e.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0];
    if (!f || f.Ship.Status === 'AUTHORISED' || (f.Pack.Status === 'AUTHORISED') !== packed)
      continue;
    out.push({ orderNumber: e.orderNumber, saleId: e.saleId, taskId: f.TaskID });
    if (out.length === n) break;
  }
  assert.equal(
    out.length,
    n,
    `the sandbox has ${n} ${packed ? 'packed' : 'unpacked'} simple sales`,
  );
  return out;
}

describe('engine: writeback (sandbox)', () => {
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 120, timeScale: TIME_SCALE, seed: 5 });
    dir = tempDir();
  });
  afterEach(async () => {
    await sb.close();
  });

  it('writes carrier (mapped or default) and every parcel tracking once, with one Cin7 call per packed order', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { courierMappings: [{ courier: 'AusPost', carrier: 'Australia Post' }] },
    });
    await run(sb, s, dir, 'import');
    const [a, b, c] = pick(sb, true, 3);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost' });
    sb.printLabel({ orderNumber: b.orderNumber, carrier: 'DHL' });
    const multi = sb.printLabel({
      orderNumber: c.orderNumber,
      carrier: 'AusPost',
      trackingNumbers: ['MP1', 'MP2', 'MP3'],
    });
    assert.equal(multi.trackingNumbers.length, 3);

    sb.clearCallLog();
    const dry = await run(sb, s, dir, 'writeback', true);
    assert.deepEqual(
      [...new Set(sb.callLog().map((e) => e.method))],
      ['GET'],
      'a dry run only reads',
    );
    const planned = dry.events.filter((e): e is WritebackEvent => e.type === 'writeback');
    assert.deepEqual(
      planned.map((w) => w.orderNumber).sort(),
      [a, b, c].map((x) => x.orderNumber).sort(),
    );
    assert.equal(dry.summary.estimate.dearCalls, 1 + 3, 'the connection check and three writes');

    sb.clearCallLog();
    const live = await run(sb, s, dir, 'writeback');
    assert.equal(live.summary.writtenBack, 3);
    assert.equal(live.summary.needsAttention, 0);
    assert.equal(
      live.summary.calls.dear,
      1 + 3,
      'the connection check; pack boxes kept from import: one Cin7 call per writeback',
    );
    const ships = sb.dearShipments({ changedOnly: true });
    const lines = (x: { taskId: string }): ShipLine[] => ships.get(x.taskId)!.lines as ShipLine[];
    assert.equal(ships.get(a.taskId)!.status, 'AUTHORISED');
    assert.ok(lines(a).every((l) => l.Carrier === 'Australia Post'));
    assert.ok(lines(b).every((l) => l.Carrier === 'DEFAULT Carrier'));
    const stored = lines(c).flatMap((l) => l.TrackingNumber.split(',').map((t) => t.trim()));
    assert.deepEqual(stored.sort(), ['MP1', 'MP2', 'MP3']);
    assert.ok(
      lines(a).every((l) => /^https?:\/\//.test(l.TrackingURL)),
      'tracking URL written',
    );
    for (const w of live.events.filter((e): e is WritebackEvent => e.type === 'writeback')) {
      assert.deepEqual(
        w.dear,
        planned.find((p) => p.orderNumber === w.orderNumber)!.dear,
        'sent what the preview showed',
      );
    }
    for (const x of [a, b, c]) assert.equal(ships.get(x.taskId)!.writes, 1);

    sb.clearCallLog();
    const again = await run(sb, s, dir, 'writeback');
    assert.equal(again.summary.writtenBack, 0);
    assert.equal(
      sb.callLog().filter((e) => e.api === 'dear').length,
      0,
      'nothing to do: no Cin7 call at all',
    );
    const st = await readStatus(dir);
    assert.equal(st.writtenBack, 3);
    assert.equal(st.pendingWritebacks, 0);
  });

  it('parks a label whose pack is not authorised; autoPickPack picks, packs and ships it', async () => {
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    await run(sb, s, dir, 'import');
    const [u] = pick(sb, false, 1);
    sb.printLabel({ orderNumber: u.orderNumber, carrier: 'AusPost' });
    const first = await run(sb, s, dir, 'writeback');
    const att = first.events.filter((e): e is AttentionEvent => e.type === 'attention');
    assert.equal(att.length, 1);
    assert.equal(att[0].code, 'pack-not-authorised');
    assert.equal(att[0].orderNumber, u.orderNumber);
    assert.equal(first.summary.needsAttention, 1);
    assert.equal(sb.dearShipments({ changedOnly: true }).get(u.taskId)?.writes ?? 0, 0);
    assert.equal(
      (await readStatus(dir)).pendingWritebacks,
      1,
      'the label is kept in the outbox, not lost',
    );

    const auto = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { autoPickPack: true },
    });
    const second = await run(sb, auto, dir, 'retry');
    assert.equal(second.summary.writtenBack, 1);
    // `retry` re-runs every parked item: the invalid sales stay parked, the label is done.
    const parked = second.events.filter((e): e is AttentionEvent => e.type === 'attention');
    assert.ok(
      parked.every((e) => /^missing-/.test(e.code)),
      JSON.stringify(parked),
    );
    const f = (sb.sale(u.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0];
    assert.equal(f.Pack.Status, 'AUTHORISED');
    assert.equal(f.Ship.Status, 'AUTHORISED');
    const st = await readStatus(dir);
    assert.deepEqual(
      st.needsAttention.filter((a) => !/^missing-/.test(a.code)),
      [],
    );
    assert.equal(st.writtenBack, 1);
  });

  it('when: dispatched waits for the manifest', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { when: 'dispatched' },
    });
    await run(sb, s, dir, 'import');
    const [a] = pick(sb, true, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost' });
    const before = await run(sb, s, dir, 'sync');
    assert.equal(before.summary.writtenBack, 0);
    sb.dispatch({ orderNumber: a.orderNumber });
    const after = await run(sb, s, dir, 'sync');
    assert.equal(after.summary.writtenBack, 1);
    assert.equal(sb.dearShipments({ changedOnly: true }).get(a.taskId)!.status, 'AUTHORISED');
  });

  it('a reprinted label (new tracking) is added to the authorised shipment with AddTrackingNumbers', async () => {
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    await run(sb, s, dir, 'import');
    const [a] = pick(sb, true, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost', trackingNumbers: ['FIRST1'] });
    const first = await run(sb, s, dir, 'writeback');
    assert.equal(first.summary.writtenBack, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost', trackingNumbers: ['SECOND1'] });
    sb.clearCallLog();
    const second = await run(sb, s, dir, 'writeback');
    assert.equal(second.summary.writtenBack, 1);
    const put = sb.callLog().filter((e) => e.api === 'dear' && e.method === 'PUT');
    assert.equal(put.length, 1, 'one PUT with AddTrackingNumbers, no POST');
    assert.equal(sb.callLog().filter((e) => e.api === 'dear' && e.method === 'POST').length, 0);
    const ship = sb.dearShipments({ changedOnly: true }).get(a.taskId)!;
    assert.deepEqual(
      (ship.lines as ShipLine[]).map((l) => l.TrackingNumber),
      ['SECOND1'],
    );
    const w = second.events.find((e): e is WritebackEvent => e.type === 'writeback')!;
    assert.equal(w.dear.AddTrackingNumbers, true);
  });

  it('fulfilments source: each fulfilment order writes back to its own TaskID', async () => {
    const s = sandboxSettings(sb, { import: { statuses: STATUSES, source: 'fulfilments' } });
    await run(sb, s, dir, 'import');
    const targets: { orderNumber: string; taskId: string }[] = [];
    for (const e of sb.eligibleSales(STATUSES)) {
      const fs = (
        sb.sale(e.saleId) as { Fulfilments: (Fulfilment & { FulfillmentNumber: number })[] }
      ).Fulfilments;
      for (const f of fs) {
        const n = `${e.orderNumber}-F${f.FulfillmentNumber}`;
        if (
          f.Pack.Status === 'AUTHORISED' &&
          f.Ship.Status !== 'AUTHORISED' &&
          sb.starshipitOrders().has(n)
        )
          targets.push({ orderNumber: n, taskId: f.TaskID });
      }
      if (targets.length >= 2) break;
    }
    assert.equal(targets.length, 2);
    for (const t of targets) sb.printLabel({ orderNumber: t.orderNumber, carrier: 'AusPost' });
    const r = await run(sb, s, dir, 'writeback');
    assert.equal(r.summary.writtenBack, 2);
    const ships = sb.dearShipments({ changedOnly: true });
    for (const t of targets) {
      assert.equal(ships.get(t.taskId)!.status, 'AUTHORISED');
      assert.equal(ships.get(t.taskId)!.writes, 1);
    }
  });

  it('autoPickPack replaces a DRAFT pack (PACKING sale) and ships it', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: ['PACKING'] },
      writeback: { autoPickPack: true },
    });
    await run(sb, s, dir, 'import');
    const target = sb
      .eligibleSales(['PACKING'])
      .map((e) => ({ e, f: (sb.sale(e.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0] }))
      .find(
        ({ e, f }) =>
          e.type === 'Simple Sale' &&
          f.Pack.Status === 'DRAFT' &&
          sb.starshipitOrders().has(e.orderNumber),
      );
    assert.ok(target, 'the sandbox has a PACKING sale with a DRAFT pack');
    sb.printLabel({ orderNumber: target.e.orderNumber, carrier: 'AusPost' });
    const r = await run(sb, s, dir, 'writeback');
    assert.equal(
      r.summary.needsAttention,
      0,
      JSON.stringify(r.events.filter((e) => e.type === 'attention')),
    );
    assert.equal(r.summary.writtenBack, 1);
    const f = (sb.sale(target.e.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0];
    assert.equal(f.Pack.Status, 'AUTHORISED');
    assert.equal(f.Ship.Status, 'AUTHORISED');
  });

  it('honours writeback.enabled: false and a custom writeback.defaultCarrier', async () => {
    const off = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { enabled: false },
    });
    await run(sb, off, dir, 'import');
    const [a] = pick(sb, true, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'CouriersPlease' });
    sb.clearCallLog();
    const none = await run(sb, off, dir, 'sync');
    assert.equal(none.summary.writtenBack, 0);
    assert.equal(
      sb.callLog().filter((e) => e.api === 'starshipit' && /orders\/shipped/.test(e.route)).length,
      0,
      'no poll at all',
    );
    const on = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { defaultCarrier: 'Our Courier' },
    });
    const r = await run(sb, on, dir, 'writeback');
    assert.equal(r.summary.writtenBack, 1);
    assert.ok(
      (sb.dearShipments({ changedOnly: true }).get(a.taskId)!.lines as ShipLine[]).every(
        (l) => l.Carrier === 'Our Courier',
      ),
    );
  });
  it('a label list Starshipit will not serve needs attention, keeps the poll cursor and lets the import run; the next poll clears it', async () => {
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    await run(sb, s, dir, 'import');
    await run(sb, s, dir, 'writeback');
    const cursorBefore = (): string | undefined => {
      const journal = Journal.open(dir);
      try {
        return journal.state.cursors.starshipit;
      } finally {
        journal.close();
      }
    };
    const before = cursorBefore();
    assert.ok(before, 'the first sync recorded a poll cursor');
    const [order] = pick(sb, true, 1);
    sb.printLabel({ orderNumber: order.orderNumber, carrier: 'AusPost' });
    sb.setFaults('starshipit:orders/shipped:500, starshipit:orders/shipments:500');
    sb.clearCallLog();
    const failed = await run(sb, s, dir, 'sync');
    const polls = failed.events.filter(
      (e): e is AttentionEvent => e.type === 'attention' && e.code === 'poll-failed',
    );
    assert.equal(polls.length, 1, 'one needs-attention item for the account, none per order');
    assert.match(polls[0].reason, /could not read the Starshipit label lists: .*500/);
    assert.equal(failed.summary.writtenBack, 0);
    assert.equal(failed.summary.needsAttention, 1, '"0 problems" would be false');
    assert.equal(cursorBefore(), before, 'the poll cursor did not move past lists it did not read');
    const log = sb.callLog();
    const lastRefusedList = log.map((e) => e.fault).lastIndexOf('500');
    assert.ok(
      log.some((e, i) => i > lastRefusedList && e.api === 'dear' && /saleList$/.test(e.route)),
      'the import part of the sync still listed sales after the poll failed',
    );
    const pollEntries = async () =>
      (await readStatus(dir)).needsAttention.filter((a) => a.code === 'poll-failed');
    assert.equal((await pollEntries()).length, 1);

    sb.setFaults('');
    const next = await run(sb, s, dir, 'sync');
    assert.equal(next.summary.writtenBack, 1);
    assert.equal(next.summary.needsAttention, 0);
    assert.deepEqual(await pollEntries(), [], 'the next poll cleared it');
    assert.ok(
      [...sb.dearShipments().values()].some(
        (shipment) =>
          shipment.orderNumber === order.orderNumber && shipment.status === 'AUTHORISED',
      ),
    );
  });
});
