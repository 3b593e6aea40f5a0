/**
 * Child processes for every test and benchmark: the CLI run to completion (stdout, stderr, exit
 * code or signal, optionally SIGKILLed after its own progress), and long-running children started,
 * awaited on a printed line and stopped.
 */
import {
  spawn,
  spawnSync,
  type ChildProcess,
  type SpawnOptions,
  type SpawnSyncReturns,
} from 'node:child_process';
import { CLI_PATH } from './paths';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when `killAfterLines` SIGKILLed the child, false when it ended by itself. */
  killedByTimer: boolean;
}

export interface RunCliOptions {
  /** The bundle to run (default: dist/cli.js). */
  cliPath?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with all stdout so far after every chunk. */
  onStdout?: (stdoutSoFar: string, child: ChildProcess) => void;
  /**
   * SIGKILL the child `killDelayMs` (default 0) after it printed this many stdout lines — the
   * child's own progress picks the moment, the delay adds the chosen offset.
   */
  killAfterLines?: number;
  killDelayMs?: number;
  /**
   * When the run counts as finished: `exit` (the process ended) or `close` (it ended and its
   * output streams are drained). Default `exit`.
   */
  settleOn?: 'exit' | 'close';
}

/** Runs the CLI as a child process without blocking this process (an in-process sandbox lives here). */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.cliPath ?? CLI_PATH, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    let armed = false;
    let killedByTimer = false;
    const armKill = () => {
      armed = true;
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) {
          killedByTimer = true;
          child.kill('SIGKILL');
        }
      }, opts.killDelayMs ?? 0);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      opts.onStdout?.(stdout, child);
      if (opts.killAfterLines === undefined || armed) return;
      lines += (chunk.match(/\n/g) ?? []).length;
      if (lines >= opts.killAfterLines) armKill();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on(opts.settleOn ?? 'exit', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal, stdout, stderr, killedByTimer }),
    );
  });
}

/** Starts a long-running child with piped stdio (stdin included unless `opts.stdio` says otherwise). */
export function startChild(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

/**
 * Resolves with the first match of `re` in the child's stdout since this call (rejects when the
 * child exits first or, with `timeoutMs`, when that time passes; the error carries stderr's tail).
 */
export function waitForLine(
  child: ChildProcess,
  re: RegExp,
  timeoutMs?: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              done(
                new Error(
                  `no line matching ${re} within ${timeoutMs} ms; stderr: ${err.slice(-500)}`,
                ),
              ),
            timeoutMs,
          );
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const m = re.exec(buf);
      if (m) done(undefined, m);
    };
    const onErr = (chunk: Buffer | string) => {
      err += chunk.toString();
    };
    const onExit = (code: number | null) =>
      done(new Error(`process exited (${code}) before printing ${re}; stderr: ${err.slice(-500)}`));
    const done = (e?: Error, m?: RegExpExecArray) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else if (m) resolve(m);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}

/** Resolves with the child's exit code once it exits. */
export function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** Stops a child we started (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface RunCliSyncOptions {
  /** The bundle to run (default: dist/cli.js). */
  cliPath?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which then closes. */
  input?: string;
  /** Kills the child (SIGTERM) after this long; `status` is then null. */
  timeoutMs?: number;
}

/**
 * Runs the CLI and blocks until it exits — only for suites with no in-process server for the
 * child to talk to (that would deadlock; use `runCli`).
 */
export function runCliSync(args: string[], opts: RunCliSyncOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [opts.cliPath ?? CLI_PATH, ...args], {
    encoding: 'utf8',
    env: opts.env,
    cwd: opts.cwd,
    input: opts.input,
    timeout: opts.timeoutMs,
  });
}
