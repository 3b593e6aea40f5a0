/**
 * Label printed → tracking in Cin7 Core: the real CLI runs `sync --watch` against the sandbox
 * (flat shipped rows, writeback.when: labelPrinted) while labels are printed one by one; each
 * latency runs from the print to the moment the sandbox's Cin7 side holds that label's tracking.
 * The figure is dominated by the watch interval (a label waits for the next run) plus one run.
 * `serveLabelLatencyScenario` measures the same under `serve`, with the writeback poll alone and
 * with Starshipit's tracking webhooks (which make a writeback due at once).
 */
import type { Sandbox } from '../../sandbox/src/api';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import { tempDir } from '../engine/helpers';
import { runCli } from '../support/cli';
import { percentile } from './report';
import { serveConfig, startServe } from '../service/serveHarness';

export interface LabelLatencyFigures {
  labels: number;
  intervalSeconds: number;
  latenciesMs: number[];
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Labels whose tracking never reached Cin7 before the deadline. */
  missing: number;
}

const TIME_SCALE = 100;
/** Packed sales: one Cin7 call per writeback, so the figure is the poll's, not pick/pack's. */
const STATUSES = ['PACKED'];

function holdsTracking(
  shipments: ReturnType<Sandbox['dearShipments']>,
  saleId: string,
  tracking: string,
): boolean {
  for (const sh of shipments.values())
    if (
      sh.saleId === saleId &&
      (sh.lines as { TrackingNumber: string }[]).some((l) =>
        l.TrackingNumber.split(',').some((t) => t.trim() === tracking),
      )
    )
      return true;
  return false;
}

/**
 * Prints one label per candidate, spread over the interval so they land at different points of
 * the poll cycle, and waits for each one's tracking in Cin7 Core. Returns how many never arrived.
 */
async function printAndMeasure(
  sb: Sandbox,
  candidates: { orderNumber: string; saleId: string }[],
  intervalSeconds: number,
  latencies: number[],
): Promise<number> {
  let missing = 0;
  for (const [i, sale] of candidates.entries()) {
    await new Promise((r) => setTimeout(r, ((i % 4) * intervalSeconds * 1000) / 4 + 150));
    const tracking = `LAT${String(i).padStart(6, '0')}`;
    const printedAt = Date.now();
    sb.printLabel({
      orderNumber: sale.orderNumber,
      carrier: 'AusPost',
      trackingNumbers: [tracking],
    });
    const deadline = printedAt + intervalSeconds * 1000 * 5 + 10_000;
    for (;;) {
      if (holdsTracking(sb.dearShipments({ changedOnly: true }), sale.saleId, tracking)) {
        latencies.push(Date.now() - printedAt);
        break;
      }
      if (Date.now() > deadline) {
        missing++;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return missing;
}

/** Imported packed sales with one fulfilment, to print labels on. */
function labelCandidates(sb: Sandbox, labels: number): { orderNumber: string; saleId: string }[] {
  const candidates = sb
    .eligibleSales(STATUSES)
    .filter((e) => e.fulfilments.length === 1 && sb.starshipitOrders().has(e.orderNumber))
    .slice(0, labels);
  if (candidates.length < labels)
    throw new Error(`only ${candidates.length} imported packed sales to label`);
  return candidates;
}

function figures(
  labels: number,
  intervalSeconds: number,
  latencies: number[],
  missing: number,
): LabelLatencyFigures {
  return {
    labels,
    intervalSeconds,
    latenciesMs: latencies,
    medianMs: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: latencies.length ? Math.max(...latencies) : NaN,
    missing,
  };
}

/**
 * The same under `serve` (writeback poll every `intervalSeconds`), with the poll alone or with
 * Starshipit's tracking webhooks (the sandbox sends a signed one per printed label).
 */
export async function serveLabelLatencyScenario(
  labels: number,
  intervalSeconds: number,
  webhooks: boolean,
): Promise<LabelLatencyFigures> {
  const sb = await startTestSandbox({ sales: 400, timeScale: TIME_SCALE, seed: 3 });
  const latencies: number[] = [];
  let missing: number;
  const secret = 'bench-webhook-secret';
  try {
    const config = serveConfig(
      sb,
      tempDir('dear-bench-serve-latency-'),
      {
        importEverySeconds: 3600,
        writebackEverySeconds: intervalSeconds,
        trackingWebhooks: webhooks,
        webhookSecret: '${secret:BENCH_WEBHOOK_SECRET}',
      },
      'writeback:\n  when: labelPrinted\n',
      TIME_SCALE,
    );
    const svc = startServe(config, sb, { DEAR_STARSHIPIT_SECRET_BENCH_WEBHOOK_SECRET: secret });
    try {
      await svc.until('the first import', (ls) =>
        ls.find((l) => l.type === 'summary' && l.run === 'import'),
      );
      if (webhooks)
        sb.setTrackingWebhook({ url: `${await svc.address()}/webhooks/starshipit`, secret });
      missing = await printAndMeasure(sb, labelCandidates(sb, labels), intervalSeconds, latencies);
    } finally {
      await svc.stopAndWait();
    }
  } finally {
    await sb.close();
  }
  return figures(labels, intervalSeconds, latencies, missing);
}

export async function labelLatencyScenario(
  labels = 10,
  intervalSeconds = 2,
): Promise<LabelLatencyFigures> {
  const sb = await startTestSandbox({ sales: 400, timeScale: TIME_SCALE, seed: 3 });
  const latencies: number[] = [];
  let missing: number;
  try {
    const dir = tempDir('dear-bench-latency-');
    const env = sandboxCliEnv(sb);
    const config = writeSandboxSettings(sb, dir, 'writeback:\n  when: labelPrinted\n', {
      timeScale: TIME_SCALE,
    });
    const imported = await runCli(['import', '--config', config], { env });
    if (imported.code !== 0 && imported.code !== 1)
      throw new Error(`import failed: ${imported.stderr || imported.stdout}`);
    const candidates = labelCandidates(sb, labels);
    let child: import('node:child_process').ChildProcess | undefined;
    const watching = runCli(
      ['sync', '--watch', '--interval', String(intervalSeconds), '--config', config],
      { env, onStdout: (_all, c) => (child = c) },
    );
    try {
      missing = await printAndMeasure(sb, candidates, intervalSeconds, latencies);
    } finally {
      child?.kill('SIGTERM');
      await watching;
    }
  } finally {
    await sb.close();
  }
  return figures(labels, intervalSeconds, latencies, missing);
}
