/**
 * The adaptive Cin7 budget: another app spending part of the key's quota must not get us
 * throttled again in nearly every window.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { AttentionEvent } from '../../protocol/events';
import { SlidingLogLimiter } from '../../server/src/engine/limiter';
import { run, sandboxSettings, tempDir, TIME_SCALE } from './helpers';

const STATUSES = ['ORDERED', 'PICKED', 'PACKED'];

describe('engine: adaptive Cin7 budget under foreign traffic', function () {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('lowers the budget to what the server accepted before a throttle, regains it per clean window, and persists it', async () => {
    let now = 1_000_000;
    const W = 60_000;
    const dir = tempDir();
    const file = path.join(dir, 'limiter-dear.json');
    const l = new SlidingLogLimiter({
      calls: 60,
      windowMs: W,
      epsilonMs: 1,
      now: () => now,
      persistPath: file,
    });
    // 48 calls answered in this window, then the 49th is throttled.
    for (let i = 0; i < 49; i++) {
      const slot = await l.acquire();
      now += 10;
      slot.responded();
    }
    l.pause(W);
    assert.equal(l.budget, 46, 'accepted 48, minus a margin of 2');
    l.pause(W); // a straggler of the same burst does not lower it again
    assert.equal(l.budget, 46);
    const pausedUntil = JSON.parse(fs.readFileSync(file, 'utf8')).pausedUntil as number;
    now = pausedUntil + W - 1;
    assert.equal(l.budget, 46, 'no full clean window yet');
    now = pausedUntil + W;
    assert.equal(l.budget, 48, 'one clean window: doubled, up to 80 % of the 60 in use');
    now = pausedUntil + 2 * W;
    assert.equal(l.budget, 49, 'above that threshold: +1 per clean window');
    l.close();
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { budget: number };
    assert.equal(saved.budget, 49, 'the lowered budget is persisted');
    const restarted = new SlidingLogLimiter({
      calls: 60,
      windowMs: W,
      epsilonMs: 1,
      now: () => now,
      persistPath: file,
    });
    assert.equal(restarted.budget, 49, 'a restart keeps the lowered budget');
    now += 3 * W;
    assert.equal(restarted.budget, 52, 'and keeps recovering by clean windows');
    now += 100 * W;
    assert.equal(restarted.budget, 60, 'never above the configured calls');
    restarted.close();
    assert.equal(
      (JSON.parse(fs.readFileSync(file, 'utf8')) as { budget?: number }).budget,
      undefined,
    );
  });

  it('after a one-off burst from another app the budget doubles per clean window, and a persisted low budget recovers with time', async () => {
    let now = 1_000_000;
    const W = 60_000;
    const file = path.join(tempDir(), 'limiter-dear.json');
    const make = (): SlidingLogLimiter =>
      new SlidingLogLimiter({
        calls: 60,
        windowMs: W,
        epsilonMs: 1,
        now: () => now,
        persistPath: file,
      });
    const l = make();
    // Another app's burst: our third call of the window is already throttled.
    for (let i = 0; i < 3; i++) {
      const slot = await l.acquire();
      now += 10;
      slot.responded();
    }
    l.pause(W);
    assert.equal(l.budget, 1, 'the server accepted almost nothing from us');
    const pausedUntil = JSON.parse(fs.readFileSync(file, 'utf8')).pausedUntil as number;
    now = pausedUntil + W;
    assert.equal(l.budget, 2);
    l.close();
    // The next run starts later: the windows in between count as clean ones.
    const restarted = make();
    const seen: number[] = [];
    for (let w = 2; w <= 7; w++) {
      now = pausedUntil + w * W;
      seen.push(restarted.budget);
    }
    assert.deepEqual(seen, [4, 8, 16, 32, 48, 49], 'doubles up to 80 % of 60, then +1');
    restarted.close();
  });

  it('an import of a few hundred calls with 20 % of the quota spent by another app is throttled at most 3 times, and loses nothing', async () => {
    sb = await startTestSandbox({
      sales: 800,
      timeScale: TIME_SCALE,
      seed: 23,
      switches: { dearForeignTraffic: 0.2 },
    });
    const box = sb;
    const shipped = (id: string): boolean =>
      (box.sale(id) as { CombinedShippingStatus: string }).CombinedShippingStatus === 'SHIPPED';
    const expected = box
      .eligibleSales(STATUSES)
      .filter((e) => !shipped(e.saleId))
      .map((e) => e.orderNumber)
      .sort();
    const invalid = box
      .eligibleSales(STATUSES, { includeInvalid: true })
      .filter((e) => !e.valid && !shipped(e.saleId))
      .map((e) => e.orderNumber)
      .sort();
    const dir = tempDir();
    const s = sandboxSettings(box, { import: { statuses: STATUSES as never } });
    const r = await run(box, s, dir, 'import');
    const dearCalls = box.callLog().filter((e) => e.api === 'dear');
    const throttles = dearCalls.filter((e) => e.status === 429).map((e) => e.at);
    // Calls already in flight when the first throttle answer arrives (up to engine.concurrency) are
    // refused too: throttles less than one window after an episode's first belong to that episode.
    const windowMs = s.dear.rateLimit.perSeconds * 1000;
    const episodes: number[] = [];
    for (const at of throttles)
      if (episodes.length === 0 || at - episodes[episodes.length - 1] >= windowMs)
        episodes.push(at);
    assert.ok(dearCalls.length >= 250, `a few hundred Cin7 calls (${dearCalls.length})`);
    assert.equal(r.summary.throttled.dear, throttles.length);
    assert.ok(episodes.length >= 1, 'the foreign share does throttle us at first');
    const what = `${throttles.length} throttles in ${episodes.length} episodes over ${dearCalls.length} Cin7 calls`;
    // (The old limiter, refilling to 60 slots after each pause, was throttled in every window: 21 in 6 here.)
    assert.ok(episodes.length <= 3, `${what}: the budget must adapt to what the server accepts`);
    assert.ok(throttles.length <= 3 * s.engine.concurrency, what);
    // Nothing lost, nothing duplicated.
    const orders = box.starshipitOrders();
    assert.deepEqual([...orders.keys()].sort(), expected);
    for (const [n, list] of orders) assert.equal(list.length, 1, `${n} created once`);
    assert.equal(r.summary.created, expected.length);
    const parked = r.events
      .filter((e): e is AttentionEvent => e.type === 'attention')
      .map((a) => a.orderNumber)
      .sort();
    assert.deepEqual(
      parked,
      invalid,
      'only invalid sales need attention (none was given up on under throttling)',
    );
  });
});
