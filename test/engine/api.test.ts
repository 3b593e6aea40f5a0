/** The engine's public API: refusals before any request, cancellation, status, estimates. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSandbox } from '../../sandbox/src/index';
import type { Sandbox } from '../../sandbox/src/api';
import {
  ConfigurationError,
  readStatus,
  resolveStateDir,
  runEngine,
} from '../../server/src/engine/index';
import { estimateSeconds } from '../../server/src/engine/runner';
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
    sb = await startSandbox({ sales: 80, timeScale: TIME_SCALE, seed: 7 });
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

  it('resolves the state directory beside the settings file and estimates wall time', () => {
    const s = baseSettings();
    assert.equal(
      resolveStateDir('/a/b/dear-starshipit.yaml', s),
      path.resolve('/a/b/.dear-starshipit'),
    );
    s.engine.stateDir = '/abs/state';
    assert.equal(resolveStateDir('/a/b/c.yaml', s), '/abs/state');
    assert.equal(estimateSeconds(0, { calls: 60, perSeconds: 60 }, 0.5, 2), 0);
    assert.equal(estimateSeconds(120, { calls: 60, perSeconds: 60 }, 0.5, 2), 75.5);
    assert.equal(estimateSeconds(30, { calls: 60, perSeconds: 60 }, 0.4, 4), 3);
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
