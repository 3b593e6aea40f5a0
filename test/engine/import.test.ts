/** Import against the sandbox over real HTTP (time-scaled), checked from the sandbox's own state. */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { OrderEvent, SkipEvent, AttentionEvent } from '../../protocol/events';
import { readStatus } from '../../server/src/engine/index';
import { SALE_STATUSES } from '../../protocol/settings';
import { isCheckCall, run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

const STATUSES = ['ORDERED', 'PICKED', 'PACKED'] as const;

describe('engine: import (sandbox)', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 80, timeScale: TIME_SCALE, seed: 11 });
  });
  afterEach(async () => {
    await sb.close();
  });

  it('dry-run writes nothing, shows exact payloads and skip reasons; the live run sends exactly those; a second run creates nothing', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, {
      import: { statuses: [...STATUSES], memo: 'order', orderNote: true },
    });
    const dry = await run(sb, s, dir, 'import', true);
    const log = sb.callLog().filter((e) => e.api !== 'control');
    assert.ok(log.length > 0);
    assert.deepEqual([...new Set(log.map((e) => e.method))], ['GET'], 'a dry run only reads');
    assert.equal(sb.starshipitOrders().size, 0);
    // Ground truth from the sandbox; sales already shipped in full are skipped (nothing to ship).
    const shippedAlready = (id: string): boolean =>
      (sb.sale(id) as { CombinedShippingStatus: string }).CombinedShippingStatus === 'SHIPPED';
    const eligible = sb.eligibleSales([...STATUSES]).filter((e) => !shippedAlready(e.saleId));
    const invalid = sb
      .eligibleSales([...STATUSES], { includeInvalid: true })
      .filter((e) => !e.valid);
    const planned = dry.events.filter((e): e is OrderEvent => e.type === 'order');
    assert.deepEqual(
      planned.map((o) => o.orderNumber).sort(),
      eligible.map((e) => e.orderNumber).sort(),
    );
    assert.ok(planned.every((o) => o.dryRun && o.outcome === undefined));
    assert.equal(dry.summary.created, eligible.length);
    assert.equal(dry.summary.needsAttention, invalid.length);
    const attention = dry.events.filter((e): e is AttentionEvent => e.type === 'attention');
    assert.deepEqual(
      attention.map((a) => a.orderNumber).sort(),
      invalid.map((e) => e.orderNumber).sort(),
    );
    assert.ok(
      attention.every((a) => /missing-(street|country)/.test(a.code) && a.retryable === false),
    );
    const skips = dry.events.filter((e): e is SkipEvent => e.type === 'skip');
    assert.ok(
      skips.length > 0 &&
        skips.every((k) => k.code === 'status-not-selected' || k.code === 'already-shipped'),
    );
    const shippedSkips = skips.filter((k) => k.code === 'already-shipped');
    assert.equal(shippedSkips.length, sb.eligibleSales([...STATUSES]).length - eligible.length);
    assert.equal(
      planned.length + skips.length + attention.length,
      sb.salesCount,
      'every sale is accounted for',
    );
    // Fewest calls: the connection check, one list page + one detail read per candidate (shipped
    // sales are skipped from their row).
    assert.equal(dry.summary.calls.dear, 2 + eligible.length + invalid.length);
    assert.equal(
      dry.summary.calls.starshipit,
      3,
      'the connection check; first import: one page each of unshipped and shipped orders, to avoid duplicates',
    );
    assert.equal(dry.summary.estimate.dearCalls, dry.summary.calls.dear);

    sb.clearCallLog();
    const live = await run(sb, s, dir, 'import');
    assert.equal(live.summary.created, eligible.length);
    const orders = sb.starshipitOrders();
    assert.equal(orders.size, eligible.length);
    for (const [, list] of orders) assert.equal(list.length, 1, 'no duplicates');
    // What was sent is what the preview showed.
    const posts = sb.callLog().filter((e) => e.api === 'starshipit' && e.method === 'POST');
    const sent = posts.filter((e) => e.status < 300);
    assert.equal(sent.length, eligible.length);
    assert.ok(
      posts.every((e) => e.status < 300 || e.status === 429),
      'any other POST was a throttled attempt, retried',
    );
    const liveOrders = live.events.filter((e): e is OrderEvent => e.type === 'order');
    for (const p of planned) {
      const l = liveOrders.find((o) => o.orderNumber === p.orderNumber)!;
      assert.deepEqual(l.starshipit, p.starshipit);
      assert.equal(l.outcome, 'created');
      const stored = orders.get(p.orderNumber)![0] as Record<string, unknown>;
      assert.equal(
        (stored.destination as Record<string, unknown>).street,
        (p.starshipit.destination as Record<string, unknown>).street,
      );
      assert.equal(stored.order_id, l.starshipitOrderId);
    }

    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    assert.equal(again.summary.created, 0);
    assert.equal(
      sb.callLog().filter((e) => e.method !== 'GET').length,
      0,
      'the second run writes nothing',
    );
    assert.equal(sb.starshipitOrders().size, eligible.length);
    const st = await readStatus(dir);
    assert.equal(st.imported, eligible.length);
    assert.equal(st.needsAttention.length, invalid.length);
  });

  it('maps every import setting into the Starshipit order', async () => {
    const sale = sb
      .eligibleSales(['ORDERED', 'PICKED', 'PACKED'])
      .find(
        (e) =>
          e.type === 'Simple Sale' &&
          (sb.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
            'SHIPPED',
      )!;
    sb.updateSale(sale.saleId, (x) => {
      (x.ShippingAddress as Record<string, unknown>).Contact = 'Dock 4';
      (x.ShippingAddress as Record<string, unknown>).Company = 'Acme Pty';
      (x.Order as Record<string, unknown>).Memo = 'Order memo';
      x.Note = 'N'.repeat(120);
      x.Carrier = 'Express Post';
      x.CustomerReference = 'PO-1234';
    });
    const dir = tempDir();
    const s = sandboxSettings(sb, {
      import: { statuses: [...STATUSES], memo: 'order', orderNote: true, contactAsCompany: true },
    });
    const r = await run(sb, s, dir, 'import', false, { onlyOrderNumbers: [sale.orderNumber] });
    assert.equal(r.summary.created, 1);
    const o = sb.starshipitOrders().get(sale.orderNumber)![0] as Record<
      string,
      Record<string, unknown>
    >;
    const d = o.destination;
    assert.equal(d.company, 'Dock 4');
    assert.equal(String(d.delivery_instructions).length, 100);
    assert.ok(String(d.delivery_instructions).startsWith('Order memo N'));
    assert.equal(o.shipping_method, 'Express Post');
    assert.equal(o.reference, 'PO-1234');
    const ev = r.events.find((e): e is OrderEvent => e.type === 'order')!;
    assert.match((ev.warnings ?? []).join(), /delivery_instructions cut to 100/);
    const detail = sb.sale(sale.saleId) as Record<string, unknown>;
    const lines = (detail.Order as { Lines: { SKU: string; Quantity: number; Price: number }[] })
      .Lines;
    const items = o.items as unknown as {
      sku: string;
      quantity: number;
      value: number;
      weight?: number;
    }[];
    assert.deepEqual(
      items.map((i) => [i.sku, i.quantity, i.value]),
      lines.map((l) => [l.SKU, l.Quantity, l.Price]),
    );
    assert.equal(sb.starshipitOrders().size, 1, 'onlyOrderNumbers restricts the run');
  });

  it('fulfilments source: importing one fulfilment of a sale leaves its other fulfilments to the next plain import', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES], source: 'fulfilments' } });
    const sale = sb
      .eligibleSales([...STATUSES])
      .find(
        (e) =>
          e.fulfilments.length >= 2 &&
          e.fulfilments.every(
            (f) =>
              f.stage !== 'SHIPPED' &&
              f.stage !== 'VOIDED' &&
              (STATUSES as readonly string[]).includes(f.stage),
          ),
      );
    assert.ok(sale, 'the sandbox has a sale with two open, selected fulfilments');
    const first = `${sale.orderNumber}-F1`;
    const second = `${sale.orderNumber}-F2`;
    const chosen = await run(sb, s, dir, 'import', false, { onlyOrderNumbers: [first] });
    assert.equal(chosen.summary.created, 1);
    assert.deepEqual([...sb.starshipitOrders().keys()], [first]);
    await run(sb, s, dir, 'import');
    const orders = sb.starshipitOrders();
    assert.equal(orders.get(second)?.length, 1, 'the other fulfilment is imported once');
    assert.equal(orders.get(first)?.length, 1, 'the chosen fulfilment is not created again');
  });

  it('fulfilments source: one order per open fulfilment, numbered {OrderNumber}-F{n}, exactly once', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES], source: 'fulfilments' } });
    const first = await run(sb, s, dir, 'import');
    const orders = sb.starshipitOrders();
    assert.ok(first.summary.created > 0);
    assert.equal(orders.size, first.summary.created);
    for (const [number, list] of orders) {
      assert.match(number, /^SO-\d+-F\d+$/);
      assert.equal(list.length, 1);
    }
    const eligible = sb.eligibleSales([...STATUSES]);
    const expected = new Set<string>();
    for (const e of eligible) {
      // An Advanced sale at the order stage: each fulfilment when its own stage is selected.
      const byStage = e.type === 'Advanced Sale' && ['ORDERED', 'BACKORDERED'].includes(e.status);
      for (const f of e.fulfilments)
        if (
          f.stage !== 'VOIDED' &&
          f.stage !== 'SHIPPED' &&
          (!byStage || (STATUSES as readonly string[]).includes(f.stage))
        )
          expected.add(`${e.orderNumber}-F${f.number}`);
    }
    assert.deepEqual([...orders.keys()].sort(), [...expected].sort());
    sb.clearCallLog();
    const second = await run(sb, s, dir, 'import');
    assert.equal(second.summary.created, 0);
    assert.equal(
      sb.callLog().filter((e) => e.api === 'dear' && e.route.toLowerCase().endsWith('/sale'))
        .length,
      0,
      'unchanged sales are not read again',
    );
  });

  it('pages through saleList with the cheaper strategy: per-status passes on a big list, one unfiltered pass when small', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES] }, dear: { pageSize: 7 } });
    const r = await run(sb, s, dir, 'import');
    const lists = sb
      .callLog()
      .filter((e) => e.api === 'dear' && /salelist$/i.test(e.route) && !isCheckCall(e));
    // Sales by their Cin7 Status (every sale is listed by eligibleSales of every status).
    const all = sb.eligibleSales([...SALE_STATUSES], { includeInvalid: true });
    const byStatus = new Map<string, number>();
    // A simple-sale stage (PICKED, PACKED) is selected: BACKORDERED Advanced sales are listed too.
    for (const st of [...STATUSES, 'BACKORDERED'])
      byStatus.set(st, all.filter((e) => e.status === st).length);
    // Page 1 unfiltered shows 80 sales = 12 pages > 4 statuses + 1: one filtered pass per status instead.
    const expectedLists =
      1 + [...byStatus.values()].reduce((n, c) => n + Math.max(1, Math.ceil(c / 7)), 0);
    assert.equal(lists.length, expectedLists);
    assert.ok(lists.slice(1).every((e) => /status=/i.test(e.query)));
    const shipped = (id: string): boolean =>
      (sb.sale(id) as { CombinedShippingStatus: string }).CombinedShippingStatus === 'SHIPPED';
    const expected = sb
      .eligibleSales([...STATUSES])
      .filter((e) => !shipped(e.saleId))
      .map((e) => e.orderNumber)
      .sort();
    assert.deepEqual([...sb.starshipitOrders().keys()].sort(), expected);
    assert.equal(r.summary.created, expected.length);
    // Incremental: the next run lists only recently updated sales, unfiltered when that is cheaper.
    const sale = sb.eligibleSales(['DRAFT'])[0];
    sb.updateSale(sale.saleId, (x) => {
      x.Note = 'touched';
    });
    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    const lists2 = sb
      .callLog()
      .filter((e) => e.api === 'dear' && /salelist$/i.test(e.route) && !isCheckCall(e));
    assert.ok(lists2.length <= 2, `incremental listing is cheap (${lists2.length} calls)`);
    assert.ok(lists2.every((e) => /updatedsince=/i.test(e.query)));
    assert.equal(again.summary.created, 0);
  });

  it('a lost state directory (or a switch from another integration) does not duplicate orders', async () => {
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES] } });
    const first = await run(sb, s, tempDir(), 'import');
    assert.ok(first.summary.created > 0);
    const before = sb.starshipitOrders().size;
    sb.clearCallLog();
    const fresh = tempDir();
    const dry = await run(sb, s, fresh, 'import', true);
    assert.equal(dry.summary.created, 0);
    assert.equal(
      dry.events.filter((e) => e.type === 'skip' && e.code === 'already-in-starshipit').length,
      before,
    );
    const live = await run(sb, s, fresh, 'import');
    assert.equal(live.summary.created, 0);
    assert.equal(live.summary.alreadyPresent, before);
    assert.equal(sb.starshipitOrders().size, before);
    assert.equal(
      sb.callLog().filter((e) => e.api === 'starshipit' && e.method === 'POST').length,
      0,
    );
    assert.ok(
      sb.callLog().filter((e) => e.api === 'starshipit' && !isCheckCall(e)).length <= 4,
      'a few list calls, not one lookup per order',
    );
    const st = await readStatus(fresh);
    assert.equal(st.imported, before, 'the found orders are recorded, so writebacks work');
  });

  it('sales mode: a sale whose list row says shipped is skipped without a detail read; once imported, a hand-shipped sale is read once, then left alone', async () => {
    const STAT = ['ORDERED', 'PICKED', 'PACKED'];
    const shipped = (id: string): boolean =>
      (sb.sale(id) as { CombinedShippingStatus: string }).CombinedShippingStatus === 'SHIPPED';
    const shipAll = (id: string): void =>
      sb.updateSale(id, (x) => {
        for (const f of x.Fulfilments as { Ship: { Status: string } }[])
          f.Ship.Status = 'AUTHORISED';
      });
    // An advanced sale still ORDERED whose fulfilments are all shipped (from the seed, or made so).
    let adv = sb
      .eligibleSales(STAT)
      .find((e) => e.type === 'Advanced Sale' && e.status === 'ORDERED' && shipped(e.saleId));
    if (!adv) {
      adv = sb
        .eligibleSales(STAT)
        .find(
          (e) => e.type === 'Advanced Sale' && e.status === 'ORDERED' && e.fulfilments.length > 0,
        )!;
      shipAll(adv.saleId);
    }
    assert.ok(adv && shipped(adv.saleId), 'the sandbox holds a shipped advanced sale in ORDERED');
    const other = sb
      .eligibleSales(STAT)
      .find((e) => e.type === 'Simple Sale' && !shipped(e.saleId))!;
    const detailReads = (id: string): number =>
      sb
        .callLog()
        .filter(
          (e) =>
            e.api === 'dear' &&
            /\/sale$/i.test(e.route) &&
            decodeURIComponent(e.query).includes(id),
        ).length;
    const dir = tempDir();
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES] } });
    sb.clearCallLog();
    const first = await run(sb, s, dir, 'import');
    const skipOf = (r: typeof first, n: string): SkipEvent | undefined =>
      r.events.find((e): e is SkipEvent => e.type === 'skip' && e.orderNumber === n);
    assert.equal(skipOf(first, adv.orderNumber)?.code, 'already-shipped');
    assert.equal(detailReads(adv.saleId), 0, 'no sale?ID= read for a row already shipped in full');
    assert.equal(detailReads(other.saleId), 1, 'other candidates are still read');
    assert.equal(sb.starshipitOrders().has(adv.orderNumber), false);
    assert.equal(sb.starshipitOrders().get(other.orderNumber)?.length, 1);

    // An imported sale shipped by hand in Cin7 Core: keep-in-step reads it once (its stamp moved),
    // sends nothing, and does not read it again while it stays unchanged.
    shipAll(other.saleId);
    sb.clearCallLog();
    const second = await run(sb, s, dir, 'import');
    assert.equal(detailReads(other.saleId), 1);
    assert.equal(skipOf(second, other.orderNumber)?.code, 'already-imported');
    assert.equal(
      sb.callLog().filter((e) => e.api === 'starshipit' && e.method !== 'GET').length,
      0,
      'nothing sent to Starshipit',
    );
    sb.clearCallLog();
    await run(sb, s, dir, 'import');
    assert.equal(detailReads(other.saleId), 0, 'unchanged since it was compared: not read again');
    assert.equal(sb.starshipitOrders().get(other.orderNumber)?.length, 1);
  });

  it('import.since limits the first run to sales updated since then', async () => {
    const rows = sb.eligibleSales([...STATUSES]).map((e) => ({
      e,
      updated: Date.parse(String((sb.sale(e.saleId) as { LastModifiedOn: string }).LastModifiedOn)),
    }));
    const sorted = rows.map((r) => r.updated).sort((a, b) => a - b);
    const cut = sorted[Math.floor(sorted.length / 2)];
    const since = new Date(cut).toISOString();
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES], since } });
    const dry = await run(sb, s, tempDir(), 'import', true);
    const planned = new Set(
      dry.events.filter((e) => e.type === 'order').map((e) => (e as OrderEvent).orderNumber),
    );
    assert.ok(planned.size > 0);
    for (const r of rows)
      if (r.updated < cut)
        assert.equal(
          planned.has(r.e.orderNumber),
          false,
          `${r.e.orderNumber} was updated before import.since`,
        );
    const list = sb
      .callLog()
      .find((e) => e.api === 'dear' && /salelist$/i.test(e.route) && !isCheckCall(e))!;
    assert.match(decodeURIComponent(list.query), new RegExp(`UpdatedSince=${since.slice(0, 19)}`));
  });

  it('saleList paging follows Total: a server that caps Limit silently hides no sale', async () => {
    sb.setSwitch('dearMaxLimit', 7);
    const s = sandboxSettings(sb, { import: { statuses: [...STATUSES] } });
    s.dear.pageSize = 25;
    const dry = await run(sb, s, tempDir(), 'import', true);
    const lists = sb
      .callLog()
      .filter((e) => e.api === 'dear' && /salelist$/i.test(e.route) && !isCheckCall(e));
    assert.equal(lists.length, Math.ceil(sb.salesCount / 7), 'every capped page was read');
    const accounted = new Set(
      dry.events
        .filter((e) => e.type === 'order' || e.type === 'skip' || e.type === 'attention')
        .map((e) => (e as { orderNumber?: string }).orderNumber),
    );
    assert.equal(accounted.size, sb.salesCount, 'every sale is accounted for');
    const eligible = sb.eligibleSales([...STATUSES]);
    for (const e of eligible) assert.ok(accounted.has(e.orderNumber), e.orderNumber);
  });
});
