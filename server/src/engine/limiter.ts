/**
 * Client-side rate limiters.
 *
 * `SlidingLogLimiter` is a response-anchored sliding log: a call holds
 * one of N slots from the moment it is sent until its response arrives + the window W (+ε). Any
 * server timestamp of call i (arrival or completion) is ≤ our response time, and any server
 * timestamp of a later call j is ≥ our send time, so j sent after i's slot expired is ≥ W after i
 * in the server's eyes — whatever the latency and whether the server counts on arrival or
 * completion. A timed-out/aborted call may still reach the server, so its slot is held for
 * abortAt + W + extra. The slot log is persisted to a small file on every change, so a crash-restart
 * loop cannot burst another N calls into a window the server still counts.
 *
 * `SpacingLimiter` (Starshipit: 2 or 20 requests per second) spaces sends evenly; for a 1 s window
 * response anchoring would cost ~30 % of throughput, and Starshipit is never the binding limit.
 *
 * Both pause every caller on a throttle answer (`pause(ms)`).
 *
 * Adaptive budget (sliding log): a throttle means someone else spends part of the key's quota, so
 * refilling to all N slots after the pause would be throttled again nearly every window. After a
 * throttle the effective budget drops to what the server accepted from us in the window before it
 * (our answered calls in the last W, minus the throttled ones, minus a small margin; at least 1),
 * and a recovery threshold is set to the larger of that and 80 % of the budget in use when the
 * throttle came. Each window that ends without a throttle doubles the budget up to the threshold
 * (a one-off burst from another app costs a few windows, not one window per lost slot), then adds
 * one slot per clean window back up to N (a steady share spent by another app is probed slowly).
 * Elapsed windows count while no run is going, so a persisted low budget recovers with time. The
 * argument above still holds: the budget only ever lowers the number of slots.
 */
import * as fs from 'node:fs';
import { sleep } from './sleep';

export interface Slot {
  /** The response (any response, even an error) arrived now. */
  responded(): void;
  /** The call was aborted or timed out: it may still reach the server. */
  aborted(): void;
}

export interface Limiter {
  acquire(signal?: AbortSignal): Promise<Slot>;
  /** Hold every caller back for `ms` and treat the window as full (server said "throttled"). Returns the effective pause. */
  pause(ms: number): number;
  /** Total time callers spent waiting for the limiter (ms), for progress and estimates. */
  readonly waitedMs: number;
}

export interface SlidingLogOptions {
  calls: number;
  windowMs: number;
  /** Added to every release time for clock granularity. */
  epsilonMs?: number;
  /** Extra hold for calls whose outcome is unknown (timeout/abort). */
  abortExtraMs?: number;
  /** Worst case a call stays in flight; used when persisting in-flight slots. */
  maxCallMs?: number;
  persistPath?: string;
  onWait?: (ms: number) => void;
  now?: () => number;
  /** Slots kept free below what the server accepted before a throttle (default 3 % of calls, at least 1). */
  throttleMargin?: number;
  /** Slots regained per window that ends without a throttle (default 1). */
  recoverStep?: number;
}

export class SlidingLogLimiter implements Limiter {
  private releases: number[] = [];
  private inflight = new Map<number, number>();
  private nextId = 1;
  private pausedUntil = 0;
  private wake: (() => void)[] = [];
  waitedMs = 0;
  private readonly now: () => number;
  private readonly eps: number;
  private readonly extra: number;
  private readonly maxCall: number;
  /** Effective slots (≤ calls): lowered after a throttle, raised per clean window. */
  private budgetNow: number;
  /** Start of the current clean window (the budget rises when it has lasted W without a throttle). */
  private budgetSince = 0;
  /** Below this the budget doubles per clean window; above it, it grows by one slot. */
  private threshold: number;
  /** Our answer times in the last W, and the throttle answers among them. */
  private answers: number[] = [];
  private throttles: number[] = [];

  constructor(private readonly options: SlidingLogOptions) {
    this.now = options.now ?? Date.now;
    this.eps = options.epsilonMs ?? Math.max(5, Math.min(150, options.windowMs / 400));
    this.extra = options.abortExtraMs ?? options.windowMs / 2;
    this.maxCall = options.maxCallMs ?? 30_000;
    this.budgetNow = options.calls;
    this.threshold = options.calls;
    if (options.persistPath) this.load(options.persistPath);
  }

  /** The number of slots calls may use now (for progress and tests). */
  get budget(): number {
    this.recover(this.now());
    return this.budgetNow;
  }

  /** How long an answered call keeps its slot: the window plus the clock margin. */
  get holdMs(): number {
    return this.options.windowMs + this.eps;
  }

