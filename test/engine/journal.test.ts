import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { Journal, JOURNAL_FILE, encodeRecord } from '../../server/src/engine/journal';
import { StateLock, LOCK_FILE } from '../../server/src/engine/lock';
import { LockedError, EngineError } from '../../server/src/engine/errors';
import { tempDir } from './helpers';

const at = '2026-01-01T00:00:00.000Z';

describe('engine: journal and lock', () => {
  it('replays records into state and survives reopening', () => {
    const dir = tempDir();
    const j = Journal.open(dir);
    j.append({ t: 'intent', orderNumber: 'SO-1', saleId: 's1', at });
    j.append({
      t: 'created',
      orderNumber: 'SO-1',
      saleId: 's1',
      taskId: 't1',
      orderId: 7,
      outcome: 'created',
      boxes: ['Box 1'],
      packAuthorised: true,
      at,
    });
    j.append({ t: 'intent', orderNumber: 'SO-2', saleId: 's2', at });
    j.append({
      t: 'wb-pending',
      orderNumber: 'SO-1',
      saleId: 's1',
      taskId: 't1',
      carrierCode: 'AusPost',
      tracking: [{ number: 'T1' }],
      shipDate: at,
      at,
    });
    j.append({ t: 'wb-sending', orderNumber: 'SO-1', method: 'POST', at });
    j.append({
      t: 'attention',
      key: 'import:SO-3',
      kind: 'import',
      orderNumber: 'SO-3',
      code: 'missing-street',
      reason: 'x',
      retryable: false,
      at,
    });
    j.append({ t: 'cursor', name: 'dear', value: at });
    j.close();
    const k = Journal.open(dir);
    assert.equal(k.recoveredTornTail, false);
    assert.equal(k.state.orders.get('SO-1')?.state, 'created');
    assert.equal(k.state.orders.get('SO-1')?.orderId, 7);
    assert.equal(k.state.orders.get('SO-2')?.state, 'intent');
    assert.equal(k.state.writebacks.get('SO-1')?.state, 'sending');
    assert.equal(k.state.attention.size, 1);
    assert.equal(k.state.cursors.dear, at);
    // Compaction keeps the same state in fewer records.
    k.compact();
    k.close();
    const c = Journal.open(dir);
    assert.equal(c.state.orders.get('SO-1')?.state, 'created');
    assert.deepEqual(c.state.orders.get('SO-1')?.boxes, ['Box 1']);
    assert.equal(c.state.orders.get('SO-2')?.state, 'intent');
    assert.equal(c.state.writebacks.get('SO-1')?.state, 'sending');
    assert.equal(c.state.attention.get('import:SO-3')?.code, 'missing-street');
    assert.equal(c.state.cursors.dear, at);
    c.close();
  });

  it('group-commits concurrent durable appends in file order', async () => {
    const dir = tempDir();
    const j = Journal.open(dir);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        j.appendDurable({ t: 'intent', orderNumber: `SO-${i}`, saleId: `s${i}`, at }),
      ),
    );
    await j.appendDurable({
      t: 'created',
      orderNumber: 'SO-7',
      saleId: 's7',
      outcome: 'created',
      at,
    });
    await j.drain();
    j.close();
    const k = Journal.open(dir);
    assert.equal(k.state.orders.size, 50);
    assert.equal(k.state.orders.get('SO-7')?.state, 'created');
    assert.equal(k.state.orders.get('SO-49')?.state, 'intent');
    const lines = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').trim().split('\n');
    assert.match(lines[0], /"SO-0"/);
    assert.match(lines[49], /"SO-49"/);
    k.close();
  });

  it('detects a torn last record, drops it and keeps appending after it', () => {
    const dir = tempDir();
    const j = Journal.open(dir);
    j.append({ t: 'created', orderNumber: 'SO-1', saleId: 's1', outcome: 'created', at });
    j.close();
    const file = path.join(dir, JOURNAL_FILE);
    const torn = encodeRecord({
      t: 'created',
      orderNumber: 'SO-2',
      saleId: 's2',
      outcome: 'created',
      at,
    });
    fs.appendFileSync(file, torn.slice(0, torn.length - 9)); // killed mid-write
    const k = Journal.open(dir);
    assert.equal(k.recoveredTornTail, true);
    assert.equal(k.state.orders.size, 1);
    k.append({ t: 'intent', orderNumber: 'SO-2', saleId: 's2', at });
    k.close();
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 2);
    const again = Journal.open(dir);
    assert.equal(again.recoveredTornTail, false);
    assert.equal(again.state.orders.get('SO-2')?.state, 'intent');
    again.close();
  });

  it('refuses a journal damaged in the middle, saying where', () => {
    const dir = tempDir();
    const file = path.join(dir, JOURNAL_FILE);
    const a = encodeRecord({ t: 'cursor', name: 'dear', value: at });
    const b = encodeRecord({ t: 'cursor', name: 'starshipit', value: at });
    fs.writeFileSync(file, a + b.replace('starshipit', 'starshipiT') + a);
    assert.throws(
      () => Journal.open(dir),
      (err: unknown) => err instanceof EngineError && /line 2/.test(err.message),
    );
  });

  it('lets only one engine use a state directory; a stale lock is taken over', () => {
    const dir = tempDir();
    const first = StateLock.acquire(dir);
    assert.throws(
      () => StateLock.acquire(dir),
      (err: unknown) =>
        err instanceof LockedError &&
        /in use by another dear-starshipit run \(pid \d+/.test(err.message),
    );
    first.release();
    const second = StateLock.acquire(dir);
    second.release();
    // A lock left by a process that no longer runs (SIGKILLed run).
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    const pid = Number(dead.stdout.trim());
    fs.writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid, startedAt: at, host: os.hostname(), token: 'x' }),
    );
    const third = StateLock.acquire(dir);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
    third.release();
    assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  });

  it('two starters that find the same dead holder at the same instant: only one takes the lock', () => {
    const dir = tempDir();
    const lock = path.join(dir, LOCK_FILE);
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    const deadPid = Number(dead.stdout.trim());
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: deadPid, startedAt: at, host: os.hostname(), token: 'dead' }),
    );
    // The slower starter has read the dead holder's lock; before it removes it, the faster one
    // removes it too and links its own lock in its place.
    let faster: StateLock | undefined;
    assert.throws(
      () =>
        StateLock.acquire(dir, {
          beforeBreak: () => {
            faster ??= StateLock.acquire(dir);
          },
        }),
      (err: unknown) => err instanceof LockedError && /in use/.test(err.message),
    );
    assert.ok(faster, 'the faster starter took the lock');
    const holder = JSON.parse(fs.readFileSync(lock, 'utf8')) as { token: string };
    assert.notEqual(holder.token, 'dead');
    assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], 'no guard or temp file is left behind');
    faster.release();
    assert.equal(fs.existsSync(lock), false, "the faster starter's lock was still its own");
  });

  it('a lock file still being written (empty, just created) means "in use", never a torn stale lock (BUG-R8)', () => {
    const dir = tempDir();
    const lock = path.join(dir, LOCK_FILE);
    // Another starter between its exclusive create and its write: the file exists, empty, mtime now.
    fs.closeSync(fs.openSync(lock, 'wx'));
    assert.throws(
      () => StateLock.acquire(dir),
      (err: unknown) =>
        err instanceof LockedError && /in use by another dear-starshipit run/.test(err.message),
    );
    assert.equal(fs.statSync(lock).size, 0, "the other starter's lock file is left alone");
    assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], 'no temp file is left behind');
    // Only an unreadable lock that has been so for a while is torn (its writer died) and taken over.
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const taken = StateLock.acquire(dir);
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
    assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE]);
    taken.release();
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
