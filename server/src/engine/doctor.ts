/**
 * `dear-starshipit doctor` / **Dear: Check Connection**: a handful of read-only calls, safe on a
 * production account, through the engine's own API runners and rate limiters:
 *   Cin7 Core   saleList page 1 · one sale · ref/carrier
 *   Starshipit  unshipped orders (one page) · shipped orders of the last 30 days (one page),
 *               for every account: the `starshipit` section (`default`) and each `warehouses.accounts`
 * It reports whether each API and account accepts the credentials, the latency and rate-limit
 * headroom seen, the answer shapes the engine relies on, the courier mappings against `ref/carrier`,
 * and the sale statuses in use against `import.statuses`. Nothing is written to either API or the
 * journal.
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
import {
  PLAN_RATES,
  type DearSettings,
  type RateLimit,
  type StarshipitPlan,
} from '../../../protocol/settings';
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
import { credentialValues, resolveCredentials } from './secrets';
import {
  checkBaseUrls,
  dearAccessOf,
  starshipitAccountsOf,
  type StarshipitAccountAccess,
} from './apiAccess';
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
  /** The Starshipit account (`default` or a `warehouses.accounts` name); absent for Cin7 Core. */
  account?: string;
  /** How the report names this API or account, e.g. `Cin7 Core`, `Starshipit account nz`. */
  label: string;
  runner: ApiRunner;
  calls: ObservedCall[];
  credentials: DoctorApiHealth['credentials'];
}

/** One Starshipit account's session with the rate its limiter keeps. */
interface StarshipitSession extends ApiSession {
  account: string;
  plan: StarshipitPlan;
  rate: RateLimit;
}

/** One Starshipit account as the settings give it: where its requests go, its plan and rate. */
/** What every step of one diagnosis shares: the settings, the scrubber and the collected checks. */
interface DoctorContext {
  settings: DearSettings;
  signal?: AbortSignal;
  scrub: (text: string) => string;
  checks: DoctorCheck[];
  notes: DoctorCheck[];
}

type SessionOptions = Pick<
  ConstructorParameters<typeof ApiRunner>[0],
  'baseUrl' | 'limiter' | 'timeoutMs' | 'timeScale' | 'classify' | 'headers'
>;

interface DoctorSessions {
  dear: ApiSession;
  dearLimiter: SlidingLogLimiter;
  /** Every Starshipit account: `default` first, then `warehouses.accounts` in settings order. */
  starshipit: StarshipitSession[];
}

/** Runs the checks. Throws ConfigurationError when it cannot run at all (exit 2). */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const settings = options.settings;
  refuseUnsupportedApiVersion(settings);
  checkBaseUrls(settings);
  const creds = resolveCredentials(settings, options.secrets);
  const scrub = redactor(credentialValues(creds));
  const stateDir = options.stateDir
    ? path.resolve(options.stateDir)
    : resolveStateDir(options.configPath, settings);
  const ctx: DoctorContext = { settings, signal: options.signal, scrub, checks: [], notes: [] };
  const lock = acquireLimiterLog(ctx, stateDir);
  const sessions = openSessions(ctx, creds, lock ? stateDir : undefined);
  try {
    await checkDear(ctx, sessions.dear);
    for (const account of sessions.starshipit) await checkStarshipit(ctx, account);
  } finally {
    sessions.dearLimiter.close();
    lock?.release();
    await Promise.all(
      [sessions.dear, ...sessions.starshipit].map((session) => session.runner.close()),
    );
  }
  return assembleReport(ctx, sessions, options.saveSamplesDir);
}

function addNote(ctx: DoctorContext, api: Api, message: string, account?: string): void {
  ctx.notes.push({ id: 'note', api, ...(account ? { account } : {}), status: 'info', message });
}

/**
 * The Cin7 quota is per application key and shared with any sync on this machine: count against
 * the state directory's limiter log when no run holds it, else keep to this process.
 */
function acquireLimiterLog(ctx: DoctorContext, stateDir: string): { release(): void } | undefined {
  try {
    return StateLock.acquire(stateDir);
  } catch (err) {
    addNote(
      ctx,
      'dear',
      err instanceof LockedError
        ? 'another run holds the state directory: its Cin7 calls are not counted here'
        : `the state directory's limiter log is not used (${errorMessage(err)})`,
    );
    return undefined;
  }
}

