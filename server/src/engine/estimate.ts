/**
 * How long a live run of the work a dry run saw takes, from its call counts, both APIs' limits and
 * the round trips the dry run measured.
 *
 * A run's phases overlap in one way only: while the import reads Cin7 sales in detail, Starshipit
 * creates the orders of the sales already read (each create waits for its sale's read). Everything else runs one step after the other: the
 * connection checks, the label poll (a listing page, then one order read per label, in turn), the
 * Cin7 writeback calls, and the listing of Starshipit's existing orders before the import starts.
 * So the estimate is the Starshipit calls made alone, one after the other, plus the longer of the
 * Cin7 calls and the Starshipit calls made beside (and after) the Cin7 reads.
 */

export interface RateLimit {
  calls: number;
  perSeconds: number;
}

export interface DearTiming {
  calls: number;
  limit: RateLimit;
  /** Slots the limiter allows now (lower than `limit.calls` after a throttle). */
  budget: number;
  /** How long a call holds its slot after its answer (the window plus the limiter's margin). */
  holdSeconds: number;
  /** When each slot still held (by the calls of the dry run itself) frees up, in seconds from now. */
  heldSeconds: number[];
  rttSeconds: number;
  concurrency: number;
}

/**
 * When each of `calls` Cin7 calls is answered, in seconds from now, following the sliding log
 * (SlidingLogLimiter): a call takes a slot when one is free and keeps it until its answer plus the
 * hold; at most `concurrency` calls are in flight; slots the dry run still holds free up first.
 */
function dearAnswerTimes(timing: DearTiming): number[] {
  if (timing.calls <= 0) return [];
  const slots = Math.max(1, Math.min(timing.limit.calls, Math.floor(timing.budget)));
  const held = timing.heldSeconds.map((s) => Math.max(0, s)).sort((a, b) => a - b);
  // With more slots held than allowed, calls start as the surplus frees up.
  const freeAt = held.slice(Math.max(0, held.length - slots));
  while (freeAt.length < slots) freeAt.unshift(0);
  const lanes = Math.max(1, timing.concurrency);
  const laneFree: number[] = new Array<number>(lanes).fill(0);
  const answers: number[] = new Array<number>(timing.calls);
  for (let i = 0; i < timing.calls; i++) {
    const lane = i % lanes;
    const start = Math.max(freeAt.shift() ?? 0, laneFree[lane]);
    const answered = start + timing.rttSeconds;
    laneFree[lane] = answered;
    insertSorted(freeAt, answered + timing.holdSeconds);
    answers[i] = answered;
  }
  return answers;
}

/** Seconds until the last of `calls` Cin7 calls is answered (see `dearAnswerTimes`). */
export function dearSeconds(timing: DearTiming): number {
  return dearAnswerTimes(timing).reduce((a, b) => Math.max(a, b), 0);
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

export interface StarshipitTiming {
  /** Calls made one after another with no Cin7 work beside them. */
  sequentialCalls: number;
  /** Calls made beside the Cin7 detail reads (creates, lookups, updates). */
  besideCalls: number;
  rate: RateLimit;
  rttSeconds: number;
}

/** The spacing between two Starshipit sends (SpacingLimiter: the plan's rate with 25 % headroom). */
function starshipitInterval(rate: RateLimit): number {
  return (rate.perSeconds / Math.max(1, rate.calls)) * 1.25;
}

/** Seconds for Starshipit calls made in turn: each waits for the spacing or the previous answer. */
function sequentialSeconds(calls: number, rate: RateLimit, rttSeconds: number): number {
  if (calls <= 0) return 0;
  return (calls - 1) * Math.max(starshipitInterval(rate), rttSeconds) + rttSeconds;
}

/**
 * Seconds until the last Starshipit call made beside the Cin7 reads is answered: each waits for
 * the Cin7 read it follows (the last `calls` reads: the sales whose orders are created) and for
 * the spacing after the previous send.
 */
function besideSeconds(calls: number, reads: readonly number[], timing: StarshipitTiming): number {
  const interval = starshipitInterval(timing.rate);
  let sentAt = -Infinity;
  for (let j = 0; j < calls; j++) {
    const ready = reads[reads.length - calls + j] ?? 0;
    sentAt = Math.max(ready, sentAt + interval);
  }
  return calls > 0 ? sentAt + timing.rttSeconds : 0;
}

/** The wall-time estimate of a live run, rounded to hundredths of a second. */
export function estimateRunSeconds(dear: DearTiming, starshipit: StarshipitTiming): number {
  const alone = sequentialSeconds(
    starshipit.sequentialCalls,
    starshipit.rate,
    starshipit.rttSeconds,
  );
  // The Cin7 calls follow the Starshipit calls made alone: the dry run's slots free up meanwhile.
  const reads = dearAnswerTimes({ ...dear, heldSeconds: dear.heldSeconds.map((s) => s - alone) });
  const cin7 = reads.reduce((a, b) => Math.max(a, b), 0);
  const beside = besideSeconds(starshipit.besideCalls, reads, starshipit);
  return Math.round((alone + Math.max(cin7, beside)) * 100) / 100;
}
