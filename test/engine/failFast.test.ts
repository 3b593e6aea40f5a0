/**
 * Fail fast on credentials and endpoints, through the CLI over real HTTP: one cheap check call
 * per API before anything else; a refused key, a closed port, https to a plain-http port or an
 * answer that is not JSON stops the run with exit 2 and one line naming the setting and the API,
 * with nothing parked and no Cin7 Core quota spent on a Starshipit problem.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { readStatus } from '../../server/src/engine/index';
import { tempDir, TIME_SCALE, tinyServer } from './helpers';
import { runCli } from '../support/cli';

interface Case {
  name: string;
  /** Base URL overrides and secret overrides for the broken run. */
  setup(sb: Sandbox): Promise<{
    urls: { dearBaseUrl: string; starshipitBaseUrl: string };
    env: Record<string, string>;
    close?: () => Promise<void>;
  }>;
  /** What the one line must name. */
  names: RegExp[];
  /** A Starshipit problem spends no Cin7 Core call. */
  noDearCalls: boolean;
}

const SS = 'DEAR_STARSHIPIT_SECRET_STARSHIPIT_';

const CASES: Case[] = [
  {
    name: 'a wrong Starshipit API key',
    setup: async (sb) => ({ urls: sb, env: { [`${SS}API_KEY`]: 'not-the-api-key' } }),
    names: [/Starshipit/, /starshipit\.apiKey/, /HTTP 40[13]/],
    noDearCalls: true,
  },
  {
    name: 'a wrong Starshipit subscription key',
    setup: async (sb) => ({ urls: sb, env: { [`${SS}SUBSCRIPTION_KEY`]: 'not-the-key' } }),
    names: [/Starshipit/, /starshipit\.subscriptionKey/, /HTTP 40[13]/],
    noDearCalls: true,
  },
  {
    name: 'a wrong Cin7 Core application key',
    setup: async (sb) => ({
      urls: sb,
      env: { DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'not-the-application-key' },
    }),
    names: [/Cin7 Core/, /dear\.apiKey/, /HTTP 403/],
    noDearCalls: false,
  },
  {
    name: 'a closed Starshipit port',
    setup: async (sb) => ({
      urls: { dearBaseUrl: sb.dearBaseUrl, starshipitBaseUrl: 'http://127.0.0.1:1' },
      env: {},
    }),
    names: [/Starshipit/, /starshipit\.baseUrl/, /ECONNREFUSED/],
    noDearCalls: true,
  },
  {
    name: 'https:// to the plain-http Starshipit port',
    setup: async (sb) => ({
      urls: {
        dearBaseUrl: sb.dearBaseUrl,
        starshipitBaseUrl: sb.starshipitBaseUrl.replace(/^http:/, 'https:'),
      },
      env: {},
    }),
    names: [/Starshipit/, /starshipit\.baseUrl/],
    noDearCalls: true,
  },
  {
    name: 'a Cin7 Core base URL that answers an HTML page',
    setup: async (sb) => {
      const html = await tinyServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Sign in</body></html>');
      });
      return {
        urls: {
          dearBaseUrl: `${html.url}ExternalApi/v2/`,
          starshipitBaseUrl: sb.starshipitBaseUrl,
        },
        env: {},
        close: () => html.close(),
      };
    },
    names: [/Cin7 Core/, /dear\.baseUrl/, /JSON/],
    noDearCalls: true, // the sandbox's Cin7 Core is never reached
  },
];

describe('engine: fail fast on credentials and endpoints (CLI, sandbox)', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 61 });
  });
  afterEach(async () => {
    await sb.close();
  });

  for (const c of CASES) {
    it(`${c.name}: exit 2, one line naming the setting, nothing parked`, async () => {
      const dir = tempDir();
      const broken = await c.setup(sb);
      const config = writeSandboxSettings(broken.urls, dir);
      sb.clearCallLog();
      const r = await runCli(['import', '--config', config], {
        env: sandboxCliEnv(sb, broken.env),
      });
      await broken.close?.();
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      const lines = r.stderr.split('\n').filter((l) => l.trim());
      assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
      for (const n of c.names) assert.match(lines[0], n);
      const dearCalls = sb.callLog().filter((e) => e.api === 'dear').length;
      if (c.noDearCalls) assert.equal(dearCalls, 0, 'no Cin7 Core quota spent');
      else assert.ok(dearCalls <= 1, `one Cin7 Core check call, got ${dearCalls}`);
      assert.equal(
        sb.callLog().filter((e) => e.method !== 'GET').length,
        0,
        'nothing was sent to either API',
      );
      const st = await readStatus(path.join(dir, '.dear-starshipit'));
      assert.equal(st.needsAttention.length, 0, 'nothing parked');
      assert.equal(sb.starshipitOrders().size, 0);
    });
  }
});
