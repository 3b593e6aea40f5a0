/**
 * What `GET /healthz` answers. Healthy while every scheduled kind of run succeeds and keeps to its
 * schedule; unhealthy (503, with each reason) when a kind failed `failuresInARow` times in a row,
 * or is overdue: no success for `OVERDUE_INTERVALS` of its interval and no run of it making
 * progress (a long first import that keeps reporting progress is on schedule).
 */

export type ServiceMode = 'import' | 'writeback';
export const SERVICE_MODES: readonly ServiceMode[] = ['writeback', 'import'];

/** Intervals without a success (and without a run making progress) after which a kind is overdue. */
const OVERDUE_INTERVALS = 3;

interface ModeState {
  intervalMs: number;
  failures: number;
  lastError?: string;
  lastSuccessAt?: number;
  /** When the run in progress last showed activity (started, or emitted an event). */
  activeSince?: number;
}

export interface HealthReport {
  healthy: boolean;
  reasons: string[];
  modes: Record<
    ServiceMode,
    { failuresInARow: number; lastSuccess?: string; lastError?: string; running: boolean }
  >;
}

export class Health {
  private readonly modes = new Map<ServiceMode, ModeState>();
  private readonly startedAt: number;

  constructor(
    private failuresInARow: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  configure(mode: ServiceMode, intervalMs: number, failuresInARow: number): void {
    const state = this.modes.get(mode);
    if (state) state.intervalMs = intervalMs;
    else this.modes.set(mode, { intervalMs, failures: 0 });
    this.failuresInARow = failuresInARow;
  }

  private state(mode: ServiceMode): ModeState {
    const state = this.modes.get(mode);
    if (!state) throw new Error(`the ${mode} schedule is not configured`);
    return state;
  }

  started(mode: ServiceMode): void {
    this.state(mode).activeSince = this.now();
  }

  /** Any event of the run in progress: it is making progress. */
  active(mode: ServiceMode): void {
    const state = this.state(mode);
    if (state.activeSince !== undefined) state.activeSince = this.now();
  }

  /** Returns the failures in a row before this success (for the recovery alert). */
  succeeded(mode: ServiceMode): number {
    const state = this.state(mode);
    const before = state.failures;
    state.failures = 0;
    state.lastError = undefined;
    state.lastSuccessAt = this.now();
    state.activeSince = undefined;
    return before;
  }

  /** Returns the failures in a row including this one. */
  failed(mode: ServiceMode, message: string): number {
    const state = this.state(mode);
    state.failures++;
    state.lastError = message;
    state.activeSince = undefined;
    return state.failures;
  }

  /** A run stopped by SIGTERM/SIGINT: neither a success nor a failure. */
  stopped(mode: ServiceMode): void {
    this.state(mode).activeSince = undefined;
  }

  failures(mode: ServiceMode): number {
    return this.state(mode).failures;
  }

  report(): HealthReport {
    const now = this.now();
    const reasons: string[] = [];
    const modes = {} as HealthReport['modes'];
    for (const [mode, state] of this.modes) {
      if (state.failures >= this.failuresInARow)
        reasons.push(
          `${mode} failed ${state.failures} times in a row (last: ${state.lastError ?? 'unknown'})`,
        );
      const limitMs = OVERDUE_INTERVALS * state.intervalMs;
      const reference = state.activeSince ?? state.lastSuccessAt ?? this.startedAt;
      if (now - reference > limitMs)
        reasons.push(
          state.activeSince !== undefined
            ? `${mode} is overdue: the run in progress has shown no activity for ${seconds(now - reference)} s`
            : `${mode} is overdue: no successful run for ${seconds(now - (state.lastSuccessAt ?? this.startedAt))} s (schedule: every ${seconds(state.intervalMs)} s)`,
        );
      modes[mode] = {
        failuresInARow: state.failures,
        running: state.activeSince !== undefined,
        ...(state.lastSuccessAt
          ? { lastSuccess: new Date(state.lastSuccessAt).toISOString() }
          : {}),
        ...(state.lastError ? { lastError: state.lastError } : {}),
      };
    }
    return { healthy: reasons.length === 0, reasons, modes };
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
