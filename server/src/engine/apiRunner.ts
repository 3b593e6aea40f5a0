/**
 * Our retry layer, above the limiter and the concurrency cap. Each attempt: p-limit slot →
 * rate-limiter slot → one HTTP attempt → classification:
 *   ok         → parsed JSON
 *   throttle   → pause every caller of this API (Retry-After, at least one window), retry
 *   transient  → idempotent calls retry with capped full jitter; a write whose outcome is unknown
 *                is handed back to the caller (`unknown-outcome`) to reconcile — never a blind resend
 *   permanent  → `permanent` error for "needs attention" (validation: never retried blindly)
 */
import pLimit from 'p-limit';
import type { Api, EngineEvent } from '../../../protocol/events';
import type { Agent } from 'undici';
import {
  createAgent,
  httpAttempt,
  isUnreachableCode,
  NetworkError,
  type HttpResponse,
} from './http';
import type { Limiter, Slot } from './limiter';
import type { RunMeter } from './index';
import { sleep } from './sleep';

export type Verdict =
  | { kind: 'ok'; json: unknown }
  | { kind: 'throttle'; retryAfterMs?: number; message: string }
  | { kind: 'transient'; message: string; notJson?: boolean }
  | { kind: 'permanent'; message: string; json?: unknown; notJson?: boolean };

export type CallFailure = 'permanent' | 'exhausted' | 'unknown-outcome';

export class ApiCallError extends Error {
  constructor(
    readonly api: Api,
    readonly call: string,
    readonly failure: CallFailure,
    readonly detail: string,
    readonly status?: number,
    readonly json?: unknown,
    /** Set by fail-fast calls: the base URL is unreachable, or it answered something not JSON. */
    readonly problem?: 'unreachable' | 'not-json',
  ) {
    super(`${api === 'dear' ? 'Cin7 Core' : 'Starshipit'} ${call}: ${detail}`);
    this.name = 'ApiCallError';
  }
}

export interface ApiRunnerOptions {
  api: Api;
  baseUrl: string;
  headers: Record<string, string>;
  limiter: Limiter;
  concurrency: number;
  maxRetries: number;
  timeoutMs: number;
  /** Time scale relative to the vendor's real window (1 = real API; 0.01 = sandbox at 100×). */
  timeScale: number;
  classify: (res: HttpResponse) => Verdict;
  emit: (e: EngineEvent) => void;
  signal?: AbortSignal;
  /** Removes credential values from vendor text before it reaches any message. */
  scrub?: (text: string) => string;
  /** Sees every answered attempt as received (the doctor's latency, headers and samples). */
  observe?: (r: ObservedResponse) => void;
  meter?: RunMeter;
}

/** One answered attempt: the call as sent (path and query, no headers) and the raw answer. */
export interface ObservedResponse {
  method: CallSpec['method'];
  /** Path and query, e.g. `/ExternalApi/v2/saleList?Page=1&Limit=5`. */
  call: string;
  status: number;
  headers: HttpResponse['headers'];
  text: string;
  latencyMs: number;
}

export interface CallSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the base URL, e.g. `saleList` or `/api/orders`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Safe to resend after an unknown outcome (GETs, and writes that cannot apply twice). */
  idempotent: boolean;
  /** Treat these answers as data rather than errors (e.g. 404 on a lookup). */
  accept?: (status: number, text: string) => boolean;
  /**
   * A connection check: an unreachable base URL fails at once instead of being retried
   * (throttles, 5xx, timeouts and pages that are not JSON retry as usual).
   */
  failFast?: boolean;
}

/** A throttled attempt: the limiter is paused for `waitMs`. */
interface Throttled {
  kind: 'throttle';
  status: number;
  waitMs: number;
  message: string;
}

/** An attempt that may pass on a retry (network error, timeout, 5xx). */
interface Transient {
  kind: 'transient';
  status?: number;
  message: string;
  /** The request may have reached the API (a write's outcome is unknown). */
  maybeApplied: boolean;
  networkCode?: string;
  notJson?: boolean;
}

