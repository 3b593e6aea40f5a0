/**
 * Writeback against both observed forms of Starshipit's lists (flat shipped summaries by default,
 * full orders by switch, the printed listing), uninterpretable rows, fulfilments that appear or
 * change after import, and the ship bodies' 256-character tracking field.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { AttentionEvent, WritebackEvent } from '../../protocol/events';
import {
  addTrackingBody,
  shipBody,
  spreadTracking,
  TrackingOverflow,
} from '../../server/src/engine/mapping';
import { run, sandboxSettings, tempDir, tinyServer, TIME_SCALE } from './helpers';

const STATUSES: ('ORDERED' | 'PICKED' | 'PACKED')[] = ['ORDERED', 'PICKED', 'PACKED'];
type ShipLine = { TrackingNumber: string; Boxes: string };

/** Tracking numbers Cin7 holds for a sale, over all its fulfilments. */
function cin7Tracking(sb: Sandbox, saleId: string): { numbers: string[]; writes: number } {
  const numbers: string[] = [];
  let writes = 0;
  for (const sh of sb.dearShipments().values()) {
    if (sh.saleId !== saleId) continue;
    writes += sh.writes;
    for (const l of sh.lines as ShipLine[])
      numbers.push(
        ...l.TrackingNumber.split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      );
  }
  return { numbers: numbers.sort(), writes };
}

function packedSimpleSales(sb: Sandbox, n: number): { orderNumber: string; saleId: string }[] {
  const out = [];
  for (const e of sb.eligibleSales(STATUSES)) {
    if (e.type !== 'Simple Sale') continue;
    const f = (
      sb.sale(e.saleId) as { Fulfilments: { Pack: { Status: string }; Ship: { Status: string } }[] }
    ).Fulfilments[0];
    if (!f || f.Pack.Status !== 'AUTHORISED' || f.Ship.Status === 'AUTHORISED') continue;
    out.push({ orderNumber: e.orderNumber, saleId: e.saleId });
    if (out.length === n) break;
  }
  assert.equal(out.length, n, `the sandbox has ${n} packed simple sales`);
  return out;
}

/** Cursor records of one name in the journal, in order. */
function cursorValues(stateDir: string, name: string): string[] {
  const text = fs.readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line.split('\t')[0]) as { t: string; name?: string; value?: string })
    .filter((r) => r.t === 'cursor' && r.name === name)
    .map((r) => r.value ?? '');
}

const orderReads = (sb: Sandbox): number =>
  sb
    .callLog()
    .filter((e) => e.api === 'starshipit' && e.route === '/api/orders' && /order_id=/.test(e.query))
    .length;

