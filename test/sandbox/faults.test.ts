import * as assert from 'node:assert/strict';
import { parseFaultSpec } from '../../sandbox/src/index';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { dear, ss, validOrder } from './helpers';

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail at the connection level');
}

describe('sandbox: fault injection', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ seed: 21, sales: 10, timeScale: 1000 });
  });
  afterEach(() => sb.close());

  it('parses the grammar and explains a bad rule', () => {
    const rules = parseFaultSpec(
      'dear:saleList:500@0.1, starshipit:orders:commit-reset^POST*1>2, *:*:latency=20~10',
    );
    assert.equal(rules.length, 3);
    assert.deepEqual([rules[0].kind, rules[0].status, rules[0].prob], ['status', 500, 0.1]);
    assert.deepEqual(
      [rules[1].kind, rules[1].method, rules[1].count, rules[1].skip],
      ['commit-reset', 'POST', 1, 2],
    );
    assert.deepEqual([rules[2].kind, rules[2].ms, rules[2].jitter], ['latency', 20, 10]);
    assert.throws(() => parseFaultSpec('dear:saleList'), /expected API:ROUTE:KIND/);
    assert.throws(() => parseFaultSpec('dear:saleList:explode'), /unknown kind "explode"/);
    assert.throws(() => sb.setFaults('dear:x:500@2'), /probability/);
  });

  it('NNN answers the vendor error without applying the call; *N limits, >N skips', async () => {
    sb.setFaults('dear:saleList:503>1*2');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await dear(sb, 'saleList?Limit=1')).status);
    assert.deepEqual(statuses, [200, 503, 503, 200, 200]);
    const log = sb.callLog().filter((c) => c.api === 'dear');
    assert.deepEqual(
      log.map((c) => c.fault ?? ''),
      ['', '503', '503', '', ''],
    );
    sb.setFaults('starshipit:orders:500^POST');
    const r = await ss(sb, '/api/orders', { body: { order: validOrder('SO-F1') } });
    assert.equal(r.status, 500);
    assert.equal(sb.starshipitOrders().size, 0, 'the write was not applied');
  });

  it('throttle storm answers like the limiter', async () => {
    sb.setFaults('dear:*:throttle*3');
    const r = await dear(sb, 'me');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '60 Seconds');
    assert.match(r.json[0].Exception, /60 calls per 60 seconds/);
  });

  it('reset drops the connection before applying; commit-reset applies, then drops', async () => {
    sb.setFaults('starshipit:orders:reset^POST*1');
    await rejects(ss(sb, '/api/orders', { body: { order: validOrder('SO-R1') } }));
    assert.equal(sb.starshipitOrders().has('SO-R1'), false);
    sb.setFaults('starshipit:orders:commit-reset^POST*1');
    await rejects(ss(sb, '/api/orders', { body: { order: validOrder('SO-R2') } }));
    assert.equal(
      sb.starshipitOrders().get('SO-R2')?.length,
      1,
      'applied although the client saw no answer',
    );
    const entry = sb
      .callLog()
      .filter((c) => c.api === 'starshipit')
      .pop();
    assert.equal(entry?.fault, 'commit-reset');
    assert.equal(entry?.status, 200);
  });

  it('slow applies the write and answers after the client has given up', async () => {
    sb.setFaults('starshipit:orders:slow=5000^POST*1');
    const err = await rejects(
      ss(sb, '/api/orders', {
        body: { order: validOrder('SO-S1') },
        signal: AbortSignal.timeout(150),
      }),
    );
    assert.match(String(err.name), /TimeoutError|AbortError/);
    assert.equal(sb.starshipitOrders().get('SO-S1')?.length, 1);
  });

  it('html answers 200 text/html; truncate answers JSON cut short (write applied)', async () => {
    sb.setFaults('dear:saleList:html*1');
    const h = await dear(sb, 'saleList');
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(h.json, undefined);
    sb.setFaults('starshipit:orders:truncate^POST*1');
    const t = await ss(sb, '/api/orders', { body: { order: validOrder('SO-T1') } });
    assert.equal(t.status, 200);
    assert.ok(t.text.startsWith('{"order":'));
    assert.throws(() => JSON.parse(t.text));
    assert.equal(sb.starshipitOrders().get('SO-T1')?.length, 1);
  });

  it('latency is logged; probabilities are deterministic by seed', async () => {
    sb.setFaults('dear:me:latency=5~5');
    await dear(sb, 'me');
    assert.match(sb.callLog().pop()?.fault ?? '', /^latency=\d+$/);
    const pattern = async (seed: number) => {
      const s = await startTestSandbox({
        seed,
        sales: 1,
        faults: 'dear:me:500@0.5',
        timeScale: 1000,
      });
      try {
        const out: number[] = [];
        for (let i = 0; i < 16; i++) out.push((await dear(s, 'me')).status);
        return out.join(',');
      } finally {
        await s.close();
      }
    };
    const a = await pattern(1);
    assert.equal(await pattern(1), a);
    assert.ok(a.includes('500') && a.includes('200'));
    assert.notEqual(await pattern(2), a);
  });
});
