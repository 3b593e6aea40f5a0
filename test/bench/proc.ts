/** Child-process helpers: start, wait for a line, sample memory from /proc (Linux). */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';

/** Current and peak resident set size of a process, in bytes (NaN when /proc is unavailable). */
export function procMemory(pid: number | undefined): { rss: number; hwm: number } {
  if (pid === undefined) return { rss: NaN, hwm: NaN };
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Samples a child's RSS every `everyMs`; `peak()` = max of samples and the kernel's high-water mark. */
export class RssSampler {
  private max = 0;
  private timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number | undefined,
    everyMs = 50,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): void {
    const m = procMemory(this.pid);
    this.max = Math.max(
      this.max,
      Number.isFinite(m.rss) ? m.rss : 0,
      Number.isFinite(m.hwm) ? m.hwm : 0,
    );
  }
  peak(): number {
    this.sample();
    return this.max || NaN;
  }
  stop(): number {
    const p = this.peak();
    clearInterval(this.timer);
    return p;
  }
}

export function start(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

/** Resolves with the first stdout line matching `re` (rejects on exit or timeout). */
export function waitForLine(
  child: ChildProcess,
  re: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(
      () =>
        done(
          new Error(`no line matching ${re} within ${timeoutMs} ms; stderr: ${err.slice(-500)}`),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const m = re.exec(buf);
      if (m) done(undefined, m);
    };
    const onErr = (chunk: Buffer) => {
      err += chunk.toString('utf8');
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

/** Stop a child we started (SIGTERM, then SIGKILL after `graceMs`) and wait for it to exit. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
