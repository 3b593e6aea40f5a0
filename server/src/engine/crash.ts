/**
 * Instrumented crash points for the SIGKILL tests. With `DEAR_STARSHIPIT_CRASH_AT=<point>` or
 * `<point>:<n>` the engine kills its own process with SIGKILL the first (or n-th) time it reaches
 * `<point>` — the harshest crash there is: no `finally`, no flush, no exit handler.
 */
export const CRASH_POINTS = [
  'before-journal-intent',
  'after-journal-intent',
  'after-starshipit-create',
  'after-journal-created',
  'before-dear-ship',
  'after-dear-ship',
  'after-journal-writeback',
  'after-cursor',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number] | KeepInStepCrashPoint;
/** Keeping imported orders in step; listed apart so the import/writeback crash suite's list stays its own. */
export const KEEP_IN_STEP_CRASH_POINTS = [
  'before-starshipit-update',
  'after-starshipit-update',
] as const;
export type KeepInStepCrashPoint = (typeof KEEP_IN_STEP_CRASH_POINTS)[number];

const counts = new Map<string, number>();

export function crashPoint(point: CrashPoint): void {
  const spec = process.env.DEAR_STARSHIPIT_CRASH_AT;
  if (!spec) return;
  const [name, nth] = spec.split(':');
  if (name !== point) return;
  const count = (counts.get(point) ?? 0) + 1;
  counts.set(point, count);
  if (count === (nth ? Number(nth) : 1)) process.kill(process.pid, 'SIGKILL');
}
