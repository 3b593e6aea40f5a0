/**
 * A child's memory from /proc (Linux), for the benchmarks' figures; starting, awaiting and stopping
 * children is test/support/cli.ts.
 */
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
