/**
 * Cin7 Core carrier names (`GET ref/carrier`) for the settings editor's completion and
 * unknown-carrier warning. The call goes through the engine's own HTTP client and Cin7 rate
 * limiter (ApiRunner + SlidingLogLimiter), so it is classified, redacted and counted like any call
 * a run makes; one limiter per endpoint and account is kept for the life of the process.
 */
import { redactor } from '../../../protocol/redact';
import type { RateLimit } from '../../../protocol/settings';
import { dearAccess } from './apiAccess';
import { ApiRunner } from './apiRunner';
import { classifyDear } from './dearClient';
import { readCarrierNames } from './doctorShapes';
import { SlidingLogLimiter } from './limiter';

export interface CarrierNamesRequest {
  baseUrl: string;
  accountId: string;
  apiKey: string;
  /** The account's Cin7 limit (default: Cin7's 60 calls per 60 s). */
  rateLimit?: RateLimit;
  timeoutMs?: number;
}

const CIN7_RATE: RateLimit = { calls: 60, perSeconds: 60 };
const limiters = new Map<string, SlidingLogLimiter>();

function limiterFor(request: CarrierNamesRequest): SlidingLogLimiter {
  const rate = request.rateLimit ?? CIN7_RATE;
  const key = `${request.baseUrl}\n${request.accountId}\n${rate.calls}/${rate.perSeconds}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new SlidingLogLimiter({ calls: rate.calls, windowMs: rate.perSeconds * 1000 });
    limiters.set(key, limiter);
  }
  return limiter;
}

/** The carrier names of a Cin7 Core account; throws a sentence when they cannot be read. */
export async function fetchCarrierNames(request: CarrierNamesRequest): Promise<string[]> {
  // Refuses an endpoint that is neither https nor loopback before any request.
  const access = dearAccess(request.baseUrl, request);
  const rate = request.rateLimit ?? CIN7_RATE;
  const runner = new ApiRunner({
    api: 'dear',
    ...access,
    limiter: limiterFor(request),
    concurrency: 1,
    // A background lookup for the editor: one retry for a transient failure, not a run's budget.
    maxRetries: 1,
    timeoutMs: request.timeoutMs ?? 5000,
    timeScale: rate.perSeconds / CIN7_RATE.perSeconds,
    classify: classifyDear,
    emit: () => undefined,
    scrub: redactor([request.accountId, request.apiKey]),
  });
  try {
    const json = await runner.call({
      method: 'GET',
      path: 'ref/carrier',
      query: { Page: 1, Limit: 1000 },
      idempotent: true,
      failFast: true,
    });
    const { names, checks } = readCarrierNames(json);
    if (!names) throw new Error(`Cin7 Core GET ref/carrier: ${checks[0]?.message ?? 'no names'}`);
    return names;
  } finally {
    await runner.close();
  }
}