/**
 * The Cin7 Core session and one session per Starshipit account; the Cin7 limiter persists to
 * `limiterDir` when this process holds it.
 */
function openSessions(
  ctx: DoctorContext,
  creds: ReturnType<typeof resolveCredentials>,
  limiterDir: string | undefined,
): DoctorSessions {
  const settings = ctx.settings;
  const dearLimiter = new SlidingLogLimiter({
    calls: settings.dear.rateLimit.calls,
    windowMs: settings.dear.rateLimit.perSeconds * 1000,
    maxCallMs: settings.dear.timeoutSeconds * 1000,
    persistPath: limiterDir ? path.join(limiterDir, 'limiter-dear.json') : undefined,
  });
  const dear = openSession(
    ctx,
    { api: 'dear', label: 'Cin7 Core' },
    {
      ...dearAccessOf(settings, creds),
      limiter: dearLimiter,
      timeoutMs: settings.dear.timeoutSeconds * 1000,
      timeScale: settings.dear.rateLimit.perSeconds / 60,
      classify: classifyDear,
    },
  );
  const starshipit = starshipitAccountsOf(settings, creds).map((account) =>
    openStarshipitSession(ctx, account),
  );
  return { dear, dearLimiter, starshipit };
}

/** How the report names a Starshipit account: plain `Starshipit` when it is the only one. */
function starshipitLabel(settings: DearSettings, account: string): string {
  return settings.warehouses.accounts.length ? `Starshipit account ${account}` : 'Starshipit';
}

function openStarshipitSession(
  ctx: DoctorContext,
  account: StarshipitAccountAccess,
): StarshipitSession {
  const settings = ctx.settings;
  const { rate, plan } = account;
  const session = openSession(
    ctx,
    {
      api: 'starshipit',
      account: account.name,
      label: starshipitLabel(settings, account.name),
    },
    {
      ...account.access,
      limiter: new SpacingLimiter({ calls: rate.calls, windowMs: rate.perSeconds * 1000 }),
      timeoutMs: settings.starshipit.timeoutSeconds * 1000,
      timeScale: rate.perSeconds / PLAN_RATES[plan].perSeconds,
      classify: (res) => classifyStarshipit(res, account.keySettings),
    },
  );
  return { ...session, account: account.name, plan, rate };
}

function openSession(
  ctx: DoctorContext,
  who: Pick<ApiSession, 'api' | 'account' | 'label'>,
  runnerOptions: SessionOptions,
): ApiSession {
  const { api, account } = who;
  const calls: ObservedCall[] = [];
  const runner = new ApiRunner({
    api,
    ...runnerOptions,
    concurrency: 1,
    // A diagnosis should answer quickly: one retry for a transient failure, not the run's budget.
    maxRetries: Math.min(1, ctx.settings.engine.maxRetries),
    emit: (event: EngineEvent) => {
      if (event.type === 'retry')
        addNote(ctx, event.api, `${who.label}: retried ${ctx.scrub(event.reason)}`, account);
    },
    signal: ctx.signal,
    scrub: ctx.scrub,
    observe: (obs) => calls.push({ ...obs, api, ...(account ? { account } : {}) }),
  });
  return { ...who, runner, calls, credentials: 'unknown' };
}

/**
 * One read; its failure becomes a check (credentials rejected, unreachable, unreadable). `what`
 * names the call after the API or account's label, e.g. `saleList`, `unshipped orders`.
 */
async function readForCheck(
  ctx: DoctorContext,
  session: ApiSession,
  id: string,
  what: string,
  spec: Omit<CallSpec, 'idempotent' | 'method'>,
): Promise<{ json: unknown } | undefined> {
  try {
    const json = await session.runner.call({ method: 'GET', idempotent: true, ...spec });
    if (session.credentials === 'unknown') session.credentials = 'accepted';
    return { json };
  } catch (err) {
    if (!(err instanceof ApiCallError)) throw err;
    const rejected = err.status === 401 || err.status === 403;
    if (rejected) session.credentials = 'rejected';
    ctx.checks.push({
      ...sessionCheck(session, rejected ? `${session.api}.credentials` : id, 'problem'),
      message: `${session.label} ${what}: ${ctx.scrub(err.message)}`,
    });
    return undefined;
  }
}

