/**
 * File-system failures as sentences: which file (absolute path), what went wrong in words, and what
 * to do. Raw `ENOENT: no such file or directory, open '…'` messages never reach the user.
 */
import * as path from 'node:path';

/** What the path was for, as the user knows it, and the flag that chooses it. */
export interface FsSubject {
  /** e.g. "settings file", "state directory". */
  what: string;
  path: string;
  /** e.g. "--config FILE": named in the advice. */
  flag?: string;
}

/** A file-system failure already turned into a sentence; `code` is stable for `--json`. */
export class FsProblem extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'FsProblem';
  }
}

function chooseOther(subject: FsSubject): string {
  return subject.flag ? `, or choose another with ${subject.flag}` : '';
}

/** A sentence for a Node file-system error on `subject` (any other error keeps its message). */
export function describeFsError(err: unknown, subject: FsSubject): string {
  const nodeError = err as NodeJS.ErrnoException;
  const where = path.resolve(subject.path);
  const failed =
    nodeError?.path && path.resolve(nodeError.path) !== where
      ? ` (at ${path.resolve(nodeError.path)})`
      : '';
  switch (nodeError?.code) {
    case 'ENOENT':
      return `the ${subject.what} ${where} does not exist${failed}; check the path${chooseOther(subject)}.`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied for the ${subject.what} ${where}${failed}; give your user access to it (ls -ld "${where}")${chooseOther(subject)}.`;
    case 'EISDIR':
      return `the ${subject.what} ${where} is a directory, not a file${chooseOther(subject)}.`;
    case 'ENOTDIR':
      return `a part of the path of the ${subject.what} ${where} is a file, not a directory${failed}; fix the path${chooseOther(subject)}.`;
    case 'EROFS':
      return `the ${subject.what} ${where} is on a read-only file system${failed}; use a writable location${chooseOther(subject)}.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left for the ${subject.what} ${where}${failed}; free some disk space and try again.`;
    case 'ELOOP':
      return `the path of the ${subject.what} ${where} contains a symbolic link loop; fix the link${chooseOther(subject)}.`;
    case 'ENAMETOOLONG':
      return `the path of the ${subject.what} ${where} is too long for the file system; use a shorter path${chooseOther(subject)}.`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files while opening the ${subject.what} ${where}; close other programs or raise the open-file limit (ulimit -n), then try again.`;
    case 'EBUSY':
    case 'ETXTBSY':
      return `the ${subject.what} ${where} is busy (in use by another program); try again when it is free.`;
    case 'EIO':
      return `an I/O error occurred on the ${subject.what} ${where}${failed}; check the disk, then try again.`;
    default: {
      const detail = nodeError?.code
        ? `${nodeError.code}${nodeError.syscall ? ` during ${nodeError.syscall}` : ''}`
        : err instanceof Error
          ? err.message
          : String(err);
      return `cannot use the ${subject.what} ${where}${failed} (${detail}); check the path and its permissions${chooseOther(subject)}.`;
    }
  }
}

/** True for errors thrown by Node's fs module (they carry `code`, `syscall` and usually `path`). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  const nodeError = err as NodeJS.ErrnoException;
  return (
    err instanceof Error &&
    typeof nodeError.code === 'string' &&
    typeof nodeError.syscall === 'string' &&
    /^E[A-Z]+$/.test(nodeError.code)
  );
}
