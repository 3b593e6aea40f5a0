/**
 * Child process of the 100k dry-run benchmark: runs one engine dry-run import against a sandbox
 * in another process and reports its own peak RSS (getrusage maxRSS). Events are counted, never
 * kept, as a front end that streams them would; the process's collector is set up as a CLI run's.
 * Input: env DEAR_BENCH_DRYRUN (JSON).
 */
import * as path from 'node:path';
import { runEngine } from '../../server/src/engine/index';
import { tuneHeapForRuns } from '../../server/src/heapTuning';
import { tempDir } from '../support/paths';
import { benchSettings, credentialsLookup } from './settings';
import type { SandboxCredentials } from '../../sandbox/src/api';

export interface DryRunInput {
  dearBaseUrl: string;
  starshipitBaseUrl: string;
  timeScale: number;
  statuses: string[];
  credentials: SandboxCredentials;
}

export interface DryRunOutput {
  wallMs: number;
  maxRssBytes: number;
  orders: number;
  skips: number;
  attention: number;
  dearCalls: number;
  starshipitCalls: number;
  throttled: number;
  /** The dry run's estimate for the live run. */
  estimate: { dearCalls: number; starshipitCalls: number; seconds: number };
}

async function main(): Promise<void> {
  // The collector settings of a CLI run (`dear-starshipit import` calls this first too).
  tuneHeapForRuns();
  const input = JSON.parse(process.env.DEAR_BENCH_DRYRUN ?? '') as DryRunInput;
  const settings = benchSettings(input.dearBaseUrl, input.starshipitBaseUrl, {
    statuses: input.statuses,
    timeScale: input.timeScale,
  });
  const stateDir = tempDir('dear-bench-dry-');
  let orders = 0;
  let skips = 0;
  let attention = 0;
  const t0 = performance.now();
  const summary = await runEngine({
    settings,
    configPath: path.join(stateDir, 'dear-starshipit.yaml'),
    stateDir,
    mode: 'import',
    dryRun: true,
    secrets: credentialsLookup(input.credentials),
    onEvent: (e) => {
      if (e.type === 'order') orders++;
      else if (e.type === 'skip') skips++;
      else if (e.type === 'attention') attention++;
    },
  });
  const out: DryRunOutput = {
    wallMs: performance.now() - t0,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    orders,
    skips,
    attention,
    dearCalls: summary.calls.dear,
    starshipitCalls: summary.calls.starshipit,
    throttled: summary.throttled.dear,
    estimate: {
      dearCalls: summary.estimate.dearCalls,
      starshipitCalls: summary.estimate.starshipitCalls ?? 0,
      seconds: summary.estimate.seconds,
    },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `dry-run child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
