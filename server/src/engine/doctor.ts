/**
 * `dear-starshipit doctor` / **Dear: Check Connection**: a handful of read-only calls, safe on a
 * production account, through the engine's own API runners and rate limiters:
 *   Cin7 Core   saleList page 1 · one sale · ref/carrier
 *   Starshipit  unshipped orders (one page) · shipped orders of the last 30 days (one page)
 * It reports whether each API accepts the credentials, the latency and rate-limit headroom seen,
 * the answer shapes the engine relies on, the courier mappings against `ref/carrier`, and the
 * sale statuses in use against `import.statuses`. Nothing is written to either API or the journal.
 */
import { errorMessage } from '../../../protocol/errorMessage';
import * as path from 'node:path';
import type {
  DoctorApiHealth,
  DoctorCheck,
  DoctorReport,
  DoctorStatus,
} from '../../../protocol/doctor';
import type { Api, EngineEvent } from '../../../protocol/events';
import { PLAN_RATES, type DearSettings } from '../../../protocol/settings';
import { ApiCallError, ApiRunner, type CallSpec } from './apiRunner';
import { refuseUnsupportedApiVersion } from './apiVersion';
import { classifyDear } from './dearClient';
import {
  checkSaleListShape,
  checkSaleShape,
  checkShippedShape,
  checkUnshippedShape,
  readCarrierNames,
} from './doctorShapes';
import { writeSamples, type ObservedCall } from './doctorSamples';
import type { SecretLookup } from './index';
import { LockedError, resolveStateDir } from './index';
import { SlidingLogLimiter, SpacingLimiter } from './limiter';
import { StateLock } from './lock';
import { redactor } from '../../../protocol/redact';
import { checkBaseUrl, credentialValues, resolveCredentials } from './secrets';
import { classifyStarshipit } from './starshipitClient';

export interface DoctorOptions {
  settings: DearSettings;
  /** Path of the settings file (the state directory, whose Cin7 limiter log is shared, is beside it). */
  configPath: string;
  /** Overrides `engine.stateDir`. */
  stateDir?: string;
  secrets: SecretLookup;
  /** Write the observed answers here (personal data masked, credentials scrubbed). */
  saveSamplesDir?: string;
  signal?: AbortSignal;
}

/** saleList rows read for shapes and statuses: enough to see the statuses in use, one call. */
const SALE_LIST_SAMPLE = 100;
/** Starshipit rows per list read: one call each. */
const STARSHIPIT_SAMPLE = 10;
const SHIPPED_LOOKBACK_DAYS = 30;

interface ApiSession {
  api: Api;
  runner: ApiRunner;
  calls: ObservedCall[];
  credentials: DoctorApiHealth['credentials'];
}