/** An answer that no retry changes. */
interface Refused {
  kind: 'permanent';
  status: number;
  message: string;
  json?: unknown;
  notJson?: boolean;
}

/** What one attempt came to. */
type Outcome = { kind: 'ok'; json: unknown } | Throttled | Transient | Refused;

export class ApiRunner {
  calls = 0;
  throttled = 0;
  /** Sum of response times (ms) of answered attempts, for the wall-time estimate. */
  latencyMs = 0;
  answered = 0;
  private readonly cap: pLimit.Limit;
  private readonly throttleRetries: number;
  private readonly agent: Agent;

  constructor(private readonly options: ApiRunnerOptions) {
    this.cap = pLimit(Math.max(1, options.concurrency));
    this.agent = createAgent(Math.max(1, options.concurrency), options.timeoutMs);
    this.throttleRetries = Math.max(10, options.maxRetries * 3);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  get waitedMs(): number {
    return this.options.limiter.waitedMs;
  }

  url(spec: CallSpec): string {
    const base = this.options.baseUrl.endsWith('/')
      ? this.options.baseUrl
      : `${this.options.baseUrl}/`;
    const url = new URL(spec.path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(spec.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }

  private label(spec: CallSpec): string {
    const u = new URL(this.url(spec));
    return `${spec.method} ${u.pathname}${u.search}`;
  }

  /** Full jitter, capped (AWS "Exponential Backoff And Jitter"), scaled to the API's time scale. */
  private backoff(attempt: number): number {
    const base = Math.max(5, 500 * this.options.timeScale);
    const cap = Math.max(50, 30_000 * this.options.timeScale);
    return Math.random() * Math.min(cap, base * 2 ** attempt);
  }

  async call(spec: CallSpec): Promise<unknown> {
    const label = this.label(spec);
    let failures = 0;
    let throttles = 0;
    for (;;) {
      const outcome = await this.cap(() => this.attempt(spec));
      if (outcome.kind === 'ok') return outcome.json;
      if (outcome.kind === 'throttle') {
        this.noteThrottle(label, outcome, ++throttles);
        continue; // the limiter is paused; the next acquire waits for it
      }
      if (outcome.kind === 'permanent') throw this.permanentError(label, outcome);
      failures++;
      const giveUp = this.transientError(spec, label, outcome, failures);
      if (giveUp) throw giveUp;
      await this.waitToRetry(spec, label, outcome, failures);
    }
  }

  /** Counts and reports a throttle; throws once the throttle retries are used up. */
  private noteThrottle(label: string, outcome: Throttled, throttles: number): void {
    this.throttled++;
    this.options.emit({
      type: 'throttle',
      api: this.options.api,
      status: outcome.status,
      waitMs: Math.round(outcome.waitMs),
    });
    if (throttles > this.throttleRetries)
      throw new ApiCallError(
        this.options.api,
        label,
        'exhausted',
        `still throttled after ${throttles} tries (${outcome.message})`,
        outcome.status,
      );
  }

  private permanentError(label: string, outcome: Refused): ApiCallError {
    return new ApiCallError(
      this.options.api,
      label,
      'permanent',
      outcome.message,
      outcome.status,
      outcome.json,
      outcome.notJson ? 'not-json' : undefined,
    );
  }

  /**
   * The error that ends the call after a transient failure, or undefined when it is retried: an
   * unreachable base URL ends a fail-fast call, a write that may have applied goes back to the
   * caller to reconcile, and the retries run out after `maxRetries`.
   */
  private transientError(
    spec: CallSpec,
    label: string,
    outcome: Transient,
    failures: number,
  ): ApiCallError | undefined {
    const { api } = this.options;
    if (spec.failFast && isUnreachableCode(outcome.networkCode))
      return new ApiCallError(
        api,
        label,
        'exhausted',
        outcome.message,
        outcome.status,
        undefined,
        'unreachable',
      );
    if (outcome.maybeApplied && !spec.idempotent)
      return new ApiCallError(api, label, 'unknown-outcome', outcome.message, outcome.status);
    if (failures > this.options.maxRetries)
      return new ApiCallError(
        api,
        label,
        'exhausted',
        `${outcome.message} (gave up after ${failures} attempts)`,
        outcome.status,
        undefined,
        outcome.notJson ? 'not-json' : undefined,
      );
    return undefined;
  }

  private async waitToRetry(
    spec: CallSpec,
    label: string,
    outcome: Transient,
    failures: number,
  ): Promise<void> {
    const wait = this.backoff(failures);
    // A check call's outcome is reported once, as one line, by the check itself.
    if (!spec.failFast)
      this.options.emit({
        type: 'retry',
        api: this.options.api,
        attempt: failures,
        waitMs: Math.round(wait),
        reason: `${label}: ${outcome.message}`,
      });
    await sleep(wait, this.options.signal);
  }

  /** One attempt: a rate-limiter slot, one HTTP exchange, and its classification. */
  private async attempt(spec: CallSpec): Promise<Outcome> {
    const slot = await this.takeSlot();
    let res: HttpResponse;
    const sentAt = Date.now();
    try {
      res = await httpAttempt({
        method: spec.method,
        url: this.url(spec),
        headers: this.options.headers,
        body: spec.body,
        timeoutMs: this.options.timeoutMs,
        dispatcher: this.agent,
        signal: this.options.signal,
      });
      slot.responded();
      this.noteAnswer(spec, res, Date.now() - sentAt);
    } catch (err) {
      slot.aborted();
      if (err instanceof NetworkError)
        return {
          kind: 'transient',
          message: this.options.scrub ? this.options.scrub(err.message) : err.message,
          maybeApplied: err.sent,
          networkCode: err.code,
        };
      throw err;
    }
    if (spec.accept?.(res.status, res.text)) {
      return { kind: 'ok', json: parseJsonOrUndefined(res.text) };
    }
    return this.judge(res);
  }

  /** Waits for a rate-limiter slot and counts the call. */
  private async takeSlot(): Promise<Slot> {
    const queuedAt = Date.now();
    const slot = await this.options.limiter.acquire(this.options.signal);
    this.options.meter?.waited(this.options.api, Date.now() - queuedAt);
    this.calls++;
    this.options.meter?.call(this.options.api);
    return slot;
  }

  /** Latency bookkeeping for an answered attempt, and the observer's copy of it. */
  private noteAnswer(spec: CallSpec, res: HttpResponse, latencyMs: number): void {
    this.latencyMs += latencyMs;
    this.answered++;
    this.options.observe?.({
      method: spec.method,
      call: this.label(spec).slice(spec.method.length + 1),
      status: res.status,
      headers: res.headers,
      text: res.text,
      latencyMs,
    });
  }

  /** The API's classification of an answer, vendor text scrubbed; a throttle pauses the limiter. */
  private judge(res: HttpResponse): Outcome {
    const classified = this.options.classify(res);
    const verdict =
      classified.kind === 'ok' || !this.options.scrub
        ? classified
        : { ...classified, message: this.options.scrub(classified.message) };
    switch (verdict.kind) {
      case 'ok':
        return verdict;
      case 'throttle': {
        // Retry-After is in the vendor's real seconds; a time-scaled sandbox shrinks the window.
        const wait = this.options.limiter.pause(
          (verdict.retryAfterMs ?? 0) * this.options.timeScale,
        );
        return { kind: 'throttle', status: res.status, waitMs: wait, message: verdict.message };
      }
      case 'transient':
        return {
          kind: 'transient',
          status: res.status,
          message: verdict.message,
          maybeApplied: true,
          notJson: verdict.notJson,
        };
      case 'permanent':
        return {
          kind: 'permanent',
          status: res.status,
          message: verdict.message,
          json: verdict.json,
          notJson: verdict.notJson,
        };
    }
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A failure that can pass without any change to the data: network errors, timeouts, throttles,
 * 5xx, and refused credentials (they are fixed in the settings, not in the sale or order).
 * Anything else the vendor refused is a data rejection.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ApiCallError) || err.failure !== 'permanent') return true;
  const status = err.status ?? 0;
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

/** Short, single-line excerpt of a response body for error messages. */
export function excerpt(text: string, max = 160): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
