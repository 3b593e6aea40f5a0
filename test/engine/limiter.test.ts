import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { EngineEvent } from '../../protocol/events';
import { SlidingLogLimiter, SpacingLimiter } from '../../server/src/engine/limiter';
import { ApiRunner, ApiCallError } from '../../server/src/engine/apiRunner';
import { classifyDear } from '../../server/src/engine/dearClient';
import { classifyStarshipit } from '../../server/src/engine/starshipitClient';
import { parseRetryAfter } from '../../server/src/engine/http';
import { tempDir, tinyServer } from './helpers';

function dearRunner(
  url: string,
  limiter: SlidingLogLimiter,
  events: EngineEvent[],
  concurrency = 4,
): ApiRunner {
  return new ApiRunner({
    api: 'dear',
    baseUrl: url,
    headers: {},
    limiter,
    concurrency,
    maxRetries: 3,
    timeoutMs: 5000,
    timeScale: 0.005,
    classify: classifyDear,
    emit: (e) => events.push(e),
  });
}

describe('engine: rate limiter (real HTTP)', () => {
  it('never trips a sliding-log server that counts on arrival or completion, with jittery latency', async () => {
    const N = 8;
    const W = 300;
    const arrivals: number[] = [];
    const completions: number[] = [];
    let throttledByServer = 0;
    const server = await tinyServer((req, res) => {
      const now = Date.now();
      const inWindow = arrivals.filter((t) => t > now - W).length;
      const completedInWindow = completions.filter((t) => t > now - W).length;
      arrivals.push(now);
      if (inWindow >= N || completedInWindow >= N) {
        throttledByServer++;
        res.writeHead(429, { 'Retry-After': '1 Seconds', 'content-type': 'application/json' });
        res.end(
          '[{"ErrorCode":429,"Exception":"You have reached 60 calls per 60 seconds API limit."}]',
        );
        return;
      }
      // Latency varies between 0 and 40 ms: a send-anchored log would fail here.
      setTimeout(() => {
        completions.push(Date.now());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, Math.random() * 40);
    });
    const events: EngineEvent[] = [];
    const limiter = new SlidingLogLimiter({ calls: N, windowMs: W, epsilonMs: 5 });
    const runner = dearRunner(server.url, limiter, events);
    try {
      const results = await Promise.all(
        Array.from({ length: N * 4 }, () =>
          runner.call({ method: 'GET', path: 'x', idempotent: true }),
        ),
      );
      assert.equal(results.length, N * 4);
      assert.equal(throttledByServer, 0, 'our own traffic must never be throttled');
      assert.equal(runner.calls, N * 4);
      assert.ok(limiter.waitedMs > 0, 'the limiter held calls back');
    } finally {
      await runner.close();
      await server.close();
    }
  });

  for (const variant of [
    {
      status: 429,
      body: '[{"ErrorCode":429,"Exception":"You have reached 60 calls per 60 seconds API limit."}]',
      retryAfter: '60 Seconds',
    },
    {
      status: 503,
      body: '{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}',
      retryAfter: undefined,
    },
    {
      status: 400,
      body: '[{"ErrorCode":400,"Exception":"You have reached 60 calls per 60 seconds API limit."}]',
      retryAfter: undefined,
    },
  ]) {
    it(`treats HTTP ${variant.status} "${variant.body.slice(0, 30)}…" as a throttle: pauses, then retries`, async () => {
      let n = 0;
      const server = await tinyServer((_req, res) => {
        n++;
        if (n === 1) {
          res.writeHead(variant.status, {
            'content-type': 'application/json',
            ...(variant.retryAfter ? { 'Retry-After': variant.retryAfter } : {}),
          });
          res.end(variant.body);
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"SaleList":[],"Total":0}');
        }
      });
      const events: EngineEvent[] = [];
      const limiter = new SlidingLogLimiter({ calls: 60, windowMs: 300 });
      const runner = dearRunner(server.url, limiter, events);
      try {
        const json = await runner.call({ method: 'GET', path: 'saleList', idempotent: true });
        assert.deepEqual(json, { SaleList: [], Total: 0 });
        assert.equal(runner.throttled, 1);
        assert.equal(n, 2);
        const t = events.find((e) => e.type === 'throttle');
        assert.ok(t && t.type === 'throttle' && t.status === variant.status);
        // 60 s of Retry-After scaled by 0.005 = 300 ms; the pause is at least one window.
        assert.ok(limiter.waitedMs >= 250, `waited ${limiter.waitedMs} ms`);
      } finally {
        await runner.close();
        await server.close();
      }
    });
  }

  it('parses Retry-After forms', () => {
    assert.equal(parseRetryAfter('60 Seconds'), 60_000);
    assert.equal(parseRetryAfter('1.5'), 1500);
    assert.equal(parseRetryAfter(undefined), undefined);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
  });

  it('classifies every odd answer with a clear error', () => {
    const r = (status: number, text: string, headers = {}): ReturnType<typeof classifyDear> =>
      classifyDear({ status, text, headers });
    assert.equal(r(200, '<html><body>Login</body></html>').kind, 'transient');
    assert.match((r(200, '<html>') as { message: string }).message, /HTML instead of JSON/);
    assert.equal(r(200, '{"SaleList":[{"Sa').kind, 'transient');
    assert.match((r(200, '{"SaleList":[{"Sa') as { message: string }).message, /truncated JSON/);
    const arrErr = r(400, '[{"ErrorCode":400,"Exception":"Sale not found"}]');
    assert.equal(arrErr.kind, 'permanent');
    assert.match((arrErr as { message: string }).message, /Sale not found/);
    const objErr = r(200, '{"ErrorCode":400,"Exception":"Required attribute X is not provided."}');
    assert.equal(objErr.kind, 'permanent');
    assert.match((objErr as { message: string }).message, /Required attribute X/);
    assert.equal(r(403, 'Incorrect credentials!').kind, 'permanent');
    assert.equal(r(502, 'bad gateway').kind, 'transient');
    const ss = classifyStarshipit({
      status: 200,
      headers: {},
      text: '{"success":false,"errors":[{"message":"Validation","details":"street is required"}]}',
    });
    assert.equal(ss.kind, 'permanent');
    assert.match((ss as { message: string }).message, /street is required/);
    assert.equal(
      classifyStarshipit({
        status: 429,
        headers: { 'retry-after': '1' },
        text: '{"statusCode":429}',
      }).kind,
      'throttle',
    );
  });

  it('hands a write with an unknown outcome back instead of resending it', async () => {
    let n = 0;
    const server = await tinyServer((req) => {
      n++;
      req.socket.destroy(); // the request arrived; the answer is lost
    });
    const events: EngineEvent[] = [];
    const runner = dearRunner(
      server.url,
      new SlidingLogLimiter({ calls: 60, windowMs: 300 }),
      events,
    );
    try {
      await assert.rejects(
        runner.call({ method: 'POST', path: 'sale/fulfilment/ship', body: {}, idempotent: false }),
        (err: unknown) => err instanceof ApiCallError && err.failure === 'unknown-outcome',
      );
      assert.equal(n, 1, 'sent exactly once');
      // An idempotent read is retried with jitter and finally gives up with a clear message.
      await assert.rejects(
        runner.call({ method: 'GET', path: 'saleList', idempotent: true }),
        (err: unknown) =>
          err instanceof ApiCallError &&
          err.failure === 'exhausted' &&
          /gave up after 4 attempts/.test(err.message),
      );
      assert.equal(events.filter((e) => e.type === 'retry').length, 3);
    } finally {
      await runner.close();
      await server.close();
    }
  });

  it('persists the slot log so a restarted engine cannot burst into a window the server still counts', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'limiter-dear.json');
    const a = new SlidingLogLimiter({ calls: 3, windowMs: 60_000, persistPath: file });
    for (let i = 0; i < 3; i++) (await a.acquire()).responded();
    const b = new SlidingLogLimiter({ calls: 3, windowMs: 60_000, persistPath: file });
    await assert.rejects(b.acquire(AbortSignal.timeout(150)));
    const fresh = new SlidingLogLimiter({
      calls: 3,
      windowMs: 60_000,
      persistPath: path.join(dir, 'other.json'),
    });
    (await fresh.acquire(AbortSignal.timeout(150))).responded();
  });

  it('spaces Starshipit calls and pauses them on 429', async () => {
    const s = new SpacingLimiter({ calls: 20, windowMs: 100 });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) (await s.acquire()).responded();
    s.pause(50);
    (await s.acquire()).responded();
    assert.ok(s.waitedMs > 0 && Date.now() - t0 >= s.waitedMs - 5);
  });
});
