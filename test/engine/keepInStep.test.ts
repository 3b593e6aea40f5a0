/**
 * Keeping imported orders in step with Cin7 Core, against the sandbox over real HTTP
 * (time-scaled), checked from the sandbox's own state and call log.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type {
  AttentionEvent,
  EngineEvent,
  UpdateEvent,
  WithdrawEvent,
} from '../../protocol/events';
import type { DearSettings } from '../../protocol/settings';
import { readStatus } from '../../server/src/engine/index';
import { isCheckCall, run, sandboxSettings, tempDir, tinyServer, TIME_SCALE } from './helpers';

type Obj = Record<string, unknown>;
type Line = {
  SKU: string;
  Name: string;
  Quantity: number;
  ProductID: string;
  [k: string]: unknown;
};

const updates = (ev: EngineEvent[]): UpdateEvent[] =>
  ev.filter((e): e is UpdateEvent => e.type === 'update');
const withdrawals = (ev: EngineEvent[]): WithdrawEvent[] =>
  ev.filter((e): e is WithdrawEvent => e.type === 'withdraw');
const attentions = (ev: EngineEvent[]): AttentionEvent[] =>
  ev.filter((e): e is AttentionEvent => e.type === 'attention');

function ssOrder(sb: Sandbox, orderNumber: string): Obj {
  const list = sb.starshipitOrders().get(orderNumber);
  assert.ok(
    list && list.length === 1,
    `${orderNumber}: expected exactly one Starshipit order, found ${list?.length ?? 0}`,
  );
  return list[0] as Obj;
}
const dest = (o: Obj): Obj => o.destination as Obj;
const items = (o: Obj): Obj[] => o.items as Obj[];

/** Simple, valid, unshipped ORDERED sales (sales mode imports them as one order each). */
function candidates(sb: Sandbox): { saleId: string; orderNumber: string }[] {
  return sb
    .eligibleSales(['ORDERED'])
    .filter(
      (e) =>
        e.valid &&
        e.type === 'Simple Sale' &&
        (sb.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
          'SHIPPED',
    );
}

/** Starshipit writes the sandbox accepted for processing (a throttled call applies nothing and is retried). */
function writes(sb: Sandbox): { method: string; route: string; query: string }[] {
  return sb
    .callLog()
    .filter((e) => e.api === 'starshipit' && e.method !== 'GET' && e.fault !== 'rate-limit');
}
function detailReads(sb: Sandbox): number {
  return sb
    .callLog()
    .filter((e) => e.api === 'dear' && e.method === 'GET' && /\/sale$/i.test(e.route)).length;
}

describe('engine: keeping imported orders in step (sandbox)', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 150, timeScale: TIME_SCALE, seed: 23 });
  });
  afterEach(async () => {
    await sb.close();
  });

  const settings = (over: Partial<DearSettings['import']> = {}): DearSettings =>
    sandboxSettings(sb, {
      import: {
        statuses: ['ORDERED'],
        memo: 'order',
        orderNote: false,
        contactAsCompany: true,
        propagateChanges: true,
        onCancelled: 'attention',
        ...over,
      },
    });

  it('each changed field propagates as one partial PUT per order; unchanged sales cost nothing; a second run sends nothing', async () => {
    const s = settings();
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const c = candidates(sb);
    const multi = c.find((e) => ((sb.sale(e.saleId).Order as Obj).Lines as Line[]).length >= 2);
    assert.ok(multi, 'the seed has a sale with two lines');
    const pool = c.filter((e) => e !== multi);
    assert.ok(pool.length >= 8, `enough candidate sales (${pool.length})`);
    const [street, city, contact, phone, qty, added, memo, carrier] = pool;
    for (const e of [...pool.slice(0, 8), multi]) ssOrder(sb, e.orderNumber); // imported once
    const removedSku = ((sb.sale(multi.saleId).Order as Obj).Lines as Line[]).at(-1)!.SKU;
    const qtySku = ((sb.sale(qty.saleId).Order as Obj).Lines as Line[])[0].SKU;
    const qtyBefore = ((sb.sale(qty.saleId).Order as Obj).Lines as Line[])[0].Quantity;
    const itemIdBefore = items(ssOrder(sb, qty.orderNumber)).find((i) => i.sku === qtySku)?.item_id;

    sb.updateSale(street.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '99 Changed Street';
    });
    sb.updateSale(city.saleId, (x) => {
      Object.assign(x.ShippingAddress as Obj, { City: 'Newtown', Postcode: '2042' });
    });
    sb.updateSale(contact.saleId, (x) => {
      (x.ShippingAddress as Obj).Contact = 'Jo Receiving';
    });
    sb.updateSale(phone.saleId, (x) => {
      Object.assign(x, { Phone: '0400 111 222', Email: 'new@example.com' });
    });
    sb.updateSale(qty.saleId, (x) => {
      ((x.Order as Obj).Lines as Line[])[0].Quantity = qtyBefore + 2;
    });
    sb.updateSale(added.saleId, (x) => {
      const lines = (x.Order as Obj).Lines as Line[];
      lines.push({
        ...lines[0],
        SKU: 'ADDED-SKU-1',
        Name: 'Added gadget',
        Quantity: 3,
        ProductID: '00000000-0000-4000-8000-00000000adde',
      });
    });
    sb.updateSale(multi.saleId, (x) => {
      ((x.Order as Obj).Lines as Line[]).pop();
    });
    sb.updateSale(memo.saleId, (x) => {
      (x.Order as Obj).Memo = 'Leave at the back door';
    });
    sb.updateSale(carrier.saleId, (x) => {
      x.Carrier = 'Express Overnight';
    });
    sb.clearCallLog();

    const r = await run(sb, s, dir, 'import');
    const ups = updates(r.events);
    const byNumber = new Map(ups.map((u) => [u.orderNumber, u]));
    const fields = (n: string): string[] =>
      (byNumber.get(n)?.changes ?? []).map((ch) => ch.field).sort();
    assert.deepEqual(fields(street.orderNumber), ['destination.street']);
    assert.deepEqual(fields(city.orderNumber), [
      'destination.city',
      'destination.post_code',
      'destination.suburb',
    ]);
    assert.deepEqual(fields(contact.orderNumber), ['destination.company']);
    assert.deepEqual(fields(phone.orderNumber), ['destination.email', 'destination.phone']);
    assert.deepEqual(fields(qty.orderNumber), [`items[${qtySku}].quantity`]);
    assert.deepEqual(fields(added.orderNumber), ['items[ADDED-SKU-1]']);
    assert.deepEqual(fields(multi.orderNumber), [`items[${removedSku}]`]);
    assert.deepEqual(fields(memo.orderNumber), ['destination.delivery_instructions']);
    assert.deepEqual(fields(carrier.orderNumber), ['shipping_method']);
    assert.equal(r.summary.updated, 9);
    assert.equal(ups.length, 9);
    assert.ok(ups.every((u) => !u.dryRun && typeof u.starshipit.order_id === 'number'));
    const streetChange = byNumber.get(street.orderNumber)!.changes[0];
    assert.equal(streetChange.after, '99 Changed Street');
    assert.notEqual(streetChange.before, '99 Changed Street');

    // Starshipit now holds what a fresh import would create.
    assert.equal(dest(ssOrder(sb, street.orderNumber)).street, '99 Changed Street');
    assert.equal(dest(ssOrder(sb, city.orderNumber)).city, 'Newtown');
    assert.equal(dest(ssOrder(sb, city.orderNumber)).post_code, '2042');
    assert.equal(dest(ssOrder(sb, contact.orderNumber)).company, 'Jo Receiving');
    assert.equal(dest(ssOrder(sb, phone.orderNumber)).phone, '0400 111 222');
    assert.equal(dest(ssOrder(sb, phone.orderNumber)).email, 'new@example.com');
    const qtyItem = items(ssOrder(sb, qty.orderNumber)).find((i) => i.sku === qtySku)!;
    assert.equal(qtyItem.quantity, qtyBefore + 2);
    assert.equal(
      qtyItem.item_id,
      itemIdBefore,
      'the line was updated in place (matched by item_id), not re-added',
    );
    assert.equal(
      items(ssOrder(sb, added.orderNumber)).filter((i) => i.sku === 'ADDED-SKU-1').length,
      1,
    );
    assert.equal(
      items(ssOrder(sb, added.orderNumber)).find((i) => i.sku === 'ADDED-SKU-1')!.quantity,
      3,
    );
    assert.ok(
      !items(ssOrder(sb, multi.orderNumber)).some((i) => i.sku === removedSku),
      'removed line deleted',
    );
    const removal = byNumber.get(multi.orderNumber)!.starshipit.items as Obj[];
    assert.deepEqual(Object.keys(removal[0]).sort(), ['delete', 'item_id']);
    assert.match(
      String(dest(ssOrder(sb, memo.orderNumber)).delivery_instructions),
      /Leave at the back door/,
    );
    assert.equal(ssOrder(sb, carrier.orderNumber).shipping_method, 'Express Overnight');

    // Cost: one PUT per changed order, no create, one Cin7 detail read per changed sale.
    const w = writes(sb);
    assert.equal(w.filter((e) => e.method === 'PUT').length, 9);
    assert.equal(w.length, 9, `only PUTs: ${w.map((e) => `${e.method} ${e.route}`).join(', ')}`);
    assert.equal(detailReads(sb), 9);
    const dearCalls = sb.callLog().filter((e) => e.api === 'dear' && !isCheckCall(e));
    const lists = dearCalls.filter((e) => /salelist$/i.test(e.route)).length;
    assert.equal(
      dearCalls.length,
      lists + 9,
      'Cin7 calls: the listing plus one detail read per changed sale, nothing else',
    );
    assert.ok(
      lists <= 3,
      `listing: the ORDERED pass plus one VOIDED and one CREDITED pass (${lists})`,
    );

    // A second run with no changes sends nothing and reads no sale.
    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    assert.equal(writes(sb).length, 0);
    assert.equal(detailReads(sb), 0);
    assert.equal(again.summary.updated, 0);
    assert.equal(again.summary.created, 0);
  });

  it('dry-run lists each update with its field-by-field diff and sends nothing; the live run then sends exactly that', async () => {
    const s = settings();
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    const before = dest(ssOrder(sb, a.orderNumber)).street;
    sb.updateSale(a.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '1 Dry Run Road';
    });
    sb.clearCallLog();
    const dry = await run(sb, s, dir, 'import', true);
    assert.deepEqual(
      [
        ...new Set(
          sb
            .callLog()
            .filter((e) => e.api !== 'control')
            .map((e) => e.method),
        ),
      ],
      ['GET'],
      'a dry run only reads',
    );
    const [u] = updates(dry.events);
    assert.equal(u.orderNumber, a.orderNumber);
    assert.equal(u.dryRun, true);
    assert.deepEqual(u.changes, [{ field: 'destination.street', before, after: '1 Dry Run Road' }]);
    assert.equal(dry.summary.updated, 1);
    assert.equal(dest(ssOrder(sb, a.orderNumber)).street, before);
    const live = await run(sb, s, dir, 'import');
    const [lu] = updates(live.events);
    assert.deepEqual(lu.changes, u.changes);
    assert.deepEqual(lu.starshipit, u.starshipit);
    assert.equal(dest(ssOrder(sb, a.orderNumber)).street, '1 Dry Run Road');
  });

  it('a printed order is never touched and is reported with what changed', async () => {
    const s = settings();
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    sb.printLabel({ orderNumber: a.orderNumber, carrier: 'AusPost' });
    const before = structuredClone(ssOrder(sb, a.orderNumber));
    sb.updateSale(a.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '5 Too Late Lane';
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'import');
    assert.equal(writes(sb).length, 0);
    assert.deepEqual(ssOrder(sb, a.orderNumber), before);
    const [att] = attentions(r.events);
    assert.equal(att.code, 'changed-after-print');
    assert.equal(att.orderNumber, a.orderNumber);
    assert.match(att.reason, /address changed in Cin7 Core after the label was printed/);
    assert.match(att.reason, /5 Too Late Lane/);
    assert.equal(r.summary.updated, 0);
    // Not re-read or re-reported while the sale stays as it is.
    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    assert.equal(detailReads(sb), 0);
    assert.equal(attentions(again.events).length, 0);
    const noted = async (): Promise<boolean> =>
      (await readStatus(dir)).needsAttention.some((n) => n.code === 'changed-after-print');
    assert.ok(await noted(), 'the note is listed by status');
    // Once the label was written back, `retry` settles the note.
    const wb = settings();
    wb.writeback.autoPickPack = true;
    await run(sb, wb, dir, 'sync');
    assert.ok(await noted(), 'a sync alone keeps the note listed');
    await run(sb, wb, dir, 'retry');
    assert.equal(await noted(), false);
  });

  it('a label printed between the check and the PUT: Starshipit refuses, nothing changes, the order is reported', async () => {
    // A loopback proxy in front of the sandbox prints the label just before forwarding the PUT.
    const proxy = await tinyServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'PUT') {
          const id = (JSON.parse(body.toString('utf8')) as { order: { order_id: number } }).order
            .order_id;
          sb.printLabel({ orderNumber: '', orderId: id, carrier: 'AusPost' });
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection')
            headers[k] = v;
        void fetch(new URL(req.url ?? '/', sb.starshipitBaseUrl), {
          method: req.method,
          headers,
          body: body.length ? body : undefined,
        })
          .then(async (r) => {
            res.writeHead(r.status, {
              'content-type': r.headers.get('content-type') ?? 'application/json',
            });
            res.end(Buffer.from(await r.arrayBuffer()));
          })
          .catch((err: unknown) => {
            res.writeHead(502);
            res.end(String(err));
          });
      });
    });
    try {
      const s = settings();
      const dir = tempDir();
      await run(sb, s, dir, 'import');
      const [a] = candidates(sb);
      sb.updateSale(a.saleId, (x) => {
        (x.ShippingAddress as Obj).Line1 = '8 Race Street';
      });
      s.starshipit.baseUrl = proxy.url.replace(/\/$/, '');
      const r = await run(sb, s, dir, 'import');
      assert.equal(updates(r.events).length, 0);
      assert.notEqual(dest(ssOrder(sb, a.orderNumber)).street, '8 Race Street');
      assert.equal(ssOrder(sb, a.orderNumber).status, 'Printed');
      const att = attentions(r.events).find((e) => e.orderNumber === a.orderNumber);
      assert.equal(att?.code, 'changed-after-print');
      assert.match(att!.reason, /8 Race Street/);
    } finally {
      await proxy.close();
    }
  });

  it('a voided sale is reported by default (import.onCancelled: attention) and its order left alone', async () => {
    const s = settings();
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    sb.updateSale(a.saleId, (x) => {
      x.Status = 'VOIDED';
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'import');
    assert.equal(writes(sb).length, 0);
    ssOrder(sb, a.orderNumber);
    const att = attentions(r.events).find((e) => e.orderNumber === a.orderNumber);
    assert.equal(att?.code, 'cancelled-after-import');
    assert.match(att!.reason, /voided/);
    assert.equal(r.summary.withdrawn, 0);
    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    assert.equal(detailReads(sb), 0);
    assert.equal(attentions(again.events).length, 0);
    // Switching to withdraw later: `retry` withdraws what was reported.
    const retried = await run(sb, settings({ onCancelled: 'withdraw' }), dir, 'retry');
    assert.deepEqual(
      withdrawals(retried.events).map((w) => w.orderNumber),
      [a.orderNumber],
    );
    assert.ok(!sb.starshipitOrders().has(a.orderNumber));
  });

  it('with import.onCancelled: withdraw a voided or credited sale deletes its unshipped order once; a printed one is reported', async () => {
    const s = settings({ onCancelled: 'withdraw' });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a, b, p] = candidates(sb);
    sb.printLabel({ orderNumber: p.orderNumber, carrier: 'AusPost' });
    sb.updateSale(a.saleId, (x) => {
      x.Status = 'VOIDED';
    });
    sb.updateSale(b.saleId, (x) => {
      x.Status = 'CREDITED';
    });
    sb.updateSale(p.saleId, (x) => {
      x.Status = 'VOIDED';
    });
    sb.clearCallLog();
    const dry = await run(sb, s, dir, 'import', true);
    assert.equal(writes(sb).length, 0);
    assert.deepEqual(
      withdrawals(dry.events)
        .map((w) => w.orderNumber)
        .sort(),
      [a.orderNumber, b.orderNumber].sort(),
    );
    const r = await run(sb, s, dir, 'import');
    assert.deepEqual(
      withdrawals(r.events)
        .map((w) => w.orderNumber)
        .sort(),
      [a.orderNumber, b.orderNumber].sort(),
    );
    assert.equal(r.summary.withdrawn, 2);
    assert.ok(!sb.starshipitOrders().has(a.orderNumber));
    assert.ok(!sb.starshipitOrders().has(b.orderNumber));
    ssOrder(sb, p.orderNumber);
    const att = attentions(r.events).find((e) => e.orderNumber === p.orderNumber);
    assert.equal(att?.code, 'cancelled-after-print');
    assert.equal(writes(sb).filter((e) => e.method === 'DELETE').length, 2);
    sb.clearCallLog();
    const again = await run(sb, s, dir, 'import');
    assert.equal(writes(sb).length, 0, 'a withdrawal is not repeated');
    assert.equal(again.summary.withdrawn, 0);
    assert.equal(again.summary.created, 0, 'a withdrawn order is not re-created');
  });

  it('a sale that merely left import.statuses is never withdrawn', async () => {
    const s = settings({ statuses: ['ORDERED', 'PICKED'], onCancelled: 'withdraw' });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    sb.updateSale(a.saleId, (x) => {
      x.Status = 'INVOICED';
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'import');
    assert.equal(detailReads(sb), 1, 'the changed sale was read once');
    assert.equal(writes(sb).length, 0);
    assert.equal(withdrawals(r.events).length, 0);
    ssOrder(sb, a.orderNumber);
  });

  it('import.propagateChanges: false reports a change (info) and sends nothing', async () => {
    const s = settings({ propagateChanges: false });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    sb.updateSale(a.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '7 Unsent Street';
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'import');
    assert.equal(writes(sb).length, 0);
    assert.equal(r.summary.updated, 0);
    assert.ok(
      r.events.some(
        (e) =>
          e.type === 'log' &&
          e.level === 'info' &&
          e.message.includes(a.orderNumber) &&
          e.message.includes('7 Unsent Street') &&
          e.message.includes('propagateChanges'),
      ),
    );
    assert.notEqual(dest(ssOrder(sb, a.orderNumber)).street, '7 Unsent Street');
  });

  it('fulfilments mode: a fulfilment added after import becomes a new order; a voided fulfilment is withdrawn', async () => {
    const s = settings({
      source: 'fulfilments',
      statuses: ['ORDERED', 'PICKED', 'PACKED'],
      onCancelled: 'withdraw',
    });
    const dir = tempDir();
    await run(sb, s, dir, 'import');
    const [a] = candidates(sb);
    const first = `${a.orderNumber}-F1`;
    ssOrder(sb, first);
    const firstBefore = structuredClone(ssOrder(sb, first));
    const line0 = structuredClone(((sb.sale(a.saleId) as Obj).Order as { Lines: Line[] }).Lines[0]);
    sb.updateSale(a.saleId, (x) => {
      const fs = x.Fulfilments as Obj[];
      const line = ((x.Order as Obj).Lines as Line[])[0];
      const stage = (status: string, lines: Obj[]): Obj => ({ Status: status, Lines: lines });
      fs.push({
        ...structuredClone(fs[0]),
        TaskID: '00000000-0000-4000-8000-0000000f0002',
        FulfillmentNumber: 2,
        LinkedInvoiceNumber: null,
        Pick: stage('AUTHORISED', [
          {
            ProductID: line.ProductID,
            SKU: line.SKU,
            Name: line.Name,
            Location: 'Main',
            LocationID: 'loc',
            Quantity: 1,
            BatchSN: null,
            ExpiryDate: null,
            NonInventory: false,
          },
        ]),
        Pack: stage('NOT AVAILABLE', []),
        Ship: { ...(structuredClone(fs[0].Ship) as Obj), Status: 'NOT AVAILABLE', Lines: [] },
      });
    });
    sb.clearCallLog();
    const r = await run(sb, s, dir, 'import');
    const second = `${a.orderNumber}-F2`;
    assert.ok(
      r.events.some(
        (e) => e.type === 'order' && e.orderNumber === second && e.outcome === 'created',
      ),
    );
    assert.equal(items(ssOrder(sb, second)).length, 1);
    // The unit picked on F2 is no longer F1's: F1, not picked yet, keeps what is left of the order
    // (one PUT), so no unit is in two Starshipit orders.
    const qty = (o: Obj) => items(o).find((i) => i.sku === line0.SKU)?.quantity ?? 0;
    assert.equal(qty(ssOrder(sb, first)), Number(line0.Quantity) - 1);
    const others = (o: Obj) => items(o).filter((i) => i.sku !== line0.SKU);
    assert.deepEqual(others(ssOrder(sb, first)), others(firstBefore));
    assert.deepEqual(
      updates(r.events).map((u) => u.orderNumber),
      [first],
    );
    assert.equal(writes(sb).filter((e) => e.method === 'PUT').length, 1);

    // An address change reaches every fulfilment order of the sale, one PUT each.
    sb.updateSale(a.saleId, (x) => {
      (x.ShippingAddress as Obj).Line1 = '3 Fulfilment Way';
    });
    sb.clearCallLog();
    const moved = await run(sb, s, dir, 'import');
    assert.deepEqual(
      updates(moved.events)
        .map((u) => u.orderNumber)
        .sort(),
      [first, second].sort(),
    );
    assert.equal(dest(ssOrder(sb, first)).street, '3 Fulfilment Way');
    assert.equal(dest(ssOrder(sb, second)).street, '3 Fulfilment Way');
    assert.equal(writes(sb).length, 2);

    sb.updateSale(a.saleId, (x) => {
      ((x.Fulfilments as Obj[])[1].Pick as Obj).Status = 'VOIDED';
    });
    const v = await run(sb, s, dir, 'import');
    assert.deepEqual(
      withdrawals(v.events).map((w) => w.orderNumber),
      [second],
    );
    assert.match(withdrawals(v.events)[0].reason, /fulfilment was voided/);
    assert.ok(!sb.starshipitOrders().has(second));
    ssOrder(sb, first);
  });
});