describe('engine: writeback with every observed Starshipit form (sandbox)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 120, timeScale: TIME_SCALE, seed: 11 });
    dir = tempDir();
  });
  afterEach(async () => {
    await sb.close();
  });

  for (const form of ['summary', 'full'] as const)
    for (const when of ['labelPrinted', 'dispatched'] as const)
      it(`writes every label's tracking exactly once, multi-parcel included (shipped rows: ${form}, when: ${when})`, async () => {
        sb.setSwitch('starshipitShippedRows', form);
        const s = sandboxSettings(sb, { import: { statuses: STATUSES }, writeback: { when } });
        await run(sb, s, dir, 'import');
        const [a, b] = packedSimpleSales(sb, 2);
        sb.printLabel({
          orderNumber: a.orderNumber,
          carrier: 'AusPost',
          trackingNumbers: ['MP1', 'MP2', 'MP3'],
          dispatch: when === 'dispatched',
        });
        sb.printLabel({
          orderNumber: b.orderNumber,
          carrier: 'DHL',
          dispatch: when === 'dispatched',
        });

        const first = await run(sb, s, dir, 'writeback');
        assert.equal(first.summary.writtenBack, 2);
        assert.equal(first.summary.needsAttention, 0);
        assert.deepEqual(cin7Tracking(sb, a.saleId), { numbers: ['MP1', 'MP2', 'MP3'], writes: 1 });
        assert.equal(cin7Tracking(sb, b.saleId).writes, 1);

        sb.clearCallLog();
        const again = await run(sb, s, dir, 'writeback');
        assert.equal(again.summary.writtenBack, 0);
        assert.equal(orderReads(sb), 0, 'an order already written back is not read again');
        assert.equal(again.summary.calls.dear, 0);
        assert.equal(cin7Tracking(sb, a.saleId).writes, 1, 'exactly once');
      });

  it('labelPrinted finds a printed order the shipped list does not have yet (printed listing)', async () => {
    sb.setSwitch('starshipitShippedIncludesPrinted', false);
    const s = sandboxSettings(sb, { import: { statuses: STATUSES } });
    await run(sb, s, dir, 'import');
    const [a] = packedSimpleSales(sb, 1);
    sb.printLabel({
      orderNumber: a.orderNumber,
      carrier: 'AusPost',
      trackingNumbers: ['L1', 'L2'],
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'writeback');
    assert.equal(r.summary.writtenBack, 1);
    assert.deepEqual(cin7Tracking(sb, a.saleId).numbers, ['L1', 'L2']);
    assert.ok(sb.callLog().some((e) => e.route === '/api/orders/shipments'));

    const dispatchedOnly = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { when: 'dispatched' },
    });
    const [b] = packedSimpleSales(sb, 1);
    sb.printLabel({ orderNumber: b.orderNumber, carrier: 'AusPost' });
    const d = await run(sb, dispatchedOnly, dir, 'writeback');
    assert.equal(d.summary.writtenBack, 0, 'dispatched waits for the dispatch');
    sb.dispatch({ orderNumber: b.orderNumber });
    const d2 = await run(sb, dispatchedOnly, dir, 'writeback');
    assert.equal(d2.summary.writtenBack, 1);
  });

  it('says in the summary why labelled orders of ours were not written back', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { when: 'dispatched' },
    });
    await run(sb, s, dir, 'import');
    const [a] = packedSimpleSales(sb, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost' });
    const r = await run(sb, s, dir, 'writeback');
    assert.equal(r.summary.writtenBack, 0);
    assert.equal(r.summary.notes?.length, 1, JSON.stringify(r.summary));
    assert.match(r.summary.notes[0], /saw 1 labelled order.*not dispatched yet.*dispatched/);
    assert.ok(r.summary.notes[0].includes(a.orderNumber));
  });

  it('an uninterpretable shipped row needs attention with its shape, and the cursor stays', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { when: 'dispatched' },
    });
    await run(sb, s, dir, 'import');
    const [a] = packedSimpleSales(sb, 1);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost', dispatch: true });
    // A Starshipit that answers our row without order_id (and without packages).
    const mangling = await tinyServer((req, res) => {
      const forward = http.request(
        new URL(req.url ?? '/', sb.starshipitBaseUrl),
        { method: req.method, headers: req.headers },
        (answer) => {
          let text = '';
          answer.setEncoding('utf8').on('data', (c: string) => (text += c));
          answer.on('end', () => {
            if (req.url?.startsWith('/api/orders/shipped')) {
              const json = JSON.parse(text) as { orders: Record<string, unknown>[] };
              for (const o of json.orders) if (o.order_number === a.orderNumber) delete o.order_id;
              text = JSON.stringify(json);
            }
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
            res.end(text);
          });
        },
      );
      req.pipe(forward);
    });
    try {
      const bad = {
        ...s,
        starshipit: { ...s.starshipit, baseUrl: mangling.url.replace(/\/$/, '') },
      };
      const r = await run(sb, bad, dir, 'writeback');
      assert.equal(r.summary.writtenBack, 0);
      assert.equal(r.summary.needsAttention, 1);
      const att = r.events.find((e): e is AttentionEvent => e.type === 'attention');
      assert.equal(att?.code, 'unreadable-starshipit-row');
      assert.match(att?.reason ?? '', /order_id/);
      assert.match(att?.reason ?? '', /tracking_number: string/, 'the reason shows the shape seen');
      assert.deepEqual(cursorValues(dir, 'starshipit'), [], 'the cursor did not move past the row');
    } finally {
      await mangling.close();
    }
    const ok = await run(sb, s, dir, 'writeback');
    assert.equal(ok.summary.writtenBack, 1);
    assert.equal(cursorValues(dir, 'starshipit').length, 1);
    assert.equal(cin7Tracking(sb, a.saleId).writes, 1);
  });

  it('a sale imported while ORDERING is written back after it is authorised and its label printed', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: ['ORDERING'] as never },
      writeback: { autoPickPack: true },
    });
    const ordering = sb.eligibleSales(['ORDERING']).find((e) => e.fulfilments.length === 0);
    assert.ok(ordering, 'the sandbox has an ORDERING sale without a fulfilment');
    await run(sb, s, dir, 'import');
    assert.ok(sb.starshipitOrders().has(ordering.orderNumber), 'imported while ORDERING');
    sb.printLabel({
      orderNumber: ordering.orderNumber,
      carrier: 'AusPost',
      trackingNumbers: ['O1'],
    });

    const parked = await run(sb, s, dir, 'writeback');
    assert.equal(parked.summary.writtenBack, 0);
    const att = parked.events.find(
      (e): e is AttentionEvent => e.type === 'attention' && e.orderNumber === ordering.orderNumber,
    );
    assert.equal(att?.code, 'no-fulfilment');
    assert.match(att?.reason ?? '', /no open fulfilment/);

    // In Cin7 Core: the order is authorised, which gives the sale its fulfilment.
    sb.updateSale(ordering.saleId, (sale) => {
      sale.Status = 'ORDERED';
      (sale.Order as { Status: string }).Status = 'AUTHORISED';
    });
    const res = await fetch(new URL('sale/fulfilment', sb.dearBaseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'api-auth-accountid': sb.credentials.dearAccountId,
        'api-auth-applicationkey': sb.credentials.dearApiKey2,
      },
      body: JSON.stringify({ SaleID: ordering.saleId }),
    });
    assert.equal(res.status, 200, await res.text());

    const done = await run(sb, s, dir, 'writeback');
    assert.equal(done.summary.writtenBack, 1);
    assert.equal(done.summary.needsAttention, 0);
    assert.deepEqual(cin7Tracking(sb, ordering.saleId).numbers, ['O1']);
  });

  it('a fulfilment voided and re-created after import: the open one is used, one re-read', async () => {
    const s = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      writeback: { autoPickPack: true },
    });
    await run(sb, s, dir, 'import');
    const [a] = packedSimpleSales(sb, 1);
    const old = (sb.sale(a.saleId) as { Fulfilments: { TaskID: string }[] }).Fulfilments[0].TaskID;
    sb.updateSale(a.saleId, (sale) => {
      const f = (sale.Fulfilments as Record<string, { Status: string }>[])[0];
      for (const stage of ['Pick', 'Pack', 'Ship']) f[stage].Status = 'VOIDED';
      (sale.Fulfilments as Record<string, unknown>[])[0].FulFilmentStatus = 'VOIDED';
    });
    const res = await fetch(new URL('sale/fulfilment', sb.dearBaseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'api-auth-accountid': sb.credentials.dearAccountId,
        'api-auth-applicationkey': sb.credentials.dearApiKey2,
      },
      body: JSON.stringify({ SaleID: a.saleId }),
    });
    assert.equal(res.status, 200, await res.text());
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost', trackingNumbers: ['V1'] });

    const r = await run(sb, s, dir, 'writeback');
    assert.equal(
      r.summary.writtenBack,
      1,
      JSON.stringify(r.events.filter((e) => e.type === 'attention')),
    );
    const w = r.events.find((e): e is WritebackEvent => e.type === 'writeback');
    assert.ok(w && w.taskId !== old, 'written to the new fulfilment');
    assert.deepEqual(cin7Tracking(sb, a.saleId).numbers, ['V1']);
  });
});

