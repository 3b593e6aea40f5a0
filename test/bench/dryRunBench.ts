/**
 * Scenario 5: dry-run import of 100,000 sales. The sandbox runs in its own process
 * (`dist/cli.js sandbox`, which generates sales lazily from the seed) so only the engine's memory
 * is measured; the engine runs in a child (dryRunChild.ts) that reports getrusage maxRSS, and the
 * parent samples the child's RSS from /proc as a cross-check.
 */
import * as path from 'node:path';
import { CREDENTIALS } from '../../sandbox/src/config';
import { CLI_PATH } from '../support/paths';
import type { DryRunInput, DryRunOutput } from './dryRunChild';
import { startChild, stopChild, waitForLine } from '../support/cli';
import { RssSampler } from './proc';

export interface DryRunFigures extends DryRunOutput {
  sales: number;
  timeScale: number;
  sampledPeakRssBytes: number;
  sandboxPeakRssBytes: number;
  /** The same Cin7 calls at the real 60-per-minute limit. */
  realLimitMinutes: number;
}

export async function dryRunScenario(
  root: string,
  sales: number,
  timeScale: number,
  statuses: string[],
): Promise<DryRunFigures> {
  const sandbox = startChild(
    process.execPath,
    [
      CLI_PATH,
      'sandbox',
      '--sales',
      String(sales),
      '--port',
      '0',
      '--time-scale',
      String(timeScale),
      '--seed',
      '11',
    ],
    { cwd: root },
  );
  const sandboxMem = new RssSampler(sandbox.pid, 500);
  try {
    const urls = await waitForLine(
      sandbox,
      /Cin7 Core\s+(http:\/\/127\.0\.0\.1:\d+\/ExternalApi\/v2\/)[\s\S]*?Starshipit\s+(http:\/\/127\.0\.0\.1:\d+)/,
      120_000,
    );
    const input: DryRunInput = {
      dearBaseUrl: urls[1],
      starshipitBaseUrl: urls[2],
      timeScale,
      statuses,
      credentials: CREDENTIALS,
    };
    const child = startChild(process.execPath, [path.join(root, 'out/test/bench/dryRunChild.js')], {
      cwd: root,
      env: { ...process.env, DEAR_BENCH_DRYRUN: JSON.stringify(input) },
    });
    const sampler = new RssSampler(child.pid, 50);
    const line = await waitForLine(child, /^\{.*\}$/m, 15 * 60_000);
    const sampled = sampler.stop();
    await new Promise<void>((resolve) =>
      child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
    const out = JSON.parse(line[0]) as DryRunOutput;
    return {
      ...out,
      sales,
      timeScale,
      sampledPeakRssBytes: sampled,
      sandboxPeakRssBytes: sandboxMem.stop(),
      realLimitMinutes: out.dearCalls / 60,
    };
  } finally {
    await stopChild(sandbox);
  }
}
