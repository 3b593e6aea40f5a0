/**
 * Engine scenarios 1–4 (README, Performance): our engine and the naive baseline, each against its own fresh
 * sandbox (same seed, same data, real HTTP on loopback) started in this process with
 * `startTestSandbox`, counted from the sandbox's call log. Each client runs in a child process so it
 * does not share an event loop with the server it is measured against.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../sandbox/src/api';
import { startTestSandbox } from '../support/sandbox';
import { tempDir as supportTempDir } from '../support/paths';
import type { ClientInput, ClientOutput } from './clientChild';
import { startChild, waitForLine } from '../support/cli';
import { quotaFigures, type QuotaFigures } from './quota';

export const TIME_SCALE = 100;
export const DEAR_QUOTA = 60;
export const DEAR_WINDOW_MS = 60_000 / TIME_SCALE;
/** Selected statuses: every not-yet-shipped stage (≈ 58 % of the generated sales, see below). */
export const IMPORT_STATUSES = [
  'ORDERED',
  'BACKORDERED',
  'PICKING',
  'PICKED',
  'PACKING',
  'PACKED',
  'SHIPPING',
];
/** Writeback needs packs authorised at import: PACKED and SHIPPING sales have them. */
export const WRITEBACK_STATUSES = ['PACKED', 'SHIPPING'];
const SEED = 7;

export interface RunFigures {
  client: 'ours' | 'naive';
  wallMs: number;
  dear: QuotaFigures;
  starshipit: QuotaFigures;
  /** Orders (import) or ship writes (writeback) that the sandbox holds afterwards. */
  done: number;
  expected: number;
  lost: number;
  duplicates: number;
  needsAttention: number;
  errors: string[];
}

export interface ImportScenario {
  sales: number;
  selectedShare: number;
  importableShare: number;
  advancedShare: number;
  foreignShare: number;
  /** Cin7 slots per window left for us (60 minus the foreign share). */
  quota: number;
  ours: RunFigures;
  naive: RunFigures;
}

export interface WritebackScenario {
  labels: number;
  ours: RunFigures;
  naive: RunFigures;
}

/** A fresh state folder for one bench run (test/support/paths.ts). */
export function tempDir(): string {
  return supportTempDir('dear-bench-');
}

/** Give every selected sale a complete address: the goal measures call efficiency, not refusals. */
export function repairInvalidSales(sb: Sandbox, statuses: string[]): number {
  const invalid = sb.eligibleSales(statuses, { includeInvalid: true }).filter((s) => !s.valid);
  for (const s of invalid) {
    sb.updateSale(s.saleId, (sale) => {
      const a = (sale.ShippingAddress ?? {}) as Record<string, unknown>;
      sale.ShippingAddress = {
        ...a,
        Line1: a.Line1 || '1 Bench Street',
        City: a.City || 'Sydney',
        Postcode: a.Postcode || '2000',
        Country: a.Country || 'Australia',
      };
    });
  }
  return invalid.length;
}

/** Order numbers a correct import must create exactly once (selected, valid, not already shipped). */
function importable(sb: Sandbox, statuses: string[]): Set<string> {
  const out = new Set<string>();
  for (const s of sb.eligibleSales(statuses)) {
    if (sb.sale(s.saleId).CombinedShippingStatus !== 'SHIPPED') out.add(s.orderNumber);
  }
  return out;
}

async function withSandbox<T>(
  sales: number,
  fn: (sb: Sandbox) => Promise<T>,
  timeScale = TIME_SCALE,
): Promise<T> {
  const sb = await startTestSandbox({ seed: SEED, sales, timeScale });
  try {
    return await fn(sb);
  } finally {
    await sb.close();
  }
}