/** A check's identity for a session: its API, and its account for Starshipit. */
function sessionCheck(
  session: ApiSession,
  id: string,
  status: DoctorStatus,
): Omit<DoctorCheck, 'message'> {
  return {
    id,
    api: session.api,
    ...(session.account ? { account: session.account } : {}),
    status,
  };
}

/**
 * A Starshipit account's shape checks carry its name, and say it in the message when the
 * settings have more than one account.
 */
function accountChecks(ctx: DoctorContext, session: ApiSession, checks: DoctorCheck[]): void {
  const named = ctx.settings.warehouses.accounts.length > 0;
  for (const check of checks)
    ctx.checks.push({
      ...check,
      ...(session.account ? { account: session.account } : {}),
      message: named ? `account ${session.account}: ${check.message}` : check.message,
    });
}

async function checkDear(ctx: DoctorContext, dear: ApiSession): Promise<void> {
  const settings = ctx.settings;
  const list = await readForCheck(ctx, dear, 'dear.saleList', 'saleList', {
    path: 'saleList',
    query: { Page: 1, Limit: Math.min(SALE_LIST_SAMPLE, settings.dear.pageSize) },
  });
  // Rejected credentials, or no answer at all: the other calls would fail the same way.
  if (!list) return;
  const shape = checkSaleListShape(list.json);
  ctx.checks.push(...shape.checks);
  ctx.checks.push(statusCheck(shape.rows, settings.import.statuses));
  await checkOneSale(ctx, dear, shape.rows);
  await checkCarriers(ctx, dear);
}

/** Reads one listed sale (one with a wanted status when there is one) and checks its shape. */
async function checkOneSale(
  ctx: DoctorContext,
  dear: ApiSession,
  rows: Record<string, unknown>[],
): Promise<void> {
  const wanted = new Set<string>(ctx.settings.import.statuses);
  const pick = rows.find((row) => wanted.has(String(row.Status))) ?? rows[0];
  const saleId = typeof pick?.SaleID === 'string' ? pick.SaleID : undefined;
  if (!saleId) return;
  const sale = await readForCheck(ctx, dear, 'shape.sale', `sale ${saleId}`, {
    path: 'sale',
    query: { ID: saleId },
  });
  if (sale) ctx.checks.push(...checkSaleShape(sale.json, saleId));
}

async function checkCarriers(ctx: DoctorContext, dear: ApiSession): Promise<void> {
  const carriers = await readForCheck(ctx, dear, 'dear.carrierList', 'ref/carrier', {
    path: 'ref/carrier',
    query: { Page: 1, Limit: 1000 },
  });
  if (!carriers) return;
  const carrierList = readCarrierNames(carriers.json);
  ctx.checks.push(...carrierList.checks);
  if (carrierList.names && ctx.settings.writeback.enabled)
    ctx.checks.push(...mappingChecks(ctx.settings, carrierList.names));
}

/** One Starshipit account: its credentials and the shapes of its unshipped and shipped lists. */
async function checkStarshipit(ctx: DoctorContext, session: ApiSession): Promise<void> {
  const since = new Date(Date.now() - SHIPPED_LOOKBACK_DAYS * 86_400_000).toISOString();
  const unshipped = await readForCheck(ctx, session, 'starshipit.unshipped', 'unshipped orders', {
    path: '/api/orders/unshipped',
    // Every unshipped order qualifies; the first page is the sample.
    query: { since_last_updated: '2000-01-01T00:00:00Z', limit: STARSHIPIT_SAMPLE, page: 1 },
  });
  // Rejected credentials, or no answer at all: the shipped list would fail the same way.
  if (!unshipped) return;
  accountChecks(ctx, session, checkUnshippedShape(unshipped.json));
  const shipped = await readForCheck(ctx, session, 'starshipit.shipped', 'shipped orders', {
    path: '/api/orders/shipped',
    query: { since_last_updated: since, limit: STARSHIPIT_SAMPLE, page: 1 },
  });
  if (shipped) accountChecks(ctx, session, checkShippedShape(shipped.json));
}

