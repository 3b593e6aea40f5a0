/** Sets a run up (checks, lock, journal, limiters, clients), runs the phases, and tears down. */
import * as path from 'node:path';
import type { Api, EngineEvent, SummaryEvent } from '../../../protocol/events';
import { DEFAULT_ACCOUNT, PLAN_RATES, type DearSettings } from '../../../protocol/settings';
import type { RunOptions } from './index';
import { resolveStateDir } from './index';
import { ApiRunner } from './apiRunner';
import { classifyDear, DearClient } from './dearClient';
import { classifyStarshipit, StarshipitClient } from './starshipitClient';
import { Journal } from './journal';
import { StateLock } from './lock';
import { SlidingLogLimiter, SpacingLimiter } from './limiter';
import { credentialValues, resolveCredentials, type Credentials } from './secrets';
import {
  checkBaseUrls,
  dearAccessOf,
  starshipitAccountsOf,
  type StarshipitAccountAccess,
} from './apiAccess';
import { redactor } from '../../../protocol/redact';
import { LockedError } from './errors';
import { refuseUnsupportedApiVersion } from './apiVersion';
import { runImport } from './importer';
import { runWriteback } from './writeback';
import { checkApi, checkStarshipitAccounts } from './preflight';
import {
  starshipitCallsOf,
  type Counters,
  type RunContext,
  type StarshipitAccount,
} from './context';
import { isCancelled } from './sleep';
import { dearSeconds, estimateRunSeconds } from './estimate';

/** Assumed round trip (s) of an API this run had no answer from. */
const UNMEASURED_RTT_SECONDS = 0.3;

const rttSeconds = (r: ApiRunner): number =>
  r.answered ? r.latencyMs / r.answered / 1000 : UNMEASURED_RTT_SECONDS;

/**
 * Seconds `calls` Cin7 calls take on a limiter with every slot free (estimate.ts's model, with
 * round trips of `rttSeconds`, `concurrency` at a time).
 */
export function estimateSeconds(
  calls: number,
  limit: { calls: number; perSeconds: number },
  rttSeconds: number,
  concurrency: number,
): number {
  const seconds = dearSeconds({
    calls,
    limit,
    budget: limit.calls,
    holdSeconds: limit.perSeconds,
    heldSeconds: [],
    rttSeconds,
    concurrency,
  });
  return Math.round(seconds * 100) / 100;
}

/** Needs-attention items left in the journal: retried by later runs, or waiting for a change. */
function countParked(journal: Journal): { willRetry: number; needsChange: number } {
  let willRetry = 0;
  let needsChange = 0;
  for (const item of journal.state.attention.values()) {
    if (item.retryable) willRetry++;
    else needsChange++;
  }
  return { willRetry, needsChange };
}

/**
 * The state directory's lock for this run. A dry run writes nothing, so when another run holds
 * the lock it goes ahead without it (`heldBy` says who holds it); a live run is refused.
 */
function takeLock(options: RunOptions, stateDir: string): { lock?: StateLock; heldBy?: string } {
  if (options.lockHeld) return {};
  try {
    return { lock: StateLock.acquire(stateDir) };
  } catch (err) {
    if (!options.dryRun || !(err instanceof LockedError)) throw err;
    return { heldBy: err.message.split(';')[0] };
  }
}

/** One Starshipit account's access and rate. */
interface RunnerParts {
  emit: (e: EngineEvent) => void;
  onWait: (ms: number) => void;
  signal?: AbortSignal;
  scrub: (text: string) => string;
  meter: RunOptions['meter'];
}

/** A Starshipit account's runner: its own limiter at its plan's rate, its own keys. */
function starshipitRunner(
  settings: DearSettings,
  account: StarshipitAccountAccess,
  parts: RunnerParts,
): ApiRunner {
  const { rate } = account;
  return new ApiRunner({
    api: 'starshipit',
    ...account.access,
    limiter: new SpacingLimiter({
      calls: rate.calls,
      windowMs: rate.perSeconds * 1000,
      onWait: parts.onWait,
    }),
    concurrency: settings.engine.concurrency,
    maxRetries: settings.engine.maxRetries,
    timeoutMs: settings.starshipit.timeoutSeconds * 1000,
    timeScale: rate.perSeconds / PLAN_RATES[account.plan].perSeconds,
    classify: (res) => classifyStarshipit(res, account.keySettings),
    emit: parts.emit,
    signal: parts.signal,
    scrub: parts.scrub,
    meter: parts.meter,
  });
}

