/**
 * `dear.apiVersion: 1`: the editor and a run refuse it with the same words, and the refused run
 * sends nothing to either API.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_V1_UNSUPPORTED } from '../../protocol/settings';
import { analyzeSettings } from '../../server/src/config';
import { ConfigurationError, runEngine } from '../../server/src/engine/index';
import { baseSettings, tempDir, tinyServer, type TinyServer } from './helpers';
import { runCli } from '../support/cli';
import { writeSandboxSettings } from '../support/sandbox';

describe('engine: Cin7 Core API version 1', () => {
  let server: TinyServer;
  let requests = 0;
  before(async () => {
    server = await tinyServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
  });
  after(() => server.close());
  beforeEach(() => {
    requests = 0;
  });

  function v1File(dir: string): string {
    const base = { dearBaseUrl: `${server.url}ExternalApi/`, starshipitBaseUrl: server.url };
    const file = writeSandboxSettings(base, dir);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('apiVersion: 2', 'apiVersion: 1'));
    return file;
  }

  it('the editor diagnostic and the engine refusal carry the same text', async () => {
    const dir = tempDir();
    const file = v1File(dir);
    const { diagnostics } = analyzeSettings(fs.readFileSync(file, 'utf8'), { fileName: file });
    const diag = diagnostics.find((d) => d.code === 'api-v1-unsupported');
    assert.ok(diag, 'the config core reports api-v1-unsupported');
    const settings = baseSettings({
      dear: { apiVersion: 1, baseUrl: `${server.url}ExternalApi/` },
      starshipit: { baseUrl: server.url },
    });
    await assert.rejects(
      runEngine({
        settings,
        configPath: file,
        stateDir: path.join(dir, 'state'),
        mode: 'import',
        dryRun: false,
        secrets: () => 'sandbox-value-1234',
        onEvent: () => undefined,
      }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigurationError);
        assert.equal(err.message, diag.message);
        assert.equal(err.message, API_V1_UNSUPPORTED);
        return true;
      },
    );
    assert.equal(requests, 0, 'a refused run calls neither API');
    assert.equal(fs.existsSync(path.join(dir, 'state')), false, 'a refused run writes no state');
  });

  it('the CLI exits 2 with the same text and calls nothing', async () => {
    const dir = tempDir();
    const file = v1File(dir);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of [
      'DEAR_ACCOUNT_ID',
      'DEAR_API_KEY',
      'STARSHIPIT_API_KEY',
      'STARSHIPIT_SUBSCRIPTION_KEY',
    ])
      env[`DEAR_STARSHIPIT_SECRET_${k}`] = `${k.toLowerCase()}-value`;
    const r = await runCli(['import', '--config', file], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(API_V1_UNSUPPORTED), r.stderr);
    assert.equal(requests, 0);
  });
});
