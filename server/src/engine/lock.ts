/**
 * One engine per state directory. The lock file holds `{pid, startedAt, host, token}`. It is
 * written in full to a private temp file (`lock.<pid>.<random>.tmp`), fsynced, and only then
 * hard-linked to `lock`: the link is atomic and fails with EEXIST when the lock is held, so the
 * `lock` file is never seen half-written. (Creating `lock` itself with O_EXCL and writing it
 * afterwards left an empty file for a moment, which a second starter took for a torn, stale lock
 * and removed — two engines on one directory.)
 *
 * A lock whose pid no longer runs (a SIGKILLed run) is stale and is taken over. An unreadable lock
 * can only be torn by a crash of the file system, not by a writer in progress — still, one
 * younger than `FRESH_UNREADABLE_MS` is treated as in use (it may come from an older version of
 * this code, which wrote the lock in place), and only an older one as stale.
 *
 * Removing a stale lock is itself guarded: two starters may find the same dead holder at the same
 * instant, and the slower one must not remove the lock the faster one has just linked in its
 * place. So a stale lock is removed only by the holder of `lock.break` (taken with the same
 * atomic link), and only when `lock` is still the very file found stale (same inode and token).
 * A `lock.break` whose writer died is removed when its pid is gone or it is older than
 * `FRESH_UNREADABLE_MS`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError } from './errors';
import { makeDirectory } from './makeDirectory';

export const LOCK_FILE = 'lock';
/** Held for the instant a starter removes a stale lock (see the header). */
const BREAK_FILE = 'lock.break';
/** An unreadable lock file younger than this is "being written", hence in use. */
const FRESH_UNREADABLE_MS = 5_000;

interface LockInfo {
  pid: number;
  startedAt: string;
  host: string;
  token: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `info` durably to a fresh temp file in `dir` and returns its path. */
function writeTemp(dir: string, info: LockInfo): string {
  const tmp = path.join(
    dir,
    `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeSync(fd, JSON.stringify(info));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

/** What identifies one lock file: a fresh lock is a new inode with a new token. */
interface Found {
  holder?: Partial<LockInfo>;
  ageMs: number;
  identity: string;
}

/** The lock file as it is now; undefined when there is none. */
function readLock(file: string): Found | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let holder: Partial<LockInfo> | undefined;
  try {
    holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    holder = undefined; // unreadable
  }
  const token = typeof holder?.token === 'string' ? holder.token : `mtime ${stat.mtimeMs}`;
  return { holder, ageMs: Date.now() - stat.mtimeMs, identity: `${stat.ino}:${token}` };
}

/** Whether the holder found in a lock file still runs (or may: another host, a fresh torn file). */
function holderRuns(found: Found): boolean {
  const holder = found.holder;
  if (!holder || typeof holder.pid !== 'number') return found.ageMs < FRESH_UNREADABLE_MS;
  const sameHost = !holder.host || holder.host === os.hostname();
  return !sameHost || alive(holder.pid);
}

function inUseMessage(dir: string, file: string, found: Found): string {
  const holder = found.holder;
  if (!holder || typeof holder.pid !== 'number')
    return `state directory ${dir} is in use by another dear-starshipit run (its lock file ${file} is being written); wait for it to finish or stop it, then try again`;
  const sameHost = !holder.host || holder.host === os.hostname();
  return `state directory ${dir} is in use by another dear-starshipit run (pid ${holder.pid}${sameHost ? '' : ` on ${holder.host}`}, started ${holder.startedAt}); wait for it to finish or stop it, then try again`;
}

/** A short synchronous pause (the lock is taken synchronously). */
function pauseMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Test seam: runs between finding a stale lock and removing it (where two starters can meet). */
export interface LockHooks {
  beforeBreak?: () => void;
}

/**
 * Removes `file` if it is still the stale lock identified by `stale`, holding `lock.break` while
 * it looks and removes. Returns false when another starter is breaking it right now.
 */
function breakStale(dir: string, file: string, stale: string, tmp: string): boolean {
  const guard = path.join(dir, BREAK_FILE);
  try {
    fs.linkSync(tmp, guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const breaker = readLock(guard);
    // A breaker that died between its link and its unlink leaves the guard behind.
    if (breaker && !holderRuns(breaker)) unlinkQuietly(guard);
    else if (breaker && breaker.ageMs >= FRESH_UNREADABLE_MS) unlinkQuietly(guard);
    return false;
  }
  try {
    if (readLock(file)?.identity === stale) fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    unlinkQuietly(guard);
  }
  return true;
}

export class StateLock {
  private constructor(
    private readonly file: string,
    private readonly token: string,
  ) {}

  static acquire(dir: string, hooks: LockHooks = {}): StateLock {
    makeDirectory(dir);
    const file = path.join(dir, LOCK_FILE);
    const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const info: LockInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      host: os.hostname(),
      token,
    };
    const tmp = writeTemp(dir, info);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          fs.linkSync(tmp, file); // atomic: the lock appears complete, or EEXIST
          return new StateLock(file, token);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const found = readLock(file);
        if (!found) continue; // released meanwhile: try again
        if (holderRuns(found)) throw new LockedError(inUseMessage(dir, file, found));
        // Stale: the holder is gone. Another starter may be taking it over at this same instant.
        hooks.beforeBreak?.();
        if (!breakStale(dir, file, found.identity, tmp)) pauseMs(5);
      }
      throw new LockedError(
        `could not take the lock on ${dir}: other dear-starshipit runs keep taking it over; try again`,
      );
    } finally {
      unlinkQuietly(tmp);
    }
  }

  release(): void {
    try {
      const holder = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<LockInfo>;
      if (holder.token === this.token) fs.unlinkSync(this.file);
    } catch {
      // lock already gone
    }
  }
}