/** Every Starshipit account of the settings with its runner and client. */
function starshipitAccounts(
  settings: DearSettings,
  creds: Credentials,
  parts: RunnerParts,
): StarshipitAccount[] {
  return starshipitAccountsOf(settings, creds).map((account) => {
    const runner = starshipitRunner(settings, account, parts);
    return { name: account.name, runner, client: new StarshipitClient(runner) };
  });
}

/** One run's shared parts: context, journal, runners, and the teardown that releases them. */
export interface OpenRun {
  ctx: RunContext;
  journal: Journal;
  dearRunner: ApiRunner;
  starshipitRunner: ApiRunner;
  /** Cin7 Core's limiter (its slots and budget feed the estimate). */
  dearLimiter: SlidingLogLimiter;
  /** The Starshipit rate the limiter spaces calls at. */
  starshipitRate: { calls: number; perSeconds: number };
  emit: (e: EngineEvent) => void;
  /** Closes the journal, limiters and connections and releases the lock (always call it). */
  close(): Promise<void>;
}

/**
 * Checks the settings, takes the state directory's lock (a dry run goes ahead on a snapshot when
 * another run holds it), opens the journal, and builds the limiters, runners and clients of one
 * run. Every engine command (runs, reconcile) starts here.
 */
export function openRun(options: RunOptions): OpenRun {
  const settings = options.settings;
  refuseUnsupportedApiVersion(settings);
  checkBaseUrls(settings);
  const creds = resolveCredentials(settings, options.secrets);
  const stateDir = options.stateDir
    ? path.resolve(options.stateDir)
    : resolveStateDir(options.configPath, settings);
  const scrub = redactor(credentialValues(creds));
  const emit = scrubbingEmitter(options.onEvent, scrub);

  const { lock, heldBy } = takeLock(options, stateDir);
  let journal: Journal | undefined;
  let dearLimiter: SlidingLogLimiter | undefined;
  const runners: ApiRunner[] = [];
  const close = async (): Promise<void> => {
    journal?.close();
    dearLimiter?.close();
    await Promise.all(runners.map((r) => r.close()));
    lock?.release();
  };
  try {
    journal = openJournal(stateDir, heldBy, emit);
    const onWait = waitReporter(emit);
    const parts = (api: Api): RunnerParts => ({
      emit,
      onWait: onWait(api),
      signal: options.signal,
      scrub,
      meter: options.meter,
    });
    // The limiter log belongs to the run holding the lock.
    dearLimiter = dearLimiterFor(settings, heldBy ? undefined : stateDir, onWait('dear'));
    const dearRunner = dearRunnerFor(settings, creds, dearLimiter, parts('dear'));
    const accounts = starshipitAccounts(settings, creds, parts('starshipit'));
    runners.push(dearRunner, ...accounts.map((a) => a.runner));
    const ctx = runContext(options, { journal, dearRunner, accounts, emit, stateDir });
    return {
      ctx,
      journal,
      dearRunner,
      starshipitRunner: accounts[0].runner,
      dearLimiter,
      starshipitRate: settings.starshipit.rateLimit ?? PLAN_RATES[settings.starshipit.plan],
      emit,
      close,
    };
  } catch (err) {
    void close();
    throw err;
  }
}

/** Hands events to the front end, scrubbed; a throwing front end does not break the run. */
function scrubbingEmitter(
  onEvent: RunOptions['onEvent'],
  scrub: (text: string) => string,
): (event: EngineEvent) => void {
  return (event: EngineEvent): void => {
    // Free text can quote vendor answers: scrub it (payloads are built from sale data only).
    if (event.type === 'attention' || event.type === 'skip' || event.type === 'withdraw')
      event = { ...event, reason: scrub(event.reason) };
    else if (event.type === 'log') event = { ...event, message: scrub(event.message) };
    else if (event.type === 'retry') event = { ...event, reason: scrub(event.reason) };
    try {
      onEvent(event);
    } catch {
      // A failing front end must not break the run's bookkeeping.
    }
  };
}

/** The journal, or a read-only snapshot of it when another run holds the state directory. */
function openJournal(
  stateDir: string,
  heldBy: string | undefined,
  emit: (event: EngineEvent) => void,
): Journal {
  const journal = heldBy ? Journal.snapshot(stateDir) : Journal.open(stateDir);
  if (heldBy)
    emit({
      type: 'log',
      level: 'info',
      message: `${heldBy}: this dry run reads a snapshot of its journal and writes nothing to the state directory`,
    });
  if (journal.recoveredTornTail)
    emit({
      type: 'log',
      level: 'warn',
      message: `journal ${journal.file}: a torn last record (interrupted write) was dropped; its side effect is reconciled on this run`,
    });
  return journal;
}

