/**
 * Crash soak: `dear-starshipit sync --json` as a child process, SIGKILLed at random moments —
 * either at a random instrumented point/occurrence (DEAR_STARSHIPIT_CRASH_AT) or a random delay
 * after a random number of its own --json events — with labels printed between runs, restarted
 * until a run finishes. Ground truth comes from the sandbox: no duplicate order, no missing sale,
 * no label lost or written twice. Also: two engines on one state directory, torn journal tails.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gate } from '../support/gate';
import { startTestSandbox, sandboxCliEnv } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { SummaryEvent } from '../../protocol/events';
import { CRASH_POINTS } from '../../server/src/engine/crash';
import { encodeRecord } from '../../server/src/engine/journal';
import { tempDir } from '../engine/helpers';
import {
  exactlyOnceCounts,
  expectedOrderNumbers,
  figure,
  ordersInEveryAccount,
  printSomeLabels,
  Rng,
  runChild,
  size,
  suiteSeed,
  writeSettings,
  type ChildRun,
} from './helpers';

const TIME_SCALE = 100;
/** Transient faults (retried automatically on the next run) mixed into some of the killed runs. */
const CHAOS = [
  'starshipit:orders:commit-reset^POST@0.3',
  'dear:sale/fulfilment/ship:commit-reset^POST@0.3, dear:sale/fulfilment/pack:commit-reset^POST@0.2',
  'dear:*:reset@0.1, starshipit:*:reset@0.1',
  'dear:*:500@0.2, starshipit:orders:truncate^POST@0.2, dear:sale/fulfilment/ship:truncate^POST@0.2',
  'dear:*:throttle@0.2*3, starshipit:*:throttle@0.3*4',
];
/** Crash points only an import reaches (the others are reached by writebacks, `after-cursor` by both). */
const IMPORT_ONLY_POINTS = new Set<string>([
  'before-journal-intent',
  'after-journal-intent',
  'after-starshipit-create',
  'after-journal-created',
]);

/** The soak's routes: Auckland Warehouse → the sandbox's second account (as `nz`). */
const ROUTES = new Map([['Auckland Warehouse', 'second' as const]]);

/** `warehouses` settings naming the sandbox's second Starshipit account `nz`. */
function twoAccounts(timeScale: number): string {
  return `warehouses:
  accounts:
    - name: nz
      apiKey: \${secret:STARSHIPIT_NZ_API_KEY}
      subscriptionKey: \${secret:STARSHIPIT_NZ_SUBSCRIPTION_KEY}
      plan: developer
      rateLimit:
        calls: 2
        perSeconds: ${1 / timeScale}
  routes:
    - location: Auckland Warehouse
      account: nz
`;
}

/** Runs sync until one run ends by itself (exit 0/1); returns that run. */
async function runToCompletion(args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  for (let i = 0; i < 5; i++) {
    const r = await runChild(args, env);
    if (r.signal === null) return r;
  }
  throw new Error('sync never finished on its own');
}

