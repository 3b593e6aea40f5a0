/**
 * Creates a directory and its missing parents one level at a time. Node's `mkdir(…, {recursive})`
 * retries for ever where a parent exists but refuses new entries with ENOENT (e.g. under /proc):
 * the process spins in native code and cannot even handle SIGTERM. Here every level is tried once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from './errors';

/** The state directory cannot be created or is not a directory; the message is a full sentence. */
class StateDirError extends EngineError {
  constructor(message: string) {
    super(message, 'state-dir');
    this.name = 'StateDirError';
  }
}

function reason(err: NodeJS.ErrnoException, level: string, parentExists: boolean): string {
  switch (err.code) {
    case 'ENOENT':
      return parentExists
        ? `the file system at ${path.dirname(level)} does not allow new folders there`
        : `${path.dirname(level)} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied creating ${level}`;
    case 'EROFS':
      return `${level} is on a read-only file system`;
    case 'ENOTDIR':
      return `a part of ${level} is a file, not a folder`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the disk';
    default:
      return `${err.code ?? 'error'} creating ${level}`;
  }
}

/** Makes sure `dir` exists as a directory; throws StateDirError with a sentence otherwise. */
export function makeDirectory(dir: string, what = 'state directory'): void {
  const target = path.resolve(dir);
  const advice = 'set engine.stateDir (or the CLI option --state DIR) to a writable folder';
  const missing: string[] = [];
  let level = target;
  for (;;) {
    let info: fs.Stats | undefined;
    try {
      info = fs.statSync(level);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        throw new StateDirError(
          `cannot create the ${what} ${target}: ${reason(err as NodeJS.ErrnoException, level, false)}; ${advice}.`,
        );
    }
    if (info) {
      if (!info.isDirectory())
        throw new StateDirError(
          `cannot use the ${what} ${target}: ${level} is a file, not a folder; ${advice}.`,
        );
      break;
    }
    const parent = path.dirname(level);
    if (parent === level) break; // a root that does not exist (e.g. a missing drive)
    missing.push(level);
    level = parent;
  }
  for (const next of missing.reverse()) {
    try {
      fs.mkdirSync(next);
    } catch (err) {
      const failure = err as NodeJS.ErrnoException;
      if (failure.code === 'EEXIST' && fs.statSync(next).isDirectory()) continue; // created meanwhile
      throw new StateDirError(
        `cannot create the ${what} ${target}: ${reason(failure, next, true)}; ${advice}.`,
      );
    }
  }
}
