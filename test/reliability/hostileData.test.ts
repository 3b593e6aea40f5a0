/**
 * Hostile API data: Cin7 Core sales with missing addresses, absurd quantities, 5,000-line orders,
 * unicode and control characters, very long memos and fields of the wrong type (injected with the
 * sandbox's `updateSale`). Every hostile sale must end either imported with a sane payload or
 * under "needs attention" with a reason naming the sale — never silently lost, never crashing the
 * run — and every other sale is imported exactly once.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox, sandboxCliEnv } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { AttentionEvent, OrderEvent, SkipEvent, SummaryEvent } from '../../protocol/events';
import { tempDir } from '../engine/helpers';
import {
  exactlyOnceCounts,
  expectedOrderNumbers,
  figure,
  Rng,
  runChild,
  size,
  STATUSES,
  suiteSeed,
  writeSettings,
} from './helpers';

type Sale = Record<string, unknown> & {
  Order: { Lines: Record<string, unknown>[]; Memo?: unknown } | null;
  ShippingAddress: Record<string, unknown> | null;
};
type Patch = (s: Sale) => void;

const line0 = (s: Sale) => (s.Order as { Lines: Record<string, unknown>[] }).Lines[0];

const PATCHES: [string, Patch][] = [
  [
    'shipping address null',
    (s) => {
      s.ShippingAddress = null;
    },
  ],
  [
    'shipping address empty object',
    (s) => {
      s.ShippingAddress = {};
    },
  ],
  [
    'shipping address a string',
    (s) => {
      (s as Record<string, unknown>).ShippingAddress = '1 Main St, Sydney';
    },
  ],
  [
    'street only whitespace and tabs',
    (s) => {
      s.ShippingAddress!.Line1 = ' \t \u00a0 ';
    },
  ],
  // (Country/Fulfilments/Order of the wrong type cannot be injected: the sandbox recomputes and lists from them.)
  [
    'postcode and state numbers, line 2 an array',
    (s) => {
      s.ShippingAddress!.Postcode = 2000;
      s.ShippingAddress!.State = 2;
      s.ShippingAddress!.Line2 = ['x'];
    },
  ],
  [
    'negative quantity',
    (s) => {
      line0(s).Quantity = -3;
    },
  ],
  [
    'zero quantity on every line',
    (s) => {
      for (const l of s.Order!.Lines) l.Quantity = 0;
    },
  ],
  [
    'absurd quantity 1e15',
    (s) => {
      line0(s).Quantity = 1e15;
    },
  ],
  [
    'quantity a string',
    (s) => {
      line0(s).Quantity = 'ten';
    },
  ],
  [
    'quantity null',
    (s) => {
      line0(s).Quantity = null;
    },
  ],
  [
    'fractional quantity 0.000001',
    (s) => {
      line0(s).Quantity = 0.000001;
    },
  ],
  [
    '5,000 order lines',
    (s) => {
      const l = line0(s);
      s.Order!.Lines = Array.from({ length: 5_000 }, (_, i) => ({
        ...l,
        SKU: `BULK-${i}`,
        Name: `Bulk item ${i}`,
        Quantity: 1 + (i % 3),
      }));
    },
  ],
  [
    'unicode, bidi and control characters',
    (s) => {
      s.Customer = 'Zoë \u0000\u0007\u001b[31m 🚚 \u202eevil\u202c 𝕏 \ud83d';
      s.ShippingAddress!.Line1 = '1 Rue de l\u2019Église\r\nLevel 2\u2028Suite 3';
      s.ShippingAddress!.City = '\tSão Paulo\u200b';
      line0(s).Name = 'Café \u0301\u0301\u0301 \ufeff\ufffe';
    },
  ],
  [
    'very long memo and note (1 MB)',
    (s) => {
      s.Order!.Memo = 'Leave it by the door. '.repeat(48_000);
      s.Note = `\u0000${'n'.repeat(100_000)}`;
    },
  ],
  [
    'customer an object',
    (s) => {
      s.Customer = { Name: 'Nested' };
      s.ShippingAddress!.Contact = ['a', 'b'];
    },
  ],
  [
    'order lines an object',
    (s) => {
      (s.Order as Record<string, unknown>).Lines = { SKU: 'X', Quantity: 1 };
    },
  ],
  [
    'order with no lines',
    (s) => {
      s.Order!.Lines = [];
    },
  ],
  [
    'null entries among the lines',
    (s) => {
      (s.Order!.Lines as unknown[]).unshift(null, 7, 'x');
    },
  ],
  [
    'SKU a number, price a string, weight a word',
    (s) => {
      line0(s).SKU = 12345;
      line0(s).Price = 'abc';
      line0(s).ProductWeight = 'heavy';
      line0(s).WeightUnits = 17;
    },
  ],
  [
    'no fulfilments at all',
    (s) => {
      s.Fulfilments = [];
    },
  ],
  [
    'order date a number',
    (s) => {
      s.SaleOrderDate = 12345;
    },
  ],
  [
    'phone an array, email an object',
    (s) => {
      s.Phone = ['+61', '2'];
      s.Email = { at: 'x' };
    },
  ],
  [
    '10,000-character SKU and name',
    (s) => {
      line0(s).SKU = 'S'.repeat(10_000);
      line0(s).Name = 'N'.repeat(10_000);
    },
  ],
  [
    'customer reference 10,000 characters',
    (s) => {
      s.CustomerReference = 'R'.repeat(10_000);
    },
  ],
];

/** A string field of a payload that betrays a wrong-type value turned into text. */
function badStrings(value: unknown, at = 'order'): string[] {
  if (typeof value === 'string')
    return /\[object Object\]|^undefined$|^null$|^NaN$/.test(value)
      ? [`${at} = ${JSON.stringify(value)}`]
      : [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${at} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => badStrings(v, `${at}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => badStrings(v, `${at}.${k}`));
  return [];
}

describe('reliability soak: hostile Cin7 Core sale data', function () {
  this.timeout(size(120_000, 900_000));
  const seed = suiteSeed();
  const rounds = size(1, 4);
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it(`${PATCHES.length} kinds of hostile sale: clear per-sale outcome, the run goes on, the others imported exactly once`, async () => {
    console.log(
      `      hostile-data seed ${seed} (replay with DEAR_SEED=${seed}), ${rounds} round(s)`,
    );
    const rng = new Rng(seed);
    const totals = { hostile: 0, imported: 0, attention: 0, skipped: 0, others: 0 };
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const box = (sb = await startTestSandbox({
        sales: 160,
        timeScale: 100,
        seed: rng.int(1, 1e6),
      }));
      const candidates = box
        .eligibleSales(STATUSES)
        .filter(
          (e) =>
            e.type === 'Simple Sale' &&
            (box.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
              'SHIPPED',
        );
      assert.ok(
        candidates.length >= PATCHES.length + 3,
        `enough sales to spoil (${candidates.length})`,
      );
      const shuffled = [...candidates].sort(() => rng.next() - 0.5);
      const victims = new Map<string, { saleId: string; patch: string }>();
      PATCHES.forEach(([name, patch], i) => {
        const v = shuffled[i];
        box.updateSale(v.saleId, (x) => patch(x as Sale));
        victims.set(v.orderNumber, { saleId: v.saleId, patch: name });
      });
      const expectedOthers = expectedOrderNumbers(box).filter((n) => !victims.has(n));
      const dir = tempDir('dear-rel-data-');
      const config = writeSettings(box, dir, 100);
      fs.writeFileSync(
        config,
        fs
          .readFileSync(config, 'utf8')
          .replace(
            '  statuses: [ORDERED, PICKED, PACKED]\n',
            '  statuses: [ORDERED, PICKED, PACKED]\n  memo: order\n  orderNote: true\n',
          ),
      );
      const args = ['import', '--json', '--config', config, '--state', path.join(dir, 'state')];
      const r = await runChild(args, sandboxCliEnv(box));
      assert.ok(
        r.code === 0 || r.code === 1,
        `the run ends normally (exit ${r.code}): ${r.stderr.slice(0, 2000)}`,
      );
      const summary = r.events.at(-1) as SummaryEvent;
      assert.equal(summary.type, 'summary', 'the summary is the last event');

      const problems: string[] = [];
      for (const [orderNumber, v] of victims) {
        const order = r.events.find(
          (e): e is OrderEvent => e.type === 'order' && e.orderNumber === orderNumber,
        );
        const att = r.events.find(
          (e): e is AttentionEvent =>
            e.type === 'attention' && (e.saleId === v.saleId || e.orderNumber === orderNumber),
        );
        const skip = r.events.find(
          (e): e is SkipEvent =>
            e.type === 'skip' && (e.saleId === v.saleId || e.orderNumber === orderNumber),
        );
        outcomes.push(
          `${v.patch}: ${order ? `imported${order.warnings?.length ? ` (warnings: ${order.warnings.join('; ').slice(0, 160)})` : ''}` : att ? `needs attention ${att.code}: ${att.reason.slice(0, 160)}` : skip ? `skipped ${skip.code}` : 'LOST'}`,
        );
        if (order) {
          totals.imported++;
          for (const w of order.warnings ?? []) {
            if (w.length > 500)
              problems.push(
                `${v.patch} (${orderNumber}): a ${w.length}-character warning: ${w.slice(0, 120)}…`,
              );
          }
          const bad = badStrings(order.starshipit);
          if (bad.length)
            problems.push(
              `${v.patch} (${orderNumber}): imported with ${bad.slice(0, 3).join(', ')}`,
            );
          const items = (order.starshipit as { items?: { quantity?: unknown }[] }).items ?? [];
          if (
            items.length === 0 ||
            items.some(
              (it) =>
                !(
                  typeof it.quantity === 'number' &&
                  it.quantity > 0 &&
                  Number.isFinite(it.quantity)
                ),
            )
          )
            problems.push(
              `${v.patch} (${orderNumber}): imported with items ${JSON.stringify(items.slice(0, 3))}`,
            );
          if (!box.starshipitOrders().has(orderNumber) && !att)
            problems.push(
              `${v.patch} (${orderNumber}): an order event but no order in Starshipit and no attention`,
            );
        } else if (att) {
          totals.attention++;
          if (!att.reason.includes(orderNumber) && !att.reason.includes(v.saleId))
            problems.push(
              `${v.patch} (${orderNumber}): the reason does not name the sale: ${att.reason.slice(0, 200)}`,
            );
          if (/\[object Object\]|\bundefined\b|\bNaN\b/.test(att.reason))
            problems.push(
              `${v.patch} (${orderNumber}): unreadable reason: ${att.reason.slice(0, 200)}`,
            );
          if (att.reason.length > 2_000)
            problems.push(
              `${v.patch} (${orderNumber}): a ${att.reason.length}-character reason (hostile text copied in full?)`,
            );
        } else if (skip) {
          totals.skipped++;
          if (!skip.reason) problems.push(`${v.patch} (${orderNumber}): skipped without a reason`);
        } else {
          problems.push(
            `${v.patch} (${orderNumber}): no order, attention or skip event — silently lost`,
          );
        }
      }
      assert.deepEqual(problems, [], `seed ${seed}`);
      totals.hostile += victims.size;

      // The other sales: each imported exactly once, whatever the hostile ones did.
      const c = exactlyOnceCounts(box, expectedOthers);
      assert.equal(c.missingSales, 0, 'every untouched sale was imported');
      assert.equal(c.duplicateOrders, 0);
      totals.others += expectedOthers.length;

      // A second run sends nothing again: parked sales stay parked, imported ones stay single.
      box.clearCallLog();
      const again = await runChild(args, sandboxCliEnv(box));
      assert.ok(again.code === 0 || again.code === 1, again.stderr.slice(0, 2000));
      assert.equal((again.events.at(-1) as SummaryEvent).created, 0);
      assert.equal(
        box.callLog().filter((e) => e.api === 'starshipit' && e.method === 'POST').length,
        0,
        'no create was sent again',
      );
      assert.equal(exactlyOnceCounts(box, expectedOthers).duplicateOrders, 0);
      await box.close();
      sb = undefined;
    }
    if (process.env.DEAR_SOAK === '1' || process.env.DEAR_VERBOSE)
      for (const o of new Set(outcomes)) console.log(`        ${o}`);
    figure('hostile-data', { seed, rounds, ...totals });
  });
});