/** Limiter waits as `wait` events: only noticeable ones, at most about four a second (both APIs). */
function waitReporter(emit: (event: EngineEvent) => void): (api: Api) => (ms: number) => void {
  let lastWaitEvent = 0;
  return (api) =>
    (ms): void => {
      const now = Date.now();
      if (ms >= 20 && now - lastWaitEvent > 250) {
        lastWaitEvent = now;
        emit({ type: 'wait', api, waitMs: Math.round(ms) });
      }
    };
}

function dearLimiterFor(
  settings: DearSettings,
  persistDir: string | undefined,
  onWait: (ms: number) => void,
): SlidingLogLimiter {
  return new SlidingLogLimiter({
    calls: settings.dear.rateLimit.calls,
    windowMs: settings.dear.rateLimit.perSeconds * 1000,
    maxCallMs: settings.dear.timeoutSeconds * 1000,
    persistPath: persistDir ? path.join(persistDir, 'limiter-dear.json') : undefined,
    onWait,
  });
}

function dearRunnerFor(
  settings: DearSettings,
  creds: Credentials,
  limiter: SlidingLogLimiter,
  parts: RunnerParts,
): ApiRunner {
  return new ApiRunner({
    api: 'dear',
    ...dearAccessOf(settings, creds),
    limiter,
    concurrency: settings.engine.concurrency,
    maxRetries: settings.engine.maxRetries,
    timeoutMs: settings.dear.timeoutSeconds * 1000,
    timeScale: settings.dear.rateLimit.perSeconds / 60,
    classify: classifyDear,
    emit: parts.emit,
    signal: parts.signal,
    scrub: parts.scrub,
    meter: parts.meter,
  });
}

function runContext(
  options: RunOptions,
  parts: {
    journal: Journal;
    dearRunner: ApiRunner;
    accounts: StarshipitAccount[];
    emit: (event: EngineEvent) => void;
    stateDir: string;
  },
): RunContext {
  const { journal, dearRunner, accounts } = parts;
  const counters: Counters = {
    created: 0,
    alreadyPresent: 0,
    skipped: 0,
    needsAttention: 0,
    writtenBack: 0,
    detailsRead: 0,
    plannedDearWrites: 0,
  };
  return {
    settings: options.settings,
    mode: options.mode,
    dryRun: options.dryRun,
    journal,
    dear: new DearClient(dearRunner),
    starshipit: accounts[0].client,
    dearRunner,
    starshipitRunner: accounts[0].runner,
    accounts,
    account: DEFAULT_ACCOUNT,
    counters,
    signal: options.signal,
    emit: parts.emit,
    onlyOrderNumbers: options.onlyOrderNumbers?.length
      ? new Set(options.onlyOrderNumbers)
      : undefined,
    firstImport: !journal.state.cursors.dear,
    stateDir: parts.stateDir,
    timeScale: options.settings.dear.rateLimit.perSeconds / 60,
  };
}

/** What the estimate knows of one run's Cin7 limiter at some instant. */
interface SlotsNow {
  budget: number;
  heldMs: number[];
}

/**
 * Seconds `calls` take in a run (estimate.ts's model) with this run's round trips, starting from
 * `slots`; `alone` Starshipit calls come before the import reads Cin7 sales.
 */
function modelledSeconds(
  run: OpenRun,
  settings: DearSettings,
  calls: { dear: number; starshipit: number },
  alone: number | undefined,
  slots: SlotsNow,
): number {
  const sequential = Math.min(calls.starshipit, alone ?? calls.starshipit);
  return estimateRunSeconds(
    {
      calls: calls.dear,
      limit: settings.dear.rateLimit,
      budget: slots.budget,
      holdSeconds: run.dearLimiter.holdMs / 1000,
      heldSeconds: slots.heldMs.map((ms) => ms / 1000),
      rttSeconds: rttSeconds(run.dearRunner),
      concurrency: settings.engine.concurrency,
    },
    {
      sequentialCalls: sequential,
      besideCalls: calls.starshipit - sequential,
      rate: run.starshipitRate,
      rttSeconds: rttSeconds(run.starshipitRunner),
    },
  );
}

/**
 * Seconds a live run of this run's work takes if started now: the model for the calls it makes,
 * plus the time this run spent beyond the model for its own calls (local work: parsing, mapping,
 * a busy machine), which the live run spends too.
 */