describe('reliability soak: SIGKILL at random moments, then exactly once', function () {
  this.timeout(size(240_000, 3_600_000));
  const seed = suiteSeed();
  const kills = size(30, 200);
  const roundKills = 10;
  const salesPerRound = size(50, 120);
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it(`sync killed ${kills} times (seed printed below) keeps every guarantee`, async () => {
    const rng = new Rng(seed);
    console.log(
      `      crash soak seed ${seed} (replay with DEAR_SEED=${seed}), ${kills} kills, ${salesPerRound} sales per round`,
    );
    const commands: Record<string, number> = {};
    const totals = {
      kills: 0,
      crashPointKills: 0,
      timerKills: 0,
      runsWithWireFaults: 0,
      runsFinished: 0,
      rounds: 0,
      orders: 0,
      ordersInSecondAccount: 0,
      labels: 0,
      duplicateOrders: 0,
      missingSales: 0,
      labelsNotWrittenBack: 0,
      writtenBackTwice: 0,
      tornTailsRecovered: 0,
    };
    while (totals.kills < kills) {
      totals.rounds++;
      const box = (sb = await startTestSandbox({
        sales: salesPerRound,
        timeScale: TIME_SCALE,
        seed: rng.int(1, 1e9),
      }));
      const expected = expectedOrderNumbers(box); // before any writeback changes sale statuses
      // Sales the engine must refuse (an already-shipped one is skipped before it is checked).
      const invalid = box
        .eligibleSales(['ORDERED', 'PICKED', 'PACKED'], { includeInvalid: true })
        .filter(
          (e) =>
            !e.valid &&
            (box.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
              'SHIPPED',
        );
      const dir = tempDir('dear-rel-crash-');
      // Two Starshipit accounts: Auckland's sales ship from the second one (its own key and limiter).
      const config = writeSettings(box, dir, TIME_SCALE, twoAccounts(TIME_SCALE));
      const args = ['sync', '--json', '--config', config, '--state', path.join(dir, 'state')];
      let inRound = 0;
      let lastEvents = 40; // events printed by the last run that finished: kills aim inside a run's length
      while (inRound < roundKills && totals.kills < kills) {
        const labelled = printSomeLabels(box, rng, rng.int(1, 5)).length; // keeps writeback work flowing between kills
        // A third of the runs also meet wire faults whose outcome is unknown to the engine (applied but unanswered, resets, 5xx, throttles).
        const chaos = rng.next() < 0.33 ? rng.pick(CHAOS) : '';
        box.setFaults(chaos);
        if (chaos) totals.runsWithWireFaults++;
        const useCrashPoint = rng.next() < 0.5;
        // Aim at points this run can still reach: import points only while sales are left to import.
        const importLeft = expected.length - ordersInEveryAccount(box).size;
        const points = CRASH_POINTS.filter((p) => importLeft > 0 || !IMPORT_ONLY_POINTS.has(p));
        const point = rng.pick(points);
        const nth = rng.int(
          1,
          Math.max(1, Math.min(4, IMPORT_ONLY_POINTS.has(point) ? importLeft : labelled)),
        );
        // Mostly `sync`; sometimes the single-direction commands or `retry`, which share the journal.
        const command = rng.pick(['sync', 'sync', 'sync', 'sync', 'import', 'writeback', 'retry']);
        commands[command] = (commands[command] ?? 0) + 1;
        const runArgs = [command, ...args.slice(1)];
        const r = useCrashPoint
          ? await runChild(
              runArgs,
              sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: `${point}:${nth}` }),
            )
          : await runChild(runArgs, sandboxCliEnv(box), {
              killAfterEvents: rng.int(1, Math.max(3, lastEvents)),
              killDelayMs: rng.int(0, 25),
            });
        totals.tornTailsRecovered += r.events.filter(
          (e) => e.type === 'log' && /torn last record/.test(e.message),
        ).length;
        if (r.signal === 'SIGKILL') {
          totals.kills++;
          inRound++;
          if (useCrashPoint) totals.crashPointKills++;
          else totals.timerKills++;
        } else {
          assert.ok(
            r.code === 0 || r.code === 1,
            `a run that was not killed ends with 0 or 1, got ${r.code}: ${r.stderr}`,
          );
          assert.equal(r.events.at(-1)?.type, 'summary', 'a finished run prints its summary last');
          totals.runsFinished++;
          lastEvents = r.events.length;
        }
      }
      // Runs go on until one finishes by itself; then every unlabelled order gets its label and runs
      // go on again, and a last run must find nothing left to do.
      box.setFaults('');
      await runToCompletion(args, sandboxCliEnv(box)); // imports whatever the kills left
      printSomeLabels(box, rng, Number.MAX_SAFE_INTEGER);
      const first = await runToCompletion(args, sandboxCliEnv(box));
      const last = await runToCompletion(args, sandboxCliEnv(box));
      totals.runsFinished += 3;
      const summary = last.events.at(-1) as SummaryEvent;
      assert.equal(summary.type, 'summary', last.stderr);
      assert.equal(summary.created, 0, 'nothing left to create after a finished run');
      assert.equal(
        summary.writtenBack,
        0,
        `nothing left to write back after a finished run (first finishing run: ${first.stdout.slice(-400)})`,
      );
      const c = exactlyOnceCounts(box, expected, ROUTES);
      totals.orders += c.orders;
      totals.ordersInSecondAccount += box.starshipitOrders('second').size;
      totals.labels += c.labels;
      totals.duplicateOrders += c.duplicateOrders;
      totals.missingSales += c.missingSales;
      totals.labelsNotWrittenBack += c.labelsNotWrittenBack;
      totals.writtenBackTwice += c.writtenBackTwice + c.trackingOnTwoShipments;
      assert.deepEqual(
        c,
        {
          ...c,
          duplicateOrders: 0,
          missingSales: 0,
          unexpectedOrders: 0,
          labelsNotWrittenBack: 0,
          writtenBackTwice: 0,
          trackingOnTwoShipments: 0,
          wrongAccount: 0,
        },
        `round ${totals.rounds} (seed ${seed})`,
      );
      assert.equal(c.labels, c.orders, 'every order got a label and all were checked');
      // Sales the engine must refuse are listed under "needs attention", not lost.
      const status = await runChild(
        ['status', '--json', '--config', config, '--state', path.join(dir, 'state')],
        sandboxCliEnv(box),
      );
      const att = (
        JSON.parse(status.stdout) as { needsAttention: { orderNumber?: string }[] }
      ).needsAttention.map((a) => a.orderNumber);
      for (const e of invalid) {
        const sale = box.sale(e.saleId) as {
          Status: string;
          Type: string;
          CombinedShippingStatus: string;
        };
        assert.ok(
          att.includes(e.orderNumber),
          `invalid sale ${e.orderNumber} (${sale.Type}, ${sale.Status}, ${sale.CombinedShippingStatus}, ${e.problems.join('; ')}) is listed under needs attention: ${status.stdout.slice(0, 1500)}`,
        );
      }
      await box.close();
      sb = undefined;
    }
    figure('crash-soak', {
      seed,
      ...totals,
      commands: Object.entries(commands)
        .map(([k, v]) => `${k}:${v}`)
        .join(','),
    });
    assert.ok(
      totals.crashPointKills > 0 && totals.timerKills > 0,
      'both kill strategies were used',
    );
    assert.ok(totals.ordersInSecondAccount > 0, 'the second Starshipit account got orders');
  });
});

