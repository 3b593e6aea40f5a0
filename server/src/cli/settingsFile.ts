/**
 * The one way the CLI reads a settings file (`validate`, `import`, `sync`, …): the path is checked
 * by `stat` before anything is read, and only a regular file is opened. A FIFO, a device such as
 * `/dev/zero`, a directory or a file above `HUGE_FILE_BYTES` is refused at once, so nothing can
 * hang or read a gigabyte into memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigDiagnostic } from '../config';
import { tooLargeDiagnostic } from '../config/document';
import { PositionMapper } from '../config/text';
import { describeFsError, FsProblem } from './fsErrors';

/** Files above this are not read whole: the "too large" diagnostic only needs the first bytes and the size. */
const HUGE_FILE_BYTES = 64 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;

export type SettingsFileText =
  | { kind: 'text'; text: string }
  /** Too large to be a settings file: the same diagnostic the editor shows. */
  | { kind: 'tooLarge'; diagnostic: ConfigDiagnostic };

function kindOf(info: fs.Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(file: string, info: fs.Stats, flag: string | undefined): FsProblem {
  return new FsProblem(
    `the settings file ${file} is ${kindOf(info)}, not a regular file; ${flag ? `pass a YAML settings file with ${flag}` : 'name a YAML settings file'} (create one with "npx dear-starshipit init").`,
    'settings-file',
  );
}

/** Reads up to `limit` bytes of an open file (a short file ends the loop early). */
function readUpTo(fd: number, limit: number): Buffer {
  const buf = Buffer.alloc(limit);
  let total = 0;
  while (total < limit) {
    const bytesRead = fs.readSync(fd, buf, total, limit - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return buf.subarray(0, total);
}

/**
 * The text of the settings file `file`, or its "too large" diagnostic. Throws `FsProblem` (a
 * sentence with the absolute path and what to do) when it is missing, unreadable or not a regular
 * file. `flag` (e.g. `--config FILE`) is named in the advice.
 */
export function readSettingsFile(file: string, flag?: string): SettingsFileText {
  const abs = path.resolve(file);
  const subject = { what: 'settings file', path: abs, flag };
  let fd: number | undefined;
  try {
    const info = fs.statSync(abs);
    if (!info.isFile()) throw notRegular(abs, info, flag);
    // Non-blocking open: had the path been swapped for a FIFO since the stat, open must not wait
    // for a writer; fstat below then refuses it.
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) throw notRegular(abs, opened, flag);
    if (opened.size > HUGE_FILE_BYTES) {
      const head = readUpTo(fd, HEAD_BYTES).toString('utf8');
      return {
        kind: 'tooLarge',
        diagnostic: tooLargeDiagnostic(new PositionMapper(head), opened.size),
      };
    }
    // One byte more than the size says: a file that grows meanwhile is still read in full, up to the cap.
    const bytes = readUpTo(fd, Math.min(opened.size + 1, HUGE_FILE_BYTES + 1));
    return { kind: 'text', text: bytes.toString('utf8') };
  } catch (err) {
    if (err instanceof FsProblem) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FsProblem(
        `the settings file ${abs} does not exist; create it with "npx dear-starshipit init ${file}"${flag ? `, or name another with ${flag}` : ''}.`,
        'settings-file',
      );
    throw new FsProblem(describeFsError(err, subject), 'settings-file');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
