/** Shared helpers for the engine suites: settings objects, a tiny HTTP server, temp dirs. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { DearSettings } from '../../protocol/settings';

export function baseSettings(over: Partial<{ [K in keyof DearSettings]: Partial<DearSettings[K]> }> = {}): DearSettings {
  const s: DearSettings = {
    dear: { apiVersion: 2, accountId: '${secret:DEAR_ACCOUNT}', apiKey: '${secret:DEAR_KEY}', baseUrl: 'http://127.0.0.1:1/ExternalApi/v2/', rateLimit: { calls: 60, perSeconds: 0.6 }, pageSize: 100, timeoutSeconds: 5 },
    starshipit: { apiKey: '${secret:SS_KEY}', subscriptionKey: '${secret:SS_SUB}', baseUrl: 'http://127.0.0.1:1', plan: 'production', rateLimit: { calls: 20, perSeconds: 0.05 }, timeoutSeconds: 5 },
    import: { statuses: ['ORDERED'], source: 'sales', memo: 'none', orderNote: false, contactAsCompany: false, propagateChanges: false, onCancelled: 'attention' },
    writeback: { enabled: true, when: 'labelPrinted', defaultCarrier: 'DEFAULT Carrier', autoPickPack: false, courierMappings: [] },
    engine: { stateDir: '.dear-starshipit', concurrency: 4, maxRetries: 5 },
  };
  for (const k of Object.keys(over) as (keyof DearSettings)[]) Object.assign(s[k], over[k]);
  return s;
}

export function tempDir(prefix = 'dear-engine-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