/** Runs one client action in a child process (see clientChild.ts) against the sandbox in this process. */
async function runClient(
  sb: Sandbox,
  input: Omit<ClientInput, 'dearBaseUrl' | 'starshipitBaseUrl' | 'timeScale' | 'credentials'>,
): Promise<ClientOutput> {
  const full: ClientInput = {
    ...input,
    dearBaseUrl: sb.dearBaseUrl,
    starshipitBaseUrl: sb.starshipitBaseUrl,
    timeScale: sb.timeScale,
    credentials: sb.credentials,
  };
  const child = startChild(process.execPath, [path.join(__dirname, 'clientChild.js')], {
    env: { ...process.env, DEAR_BENCH_CLIENT: JSON.stringify(full) },
  });
  const line = await waitForLine(child, /^\{.*\}$/m, 10 * 60_000);
  await new Promise<void>((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  return JSON.parse(line[0]) as ClientOutput;
}

function orderCheck(
  sb: Sandbox,
  expected: Set<string>,
): { done: number; lost: number; duplicates: number } {
  const orders = sb.starshipitOrders();
  let lost = 0;
  for (const n of expected) if (!orders.has(n)) lost++;
  let duplicates = 0;
  for (const list of orders.values()) if (list.length > 1) duplicates += list.length - 1;
  return { done: orders.size, lost, duplicates };
}

async function importRun(
  client: 'ours' | 'naive',
  sales: number,
  foreign: number,
): Promise<{ figures: RunFigures; meta: Omit<ImportScenario, 'ours' | 'naive'> }> {
  return withSandbox(sales, async (sb) => {
    repairInvalidSales(sb, IMPORT_STATUSES);
    const expected = importable(sb, IMPORT_STATUSES);
    const selected = sb.eligibleSales(IMPORT_STATUSES);
    const advanced = selected.filter((s) => s.type === 'Advanced Sale').length;
    const quota = DEAR_QUOTA - Math.round(foreign * DEAR_QUOTA);
    const meta = {
      sales,
      selectedShare: selected.length / sales,
      importableShare: expected.size / sales,
      advancedShare: advanced / Math.max(1, selected.length),
      foreignShare: foreign,
      quota,
    };
    if (foreign > 0) sb.setSwitch('dearForeignTraffic', foreign);
    sb.clearCallLog();
    const r = await runClient(sb, {
      client,
      action: 'import',
      statuses: IMPORT_STATUSES,
      stateDir: tempDir(),
    });
    const log = sb.callLog();
    const check = orderCheck(sb, expected);
    return {
      meta,
      figures: {
        client,
        wallMs: r.wallMs,
        errors: r.errors,
        needsAttention: r.needsAttention,
        dear: quotaFigures(log, 'dear', quota, DEAR_WINDOW_MS),
        starshipit: quotaFigures(log, 'starshipit', 2, 1000 / TIME_SCALE),
        done: check.done,
        expected: expected.size,
        lost: check.lost,
        duplicates: check.duplicates,
      },
    };
  });
}

export async function importScenario(sales: number, foreign: number): Promise<ImportScenario> {
  const ours = await importRun('ours', sales, foreign);
  const naive = await importRun('naive', sales, foreign);
  return { ...ours.meta, ours: ours.figures, naive: naive.figures };
}

/**
 * Writeback of `labels` printed labels whose packs were authorised at import. Setup (not
 * measured): import the PACKED/SHIPPING sales with the same client, print the labels in the
 * sandbox. Measured: one writeback run, counted from the call log cleared just before it.
 */
async function writebackRun(client: 'ours' | 'naive', labels: number): Promise<RunFigures> {
  // PACKED + SHIPPING are ≈ 15 % of generated sales; 8,500 sales give comfortably more than 1,000.
  return withSandbox(Math.ceil(labels * 8.5), async (sb) => {
    repairInvalidSales(sb, WRITEBACK_STATUSES);
    const stateDir = tempDir();
    const setupStart = new Date(Date.now() - 60_000).toISOString();
    await runClient(sb, { client, action: 'import', statuses: WRITEBACK_STATUSES, stateDir });
    const orderNumbers = [...sb.starshipitOrders().keys()].sort().slice(0, labels);
    if (orderNumbers.length < labels)
      throw new Error(
        `writeback setup: only ${orderNumbers.length} orders imported, ${labels} labels wanted`,
      );
    const printed = new Map<string, string[]>();
    for (const orderNumber of orderNumbers)
      printed.set(orderNumber, sb.printLabel({ orderNumber, carrier: 'AusPost' }).trackingNumbers);
    sb.clearCallLog();
    const r = await runClient(sb, {
      client,
      action: 'writeback',
      statuses: WRITEBACK_STATUSES,
      stateDir,
      since: setupStart,
    });
    const log = sb.callLog();
    // Ground truth: every printed label's tracking numbers on an authorised Cin7 shipment, written once.
    const shipments = [...sb.dearShipments({ changedOnly: true }).values()];
    let done = 0;
    let duplicates = 0;
    for (const [orderNumber, tracking] of printed) {
      const ship = shipments.find((s) => s.orderNumber === orderNumber && s.writes > 0);
      if (!ship) continue;
      const text = JSON.stringify(ship.lines);
      if (ship.status === 'AUTHORISED' && tracking.every((t) => text.includes(t))) done++;
      if (ship.writes > 1) duplicates += ship.writes - 1;
    }
    return {
      client,
      wallMs: r.wallMs,
      errors: r.errors,
      needsAttention: r.needsAttention,
      dear: quotaFigures(log, 'dear', DEAR_QUOTA, DEAR_WINDOW_MS),
      starshipit: quotaFigures(log, 'starshipit', 2, 1000 / TIME_SCALE),
      done,
      expected: labels,
      lost: labels - done,
      duplicates,
    };
  });
}

/**
 * How many unthrottled `GET sale` per second this machine carries right now (2 connections, client
 * in a child process, sandbox here with a time scale so large its limiter never binds). The engine
 * scenarios need 100 Cin7 calls/s plus Starshipit traffic at time scale 100: when this figure is not
 * well above that, the quota figures measure the machine, not the client.
 */
export async function loopbackCapacity(): Promise<number> {
  const sb = await startTestSandbox({ seed: SEED, sales: 200, timeScale: 1_000_000 });
  try {
    const ids = sb
      .eligibleSales(IMPORT_STATUSES)
      .map((s) => s.saleId)
      .slice(0, 50);
    const child = startChild(process.execPath, [path.join(__dirname, 'clientChild.js')], {
      env: {
        ...process.env,
        DEAR_BENCH_CLIENT: JSON.stringify({
          client: 'naive',
          action: 'probe',
          probeSaleIds: ids,
          probeMs: 2000,
          statuses: IMPORT_STATUSES,
          stateDir: tempDir(),
          dearBaseUrl: sb.dearBaseUrl,
          starshipitBaseUrl: sb.starshipitBaseUrl,
          timeScale: 1_000_000,
          credentials: sb.credentials,
        } satisfies ClientInput),
      },
    });
    const line = await waitForLine(child, /^\{.*\}$/m, 60_000);
    return (JSON.parse(line[0]) as ClientOutput).callsPerSecond ?? NaN;
  } finally {
    await sb.close();
  }
}

export async function writebackScenario(labels: number): Promise<WritebackScenario> {
  const ours = await writebackRun('ours', labels);
  const naive = await writebackRun('naive', labels);
  return { labels, ours, naive };
}

export interface LimiterRecoveryScenario {
  sales: number;
  foreignShare: number;
  /** The budget the one-off burst left in the state directory (persisted). */
  budgetAfterBurst: number;
  undisturbed: { wallMs: number; throttled: number; done: number; expected: number };
  afterBurst: { wallMs: number; throttled: number; done: number; expected: number };
}

/**
 * Limiter recovery: the foreign-traffic import on a fresh state directory, and the same import
 * started right after a one-off burst from another app left a low budget in the state directory
 * (a small import whose first Cin7 call was throttled; its `limiter-dear.json` is carried over).
 */
export async function limiterRecoveryScenario(
  sales: number,
  foreign: number,
): Promise<LimiterRecoveryScenario> {
  const measured = async (stateDir: string): Promise<LimiterRecoveryScenario['undisturbed']> =>
    withSandbox(sales, async (sb) => {
      repairInvalidSales(sb, IMPORT_STATUSES);
      const expected = importable(sb, IMPORT_STATUSES);
      sb.setSwitch('dearForeignTraffic', foreign);
      sb.clearCallLog();
      const r = await runClient(sb, {
        client: 'ours',
        action: 'import',
        statuses: IMPORT_STATUSES,
        stateDir,
      });
      const quota = DEAR_QUOTA - Math.round(foreign * DEAR_QUOTA);
      const dear = quotaFigures(sb.callLog(), 'dear', quota, DEAR_WINDOW_MS);
      return {
        wallMs: r.wallMs,
        throttled: dear.throttled,
        done: orderCheck(sb, expected).done,
        expected: expected.size,
      };
    });
  const undisturbed = await measured(tempDir());
  const burstDir = tempDir();
  await withSandbox(10, async (sb) => {
    sb.setFaults('dear:*:throttle*1');
    await runClient(sb, {
      client: 'ours',
      action: 'import',
      statuses: IMPORT_STATUSES,
      stateDir: burstDir,
    });
  });
  const limiterFile = path.join(burstDir, 'limiter-dear.json');
  const saved = JSON.parse(fs.readFileSync(limiterFile, 'utf8')) as { budget?: number };
  const afterDir = tempDir();
  fs.copyFileSync(limiterFile, path.join(afterDir, 'limiter-dear.json'));
  const afterBurst = await measured(afterDir);
  return {
    sales,
    foreignShare: foreign,
    budgetAfterBurst: saved.budget ?? DEAR_QUOTA,
    undisturbed,
    afterBurst,
  };
}

/** One workload of the estimate-accuracy scenario: the dry run's estimate against the live run. */
export interface EstimateRun {
  workload: string;
  timeScale: number;
  /** What the dry run predicted for the live run. */
  estimate: { seconds: number; dearCalls: number; starshipitCalls: number };
  /** What the live run did. */
  live: { wallMs: number; dearCalls: number; starshipitCalls: number; done: number };
  /** Whether the live run's own summary carries no estimate of itself (it prints what it did). */
  liveSummaryHasEstimate: boolean;
}

/** Dry run, then the live run of the same work on the same state directory. */
async function dryThenLive(
  sb: Sandbox,
  workload: string,
  input: Omit<ClientInput, 'dearBaseUrl' | 'starshipitBaseUrl' | 'timeScale' | 'credentials'>,
): Promise<EstimateRun> {
  const dry = await runClient(sb, { ...input, client: 'ours', dryRun: true });
  if (!dry.summary) throw new Error(`${workload}: the dry run reported no summary`);
  const live = await runClient(sb, { ...input, client: 'ours', dryRun: false });
  if (!live.summary) throw new Error(`${workload}: the live run reported no summary`);
  return {
    workload,
    timeScale: sb.timeScale,
    estimate: {
      seconds: dry.summary.estimate.seconds,
      dearCalls: dry.summary.estimate.dearCalls,
      starshipitCalls: dry.summary.estimate.starshipitCalls ?? 0,
    },
    live: {
      wallMs: live.wallMs,
      dearCalls: live.summary.calls.dear,
      starshipitCalls: live.summary.calls.starshipit,
      done: live.summary.created + live.summary.writtenBack,
    },
    liveSummaryHasEstimate: live.summary.estimate !== undefined,
  };
}

/**
 * Estimate accuracy: for each workload a dry run, then the live run of the same work against the
 * same sandbox. Cin7-bound: an import of `sales` sales (one detail read per selected sale at 60
 * per window). Starshipit-bound: a small import where Starshipit's 2 requests/s is the slower
 * limit. Writeback: a sync that delivers `labels` printed labels (packs authorised at import).
 */
export async function estimateScenario(sales: number, labels: number): Promise<EstimateRun[]> {
  const runs: EstimateRun[] = [];
  runs.push(
    await withSandbox(sales, async (sb) => {
      repairInvalidSales(sb, IMPORT_STATUSES);
      return dryThenLive(sb, `import of ${sales} sales (Cin7-bound)`, {
        client: 'ours',
        action: 'import',
        statuses: IMPORT_STATUSES,
        stateDir: tempDir(),
      });
    }),
  );
  const small = 80;
  runs.push(
    await withSandbox(
      small,
      async (sb) => {
        repairInvalidSales(sb, IMPORT_STATUSES);
        return dryThenLive(sb, `import of ${small} sales (Starshipit-bound)`, {
          client: 'ours',
          action: 'import',
          statuses: IMPORT_STATUSES,
          stateDir: tempDir(),
        });
      },
      10,
    ),
  );
  runs.push(
    await withSandbox(Math.ceil(labels * 8.5), async (sb) => {
      repairInvalidSales(sb, WRITEBACK_STATUSES);
      const stateDir = tempDir();
      await runClient(sb, {
        client: 'ours',
        action: 'import',
        statuses: WRITEBACK_STATUSES,
        stateDir,
      });
      const orderNumbers = [...sb.starshipitOrders().keys()].sort().slice(0, labels);
      for (const orderNumber of orderNumbers) sb.printLabel({ orderNumber, carrier: 'AusPost' });
      return dryThenLive(sb, `sync delivering ${orderNumbers.length} printed labels`, {
        client: 'ours',
        action: 'writeback',
        mode: 'sync',
        statuses: WRITEBACK_STATUSES,
        stateDir,
      });
    }),
  );
  return runs;
}