  /** When each slot still held frees up, in ms from now (a call in flight as if answered now). */
  heldMs(): number[] {
    const now = this.now();
    const released = this.releases.filter((r) => r > now).map((r) => r - now);
    return [...released, ...[...this.inflight.values()].map(() => this.holdMs)];
  }

  /** Slots free now: the budget minus calls in flight or still inside their window. */
  get free(): number {
    const now = this.now();
    this.recover(now);
    return Math.max(0, this.budgetNow - this.active(now));
  }

  /**
   * Every full window since `budgetSince` that ended without a throttle doubles the budget up to
   * the threshold, and above it gives back `recoverStep` slots.
   */
  private recover(now: number): void {
    if (this.budgetNow >= this.options.calls || now < this.pausedUntil) return;
    const windows = Math.floor((now - this.budgetSince) / this.options.windowMs);
    if (windows <= 0) return;
    const step = this.options.recoverStep ?? 1;
    for (let i = 0; i < windows && this.budgetNow < this.options.calls; i++) {
      this.budgetNow =
        this.budgetNow < this.threshold
          ? Math.min(this.threshold, this.budgetNow * 2)
          : this.budgetNow + step;
    }
    this.budgetNow = Math.min(this.options.calls, this.budgetNow);
    this.budgetSince += windows * this.options.windowMs;
  }

