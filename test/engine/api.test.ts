/** The engine's public API: refusals before any request, cancellation, status, estimates. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import {
  ConfigurationError,
  readStatus,
  resolveStateDir,
  runEngine,
} from '../../server/src/engine/index';
import { dearSeconds, estimateRunSeconds } from '../../server/src/engine/estimate';
import {
  baseSettings,
  run,
  sandboxSecrets,
  sandboxSettings,
  tempDir,
  TIME_SCALE,
  tinyServer,
} from './helpers';

describe('engine: public API', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 80, timeScale: TIME_SCALE, seed: 7 });
  });
  afterEach(async () => {
    await sb.close();
  });

  it('refuses non-loopback http and missing credentials before any request or state change', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb);
    s.dear.baseUrl = 'http://10.1.2.3/ExternalApi/v2/';
    await assert.rejects(
      run(sb, s, dir, 'import'),
      (err: unknown) =>
        err instanceof ConfigurationError &&
        /dear\.baseUrl: "http:\/\/10\.1\.2\.3" is refused/.test(err.message),
    );
    const t = sandboxSettings(sb);
    await assert.rejects(
      runEngine({
        settings: t,
        configPath: path.join(dir, 'x.yaml'),
        stateDir: dir,
        mode: 'import',
        dryRun: true,
        secrets: () => undefined,
        onEvent: () => undefined,
      }),
      (err: unknown) =>
        err instanceof ConfigurationError &&
        /dear\.accountId: \$\{secret:DEAR_ACCOUNT\} has no value/.test(err.message),
    );
    assert.equal(sb.callLog().length, 0);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('a cancelled run stops between calls, says so, and the next run finishes exactly once', async () => {
    const dir = tempDir();
    const s = sandboxSettings(sb, {
      import: { statuses: ['ORDERED', 'PICKED', 'PACKED'] },
      engine: { concurrency: 1 },
    });
    const ac = new AbortController();
    let seen = 0;
    const first = await runEngine({
      settings: s,
      configPath: path.join(dir, 'x.yaml'),
      stateDir: dir,
      mode: 'sync',
      dryRun: false,
      secrets: sandboxSecrets(sb),
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'order' && ++seen === 2) ac.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.created >= 2 && first.created < sb.starshipitOrders().size + 1);
    const second = await run(sb, s, dir, 'sync');
    assert.equal(second.summary.cancelled, undefined);
    for (const [, list] of sb.starshipitOrders()) assert.equal(list.length, 1);
    const st = await readStatus(dir);
    assert.equal(st.imported, sb.starshipitOrders().size);
    assert.equal(st.lastRun?.summary.created, second.summary.created);
    assert.equal(
      st.imported,
      first.created + second.summary.created + second.summary.alreadyPresent,
    );
  });

  it('resolves the state directory beside the settings file', () => {
    const s = baseSettings();
    assert.equal(
      resolveStateDir('/a/b/dear-starshipit.yaml', s),
      path.resolve('/a/b/.dear-starshipit'),
    );
    s.engine.stateDir = '/abs/state';
    assert.equal(resolveStateDir('/a/b/c.yaml', s), '/abs/state');
  });

  it('estimates Cin7 time from the sliding log: slots held for answer + window, concurrency, held slots', () => {
    const cin7 = {
      limit: { calls: 60, perSeconds: 60 },
      budget: 60,
      holdSeconds: 60,
      heldSeconds: [],
      rttSeconds: 0.5,
      concurrency: 2,
    };
    assert.equal(dearSeconds({ ...cin7, calls: 0 }), 0);
    // 60 calls two at a time: 30 round trips.
    assert.equal(dearSeconds({ ...cin7, calls: 60 }), 15);
    // The 61st waits for the first slot: answered at 0.5 s, held 60 s more.
    assert.equal(dearSeconds({ ...cin7, calls: 61 }), 61);
    // Every slot still held by the dry run for 10 s: the live run starts when they free up.
    const held = new Array<number>(60).fill(10);
    assert.equal(dearSeconds({ ...cin7, calls: 2, heldSeconds: held }), 10.5);
    // A budget lowered after a throttle: 2 slots, so the third call waits a window.
    assert.equal(dearSeconds({ ...cin7, calls: 3, budget: 2 }), 61);
  });

  it('adds the Starshipit calls made alone to the longer of Cin7 and the Starshipit calls beside it', () => {
    const cin7 = {
      calls: 10,
      limit: { calls: 60, perSeconds: 60 },
      budget: 60,
      holdSeconds: 60,
      heldSeconds: [],
      rttSeconds: 0.2,
      concurrency: 2,
    };
    const rate = { calls: 2, perSeconds: 1 };
    // Cin7: 10 calls two at a time = 1 s. Starshipit beside: 20 creates, one per 0.625 s.
    const importOnly = estimateRunSeconds(cin7, {
      sequentialCalls: 0,
      besideCalls: 20,
      rate,
      rttSeconds: 0.2,
    });
    assert.equal(importOnly, 12.08);
    // 4 calls alone first (checks, listing) add 3 × 0.625 s + one round trip.
    const withListing = estimateRunSeconds(cin7, {
      sequentialCalls: 4,
      besideCalls: 20,
      rate,
      rttSeconds: 0.2,
    });
    assert.equal(withListing, 14.15);
    // Every Cin7 slot held 10 s by the dry run: the reads, and so the creates after them, wait.
    const afterHeldSlots = estimateRunSeconds(
      { ...cin7, heldSeconds: new Array<number>(60).fill(10) },
      { sequentialCalls: 0, besideCalls: 2, rate: { calls: 2, perSeconds: 0.8 }, rttSeconds: 0.2 },
    );
    // Reads answered at 10.2 … 11.0 s; the two creates follow the last two, 0.5 s apart.
    assert.equal(afterHeldSlots, 11.7);
  });

  it('never copies a credential that an API echoes in its error body into events or the journal', async () => {
    const key = 'SECRET-ECHO-KEY-0123456789+/=';
    const server = await tinyServer((req, res) => {
      // An API that quotes the key it refused, raw and base64-encoded.
      const k = String(
        req.headers['api-auth-applicationkey'] ?? req.headers['starshipit-api-key'] ?? '',
      );
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(
        `Incorrect credentials! (key ${k}, ${Buffer.from(k).toString('base64')}, ${encodeURIComponent(k)})`,
      );
    });
    try {
      const dir = tempDir();
      const s = baseSettings();
      s.dear.baseUrl = `${server.url}ExternalApi/v2/`;
      s.starshipit.baseUrl = server.url.replace(/\/$/, '');
      const events: unknown[] = [];
      let stopped = '';
      await runEngine({
        settings: s,
        configPath: path.join(dir, 'x.yaml'),
        stateDir: dir,
        mode: 'sync',
        dryRun: false,
        secrets: (_k, n) => (n === 'DEAR_KEY' || n === 'SS_KEY' ? key : 'other-credential-value'),
        onEvent: (e) => events.push(e),
      }).catch((err: Error) => {
        stopped = err.message; // the connection check stops the run on refused credentials
      });
      const text =
        stopped + JSON.stringify(events) + fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8');
      assert.match(
        text,
        /Incorrect credentials! \(key •••, •••, •••\)/,
        'the vendor message is kept, the key is not',
      );
      for (const form of [key, Buffer.from(key).toString('base64'), encodeURIComponent(key)])
        assert.equal(text.includes(form), false, form);
    } finally {
      await server.close();
    }
  });
});