/** The report: accepted credentials first, then the checks, then the notes; samples when asked. */
function assembleReport(
  ctx: DoctorContext,
  sessions: DoctorSessions,
  saveSamplesDir: string | undefined,
): DoctorReport {
  const { dear, dearLimiter, starshipit } = sessions;
  const [main, ...others] = starshipit;
  const checks = [...acceptedChecks([dear, ...starshipit]), ...ctx.checks, ...ctx.notes];
  const report: DoctorReport = {
    type: 'doctor',
    at: new Date().toISOString(),
    result: checks.some((check) => check.status === 'problem') ? 'problems' : 'ok',
    problems: checks.filter((check) => check.status === 'problem').length,
    warnings: checks.filter((check) => check.status === 'warning').length,
    dear: health(dear, dearHeadroom(dear, dearLimiter, ctx.settings)),
    starshipit: health(main, starshipitHeadroom(main)),
    accounts: others.map((account) => health(account, starshipitHeadroom(account))),
    checks,
  };
  if (saveSamplesDir) {
    const dir = path.resolve(saveSamplesDir);
    const calls = [dear, ...starshipit].flatMap((session) => session.calls);
    report.samples = { dir, files: writeSamples(dir, calls, ctx.scrub) };
  }
  return report;
}

/** One `ok` credentials check per API or account whose keys an answer proved. */
function acceptedChecks(sessions: readonly ApiSession[]): DoctorCheck[] {
  return sessions
    .filter((session) => session.credentials === 'accepted')
    .map((session) => ({
      ...sessionCheck(session, `${session.api}.credentials`, 'ok'),
      message: `${session.label} accepted the credentials`,
    }));
}

function health(session: ApiSession, headroom: string): DoctorApiHealth {
  const times = session.calls.map((c) => c.latencyMs);
  return {
    api: session.api,
    ...(session.account ? { account: session.account } : {}),
    credentials: session.credentials,
    calls: session.runner.calls,
    ...(times.length
      ? {
          latencyMs: {
            average: Math.round(times.reduce((a, b) => a + b, 0) / times.length),
            max: Math.max(...times),
          },
        }
      : {}),
    throttled: session.runner.throttled,
    headroom,
  };
}

/** The last rate-limit headers an API sent, as `name=value` text; undefined when it sent none. */
function rateHeaders(calls: readonly ObservedCall[]): string | undefined {
  for (const call of [...calls].reverse()) {
    const seen = Object.entries(call.headers)
      .filter(([k, v]) => v !== undefined && (k.startsWith('x-ratelimit') || k === 'retry-after'))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
    if (seen.length) return seen.join(' ');
  }
  return undefined;
}

function dearHeadroom(
  session: ApiSession,
  limiter: SlidingLogLimiter,
  settings: DearSettings,
): string {
  const own = `${limiter.free} of ${settings.dear.rateLimit.calls} calls free in the current ${settings.dear.rateLimit.perSeconds} s window by this machine's limiter`;
  const vendor = rateHeaders(session.calls);
  return vendor
    ? `Cin7 Core sent ${vendor}; ${own}`
    : `Cin7 Core sent no rate-limit headers; ${own}`;
}

function starshipitHeadroom(session: StarshipitSession): string {
  const own = `client limit ${session.rate.calls} per ${session.rate.perSeconds} s (${session.plan} plan)`;
  const vendor = rateHeaders(session.calls);
  return vendor
    ? `${session.label} sent ${vendor}; ${own}`
    : `${session.label} sent no rate-limit headers; ${own}`;
}

/** Sale statuses seen on saleList page 1 against `import.statuses`. */
export function statusCheck(
  rows: readonly Record<string, unknown>[],
  wanted: readonly string[],
): DoctorCheck {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const saleStatus = typeof row.Status === 'string' && row.Status ? row.Status : '(none)';
    counts.set(saleStatus, (counts.get(saleStatus) ?? 0) + 1);
  }
  const inUse = [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`);
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
function mappingChecks(settings: DearSettings, carrierNames: readonly string[]): DoctorCheck[] {
  const known = new Set(carrierNames.map((name) => name.toLowerCase()));
  const named = [
    ...settings.writeback.courierMappings.map((courierMapping) => ({
      carrier: courierMapping.carrier,
      from: `writeback.courierMappings (${courierMapping.courier})`,
    })),
    { carrier: settings.writeback.defaultCarrier, from: 'writeback.defaultCarrier' },
  ];
  const out: DoctorCheck[] = [];
  for (const entry of named)
    if (!known.has(entry.carrier.trim().toLowerCase()))
      out.push({
        id: 'mapping.carrier',
        api: 'dear',
        status: 'problem',
        message: `${entry.from}: carrier "${entry.carrier}" is not in Cin7 Core's ref/carrier list`,
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
