import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { SlidingWindow, TokenBucket } from '../../sandbox/src/ratelimit';
import { dear, ss, ssHeaders, until } from './helpers';

const LIMIT_TEXT = 'You have reached 60 calls per 60 seconds API limit.';

/** Fire `n` calls at once (all arrive well inside the window) and return their statuses in order. */
async function burst(sb: Sandbox, n: number, key?: string): Promise<number[]> {
  const res = await Promise.all(
    Array.from({ length: n }, () => dear(sb, 'ref/carrier?Limit=1', { key })),
  );
  return res.map((r) => r.status);
}

describe('sandbox: rate limits', function () {
  // Time scale 0.1: a 600 s Cin7 window, so a burst surely lands inside one window however slow the
  // machine is; these tests never wait for the window to pass.
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ seed: 5, sales: 20, timeScale: 0.1 });
  });
  afterEach(() => sb.close());

  it('throttles the 61st Cin7 call in a window with 429, x-ratelimit-* headers, Retry-After "60 Seconds" and the limit text', async () => {
    const statuses = await burst(sb, 60);
    assert.deepEqual(statuses, Array(60).fill(200));
    const r = await dear(sb, 'saleList?Limit=1');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('x-ratelimit-limit'), '60');
    assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(r.headers.get('x-ratelimit-reset'), '60');
    assert.equal(r.headers.get('retry-after'), '60 Seconds');
    assert.equal(r.headers.get('x-sandbox-time-scale'), '0.1');
    assert.deepEqual(r.json, [{ ErrorCode: 429, Exception: LIMIT_TEXT }]);
    const ok = await dear(sb, 'saleList?Limit=1', { key: sb.credentials.dearApiKey2 });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-ratelimit-limit'), null, '200s carry no rate-limit headers');
    const log = sb.callLog().filter((c) => c.api === 'dear');
    assert.equal(
      log.filter((c) => c.status === 429 && c.fault === 'rate-limit').length,
      1,
      'throttled calls are logged',
    );
    assert.equal(log.filter((c) => c.key === sb.credentials.dearApiKey).length, 61);
  });

  it('counts per application key: the second key still gets 200', async () => {
    await burst(sb, 60);
    assert.equal((await dear(sb, 'saleList?Limit=1')).status, 429);
    assert.equal(
      (await dear(sb, 'saleList?Limit=1', { key: sb.credentials.dearApiKey2 })).status,
      200,
    );
  });

  it('switches to the legacy 503 and the 400-wrapped variant (no Retry-After), and the object error shape', async () => {
    await burst(sb, 60);
    sb.setSwitch('dearThrottleStatus', 503);
    const legacy = await dear(sb, 'saleList');
    assert.equal(legacy.status, 503);
    assert.equal(legacy.headers.get('retry-after'), null);
    assert.deepEqual(legacy.json, [{ ErrorCode: 503, Exception: LIMIT_TEXT }]);
    sb.setSwitch('dearThrottleStatus', 400);
    sb.setSwitch('dearErrorShape', 'object');
    const wrapped = await dear(sb, 'saleList');
    assert.equal(wrapped.status, 400);
    assert.deepEqual(wrapped.json, { ErrorCode: 400, Exception: LIMIT_TEXT });
  });

  it('spends a share of the quota as foreign traffic', async () => {
    sb.setSwitch('dearForeignTraffic', 0.5);
    const statuses = await burst(sb, 31);
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(200));
    assert.equal(statuses[30], 429);
  });

  it('frees the window after it passes (time-scaled); throttled calls do not extend it by default', async () => {
    const fast = await startTestSandbox({ seed: 5, sales: 5, timeScale: 200 });
    try {
      // Burst until the 300 ms window overflows (one burst normally suffices; a slow machine may need more).
      await until(
        async () => {
          const res = await Promise.all(
            Array.from({ length: 70 }, () => dear(fast, 'ref/carrier?Limit=1')),
          );
          return res.some((r) => r.status === 429);
        },
        'a burst to overflow the window',
        20,
      );
      // Wait on the server's own answer: poll until it lets a call through again (300 ms window).
      const ok = await until(async () => {
        const r = await dear(fast, 'saleList?Limit=1');
        return r.status === 200 ? r : undefined;
      }, 'the Cin7 window to free up');
      assert.equal(ok.status, 200);
    } finally {
      await fast.close();
    }
  });

  it('sliding window: throttled calls occupy slots only when dearThrottledCallsCount is on (explicit clock)', () => {
    for (const counts of [false, true]) {
      const w = new SlidingWindow(60, 1000);
      for (let i = 0; i < 60; i++) assert.equal(w.take('k', 0).ok, true);
      for (let i = 0; i < 60; i++) {
        const t = w.take('k', 500);
        assert.equal(t.ok, false);
        if (counts) w.record('k', 500);
      }
      assert.equal(w.take('k', 1001).ok, !counts, `after the first window, counts=${counts}`);
      assert.equal(w.take('k', 1501).ok, true);
    }
  });

  it('token bucket: burst of `rate`, then one token per 1/rate (explicit clock)', () => {
    const b = new TokenBucket(() => 2, 1000);
    assert.equal(b.take('s', 0).ok, true);
    assert.equal(b.take('s', 0).ok, true);
    const refused = b.take('s', 0);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.waitMs, 500);
    assert.equal(b.take('s', 500).ok, true);
  });

  it('throttles Starshipit per subscription key: 429 APIM body and Retry-After; production key has its own bucket', async () => {
    // Time scale 0.01: 2 tokens per 100 s, so no token can refill during the burst.
    const slow = await startTestSandbox({ seed: 5, sales: 5, timeScale: 0.01 });
    try {
      const dev = ssHeaders(slow);
      const res = await Promise.all(
        Array.from({ length: 4 }, () => ss(slow, '/api/orders/unshipped', { headers: dev })),
      );
      const statuses = res.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429], 'developer plan: 2 per second');
      const t = res.find((r) => r.status === 429);
      assert.ok(t);
      assert.match(t.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal(t.json.statusCode, 429);
      assert.match(t.json.message, /^Rate limit is exceeded\. Try again in \d+ seconds\.$/);
      const prod = await ss(slow, '/api/orders/unshipped', {
        headers: ssHeaders(slow, slow.credentials.starshipitSubscriptionKeyProduction),
      });
      assert.equal(prod.status, 200);
    } finally {
      await slow.close();
    }
  });
});
