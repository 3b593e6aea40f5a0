/**
 * `reconcile` against the sandbox over real HTTP: each kind of disagreement is planted through the
 * sandbox (its Starshipit API and control methods), reconcile must find each, and `--apply` must
 * fix the safe ones exactly once — checked from the sandbox's own state.
 */
import * as assert from 'node:assert/strict';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { EngineEvent, OrderEvent } from '../../protocol/events';
import type { ReconcileEvent, ReconcileSummary } from '../../protocol/reconcile';
import type { DearSettings } from '../../protocol/settings';
import { readStatus, runReconcile } from '../../server/src/engine/index';
import {
  run,
  sandboxSecrets,
  sandboxSettings,
  secondAccount,
  tempDir,
  TIME_SCALE,
} from './helpers';
import { runCli } from '../support/cli';
import * as path from 'node:path';
import { Journal } from '../../server/src/engine/journal';

const readJournal = (dir: string) => Journal.read(dir);

const STATUSES: ('ORDERED' | 'PICKED' | 'PACKED')[] = ['ORDERED', 'PICKED', 'PACKED'];
const SINCE = '2026-01-01';

type Fulfilment = { TaskID: string; Pack: { Status: string }; Ship: { Status: string } };

async function reconcile(
  sb: Sandbox,
  settings: DearSettings,
  dir: string,
  apply: boolean,
): Promise<{ summary: ReconcileSummary; events: (EngineEvent | ReconcileEvent)[] }> {
  const events: (EngineEvent | ReconcileEvent)[] = [];
  const summary = await runReconcile({
    settings,
    configPath: path.join(dir, 'dear-starshipit.yaml'),
    stateDir: dir,
    secrets: sandboxSecrets(sb),
    since: SINCE,
    apply,
    onEvent: (e) => events.push(e),
  });
  return { summary, events };
}