  private load(file: string): void {
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        releases?: unknown;
        pausedUntil?: unknown;
        budget?: unknown;
        budgetSince?: unknown;
        threshold?: unknown;
      };
      const now = this.now();
      if (Array.isArray(data.releases)) {
        this.releases = data.releases
          .filter((r): r is number => typeof r === 'number' && r > now)
          .sort((a, b) => b - a)
          .slice(0, this.options.calls);
      }
      if (typeof data.pausedUntil === 'number' && data.pausedUntil > now)
        this.pausedUntil = data.pausedUntil;
      // A budget lowered by throttles survives a restart (it keeps recovering by elapsed windows).
      if (
        typeof data.budget === 'number' &&
        typeof data.budgetSince === 'number' &&
        data.budget >= 1 &&
        data.budget < this.options.calls
      ) {
        this.budgetNow = Math.floor(data.budget);
        this.budgetSince = Math.min(data.budgetSince, Math.max(now, this.pausedUntil));
        if (typeof data.threshold === 'number' && data.threshold >= 1)
          this.threshold = Math.min(this.options.calls, Math.floor(data.threshold));
      }
    } catch {
      // No log yet (first run) or unreadable: start empty. A torn file can only come from a
      // crash during the rename-less first write, which means at most one call was in flight.
    }
  }

  private persistScheduled = false;

  /**
   * Releases are saved coalesced (one write per event-loop turn): losing one only makes the next
   * start more careful, since in-flight calls are saved pessimistically. Sends are saved at once.
   */
  private persist(): void {
    if (!this.options.persistPath || this.persistScheduled) return;
    this.persistScheduled = true;
    setImmediate(() => {
      if (!this.persistScheduled) return; // closed meanwhile
      this.persistScheduled = false;
      this.persistNow();
    });
  }

  private fd: number | undefined;
  private fileSize = 0;

  /**
   * One positional write of a fixed-size, space-padded JSON record at offset 0 of a file kept
   * open: no rename per call (that cost ~1 ms on the event loop), and a SIGKILL can never leave
   * half a record, because the write either happened or not (JSON.parse ignores the padding).
   */
  private persistNow(): void {
    if (!this.options.persistPath) return;
    const now = this.now();
    // In-flight calls are written pessimistically: they may be answered as late as maxCall.
    const pending = [...this.inflight.values()].map(
      (sentAt) => sentAt + this.maxCall + this.options.windowMs + this.extra,
    );
    const budget =
      this.budgetNow < this.options.calls
        ? {
            budget: this.budgetNow,
            budgetSince: Math.floor(this.budgetSince),
            threshold: this.threshold,
          }
        : {};
    const body = JSON.stringify({
      windowMs: this.options.windowMs,
      pausedUntil: this.pausedUntil,
      ...budget,
      releases: [...this.releases.filter((r) => r > now), ...pending].map(Math.ceil),
    });
    const size = 128 + this.options.calls * 16 * 2;
    try {
      if (this.fd === undefined) {
        this.fd = fs.openSync(
          this.options.persistPath,
          fs.existsSync(this.options.persistPath) ? 'r+' : 'w+',
        );
        this.fileSize = Math.max(size, Buffer.byteLength(body));
        fs.ftruncateSync(this.fd, this.fileSize);
      }
      // Always the whole file: a shorter record must not leave an older one's tail behind.
      this.fileSize = Math.max(this.fileSize, Buffer.byteLength(body));
      const buf = Buffer.alloc(this.fileSize, 0x20);
      buf.write(body, 0, 'utf8');
      fs.writeSync(this.fd, buf, 0, buf.length, 0);
    } catch {
      // Losing the slot log only weakens the restart guarantee; never fail a run over it.
    }
  }

  /** Saves the final state and closes the file (end of a run). */
  close(): void {
    if (this.persistScheduled) this.persistScheduled = false;
    this.persistNow();
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
  }

  private active(now: number): number {
    this.releases = this.releases.filter((r) => r > now);
    return this.releases.length + this.inflight.size;
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const f of waiting) f();
  }

  async acquire(signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      if (signal?.aborted) await sleep(0, signal);
      const now = this.now();
      let waitUntil = 0;
      this.recover(now);
      if (this.pausedUntil > now) waitUntil = this.pausedUntil;
      else if (this.active(now) < this.budgetNow) break;
      else if (this.releases.length > 0) waitUntil = Math.min(...this.releases);
      const waitMs = waitUntil > 0 ? waitUntil - now : undefined;
      if (waitMs !== undefined) this.options.onWait?.(waitMs);
      const started = this.now();
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.wake.push(done);
        if (waitMs !== undefined) timer = setTimeout(done, waitMs);
        signal?.addEventListener('abort', done, { once: true });
      });
      this.waitedMs += this.now() - started;
    }
    const id = this.nextId++;
    this.inflight.set(id, this.now());
    this.persistNow(); // before the call is sent: a crash right after cannot forget it
    let finished = false;
    const finish = (release: number): void => {
      if (finished) return;
      finished = true;
      this.inflight.delete(id);
      this.releases.push(release);
      this.persist();
      this.notify();
    };
    return {
      responded: () => {
        const at = this.now();
        this.answers.push(at);
        while (this.answers.length > 0 && this.answers[0] <= at - this.options.windowMs)
          this.answers.shift(); // only the last W matters
        finish(this.now() + this.options.windowMs + this.eps);
      },
      aborted: () => finish(this.now() + this.options.windowMs + this.eps + this.extra),
    };
  }

  pause(ms: number): number {
    const now = this.now();
    const since = now - this.options.windowMs;
    this.answers = this.answers.filter((t) => t > since);
    this.throttles = this.throttles.filter((t) => t > since);
    this.throttles.push(now); // this throttle's answer is already among `answers` (responded first)
    if (now >= this.pausedUntil) {
      // First throttle of an episode (later ones from the same burst answer during the pause):
      // the server accepted about this many of ours in the window before it.
      const accepted = this.answers.length - this.throttles.length;
      const margin =
        this.options.throttleMargin ?? Math.max(1, Math.round(this.options.calls * 0.03));
      this.recover(now);
      const inUse = this.budgetNow;
      this.budgetNow = Math.max(1, Math.min(inUse, accepted - margin));
      this.threshold = Math.max(this.budgetNow, Math.floor(inUse * 0.8));
    }
    const until = now + Math.max(ms, this.options.windowMs) + this.eps;
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.budgetSince = this.pausedUntil; // clean windows are counted from the end of the pause
    // Treat the window as full: every slot is busy until the pause ends.
    while (this.releases.length + this.inflight.size < this.options.calls)
      this.releases.push(until);
    this.releases = this.releases.map((r) => Math.max(r, until));
    this.persistNow();
    this.notify();
    return until - now;
  }
}

export interface SpacingOptions {
  calls: number;
  windowMs: number;
  onWait?: (ms: number) => void;
  now?: () => number;
}

export class SpacingLimiter implements Limiter {
  private nextAt = 0;
  private pausedUntil = 0;
  waitedMs = 0;
  private readonly interval: number;
  private readonly now: () => number;

  constructor(private readonly options: SpacingOptions) {
    // 25 % headroom: requests sent evenly can still arrive bunched (latency jitter), and
    // Starshipit is never the binding limit (one create per Cin7 detail read at most).
    this.interval = (options.windowMs / options.calls) * 1.25;
    this.now = options.now ?? Date.now;
  }

  async acquire(signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      const now = this.now();
      const at = Math.max(this.nextAt, this.pausedUntil);
      if (at <= now) {
        this.nextAt = now + this.interval;
        break;
      }
      this.options.onWait?.(at - now);
      await sleep(at - now, signal);
      this.waitedMs += at - now;
    }
    const noop = (): void => undefined;
    return { responded: noop, aborted: noop };
  }

  pause(ms: number): number {
    const now = this.now();
    const until = now + Math.max(ms, this.interval);
    if (until > this.pausedUntil) this.pausedUntil = until;
    return until - now;
  }
}