describe('reliability soak: one engine per state directory, torn journal tails', function () {
  this.timeout(size(120_000, 600_000));
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ sales: 40, timeScale: TIME_SCALE, seed: 77 });
  });
  after(async () => {
    await sb.close();
  });

  it('a second engine started while the first holds the state directory refuses with a clear message', async () => {
    const dir = tempDir('dear-rel-lock-');
    // The first engine's Cin7 Core calls wait at a closed gate: it stays inside its run, holding the
    // state directory, until the second engine has finished, however slowly either one starts. The
    // second engine's settings point straight at the sandbox, so a second engine that is not
    // refused runs to its end instead of waiting at the gate.
    const dearGate = await gate(sb.dearBaseUrl);
    try {
      const gated = path.join(dir, 'first');
      fs.mkdirSync(gated);
      const firstConfig = writeSettings(
        { dearBaseUrl: dearGate.url, starshipitBaseUrl: sb.starshipitBaseUrl },
        gated,
        TIME_SCALE,
      );
      const secondConfig = writeSettings(sb, dir, TIME_SCALE);
      const state = path.join(dir, 'state');
      const lockFile = path.join(state, 'lock');
      const first = runChild(
        ['sync', '--json', '--config', firstConfig, '--state', state],
        sandboxCliEnv(sb),
      );
      await dearGate.held();
      assert.ok(
        fs.existsSync(lockFile),
        'the first engine holds the lock while it calls Cin7 Core',
      );
      const s = await runChild(
        ['import', '--json', '--config', secondConfig, '--state', state],
        sandboxCliEnv(sb),
      );
      dearGate.open();
      const f = await first;
      assert.equal(s.code, 1, s.stderr);
      assert.match(s.stderr, /in use by another dear-starshipit run \(pid \d+/);
      // With --json the refusal is one error event (code "locked") and nothing else: no engine event.
      assert.deepEqual(
        s.events.map((e) => [e.type, (e as { code?: string }).code]),
        [['error', 'locked']],
        'the refused engine printed only its error event and made no call',
      );
      assert.ok(f.code === 0 || f.code === 1, f.stderr);
      assert.ok(
        f.events.some((e) => e.type === 'summary'),
        `the first engine finished its run: ${f.stderr}`,
      );
      assert.equal(fs.existsSync(lockFile), false, 'the lock is released');
    } finally {
      dearGate.open();
      await dearGate.close();
    }
  });

  it('a lock file still being written by a live starter (empty) is respected, not taken as stale', async () => {
    const dir = tempDir('dear-rel-lock-empty-');
    const config = writeSettings(sb, dir, TIME_SCALE);
    const state = path.join(dir, 'state');
    fs.mkdirSync(state);
    const calls = sb.callLog().length;
    // This process plays a starter between its exclusive create and its write.
    const fd = fs.openSync(path.join(state, 'lock'), 'wx');
    try {
      const r = await runChild(
        ['import', '--json', '--config', config, '--state', state],
        sandboxCliEnv(sb),
      );
      assert.equal(r.code, 1, `refused, not run: ${r.stderr}`);
      assert.match(r.stderr, /in use/);
      assert.equal(sb.callLog().length, calls, 'no call was made');
    } finally {
      fs.closeSync(fd);
    }
  });

  /** Tears applied after a kill right after the third create answered (journal ends with its intent). */
  const tears: [
    string,
    (file: string, lastOrder: { orderNumber: string; saleId: string }) => void,
  ][] = [
    // Killed while writing the `created` record of an order Starshipit already has.
    [
      'created record cut mid-write',
      (file, o) => {
        const rec = encodeRecord({
          t: 'created',
          orderNumber: o.orderNumber,
          saleId: o.saleId,
          outcome: 'created',
          at: new Date().toISOString(),
        });
        fs.appendFileSync(file, rec.slice(0, Math.floor(rec.length / 2)));
      },
    ],
    [
      'record complete but its newline missing',
      (file, o) => {
        const rec = encodeRecord({
          t: 'created',
          orderNumber: o.orderNumber,
          saleId: o.saleId,
          outcome: 'created',
          at: new Date().toISOString(),
        });
        fs.appendFileSync(file, rec.slice(0, -1));
      },
    ],
    ['garbage line appended', (file) => fs.appendFileSync(file, 'not json at all\t0000\n')],
    [
      'binary bytes appended',
      (file) => fs.appendFileSync(file, Buffer.from([0, 0, 0xff, 0xfe, 0x0a])),
    ],
    ['zero-filled tail (no newline)', (file) => fs.appendFileSync(file, Buffer.alloc(64))],
  ];
  for (const [name, tear] of tears) {
    it(`a torn last journal record (${name}) is detected, reported and recovered on start`, async () => {
      const box = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 78 });
      try {
        const expected = expectedOrderNumbers(box);
        const dir = tempDir('dear-rel-torn-');
        const config = writeSettings(box, dir, TIME_SCALE);
        const state = path.join(dir, 'state');
        const args = ['sync', '--json', '--config', config, '--state', state];
        // Killed right after the third create answered: the journal ends with that order's intent.
        const killed = await runChild(
          args,
          sandboxCliEnv(box, { DEAR_STARSHIPIT_CRASH_AT: 'after-starshipit-create:3' }),
        );
        assert.equal(
          killed.signal,
          'SIGKILL',
          `the run reached after-starshipit-create:3 (exit ${killed.code}): ${killed.stderr.slice(0, 500)} ${killed.stdout.slice(-500)}`,
        );
        const file = path.join(state, 'journal.jsonl');
        const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
        const records = lines.map(
          (l) => JSON.parse(l.split('\t')[0]) as { t: string; orderNumber: string; saleId: string },
        );
        const last = records.filter((r) => r.t === 'intent').at(-1)!;
        assert.ok(last, 'the kill left an order with only its intent');
        tear(file, last);
        const again = await runChild(args, sandboxCliEnv(box));
        assert.ok(again.code === 0 || again.code === 1, again.stderr);
        assert.ok(
          again.events.some((e) => e.type === 'log' && /torn last record/.test(e.message)),
          `the recovery is reported: ${again.stdout.slice(0, 600)}`,
        );
        const c = exactlyOnceCounts(box, expected);
        assert.equal(c.duplicateOrders, 0);
        assert.equal(c.missingSales, 0);
        // The journal is whole again: a third run reports no tear and creates nothing.
        const third = await runChild(args, sandboxCliEnv(box));
        assert.ok(!third.events.some((e) => e.type === 'log' && /torn/.test(e.message)));
        assert.equal((third.events.at(-1) as SummaryEvent).created, 0);
      } finally {
        await box.close();
      }
    });
  }
});