describe('engine: ship bodies and the 256-character tracking field', () => {
  const long = (i: number) => `LONGTRACKING${String(i).padStart(28, '0')}`; // 40 characters

  it('spreads tracking numbers over lines within 256 characters each, or refuses', () => {
    const numbers = Array.from({ length: 12 }, (_, i) => long(i));
    const groups = spreadTracking(numbers, 3);
    assert.deepEqual(groups.flat().sort(), [...numbers].sort());
    for (const g of groups) assert.ok(g.join(', ').length <= 256);
    assert.throws(() => spreadTracking(numbers, 1), TrackingOverflow);
  });

  it('POST: one line per box, extra lines when one box cannot hold the numbers', () => {
    const body = shipBody({
      taskId: 'T',
      carrier: 'C',
      boxes: ['Box 1', 'Box 2', 'Box 3'],
      tracking: Array.from({ length: 10 }, (_, i) => ({ number: long(i) })),
      shipDate: '2026-01-01T00:00:00',
    });
    assert.equal(body.Lines.length, 3);
    for (const l of body.Lines) assert.ok((l.TrackingNumber ?? '').length <= 256);
    assert.deepEqual(
      body.Lines.map((l) => l.Box),
      ['Box 1', 'Box 2', 'Box 3'],
    );
    const few = shipBody({
      taskId: 'T',
      carrier: 'C',
      boxes: ['Box 1', 'Box 2', 'Box 3'],
      tracking: [{ number: 'A' }],
      shipDate: '2026-01-01T00:00:00',
    });
    assert.deepEqual(
      few.Lines.map((l) => l.Box),
      ['Box 1, Box 2, Box 3'],
    );
  });

  it('PUT AddTrackingNumbers lists every stored line (every packed box) with ShipmentDate', () => {
    const body = addTrackingBody({
      taskId: 'T',
      carrier: 'Australia Post',
      shipLines: [
        {
          ID: 'L1',
          Boxes: 'Box 1',
          ShipmentDate: '2026-01-02T00:00:00',
          TrackingNumber: 'OLD1',
          IsShipped: true,
        },
        {
          ID: 'L2',
          Boxes: 'Box 2',
          ShipmentDate: '2026-01-02T00:00:00',
          TrackingNumber: 'OLD2',
          IsShipped: true,
        },
      ],
      tracking: [{ number: 'NEW1', url: 'https://t.invalid/NEW1' }],
      shipDate: '2026-01-05T00:00:00',
    });
    assert.equal(body.AddTrackingNumbers, true);
    assert.deepEqual(
      body.Lines.map((l) => [l.ID, l.Box, l.ShipmentDate, l.TrackingNumber, l.IsShipped]),
      [
        ['L1', 'Box 1', '2026-01-02T00:00:00', 'NEW1', true],
        ['L2', 'Box 2', '2026-01-02T00:00:00', 'OLD2', true],
      ],
    );
  });
});
