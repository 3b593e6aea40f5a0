/**
 * Child process for the engine scenarios: runs our engine or the naive baseline against a sandbox
 * that lives in the parent (bench) process, so the client and the server do not share an event
 * loop — as with the real APIs, where Cin7 Core is another machine. Input: env DEAR_BENCH_CLIENT
 * (JSON); output: one JSON line on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SummaryEvent } from '../../protocol/events';
import type { SandboxCredentials } from '../../sandbox/src/api';
import { runEngine } from '../../server/src/engine/index';
import { NaiveClient } from './naiveClient';
import { benchSettings, credentialsLookup } from './settings';

export interface ClientInput {
  client: 'ours' | 'naive';
  /** `probe`: no client logic — GET sale as fast as 2 connections allow, for `probeMs` (capacity check). */
  action: 'import' | 'writeback' | 'probe';
  probeSaleIds?: string[];
  probeMs?: number;
  dearBaseUrl: string;
  starshipitBaseUrl: string;
  statuses: string[];
  timeScale: number;
  credentials: Pick<
    SandboxCredentials,
    'dearAccountId' | 'dearApiKey' | 'starshipitApiKey' | 'starshipitSubscriptionKey'
  >;
  /** Ours: the engine's state directory. Naive: where it keeps order_number → SaleID between runs. */
  stateDir: string;
  /** Naive writeback: poll labels updated since this instant. */
  since?: string;
  /** Ours: a dry run (writes nothing) instead of the live run. */
  dryRun?: boolean;
  /** Ours: `sync` instead of `action` (writebacks, then the import). */
  mode?: 'sync';
}

export interface ClientOutput {
  wallMs: number;
  needsAttention: number;
  /** First few needs-attention reasons / errors. */
  errors: string[];
  /** `probe` only. */
  callsPerSecond?: number;
  /** Ours: the run's summary figures (what it did, and its estimate for a live run). */
  summary?: Pick<SummaryEvent, 'calls' | 'estimate' | 'elapsedSeconds' | 'created' | 'writtenBack'>;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.DEAR_BENCH_CLIENT ?? '') as ClientInput;
  const settings = benchSettings(input.dearBaseUrl, input.starshipitBaseUrl, {
    statuses: input.statuses,
    timeScale: input.timeScale,
  });
  let out: ClientOutput;
  if (input.action === 'probe') {
    out = await probe(input);
  } else if (input.client === 'ours') {
    const errors: string[] = [];
    const t0 = performance.now();
    const summary = await runEngine({
      settings,
      configPath: path.join(input.stateDir, 'dear-starshipit.yaml'),
      stateDir: input.stateDir,
      mode: input.mode ?? input.action,
      dryRun: input.dryRun ?? false,
      secrets: credentialsLookup(input.credentials),
      onEvent: (e) => {
        if (e.type === 'attention' && errors.length < 5) errors.push(`${e.code}: ${e.reason}`);
      },
    });
    const { calls, estimate, elapsedSeconds, created, writtenBack } = summary;
    out = {
      wallMs: performance.now() - t0,
      needsAttention: summary.needsAttention,
      errors,
      summary: { calls, estimate, elapsedSeconds, created, writtenBack },
    };
  } else {
    const mapFile = path.join(input.stateDir, 'naive-imported.json');
    const naive = new NaiveClient(settings, input.credentials, input.timeScale);
    const t0 = performance.now();
    if (input.action === 'import') {
      await naive.importAll();
    } else {
      const saved = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as [string, string][];
      for (const [k, v] of saved) naive.imported.set(k, v);
      await naive.writebackAll(input.since ?? new Date(0).toISOString());
    }
    const wallMs = performance.now() - t0;
    if (input.action === 'import') fs.writeFileSync(mapFile, JSON.stringify([...naive.imported]));
    out = {
      wallMs,
      needsAttention: naive.stats.errors.length,
      errors: naive.stats.errors.slice(0, 5),
    };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Requests per second the sandbox + loopback + this process can carry right now, unthrottled. */
async function probe(input: ClientInput): Promise<ClientOutput> {
  const ids = input.probeSaleIds ?? [];
  const headers = {
    'api-auth-accountid': input.credentials.dearAccountId,
    'api-auth-applicationkey': input.credentials.dearApiKey,
  };
  const until = performance.now() + (input.probeMs ?? 2000);
  let calls = 0;
  const t0 = performance.now();
  await Promise.all(
    [0, 1].map(async (lane) => {
      for (let i = lane; performance.now() < until; i += 2) {
        const res = await fetch(`${input.dearBaseUrl}sale?ID=${ids[i % ids.length]}`, { headers });
        await res.text();
        calls++;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  return { wallMs, needsAttention: 0, errors: [], callsPerSecond: calls / (wallMs / 1000) };
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
