/** Shared helpers for the engine suites: settings objects, a tiny HTTP server, temp dirs. */
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { DearSettings } from '../../protocol/settings';
import { tempDir as supportTempDir } from '../support/paths';

export function baseSettings(
  over: Partial<{ [K in keyof DearSettings]: Partial<DearSettings[K]> }> = {},
): DearSettings {
  const s: DearSettings = {
    dear: {
      apiVersion: 2,
      accountId: '${secret:DEAR_ACCOUNT}',
      apiKey: '${secret:DEAR_KEY}',
      baseUrl: 'http://127.0.0.1:1/ExternalApi/v2/',
      rateLimit: { calls: 60, perSeconds: 0.6 },
      pageSize: 100,
      timeoutSeconds: 30,
    },
    starshipit: {
      apiKey: '${secret:SS_KEY}',
      subscriptionKey: '${secret:SS_SUB}',
      baseUrl: 'http://127.0.0.1:1',
      plan: 'production',
      rateLimit: { calls: 20, perSeconds: 0.05 },
      timeoutSeconds: 30,
    },
    import: {
      statuses: ['ORDERED'],
      source: 'sales',
      memo: 'none',
      orderNote: false,
      contactAsCompany: false,
      includeDropShip: false,
      propagateChanges: false,
      onCancelled: 'attention',
      customs: { enabled: false, onMissing: 'warn' },
      shippingRules: [],
    },
    warehouses: { locations: [], accounts: [], routes: [], unrouted: 'default' },
    writeback: {
      enabled: true,
      when: 'labelPrinted',
      defaultCarrier: 'DEFAULT Carrier',
      autoPickPack: false,
      courierMappings: [],
    },
    engine: { stateDir: '.dear-starshipit', concurrency: 4, maxRetries: 5 },
  };
  for (const k of Object.keys(over) as (keyof DearSettings)[])
    s[k] = { ...s[k], ...over[k] } as never;
  return s;
}

/** A fresh temp folder (test/support/paths.ts). */
export function tempDir(prefix = 'dear-engine-'): string {
  return supportTempDir(prefix);
}

export interface TinyServer {
  url: string;
  close(): Promise<void>;
}

export async function tinyServer(handler: http.RequestListener): Promise<TinyServer> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

import type { CallLogEntry, Sandbox } from '../../sandbox/src/api';

/** A connection check: the one-row listing page a run reads first from each API it uses. */
export function isCheckCall(e: CallLogEntry): boolean {
  return (
    /(^|&)limit=1(&|$)/i.test(e.query) && /(\/api\/orders\/unshipped|\/saleList)$/i.test(e.route)
  );
}
import type { EngineEvent, SummaryEvent } from '../../protocol/events';
import { runEngine, type RunOptions } from '../../server/src/engine/index';

export const TIME_SCALE = 100;

/** Settings pointed at a sandbox running `TIME_SCALE` times faster than the real APIs. */
export function sandboxSettings(
  sb: Sandbox,
  over: Parameters<typeof baseSettings>[0] = {},
): DearSettings {
  const s = baseSettings(over);
  s.dear.baseUrl = sb.dearBaseUrl;
  s.starshipit.baseUrl = sb.starshipitBaseUrl;
  s.dear.rateLimit = { calls: 60, perSeconds: 60 / TIME_SCALE };
  s.starshipit.plan = 'developer';
  s.starshipit.rateLimit = { calls: 2, perSeconds: 1 / TIME_SCALE };
  return s;
}

/** The sandbox's second Starshipit account as `warehouses.accounts` entry `name` (time-scaled rate). */
export function secondAccount(name = 'nz'): DearSettings['warehouses']['accounts'][number] {
  return {
    name,
    apiKey: '${secret:SS_KEY2}',
    subscriptionKey: '${secret:SS_SUB2}',
    plan: 'developer',
    rateLimit: { calls: 2, perSeconds: 1 / TIME_SCALE },
  };
}

export function sandboxSecrets(sb: Sandbox): RunOptions['secrets'] {
  const c = sb.credentials;
  const m: Record<string, string> = {
    DEAR_ACCOUNT: c.dearAccountId,
    DEAR_KEY: c.dearApiKey,
    SS_KEY: c.starshipitApiKey,
    SS_SUB: c.starshipitSubscriptionKey,
    SS_KEY2: c.starshipitApiKey2,
    SS_SUB2: c.starshipitSubscriptionKey2,
  };
  return (_kind, name) => m[name];
}

export async function run(
  sb: Sandbox,
  settings: DearSettings,
  stateDir: string,
  mode: RunOptions['mode'],
  dryRun = false,
  extra: Partial<RunOptions> = {},
): Promise<{ summary: SummaryEvent; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const summary = await runEngine({
    settings,
    configPath: path.join(stateDir, 'dear-starshipit.yaml'),
    stateDir,
    mode,
    dryRun,
    secrets: sandboxSecrets(sb),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { summary, events };
}
