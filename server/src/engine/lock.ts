/**
 * One engine per state directory. The lock file holds `{pid, startedAt, host}`; it is created
 * with O_EXCL so two starters cannot both win. A lock whose pid no longer runs (a SIGKILLed run)
 * is stale and is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError } from './errors';

export const LOCK_FILE = 'lock';

interface LockInfo { pid: number; startedAt: string; host: string; token: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StateLock {
  private constructor(private readonly file: string, private readonly token: string) {}

  static acquire(dir: string): StateLock {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOCK_FILE);
    const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), host: os.hostname(), token };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, JSON.stringify(info));
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        return new StateLock(file, token);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: Partial<LockInfo> | undefined;
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
      } catch {
        holder = undefined; // torn lock file: its writer died before finishing it
      }
      const sameHost = !holder?.host || holder.host === os.hostname();
      if (holder && typeof holder.pid === 'number' && (!sameHost || alive(holder.pid))) {
        throw new LockedError(`state directory ${dir} is in use by another dear-starshipit run (pid ${holder.pid}${sameHost ? '' : ` on ${holder.host}`}, started ${holder.startedAt}); wait for it to finish or stop it, then try again`);
      }
      // Stale: the holder is gone. Remove and retry the exclusive create (a racing taker loses there).
      try {
        fs.unlinkSync(file);
      } catch {
        // someone else removed it first
      }
    }
    throw new LockedError(`could not take the lock on ${dir}`);
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
