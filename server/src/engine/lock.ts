/**
 * One engine per state directory. The lock file holds `{pid, startedAt, host, token}`. It is
 * written in full to a private temp file (`lock.<pid>.<random>.tmp`), fsynced, and only then
 * hard-linked to `lock`: the link is atomic and fails with EEXIST when the lock is held, so the
 * `lock` file is never seen half-written. (Creating `lock` itself with O_EXCL and writing it
 * afterwards left an empty file for a moment, which a second starter took for a torn, stale lock
 * and removed — two engines on one directory.)
 *
 * A lock whose pid no longer runs (a SIGKILLed run) is stale and is taken over. An unreadable lock
 * can now only be torn by a crash of the file system, not by a writer in progress — still, one
 * younger than `FRESH_UNREADABLE_MS` is treated as in use (it may come from an older version of
 * this code, which wrote the lock in place), and only an older one as stale.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError } from './errors';
import { makeDirectory } from './makeDirectory';

export const LOCK_FILE = 'lock';
/** An unreadable lock file younger than this is "being written", hence in use. */
export const FRESH_UNREADABLE_MS = 5_000;

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

export class StateLock {
  private constructor(
    private readonly file: string,
    private readonly token: string,
  ) {}

  static acquire(dir: string): StateLock {
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
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          fs.linkSync(tmp, file); // atomic: the lock appears complete, or EEXIST
          return new StateLock(file, token);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        let holder: Partial<LockInfo> | undefined;
        let ageMs = Infinity;
        try {
          ageMs = Date.now() - fs.statSync(file).mtimeMs;
          holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
          holder = undefined; // unreadable
        }
        if (!holder || typeof holder.pid !== 'number') {
          if (ageMs < FRESH_UNREADABLE_MS) {
            throw new LockedError(
              `state directory ${dir} is in use by another dear-starshipit run (its lock file ${file} is being written); wait for it to finish or stop it, then try again`,
            );
          }
          // Torn and old: its writer is long gone.
        } else {
          const sameHost = !holder.host || holder.host === os.hostname();
          if (!sameHost || alive(holder.pid)) {
            throw new LockedError(
              `state directory ${dir} is in use by another dear-starshipit run (pid ${holder.pid}${sameHost ? '' : ` on ${holder.host}`}, started ${holder.startedAt}); wait for it to finish or stop it, then try again`,
            );
          }
        }
        // Stale: the holder is gone. Remove and retry the atomic link (a racing taker loses there).
        unlinkQuietly(file);
      }
      throw new LockedError(`could not take the lock on ${dir}`);
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
