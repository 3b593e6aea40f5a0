import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { SALE_STATUSES } from '../../protocol/settings';
import { dear, dearHeaders, UNTHROTTLED_TIME_SCALE } from './helpers';

/** Obviously fake: a wrong application key must be refused like a missing one. */
const WRONG_KEY = 'not-a-valid-application-key';

describe('sandbox: Cin7 Core surface', function () {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ seed: 42, sales: 120, timeScale: UNTHROTTLED_TIME_SCALE });
  });
  after(() => sb.close());

  describe('auth and routing', () => {
    it('answers 403 text/plain "Incorrect credentials!" for missing or wrong headers', async () => {
      const variants: Record<string, string>[] = [
        {},
        { 'api-auth-accountid': sb.credentials.dearAccountId },
        {
          'api-auth-accountid': sb.credentials.dearAccountId,
          'api-auth-applicationkey': WRONG_KEY,
        },
      ];
      for (const headers of variants) {
        const r = await dear(sb, 'saleList', { headers });
        assert.equal(r.status, 403);
        assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
        assert.equal(r.text, 'Incorrect credentials!');
      }
    });

    it('accepts the second application key on the same account', async () => {
      const r = await dear(sb, 'saleList?Limit=1', { key: sb.credentials.dearApiKey2 });
      assert.equal(r.status, 200);
    });

    it('matches paths case-insensitively, 404s unknown paths and v1 paths, 405s wrong verbs', async () => {
      const lower = await fetch(
        sb.dearBaseUrl.replace('ExternalApi/v2', 'externalapi/v2') + 'salelist?limit=1',
        {
          headers: {
            'api-auth-accountid': sb.credentials.dearAccountId,
            'api-auth-applicationkey': sb.credentials.dearApiKey,
          },
        },
      );
      assert.equal(lower.status, 200);
      const unknown = await dear(sb, 'Products');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json[0].ErrorCode, 404);
      // A path named like a property every object has is still an unknown path.
      assert.equal((await dear(sb, 'constructor')).status, 404);
      const v1 = await dear(sb, '../SaleList');
      assert.equal(v1.status, 404);
      assert.match(v1.json[0].Exception, /v2 only/);
      const verb = await dear(sb, 'saleList', { method: 'DELETE' });
      assert.equal(verb.status, 405);
      assert.match(verb.headers.get('allow') ?? '', /GET/);
    });
  });

  describe('saleList', () => {
    it('pages add up to Total with unique rows, whatever the parameter casing', async () => {
      for (const [p, l] of [
        ['Page', 'Limit'],
        ['page', 'limit'],
        ['PAGE', 'LIMIT'],
      ]) {
        const seen = new Set<string>();
        let total: number | undefined;
        for (let page = 1; ; page++) {
          const r = await dear(sb, `saleList?${p}=${page}&${l}=7`);
          assert.equal(r.status, 200);
          assert.equal(r.json.Page, page);
          total = r.json.Total;
          for (const row of r.json.SaleList) seen.add(row.SaleID);
          if (r.json.SaleList.length < 7) break;
        }
        assert.equal(total, 120);
        assert.equal(seen.size, 120);
      }
    });

    it('defaults Limit to 100 and clamps it to 1..1000', async () => {
      assert.equal((await dear(sb, 'saleList')).json.SaleList.length, 100);
      assert.equal((await dear(sb, 'saleList?Limit=5000')).json.SaleList.length, 120);
      assert.equal((await dear(sb, 'saleList?Limit=0')).json.SaleList.length, 1);
    });

    it('filters by Status, ignores unknown parameters, and rows carry the documented fields', async () => {
      const all = (await dear(sb, 'saleList?Limit=1000&Bogus=1')).json;
      assert.equal(all.Total, 120);
      const statuses = new Set(all.SaleList.map((r: { Status: string }) => r.Status));
      for (const s of SALE_STATUSES)
        assert.ok(statuses.has(s), `status ${s} present in the seed data`);
      const packed = (await dear(sb, 'saleList?Status=PACKED&Limit=1000')).json;
      assert.ok(packed.Total > 0);
      assert.equal(
        packed.Total,
        all.SaleList.filter((r: { Status: string }) => r.Status === 'PACKED').length,
      );
      const row = packed.SaleList[0];
      for (const f of [
        'SaleID',
        'OrderNumber',
        'Status',
        'Updated',
        'FulFilmentStatus',
        'CombinedPickingStatus',
        'CombinedPackingStatus',
        'CombinedShippingStatus',
        'CombinedTrackingNumbers',
        'Carrier',
        'Type',
        'OrderStatus',
      ]) {
        assert.ok(f in row, `row has ${f}`);
      }
      assert.match(row.Updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
      assert.match(row.OrderDate, /^\d{4}-\d\d-\d\dT00:00:00$/);
      assert.ok(
        !('ShippingAddress' in row) && !('Note' in row),
        'no addresses or notes in list rows',
      );
    });

    it('filters by UpdatedSince (inclusive), CombinedPickStatus, Search and ReadyForShipping', async () => {
      const all = (await dear(sb, 'saleList?Limit=1000')).json.SaleList as {
        Updated: string;
        CombinedPickingStatus: string;
        OrderNumber: string;
      }[];
      const sorted = all.map((r) => r.Updated).sort();
      const pivot = sorted[60];
      const since = (
        await dear(sb, `saleList?Limit=1000&UpdatedSince=${encodeURIComponent(pivot)}`)
      ).json;
      assert.equal(
        since.Total,
        all.filter((r) => Date.parse(r.Updated) >= Date.parse(pivot)).length,
      );
      const picked = (await dear(sb, 'saleList?Limit=1000&CombinedPickStatus=PICKED')).json;
      assert.equal(picked.Total, all.filter((r) => r.CombinedPickingStatus === 'PICKED').length);
      const search = (await dear(sb, 'saleList?Search=so-0001')).json;
      assert.ok(
        search.SaleList.every((r: { OrderNumber: string }) =>
          r.OrderNumber.startsWith('SO-0001'),
        ) && search.Total >= 10,
      );
      const ready = (await dear(sb, 'saleList?Limit=1000&ReadyForShipping=true')).json;
      assert.ok(ready.Total > 0 && ready.Total < 120);
      const bad = await dear(sb, 'saleList?UpdatedSince=yesterday');
      assert.equal(bad.status, 400);
      assert.match(bad.json[0].Exception, /UpdatedSince/);
    });
  });

  describe('sale detail', () => {
    it('returns the full sale under `ID` with memos, note, address and fulfilments', async () => {
      const advanced = sb
        .eligibleSales(['ORDERED', 'INVOICED', 'COMPLETED'])
        .find((s) => s.type === 'Advanced Sale');
      assert.ok(advanced, 'seed data has an Advanced sale');
      const r = await dear(sb, `sale?ID=${advanced.saleId}`);
      assert.equal(r.status, 200);
      const s = r.json;
      assert.equal(s.ID, advanced.saleId);
      assert.ok(!('SaleID' in s));
      assert.ok('Memo' in s.Quote && 'Memo' in s.Order && 'Note' in s);
      for (const k of [
        'Company',
        'Contact',
        'Line1',
        'Line2',
        'City',
        'State',
        'Postcode',
        'Country',
      ])
        assert.ok(k in s.ShippingAddress, k);
      assert.ok(s.Fulfilments.length >= 2 && s.Fulfilments.length <= 3);
      assert.deepEqual(
        s.Fulfilments.map((f: { FulfillmentNumber: number }) => f.FulfillmentNumber),
        s.Fulfilments.map((_: unknown, i: number) => i + 1),
      );
      assert.equal(
        new Set(s.Fulfilments.map((f: { TaskID: string }) => f.TaskID)).size,
        s.Fulfilments.length,
      );
      for (const l of s.Order.Lines) {
        assert.ok(['g', 'kg', 'mg', 'lb', 'oz'].includes(l.WeightUnits));
        assert.ok(l.SKU && l.Name && l.Quantity > 0 && typeof l.ProductWeight === 'number');
      }
      const f = await dear(sb, `sale/fulfilment?SaleID=${advanced.saleId}`);
      assert.equal(f.json.SaleID, advanced.saleId);
      assert.deepEqual(f.json.Fulfilments, s.Fulfilments);
    });

    it('answers an unknown sale ID with 400 and the error model, array or object by switch', async () => {
      const r = await dear(sb, 'sale?ID=6222cb47-0000-4000-8000-000000000000');
      assert.equal(r.status, 400);
      assert.deepEqual(Object.keys(r.json[0]), ['ErrorCode', 'Exception']);
      assert.match(r.json[0].Exception, /not found/);
      sb.setSwitch('dearErrorShape', 'object');
      try {
        const o = await dear(sb, 'sale?ID=6222cb47-0000-4000-8000-000000000000');
        assert.equal(o.status, 400);
        assert.equal(o.json.ErrorCode, 400);
        assert.match(o.json.Exception, /not found/);
      } finally {
        sb.setSwitch('dearErrorShape', 'array');
      }
    });

    it('includes a few invalid addresses that eligibleSales flags', () => {
      const all = sb.eligibleSales([...SALE_STATUSES], { includeInvalid: true });
      assert.equal(all.length, 120);
      const invalid = all.filter((s) => !s.valid);
      assert.ok(invalid.length >= 2);
      assert.ok(
        invalid.some((s) => s.problems.some((p) => /Line1/.test(p))) &&
          invalid.some((s) => s.problems.some((p) => /Country/.test(p))),
      );
      assert.equal(sb.eligibleSales([...SALE_STATUSES]).length, 120 - invalid.length);
      const detail = sb.sale(invalid[0].saleId) as {
        ShippingAddress: { Line1: string | null; Country: string | null };
      };
      assert.ok(!detail.ShippingAddress.Line1 || !detail.ShippingAddress.Country);
    });
  });

  describe('more edges', () => {
    it('unknown TaskID → 400 not found; POST sale → 405; CountryFormat=Code2; CreatedSince filters', async () => {
      const t = await dear(sb, 'sale/fulfilment/ship?TaskID=cde5fb4a-0000-4000-8000-000000000000');
      assert.equal(t.status, 400);
      assert.match(t.json[0].Exception, /TaskID .* not found/);
      const w = await dear(sb, 'sale/fulfilment/pick', {
        body: { TaskID: 'nope', AutoPickMode: 'AUTOPICK' },
      });
      assert.equal(w.status, 400);
      assert.equal((await dear(sb, 'sale', { body: { Customer: 'x' } })).status, 405);
      const au = sb
        .eligibleSales(['ORDERED', 'COMPLETED', 'INVOICED'])
        .find(
          (x) =>
            (sb.sale(x.saleId) as { ShippingAddress: { Country: string } }).ShippingAddress
              .Country === 'Australia',
        );
      assert.ok(au);
      assert.equal(
        (await dear(sb, `sale?ID=${au.saleId}&CountryFormat=Code2`)).json.ShippingAddress.Country,
        'AU',
      );
      const all = (await dear(sb, 'saleList?Limit=1000')).json.SaleList as { SaleID: string }[];
      const created = all
        .map((r) =>
          Date.parse((sb.sale(r.SaleID) as { SaleOrderDate: string }).SaleOrderDate + 'Z'),
        )
        .sort((a, b) => a - b);
      const pivot = new Date(created[60] + 86_400_000).toISOString();
      const since = (await dear(sb, `saleList?CreatedSince=${pivot}&Limit=1000`)).json;
      assert.ok(since.Total > 0 && since.Total < 120);
      const bad = await dear(sb, 'sale/fulfilment/pick', {
        method: 'PUT',
        body: '{not json' as unknown,
      });
      assert.equal(bad.status, 400, 'a JSON string body is not an object');
      const raw = await fetch(sb.dearBaseUrl + 'sale/fulfilment/pick', {
        method: 'POST',
        headers: dearHeaders(sb),
        body: '{not json',
      });
      assert.equal(raw.status, 500);
      const errors = (await raw.json()) as Array<{ Exception: string }>;
      assert.match(errors[0].Exception, /Unable to parse the request body/);
    });
  });

  describe('determinism', () => {
    it('same seed → same data; another seed → other data', async () => {
      const a = await startTestSandbox({ seed: 7, sales: 50 });
      const b = await startTestSandbox({ seed: 7, sales: 50 });
      const c = await startTestSandbox({ seed: 8, sales: 50 });
      try {
        const la = (await dear(a, 'saleList?Limit=50')).json;
        const lb = (await dear(b, 'saleList?Limit=50')).json;
        const lc = (await dear(c, 'saleList?Limit=50')).json;
        assert.deepEqual(la, lb);
        assert.notDeepEqual(
          la.SaleList.map((r: { SaleID: string }) => r.SaleID),
          lc.SaleList.map((r: { SaleID: string }) => r.SaleID),
        );
        for (const row of la.SaleList.slice(0, 10)) {
          assert.deepEqual(
            (await dear(a, `sale?ID=${row.SaleID}`)).json,
            (await dear(b, `sale?ID=${row.SaleID}`)).json,
          );
        }
        assert.deepEqual(
          a.eligibleSales(['ORDERED', 'PACKED']),
          b.eligibleSales(['ORDERED', 'PACKED']),
        );
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });

    it('serves 100 000 sales lazily: pages of 1000 with consistent totals', async () => {
      const big = await startTestSandbox({ seed: 3, sales: 100_000 });
      try {
        const first = (await dear(big, 'saleList?Limit=1000&Page=1')).json;
        const last = (await dear(big, 'saleList?Limit=1000&Page=100')).json;
        assert.equal(first.Total, 100_000);
        assert.equal(first.SaleList.length, 1000);
        assert.equal(last.SaleList.length, 1000);
        assert.equal(last.SaleList[999].OrderNumber, 'SO-100000');
        const ordered = (await dear(big, 'saleList?Limit=1000&Status=ORDERED')).json;
        // eligibleSales selects an Advanced ORDERED sale by its fulfilments' stages: ask for every
        // stage an ORDERED sale can be at, then count by Status.
        const stages = ['ORDERED', 'PICKING', 'PICKED', 'PACKING', 'PACKED', 'SHIPPING'];
        assert.equal(
          ordered.Total,
          big.eligibleSales(stages, { includeInvalid: true }).filter((e) => e.status === 'ORDERED')
            .length,
        );
      } finally {
        await big.close();
      }
    });
  });

  describe('ref/carrier', () => {
    it('lists, creates, updates and deletes carriers in the {Total, Page, CarrierList} envelope', async () => {
      const list = (await dear(sb, 'ref/carrier')).json;
      assert.ok(
        list.CarrierList.some((c: { Description: string }) => c.Description === 'DEFAULT Carrier'),
      );
      const created = await dear(sb, 'ref/carrier', { body: { Description: 'Sandbox Couriers' } });
      assert.equal(created.status, 200);
      const id = created.json.CarrierList[0].CarrierID;
      const dup = await dear(sb, 'ref/carrier', { body: { Description: 'sandbox couriers' } });
      assert.equal(dup.status, 400);
      const upd = await dear(sb, 'ref/carrier', {
        method: 'PUT',
        body: { CarrierID: id, Description: 'Sandbox Couriers 2' },
      });
      assert.equal(upd.json.CarrierList[0].Description, 'Sandbox Couriers 2');
      const starts = (await dear(sb, 'ref/carrier?Description=sandbox')).json;
      assert.equal(starts.Total, 1);
      const del = await dear(sb, `ref/carrier?ID=${id}`, { method: 'DELETE' });
      assert.deepEqual(del.json, { Success: true });
      assert.equal((await dear(sb, 'ref/carrier?Description=sandbox')).json.Total, 0);
    });
  });
});