/** Sends a request to the sandbox's Starshipit API with its credentials (as another client would). */
async function starshipit(
  sb: Sandbox,
  method: string,
  route: string,
  body?: unknown,
  account: 'default' | 'second' = 'default',
): Promise<Record<string, unknown>> {
  const c = sb.credentials;
  const keys =
    account === 'second'
      ? { api: c.starshipitApiKey2, subscription: c.starshipitSubscriptionKey2 }
      : { api: c.starshipitApiKey, subscription: c.starshipitSubscriptionKey };
  let res: Response;
  // The sandbox holds this key to its plan rate, as Starshipit would: wait out a 429.
  for (;;) {
    res = await fetch(`${sb.starshipitBaseUrl}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'StarShipIT-Api-Key': keys.api,
        'Ocp-Apim-Subscription-Key': keys.subscription,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status !== 429) break;
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const json = (await res.json()) as Record<string, unknown>;
  assert.ok(res.ok && json.success !== false, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

/** Simple, unshipped, eligible sales whose single fulfilment is packed (a label can be written back). */
function packedSimpleSales(sb: Sandbox): { orderNumber: string; saleId: string; taskId: string }[] {
  const out = [];
  for (const e of sb.eligibleSales(STATUSES)) {
    if (e.type !== 'Simple Sale') continue;
    const f = (sb.sale(e.saleId) as { Fulfilments: Fulfilment[] }).Fulfilments[0];
    if (!f || f.Ship.Status === 'AUTHORISED' || f.Pack.Status !== 'AUTHORISED') continue;
    out.push({ orderNumber: e.orderNumber, saleId: e.saleId, taskId: f.TaskID });
  }
  return out;
}

interface Planted {
  missing: string;
  duplicate: string;
  tracking: { orderNumber: string; taskId: string; trackingNumbers: string[] };
  unexplained: string;
  lost: string;
  deleted: string;
  /** Deleted in Starshipit and made again by hand: the journal's order_id is stale. */
  replaced: string;
}

/**
 * Imports every eligible sale but two (one stays missing, one is created in Starshipit behind the
 * journal's back), then plants a duplicate, a label not written back, a hand-made order and an
 * order deleted in Starshipit.
 */
async function plant(sb: Sandbox, settings: DearSettings, dir: string): Promise<Planted> {
  const packed = packedSimpleSales(sb);
  assert.ok(packed.length >= 6, `the sandbox has ${packed.length} packed simple sales`);
  const [missing, lost, dup, labelled, deleted, replaced] = packed;
  const everyone = sb
    .eligibleSales(STATUSES, { includeInvalid: true })
    .map((e) => e.orderNumber)
    .filter((n) => n !== missing.orderNumber && n !== lost.orderNumber);
  const imported = await run(sb, settings, dir, 'import', false, { onlyOrderNumbers: everyone });
  const payloads = new Map(
    imported.events
      .filter((e): e is OrderEvent => e.type === 'order')
      .map((e) => [e.orderNumber, e.starshipit]),
  );
  const template = payloads.get(dup.orderNumber);
  assert.ok(template, `${dup.orderNumber} was imported`);
  await starshipit(sb, 'POST', '/api/orders', { order: template });
  await starshipit(sb, 'POST', '/api/orders', {
    order: { ...template, order_number: 'MANUAL-0001' },
  });
  await starshipit(sb, 'POST', '/api/orders', {
    order: { ...template, order_number: lost.orderNumber },
  });
  const gone = sb.starshipitOrders().get(deleted.orderNumber) as { order_id: number }[];
  await starshipit(sb, 'DELETE', `/api/orders/delete?order_id=${gone[0].order_id}`);
  const stale = sb.starshipitOrders().get(replaced.orderNumber) as { order_id: number }[];
  await starshipit(sb, 'DELETE', `/api/orders/delete?order_id=${stale[0].order_id}`);
  await starshipit(sb, 'POST', '/api/orders', {
    order: { ...template, order_number: replaced.orderNumber },
  });
  const label = sb.printLabel({ orderNumber: labelled.orderNumber, carrier: 'AusPost' });
  return {
    missing: missing.orderNumber,
    duplicate: dup.orderNumber,
    tracking: {
      orderNumber: labelled.orderNumber,
      taskId: labelled.taskId,
      trackingNumbers: label.trackingNumbers,
    },
    unexplained: 'MANUAL-0001',
    lost: lost.orderNumber,
    deleted: deleted.orderNumber,
    replaced: replaced.orderNumber,
  };
}

function bySection(summary: ReconcileSummary): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of summary.findings) (out[f.section] ??= []).push(f.orderNumber);
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Sales the import parked (needs attention): missing in Starshipit, reported without a fix. */
async function parkedSales(dir: string): Promise<string[]> {
  const status = await readStatus(dir);
  return status.needsAttention
    .map((a) => a.orderNumber ?? '')
    .filter(Boolean)
    .sort();
}

describe('engine: reconcile (sandbox)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  let dir: string;
  let settings: DearSettings;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 150, timeScale: TIME_SCALE, seed: 11 });
    dir = tempDir('dear-reconcile-');
    settings = sandboxSettings(sb, { import: { statuses: STATUSES } });
  });
  afterEach(async () => {
    await sb.close();
  });

  it('reports only the parked sales when the systems otherwise agree, with list reads only', async () => {
    await run(sb, settings, dir, 'import');
    const parked = await parkedSales(dir);
    assert.ok(parked.length > 0, 'the sandbox data has sales the import must refuse');
    sb.clearCallLog();
    const { summary, events } = await reconcile(sb, settings, dir, false);
    assert.deepEqual(bySection(summary), { missing: parked });
    assert.ok(
      summary.findings.every((f) => f.fix === undefined && /needs attention/.test(f.detail)),
    );
    assert.ok(summary.checked.sales > 0 && summary.checked.orders > 0);
    const estimate = events.find((e) => e.type === 'estimate');
    assert.ok(estimate, 'the estimate is printed before the reads');
    const dear = sb.callLog().filter((c) => c.api === 'dear');
    const orders = sb.starshipitOrders();
    for (const call of dear) {
      const route = call.route.replace(/.*\//, '');
      if (route === 'saleList') continue;
      // The one detail read the lists cannot spare: an Advanced sale at the order stage with no
      // order, selected or not by its fulfilments' stages.
      assert.equal(route, 'sale', `${call.method} ${call.route}`);
      const sale = sb.sale(new URLSearchParams(call.query).get('ID') ?? '') as {
        Type: string;
        Order: { SaleOrderNumber: string };
      };
      assert.equal(sale.Type, 'Advanced Sale');
      assert.equal(orders.has(sale.Order.SaleOrderNumber), false);
    }
    assert.equal(summary.calls.dear, dear.length);
    const starshipitRoutes = sb
      .callLog()
      .filter((c) => c.api === 'starshipit')
      .map((c) => c.route);
    assert.deepEqual(
      [...new Set(starshipitRoutes)].sort(),
      ['/api/orders/shipments', '/api/orders/shipped', '/api/orders/unshipped'],
      'listings only: no lookup for a parked sale or an order the listings show',
    );
  });

  it('finds each planted disagreement; a dry run writes nothing', async () => {
    const p = await plant(sb, settings, dir);
    sb.clearCallLog();
    const { summary, events } = await reconcile(sb, settings, dir, false);
    assert.deepEqual(bySection(summary), {
      missing: [p.missing, ...(await parkedSales(dir))].sort(),
      duplicates: [p.duplicate],
      tracking: [p.tracking.orderNumber],
      unexplained: [p.unexplained],
      journal: [p.deleted, p.lost, p.replaced].sort(),
    });
    const fixes = Object.fromEntries(summary.findings.map((f) => [f.orderNumber, f.fix]));
    assert.equal(fixes[p.missing], 'import');
    assert.equal(fixes[p.tracking.orderNumber], 'writeback');
    assert.equal(fixes[p.lost], 'adopt');
    assert.equal(fixes[p.duplicate], undefined, 'duplicates are reported, never deleted');
    assert.equal(fixes[p.deleted], undefined, 'a deleted order is not created again');
    assert.equal(fixes[p.replaced], undefined, 'a stale order id is reported only');
    const replaced = summary.findings.find((f) => f.orderNumber === p.replaced);
    assert.match(replaced?.detail ?? '', /the journal records order_id \d+; Starshipit holds \d+/);
    assert.equal(fixes[p.unexplained], undefined);
    assert.deepEqual(
      [...new Set(sb.callLog().map((c) => c.method))],
      ['GET'],
      'a dry run only reads',
    );
    const findingEvents = events.filter((e) => e.type === 'finding');
    assert.equal(findingEvents.length, summary.findings.length);
  });

  it('--apply fixes the safe ones exactly once; a second --apply changes nothing', async () => {
    const p = await plant(sb, settings, dir);
    const first = await reconcile(sb, settings, dir, true);
    const outcomes = Object.fromEntries(
      first.summary.findings.map((f) => [f.orderNumber, f.outcome]),
    );
    assert.equal(outcomes[p.missing], 'fixed');
    assert.equal(outcomes[p.tracking.orderNumber], 'fixed');
    assert.equal(outcomes[p.lost], 'fixed');
    assert.equal(first.summary.fixed, 3);
    assert.equal(first.summary.failed, 0);

    const orders = sb.starshipitOrders();
    assert.equal(orders.get(p.missing)?.length, 1, 'the missing sale imported once');
    assert.equal(orders.get(p.lost)?.length, 1, 'the lost order adopted, not created again');
    assert.equal(orders.get(p.duplicate)?.length, 2, 'duplicates are left for a person');
    assert.equal(orders.get(p.deleted), undefined, 'a deleted order is not created again');
    const ship = sb.dearShipments().get(p.tracking.taskId);
    assert.equal(ship?.writes, 1);
    assert.deepEqual(
      (ship?.lines as { TrackingNumber: string }[]).map((l) => l.TrackingNumber),
      p.tracking.trackingNumbers,
    );

    sb.clearCallLog();
    const second = await reconcile(sb, settings, dir, true);
    assert.deepEqual(
      sb.callLog().filter((c) => c.method !== 'GET'),
      [],
      'the second --apply writes nothing',
    );
    assert.deepEqual(bySection(second.summary), {
      missing: await parkedSales(dir),
      duplicates: [p.duplicate],
      unexplained: [p.unexplained],
      journal: [p.deleted, p.replaced].sort(),
    });
    assert.equal(second.summary.fixable, 0);
  });

  it('fulfilments source: an order the journal lost is recorded against its own fulfilment, and its label goes there', async () => {
    const fulfilments = sandboxSettings(sb, {
      import: { statuses: STATUSES, source: 'fulfilments' },
      writeback: { autoPickPack: true },
    });
    const eligible = sb.eligibleSales(STATUSES, { includeInvalid: true });
    // A sale whose second fulfilment is open: the order for it must not land on the first.
    const lost = eligible.find(
      (e) =>
        e.valid &&
        e.fulfilments.length >= 2 &&
        e.fulfilments.every((f) => f.stage !== 'SHIPPED' && f.stage !== 'VOIDED') &&
        e.fulfilments.every((f) => (STATUSES as readonly string[]).includes(f.stage)),
    );
    assert.ok(lost, 'the sandbox has a sale with two open fulfilments');
    const second = lost.fulfilments.find((f) => f.number === 2);
    assert.ok(second);
    const imported = await run(sb, fulfilments, dir, 'import', false, {
      onlyOrderNumbers: eligible.map((e) => e.orderNumber).filter((n) => n !== lost.orderNumber),
    });
    const template = imported.events.find((e): e is OrderEvent => e.type === 'order')?.starshipit;
    assert.ok(template);
    const number = `${lost.orderNumber}-F2`;
    await starshipit(sb, 'POST', '/api/orders', { order: { ...template, order_number: number } });

    const applied = await reconcile(sb, fulfilments, dir, true);
    const adopted = applied.summary.findings.find((f) => f.orderNumber === number);
    assert.equal(adopted?.fix, 'adopt', JSON.stringify(applied.summary.findings));
    assert.equal(adopted?.outcome, 'fixed');

    const label = sb.printLabel({ orderNumber: number, carrier: 'AusPost' });
    await reconcile(sb, fulfilments, dir, true);
    const ship = sb.dearShipments().get(second.taskId);
    assert.equal(ship?.writes, 1, 'the label went to fulfilment 2');
    assert.deepEqual(
      (ship?.lines as { TrackingNumber: string }[]).map((l) => l.TrackingNumber),
      label.trackingNumbers,
    );
    const first = lost.fulfilments.find((f) => f.number === 1);
    assert.equal(sb.dearShipments().get(first?.taskId ?? '')?.writes ?? 0, 0);
  });

  it('fulfilments source: a fulfilment without an order beside one with an order is missing, and --apply creates only it, once', async () => {
    const fulfilments = sandboxSettings(sb, {
      import: { statuses: STATUSES, source: 'fulfilments' },
    });
    const eligible = sb.eligibleSales(STATUSES, { includeInvalid: true });
    // Two open fulfilments, each picked or packed (its lines known), so the import makes both.
    const sale = eligible.find(
      (e) =>
        e.valid &&
        e.fulfilments.length === 2 &&
        e.fulfilments.every((f) => f.stage === 'PICKED' || f.stage === 'PACKED'),
    );
    assert.ok(sale, 'the sandbox has a sale with two picked or packed fulfilments');
    const [first, second] = [1, 2].map((n) => `${sale.orderNumber}-F${n}`);
    const others = eligible.map((e) => e.orderNumber).filter((n) => n !== sale.orderNumber);
    await run(sb, fulfilments, dir, 'import', false, { onlyOrderNumbers: [...others, first] });
    const ordersWith = (n: string) => sb.starshipitOrders().get(n) ?? [];
    assert.equal(ordersWith(first).length, 1);
    assert.equal(ordersWith(second).length, 0);

    const report = await reconcile(sb, fulfilments, dir, false);
    const missing = report.summary.findings.filter((f) => f.section === 'missing');
    const found = missing.find((f) => f.orderNumber === second);
    assert.equal(found?.fix, 'import', JSON.stringify(report.summary.findings));
    assert.ok(!missing.some((f) => f.orderNumber === first || f.orderNumber === sale.orderNumber));
    assert.equal(ordersWith(second).length, 0, 'reconcile without --apply creates nothing');

    const applied = await reconcile(sb, fulfilments, dir, true);
    const fixed = applied.summary.findings.find((f) => f.orderNumber === second);
    assert.equal(fixed?.outcome, 'fixed', JSON.stringify(applied.summary.findings));
    assert.equal(ordersWith(second).length, 1);
    assert.equal(ordersWith(first).length, 1, 'the imported fulfilment is not created again');
    assert.equal(readJournal(dir).orders.get(second)?.state, 'created');

    const again = await reconcile(sb, fulfilments, dir, true);
    assert.ok(!again.summary.findings.some((f) => f.orderNumber === second));
    assert.equal(ordersWith(second).length, 1);
  });

  it('fulfilments source: a sale checked for a missing fulfilment and for a label is read once', async () => {
    const fulfilments = sandboxSettings(sb, {
      import: { statuses: STATUSES, source: 'fulfilments' },
    });
    const eligible = sb.eligibleSales(STATUSES, { includeInvalid: true });
    // Two open fulfilments with known lines: one gets an order and a label, the other none, so
    // both the missing-fulfilment check and the tracking check need the sale's fulfilments.
    const sale = eligible.find(
      (e) =>
        e.valid &&
        e.fulfilments.length === 2 &&
        e.fulfilments.every((f) => f.stage === 'PICKED' || f.stage === 'PACKED'),
    );
    assert.ok(sale, 'the sandbox has a sale with two picked or packed fulfilments');
    const [first, second] = [1, 2].map((n) => `${sale.orderNumber}-F${n}`);
    const others = eligible.map((e) => e.orderNumber).filter((n) => n !== sale.orderNumber);
    await run(sb, fulfilments, dir, 'import', false, { onlyOrderNumbers: [...others, first] });
    sb.printLabel({ orderNumber: first, carrier: 'AusPost' });

    sb.clearCallLog();
    const report = await reconcile(sb, fulfilments, dir, false);
    const sections = Object.fromEntries(
      report.summary.findings.map((f) => [f.orderNumber, f.section]),
    );
    assert.equal(sections[second], 'missing', JSON.stringify(report.summary.findings));
    assert.equal(sections[first], 'tracking', JSON.stringify(report.summary.findings));
    const detailReads = sb
      .callLog()
      .filter((c) => c.api === 'dear' && !c.route.endsWith('/saleList'))
      .map((c) => `${c.method} ${c.route}?${c.query}`);
    const fulfilmentReads = detailReads.filter(
      (call) => call.includes('/sale/fulfilment?') && call.includes(sale.saleId),
    );
    assert.equal(fulfilmentReads.length, 1, detailReads.join('\n'));
    const repeated = detailReads.filter((call, i) => detailReads.indexOf(call) !== i);
    assert.deepEqual(repeated, [], 'each sale detail or fulfilments read happens once');
  });

  it('two Starshipit accounts: each is listed with its own key; a label in the second account is written back, an order the journal lost there is recorded with its account', async () => {
    const twoAccounts = sandboxSettings(sb, {
      import: { statuses: STATUSES },
      warehouses: {
        locations: [],
        accounts: [secondAccount('nz')],
        routes: [{ location: 'Auckland Warehouse', account: 'nz' }],
        unrouted: 'default',
      },
      // The second warehouse's sales are not all packed: the writeback picks and packs them.
      writeback: { autoPickPack: true },
    });
    const eligible = sb.eligibleSales(STATUSES, { includeInvalid: true });
    const atAuckland = eligible.filter(
      (e) =>
        e.valid &&
        e.type === 'Simple Sale' &&
        (sb.sale(e.saleId) as { Location: string }).Location === 'Auckland Warehouse',
    );
    assert.ok(atAuckland.length >= 2, 'the sandbox has sales at the second warehouse');
    const [labelled, lost] = atAuckland;
    const imported = await run(sb, twoAccounts, dir, 'import', false, {
      onlyOrderNumbers: eligible.map((e) => e.orderNumber).filter((n) => n !== lost.orderNumber),
    });
    assert.ok(
      sb.starshipitOrders('second').has(labelled.orderNumber),
      'routed to the second account',
    );
    const before = await reconcile(sb, twoAccounts, dir, false);
    assert.deepEqual(bySection(before.summary), {
      missing: [lost.orderNumber, ...(await parkedSales(dir))].sort(),
    });

    const template = imported.events.find(
      (e): e is OrderEvent => e.type === 'order' && e.orderNumber === labelled.orderNumber,
    )?.starshipit;
    assert.ok(template);
    await starshipit(
      sb,
      'POST',
      '/api/orders',
      { order: { ...template, order_number: lost.orderNumber } },
      'second',
    );
    const label = sb.printLabel({
      orderNumber: labelled.orderNumber,
      carrier: 'AusPost',
      account: 'second',
    });
    const applied = await reconcile(sb, twoAccounts, dir, true);
    const outcomes = Object.fromEntries(
      applied.summary.findings.map((f) => [f.orderNumber, `${f.section}:${f.fix}:${f.outcome}`]),
    );
    assert.equal(outcomes[lost.orderNumber], 'journal:adopt:fixed');
    assert.equal(outcomes[labelled.orderNumber], 'tracking:writeback:fixed');
    const ship = [...sb.dearShipments().values()].find(
      (x) => x.orderNumber === labelled.orderNumber,
    );
    assert.deepEqual(
      (ship?.lines as { TrackingNumber: string }[]).map((l) => l.TrackingNumber),
      label.trackingNumbers,
    );
    const recorded = readJournal(dir).orders.get(lost.orderNumber);
    assert.equal(recorded?.account, 'nz', 'recorded with the account that holds it');
    const again = await reconcile(sb, twoAccounts, dir, false);
    assert.deepEqual(bySection(again.summary), { missing: await parkedSales(dir) });
  });

  it('CLI: SIGKILL during --apply, then --apply again: nothing duplicated, exit codes as the other commands', async () => {
    const p = await plant(sb, settings, dir);
    const config = writeSandboxSettings(sb, dir, `engine:\n  stateDir: ${dir}\n`);
    const args = ['reconcile', '--config', config, '--since', SINCE, '--apply', '--json'];
    const dry = await runCli(['reconcile', '--config', config, '--since', SINCE, '--json'], {
      env: sandboxCliEnv(sb),
    });
    assert.equal(dry.code, 1, dry.stderr);
    const lines = dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    assert.equal(lines.at(-1)?.type, 'reconcile');
    assert.ok(
      lines.findIndex((l) => l.type === 'estimate') < lines.findIndex((l) => l.type === 'finding'),
    );

    for (const point of ['after-starshipit-create', 'after-dear-ship']) {
      const killed = await runCli(args, {
        env: sandboxCliEnv(sb, { DEAR_STARSHIPIT_CRASH_AT: point }),
      });
      assert.equal(killed.signal, 'SIGKILL', `${point}: ${killed.stderr}`);
    }
    const last = await runCli(args, { env: sandboxCliEnv(sb) });
    assert.equal(last.code, 1, `findings without a safe fix are left: ${last.stderr}`);
    const orders = sb.starshipitOrders();
    assert.equal(orders.get(p.missing)?.length, 1);
    assert.equal(orders.get(p.lost)?.length, 1);
    assert.equal(sb.dearShipments().get(p.tracking.taskId)?.writes, 1);
    const summary = JSON.parse(last.stdout.trim().split('\n').at(-1) ?? '{}') as ReconcileSummary;
    assert.deepEqual(bySection(summary), {
      missing: await parkedSales(dir),
      duplicates: [p.duplicate],
      unexplained: [p.unexplained],
      journal: [p.deleted, p.replaced].sort(),
    });

    const usage = await runCli(['reconcile', '--since', 'yesterday-ish', '--json'], {
      env: sandboxCliEnv(sb),
    });
    assert.equal(usage.code, 2);
    assert.equal((JSON.parse(usage.stdout.trim()) as { type: string }).type, 'error');
  });
});