function liveRunSeconds(
  run: OpenRun,
  settings: DearSettings,
  live: { dear: number; starshipit: number },
  alone: number | undefined,
  atStart: SlotsNow,
  elapsedSeconds: number,
): number {
  const own = modelledSeconds(
    run,
    settings,
    { dear: run.dearRunner.calls, starshipit: run.starshipitRunner.calls },
    alone,
    atStart,
  );
  const now = { budget: run.dearLimiter.budget, heldMs: run.dearLimiter.heldMs() };
  const seconds =
    modelledSeconds(run, settings, live, alone, now) + Math.max(0, elapsedSeconds - own);
  return Math.round(seconds * 100) / 100;
}

export async function runEngineImpl(options: RunOptions): Promise<SummaryEvent> {
  const startedAt = Date.now();
  const run = openRun(options);
  const { ctx, journal, emit } = run;
  const slotsAtStart = { budget: run.dearLimiter.budget, heldMs: run.dearLimiter.heldMs() };
  // Starshipit calls from the import's first Cin7 read on go beside those reads (estimate.ts).
  let starshipitAlone: number | undefined;
  ctx.onImportReading = () => {
    starshipitAlone = starshipitCallsOf(ctx);
  };
  try {
    const cancelled = await runPhases(ctx, options);
    const summary = runSummary(run, options, {
      cancelled,
      startedAt,
      starshipitAlone,
      slotsAtStart,
    });
    if (!options.dryRun) {
      await journal.drain();
      journal.append({
        t: 'run',
        at: new Date().toISOString(),
        mode: options.mode,
        dryRun: options.dryRun,
        summary,
      });
      journal.maybeCompact();
    }
    emit(summary);
    return summary;
  } finally {
    await run.close();
  }
}

/** The checks, writebacks and imports the mode asks for; true when the run was cancelled. */
async function runPhases(ctx: RunContext, options: RunOptions): Promise<boolean> {
  try {
    // Import uses both APIs; a writeback run checks Cin7 Core once it has labels to deliver.
    const importing =
      options.mode === 'import' || options.mode === 'sync' || options.mode === 'retry';
    const polling =
      options.mode !== 'import' &&
      options.settings.writeback.enabled &&
      ctx.journal.state.orders.size > 0;
    if (importing || polling) await checkStarshipitAccounts(ctx);
    if (importing) await checkApi(ctx, 'dear');
    // Writebacks first: a label waiting for its tracking matters more than a new order.
    if (options.mode === 'writeback' || options.mode === 'sync' || options.mode === 'retry')
      await runWriteback(ctx, { retryOnly: options.mode === 'retry' });
    if (options.mode === 'import' || options.mode === 'sync' || options.mode === 'retry')
      await runImport(ctx, { retryOnly: options.mode === 'retry' });
    return false;
  } catch (err) {
    if (!isCancelled(err) && !options.signal?.aborted) throw err;
    return true;
  }
}

function runSummary(
  run: OpenRun,
  options: RunOptions,
  timing: {
    cancelled: boolean;
    startedAt: number;
    starshipitAlone: number | undefined;
    slotsAtStart: SlotsNow;
  },
): SummaryEvent {
  const { ctx, journal, dearRunner } = run;
  const { counters } = ctx;
  const dearCalls = dearRunner.calls + counters.plannedDearWrites;
  // A dry run's creates are Starshipit calls a live run makes.
  const ssCalls = starshipitCallsOf(ctx);
  const ssThrottled = ctx.accounts.reduce((n, a) => n + a.runner.throttled, 0);
  const starshipitCalls = ssCalls + (options.dryRun ? counters.created : 0);
  return {
    type: 'summary',
    mode: options.mode,
    dryRun: options.dryRun,
    created: counters.created,
    alreadyPresent: counters.alreadyPresent,
    skipped: counters.skipped,
    needsAttention: counters.needsAttention,
    writtenBack: counters.writtenBack,
    updated: counters.updated ?? 0,
    withdrawn: counters.withdrawn ?? 0, // keepInStep.ts
    calls: { dear: dearRunner.calls, starshipit: ssCalls },
    throttled: { dear: dearRunner.throttled, starshipit: ssThrottled },
    // Round trips measured in this run; slots this run still holds delay a live run started now.
    estimate: {
      dearCalls,
      starshipitCalls,
      seconds: liveRunSeconds(
        run,
        options.settings,
        { dear: dearCalls, starshipit: starshipitCalls },
        timing.starshipitAlone,
        timing.slotsAtStart,
        (Date.now() - timing.startedAt) / 1000,
      ),
    },
    elapsedSeconds: Math.round((Date.now() - timing.startedAt) / 10) / 100,
    ...(timing.cancelled ? { cancelled: true } : {}),
    parked: countParked(journal),
    ...(counters.notes?.length ? { notes: counters.notes } : {}),
  };
}