/** Runs the checks. Throws ConfigurationError when it cannot run at all (exit 2). */
export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const s = o.settings;
  refuseUnsupportedApiVersion(s);
  checkBaseUrl(s.dear.baseUrl, 'dear.baseUrl');
  checkBaseUrl(s.starshipit.baseUrl, 'starshipit.baseUrl');
  const creds = resolveCredentials(s, o.secrets);
  const scrub = redactor(credentialValues(creds));
  const stateDir = o.stateDir ? path.resolve(o.stateDir) : resolveStateDir(o.configPath, s);
  const checks: DoctorCheck[] = [];
  const notes: DoctorCheck[] = [];
  const note = (api: Api, message: string): void => {
    notes.push({ id: 'note', api, status: 'info', message });
  };
  const emit = (e: EngineEvent): void => {
    if (e.type === 'retry') note(e.api, `retried ${scrub(e.reason)}`);
  };

  // The Cin7 quota is per application key and shared with any sync on this machine: count against
  // the state directory's limiter log when no run holds it, else keep to this process.
  let lock: { release(): void } | undefined;
  try {
    lock = StateLock.acquire(stateDir);
  } catch (err) {
    note(
      'dear',
      err instanceof LockedError
        ? 'another run holds the state directory: its Cin7 calls are not counted here'
        : `the state directory's limiter log is not used (${errorMessage(err)})`,
    );
  }
  const dearLimiter = new SlidingLogLimiter({
    calls: s.dear.rateLimit.calls,
    windowMs: s.dear.rateLimit.perSeconds * 1000,
    maxCallMs: s.dear.timeoutSeconds * 1000,
    persistPath: lock ? path.join(stateDir, 'limiter-dear.json') : undefined,
  });
  const ssRate = s.starshipit.rateLimit ?? PLAN_RATES[s.starshipit.plan];
  const dear = session('dear', {
    baseUrl: s.dear.baseUrl,
    limiter: dearLimiter,
    timeoutMs: s.dear.timeoutSeconds * 1000,
    timeScale: s.dear.rateLimit.perSeconds / 60,
    classify: classifyDear,
    headers: {
      'api-auth-accountid': creds.dearAccountId,
      'api-auth-applicationkey': creds.dearApiKey,
    },
  });
  const ss = session('starshipit', {
    baseUrl: s.starshipit.baseUrl,
    limiter: new SpacingLimiter({ calls: ssRate.calls, windowMs: ssRate.perSeconds * 1000 }),
    timeoutMs: s.starshipit.timeoutSeconds * 1000,
    timeScale: ssRate.perSeconds / PLAN_RATES[s.starshipit.plan].perSeconds,
    classify: classifyStarshipit,
    headers: {
      'StarShipIT-Api-Key': creds.starshipitApiKey,
      'Ocp-Apim-Subscription-Key': creds.starshipitSubscriptionKey,
    },
  });

  function session(
    api: Api,
    r: Pick<
      ConstructorParameters<typeof ApiRunner>[0],
      'baseUrl' | 'limiter' | 'timeoutMs' | 'timeScale' | 'classify' | 'headers'
    >,
  ): ApiSession {
    const calls: ObservedCall[] = [];
    const runner = new ApiRunner({
      api,
      ...r,
      concurrency: 1,
      // A diagnosis should answer quickly: one retry for a transient failure, not the run's budget.
      maxRetries: Math.min(1, s.engine.maxRetries),
      emit,
      signal: o.signal,
      scrub,
      observe: (obs) => calls.push({ ...obs, api }),
    });
    return { api, runner, calls, credentials: 'unknown' };
  }

  /** One read; its failure becomes a check (credentials rejected, unreachable, unreadable). */
  async function read(
    sess: ApiSession,
    id: string,
    what: string,
    spec: Omit<CallSpec, 'idempotent' | 'method'>,
  ): Promise<{ json: unknown } | undefined> {
    try {
      const json = await sess.runner.call({ method: 'GET', idempotent: true, ...spec });
      if (sess.credentials === 'unknown') sess.credentials = 'accepted';
      return { json };
    } catch (err) {
      if (!(err instanceof ApiCallError)) throw err;
      const rejected = err.status === 401 || err.status === 403;
      if (rejected) sess.credentials = 'rejected';
      checks.push({
        id: rejected ? `${sess.api}.credentials` : id,
        api: sess.api,
        status: 'problem',
        message: `${what}: ${scrub(err.message)}`,
      });
      return undefined;
    }
  }

  try {
    await checkDear();
    await checkStarshipit();
  } finally {
    dearLimiter.close();
    lock?.release();
    await Promise.all([dear.runner.close(), ss.runner.close()]);
  }

  async function checkDear(): Promise<void> {
    const list = await read(dear, 'dear.saleList', 'Cin7 Core saleList', {
      path: 'saleList',
      query: { Page: 1, Limit: Math.min(SALE_LIST_SAMPLE, s.dear.pageSize) },
    });
    // Rejected credentials, or no answer at all: the other calls would fail the same way.
    if (!list) return;
    let rows: Record<string, unknown>[] = [];
    if (list) {
      const shape = checkSaleListShape(list.json);
      checks.push(...shape.checks);
      rows = shape.rows;
      checks.push(statusCheck(rows, s.import.statuses));
    }
    const wanted = new Set<string>(s.import.statuses);
    const pick = rows.find((r) => wanted.has(String(r.Status))) ?? rows[0];
    const saleId = typeof pick?.SaleID === 'string' ? pick.SaleID : undefined;
    if (saleId) {
      const sale = await read(dear, 'shape.sale', `Cin7 Core sale ${saleId}`, {
        path: 'sale',
        query: { ID: saleId },
      });
      if (sale) checks.push(...checkSaleShape(sale.json, saleId));
    }
    const carriers = await read(dear, 'dear.carrierList', 'Cin7 Core ref/carrier', {
      path: 'ref/carrier',
      query: { Page: 1, Limit: 1000 },
    });
    if (carriers) {
      const carrierList = readCarrierNames(carriers.json);
      checks.push(...carrierList.checks);
      if (carrierList.names && s.writeback.enabled)
        checks.push(...mappingChecks(s, carrierList.names));
    }
  }

  async function checkStarshipit(): Promise<void> {
    const since = new Date(Date.now() - SHIPPED_LOOKBACK_DAYS * 86_400_000).toISOString();
    const unshipped = await read(ss, 'starshipit.unshipped', 'Starshipit unshipped orders', {
      path: '/api/orders/unshipped',
      // Every unshipped order qualifies; the first page is the sample.
      query: { since_last_updated: '2000-01-01T00:00:00Z', limit: STARSHIPIT_SAMPLE, page: 1 },
    });
    if (!unshipped) return;
    checks.push(...checkUnshippedShape(unshipped.json));
    const shipped = await read(ss, 'starshipit.shipped', 'Starshipit shipped orders', {
      path: '/api/orders/shipped',
      query: { since_last_updated: since, limit: STARSHIPIT_SAMPLE, page: 1 },
    });
    if (shipped) checks.push(...checkShippedShape(shipped.json));
  }

  for (const sess of [ss, dear])
    if (sess.credentials === 'accepted')
      checks.unshift({
        id: `${sess.api}.credentials`,
        api: sess.api,
        status: 'ok',
        message: `${sess.api === 'dear' ? 'Cin7 Core' : 'Starshipit'} accepted the credentials`,
      });
  checks.push(...notes);

  const report: DoctorReport = {
    type: 'doctor',
    at: new Date().toISOString(),
    result: checks.some((c) => c.status === 'problem') ? 'problems' : 'ok',
    problems: checks.filter((c) => c.status === 'problem').length,
    warnings: checks.filter((c) => c.status === 'warning').length,
    dear: health(dear, dearHeadroom(dear, dearLimiter, s)),
    starshipit: health(ss, starshipitHeadroom(ss, s, ssRate)),
    checks,
  };
  if (o.saveSamplesDir) {
    const dir = path.resolve(o.saveSamplesDir);
    report.samples = { dir, files: writeSamples(dir, [...dear.calls, ...ss.calls], scrub) };
  }
  return report;
}

