/**
 * Shared pieces of the reliability suites: CI vs soak sizes, a seeded RNG (the seed is printed so a
 * failure can be replayed with DEAR_SEED=<n>), the CLI as a killable child process, and the
 * ground-truth checks read from the sandbox's own state (never from the engine's own report).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox, SandboxAccount } from '../../sandbox/src/api';
import { SALE_STATUSES } from '../../protocol/settings';
import type { EngineEvent } from '../../protocol/events';
import { runCli, runCliSync, type CliResult } from '../support/cli';
import { CLI_PATH as CLI, tempDir } from '../support/paths';
import { writeSandboxSettings as writeConfig } from '../support/sandbox';

/** `DEAR_SOAK=1` (npm run test:soak) runs every suite at its larger size. */
export const SOAK = process.env.DEAR_SOAK === '1';

export function size(ci: number, soak: number): number {
  return SOAK ? soak : ci;
}

/** The seed of this process's random choices: DEAR_SEED to replay, else fresh each run. */
export function suiteSeed(): number {
  const fromEnv = Number(process.env.DEAR_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0
    ? fromEnv
    : (Date.now() ^ (process.pid << 8)) >>> 0;
}

/** mulberry32: small, fast, good enough to pick kill moments; same seed → same choices. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

/** Figures a suite prints (and the soak copies into .readme-drafts/reliability.md). */
export function figure(suite: string, values: Record<string, number | string>): void {
  const line = `[reliability] ${suite}: ${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  console.log(`      ${line}`);
  const out = process.env.DEAR_RELIABILITY_FIGURES;
  if (out) fs.appendFileSync(out, `${line}\n`);
}

let snapshot: string | undefined;

/**
 * The CLI bundle these suites run: a private copy of dist/cli.js taken once (and checked to start),
 * so another job rebuilding dist/ while a suite runs cannot hand a child a half-written file.
 * The bundle is self-contained (no require of node_modules), so the copy is the same program.
 */
export function cliPath(): string {
  if (snapshot) return snapshot;
  for (let attempt = 0; attempt < 20; attempt++) {
    const copy = path.join(tempDir('dear-rel-cli-'), 'cli.js');
    fs.copyFileSync(CLI, copy);
    const check = runCliSync(['--version'], { cliPath: copy });
    if (check.status === 0 && /dear-starshipit/.test(check.stdout)) return (snapshot = copy);
  }
  throw new Error(`${CLI} does not start (run "npm run build")`);
}

export interface ChildRun extends CliResult {
  events: EngineEvent[];
}

/**
 * Runs the CLI snapshot; `killAfterEvents` (with `killDelayMs`) SIGKILLs it once that many --json
 * events were printed — the signal is the child's own progress, the extra delay is the random part.
 */
export async function runChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { killAfterEvents?: number; killDelayMs?: number } = {},
): Promise<ChildRun> {
  const run = await runCli(args, {
    cliPath: cliPath(),
    env,
    killAfterLines: opts.killAfterEvents,
    killDelayMs: opts.killDelayMs,
    settleOn: 'close',
  });
  return { ...run, events: parseEvents(run.stdout) };
}

/** The --json events in `stdout`; a line cut by SIGKILL (only the last can be partial) is skipped. */
function parseEvents(stdout: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as EngineEvent);
    } catch {
      // the partial last line of a killed child
    }
  }
  return events;
}

export const STATUSES = ['ORDERED', 'PICKED', 'PACKED'];

/** Eligible valid sales not already shipped, from the sandbox — compute before any writeback. */
export function expectedOrderNumbers(sb: Sandbox): string[] {
  return sb
    .eligibleSales(STATUSES)
    .filter(
      (e) =>
        (sb.sale(e.saleId) as { CombinedShippingStatus: string }).CombinedShippingStatus !==
        'SHIPPED',
    )
    .map((e) => e.orderNumber)
    .sort();
}

interface SsOrder {
  order_id: number;
  status?: string;
  packages?: { tracking_number?: string }[];
}

const ACCOUNTS: SandboxAccount[] = ['default', 'second'];

/** Orders of both sandbox Starshipit accounts by order number, each with the account holding it. */
export function ordersInEveryAccount(
  sb: Sandbox,
): Map<string, { account: SandboxAccount; order: SsOrder }[]> {
  const out = new Map<string, { account: SandboxAccount; order: SsOrder }[]>();
  for (const account of ACCOUNTS)
    for (const [n, list] of sb.starshipitOrders(account))
      for (const order of list as SsOrder[])
        out.set(n, [...(out.get(n) ?? []), { account, order }]);
  return out;
}

/** Tracking numbers of every printed label, by order number (one live order per number expected). */
export function printedLabels(sb: Sandbox): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [n, held] of ordersInEveryAccount(sb)) {
    const list = held.map((h) => h.order);
    for (const o of list as SsOrder[]) {
      const tn = (o.packages ?? []).map((p) => p.tracking_number).filter((t): t is string => !!t);
      if (tn.length > 0) out.set(n, [...(out.get(n) ?? []), ...tn]);
    }
  }
  return out;
}

/** Prints labels on up to `max` imported, unlabelled orders (random subset); returns their numbers. */
export function printSomeLabels(sb: Sandbox, rng: Rng, max: number): string[] {
  const done: string[] = [];
  const candidates = [...ordersInEveryAccount(sb)].filter(([, held]) =>
    held.every(({ order: o }) => !o.status || /unshipped/i.test(o.status)),
  );
  while (done.length < max && candidates.length > 0) {
    const [n, held] = candidates.splice(rng.int(0, candidates.length - 1), 1)[0];
    const parcels = rng.int(1, 3);
    sb.printLabel({
      account: held[0].account,
      orderNumber: n,
      orderId: held[0].order.order_id,
      carrier: rng.pick(['AusPost', 'DHL', 'StarTrack', 'Aramex']),
      trackingNumbers: Array.from(
        { length: parcels },
        (_, i) => `RT${rng.seed.toString(36)}${n.replace(/\W/g, '')}P${i}${rng.int(0, 1e6)}`,
      ),
    });
    done.push(n);
  }
  return done;
}

export interface ExactlyOnceCounts {
  expected: number;
  orders: number;
  duplicateOrders: number;
  missingSales: number;
  unexpectedOrders: number;
  labels: number;
  labelsNotWrittenBack: number;
  writtenBackTwice: number;
  trackingOnTwoShipments: number;
  /** Orders held by another account than the route of their sale's location names. */
  wrongAccount: number;
}

/**
 * Ground truth from the sandbox: one Starshipit order per expected sale; every printed label's
 * tracking numbers on exactly one Cin7 shipment of that sale, accepted by one ship write.
 */
export function exactlyOnceCounts(
  sb: Sandbox,
  expected: string[],
  /** Location → account of the run's routes (others: `default`); omitted: accounts not checked. */
  routes?: ReadonlyMap<string, SandboxAccount>,
): ExactlyOnceCounts {
  const orders = ordersInEveryAccount(sb);
  let duplicateOrders = 0;
  for (const list of orders.values()) if (list.length > 1) duplicateOrders += list.length - 1;
  let wrongAccount = 0;
  if (routes) {
    const saleOf = new Map(
      sb
        .eligibleSales([...SALE_STATUSES], { includeInvalid: true })
        .map((e) => [e.orderNumber, e.saleId]),
    );
    for (const [n, held] of orders) {
      const saleId = saleOf.get(n);
      const location = saleId ? String((sb.sale(saleId) as { Location?: unknown }).Location) : '';
      const want = routes.get(location) ?? 'default';
      wrongAccount += held.filter((h) => h.account !== want).length;
    }
  }
  const want = new Set(expected);
  const missingSales = expected.filter((n) => !orders.has(n)).length;
  const unexpectedOrders = [...orders.keys()].filter((n) => !want.has(n)).length;
  const labels = printedLabels(sb);
  const ships = [...sb.dearShipments({ changedOnly: true }).values()];
  let labelsNotWrittenBack = 0;
  let writtenBackTwice = 0;
  let trackingOnTwoShipments = 0;
  for (const [n, tracking] of labels) {
    const holding = ships.filter(
      (s) => s.orderNumber === n && tracking.some((t) => JSON.stringify(s.lines).includes(t)),
    );
    const complete = holding.filter((s) =>
      tracking.every((t) => JSON.stringify(s.lines).includes(t)),
    );
    if (complete.length === 0 || holding.some((s) => s.status !== 'AUTHORISED'))
      labelsNotWrittenBack++;
    if (holding.length > 1) trackingOnTwoShipments++;
    if (holding.some((s) => s.writes > 1)) writtenBackTwice++;
  }
  return {
    expected: expected.length,
    orders: orders.size,
    duplicateOrders,
    missingSales,
    unexpectedOrders,
    labels: labels.size,
    labelsNotWrittenBack,
    writtenBackTwice,
    trackingOnTwoShipments,
    wrongAccount,
  };
}

/** The engine suites' settings file with short timeouts and autoPickPack (faults must not stall a run). */
export function writeSettings(
  sb: Pick<Sandbox, 'dearBaseUrl' | 'starshipitBaseUrl'>,
  dir: string,
  timeScale: number,
  extra = '',
): string {
  return writeConfig(sb, dir, `writeback:\n  autoPickPack: true\n${extra}`, {
    timeScale,
    timeoutSeconds: 5,
  });
}