function health(sess: ApiSession, headroom: string): DoctorApiHealth {
  const times = sess.calls.map((c) => c.latencyMs);
  return {
    api: sess.api,
    credentials: sess.credentials,
    calls: sess.runner.calls,
    ...(times.length
      ? {
          latencyMs: {
            average: Math.round(times.reduce((a, b) => a + b, 0) / times.length),
            max: Math.max(...times),
          },
        }
      : {}),
    throttled: sess.runner.throttled,
    headroom,
  };
}

/** The last rate-limit headers an API sent, as `name=value` text; undefined when it sent none. */
function rateHeaders(calls: readonly ObservedCall[]): string | undefined {
  for (const c of [...calls].reverse()) {
    const seen = Object.entries(c.headers)
      .filter(([k, v]) => v !== undefined && (k.startsWith('x-ratelimit') || k === 'retry-after'))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
    if (seen.length) return seen.join(' ');
  }
  return undefined;
}

function dearHeadroom(sess: ApiSession, limiter: SlidingLogLimiter, s: DearSettings): string {
  const own = `${limiter.free} of ${s.dear.rateLimit.calls} calls free in the current ${s.dear.rateLimit.perSeconds} s window by this machine's limiter`;
  const vendor = rateHeaders(sess.calls);
  return vendor
    ? `Cin7 Core sent ${vendor}; ${own}`
    : `Cin7 Core sent no rate-limit headers; ${own}`;
}

function starshipitHeadroom(
  sess: ApiSession,
  s: DearSettings,
  rate: { calls: number; perSeconds: number },
): string {
  const own = `client limit ${rate.calls} per ${rate.perSeconds} s (${s.starshipit.plan} plan)`;
  const vendor = rateHeaders(sess.calls);
  return vendor
    ? `Starshipit sent ${vendor}; ${own}`
    : `Starshipit sent no rate-limit headers; ${own}`;
}

/** Sale statuses seen on saleList page 1 against `import.statuses`. */
export function statusCheck(
  rows: readonly Record<string, unknown>[],
  wanted: readonly string[],
): DoctorCheck {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const st = typeof r.Status === 'string' && r.Status ? r.Status : '(none)';
    counts.set(st, (counts.get(st) ?? 0) + 1);
  }
  const inUse = [...counts].sort((a, b) => b[1] - a[1]).map(([st, n]) => `${st} ${n}`);
  const matched = wanted.filter((w) => counts.has(w));
  const unused = wanted.filter((w) => !counts.has(w));
  let status: DoctorStatus = 'ok';
  if (rows.length === 0) status = 'info';
  else if (matched.length === 0) status = 'warning';
  const parts = [
    `statuses in use (${rows.length} sale(s) on saleList page 1): ${inUse.join(', ') || 'none'}`,
    `import.statuses: ${wanted.join(', ')}`,
  ];
  if (rows.length > 0 && matched.length === 0)
    parts.push('none of the imported statuses appears on this page, so an import may find nothing');
  else if (unused.length) parts.push(`not seen on this page: ${unused.join(', ')}`);
  return { id: 'statuses', api: 'dear', status, message: parts.join('; ') };
}

/** Every carrier the writeback names must exist in Cin7 Core's `ref/carrier` (case-insensitive). */
export function mappingChecks(s: DearSettings, carrierNames: readonly string[]): DoctorCheck[] {
  const known = new Set(carrierNames.map((n) => n.toLowerCase()));
  const named = [
    ...s.writeback.courierMappings.map((m) => ({
      carrier: m.carrier,
      from: `writeback.courierMappings (${m.courier})`,
    })),
    { carrier: s.writeback.defaultCarrier, from: 'writeback.defaultCarrier' },
  ];
  const out: DoctorCheck[] = [];
  for (const n of named)
    if (!known.has(n.carrier.trim().toLowerCase()))
      out.push({
        id: 'mapping.carrier',
        api: 'dear',
        status: 'problem',
        message: `${n.from}: carrier "${n.carrier}" is not in Cin7 Core's ref/carrier list`,
      });
  if (out.length === 0)
    out.push({
      id: 'mapping.carrier',
      api: 'dear',
      status: 'ok',
      message: `${named.length} carrier name(s) from the writeback settings exist in ref/carrier`,
    });
  return out;
}
