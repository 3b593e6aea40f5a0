/**
 * Secrets and trust: the whole flow (validate, dry run, import, writeback, status, faulted runs,
 * retry, rejected keys, the language server with its carrier fetch and dear/run) with distinctive
 * secret values, then every stdout/stderr, --json stream, LSP message and state file is searched
 * for them in every encoding: 0 hits. A non-loopback http:// base URL is refused before any socket
 * is opened (a --require guard records and blocks attempts). An untrusted workspace makes no call.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest, LogMessageNotification } from 'vscode-languageserver-protocol/node';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { RunEventNotification, RunRequest, WorkspaceTrustNotification } from '../../protocol/lsp';
import { tempDir } from '../engine/helpers';
import { LspClient } from '../support/lspClient';
import { figure, printSomeLabels, Rng, runChild, writeSettings } from './helpers';
import {
  authProxy,
  distinctiveSecret,
  findLeaks,
  networkGuard,
  readTree,
  type AuthProxy,
} from './secretsHarness';

const TIME_SCALE = 100;
const COURIERS = '  courierMappings:\n    - courier: AusPost\n      carrier: Australia Post\n';

/** Settings whose Cin7 account id comes from `${env:…}` and every key from `${secret:…}`. */
function settingsText(dearUrl: string, ssUrl: string, dir: string): string {
  const file = writeSettings(
    { dearBaseUrl: dearUrl, starshipitBaseUrl: ssUrl } as Sandbox,
    dir,
    TIME_SCALE,
    COURIERS,
  );
  fs.writeFileSync(
    file,
    fs.readFileSync(file, 'utf8').replace('${secret:DEAR_ACCOUNT_ID}', '${env:REL_DEAR_ACCOUNT}'),
  );
  return file;
}

describe('reliability soak: secrets never leak, non-loopback http and untrusted workspaces send nothing', function () {
  this.timeout(180_000);
  let sb: Sandbox;
  let dearProxy: AuthProxy;
  let ssProxy: AuthProxy;
  const secrets = {
    account: distinctiveSecret('ACCT'),
    dearKey: distinctiveSecret('DKEY'),
    ssKey: distinctiveSecret('SKEY'),
    ssSub: distinctiveSecret('SSUB'),
  };
  const wrong = { dearKey: distinctiveSecret('WRONGD'), ssSub: distinctiveSecret('WRONGS') };
  const all = [...Object.values(secrets), ...Object.values(wrong)];
  const guardLog = path.join(tempDir('dear-rel-guard-'), 'attempts.log');
  const guard = networkGuard(guardLog);

  before(async () => {
    sb = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 91 });
    const c = sb.credentials;
    // Wrong keys get a refusal that quotes them back (the harshest vendor behaviour for error messages).
    dearProxy = await authProxy(
      sb.dearBaseUrl,
      new Map([
        [secrets.account, c.dearAccountId],
        [secrets.dearKey, c.dearApiKey],
      ]),
      new Set([wrong.dearKey]),
    );
    ssProxy = await authProxy(
      sb.starshipitBaseUrl,
      new Map([
        [secrets.ssKey, c.starshipitApiKey],
        [secrets.ssSub, c.starshipitSubscriptionKey],
      ]),
      new Set([wrong.ssSub]),
    );
  });
  after(async () => {
    await dearProxy.close();
    await ssProxy.close();
    await sb.close();
  });

  const env = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_OPTIONS: guard,
    REL_DEAR_ACCOUNT: secrets.account,
    DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: secrets.dearKey,
    DEAR_STARSHIPIT_SECRET_STARSHIPIT_API_KEY: secrets.ssKey,
    DEAR_STARSHIPIT_SECRET_STARSHIPIT_SUBSCRIPTION_KEY: secrets.ssSub,
    ...over,
  });

  it('the whole CLI flow, faults and rejected keys included: 0 hits in any output, error or state file', async () => {
    const dir = tempDir('dear-rel-secrets-');
    const config = settingsText(dearProxy.url, ssProxy.url, dir);
    const state = path.join(dir, 'state');
    const outputs: string[] = [];
    const cli = async (args: string[], e = env()) => {
      const r = await runChild(args, e);
      outputs.push(`$ ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    const withState = (cmd: string, ...rest: string[]) => [
      cmd,
      '--config',
      config,
      '--state',
      state,
      ...rest,
    ];
    assert.equal((await cli(['validate', config])).code, 0);
    await cli(['validate', '--json', config]);
    assert.ok([0, 1].includes((await cli(withState('import', '--dry-run', '--json'))).code ?? -1));
    await cli(withState('import', '--dry-run'));
    const live = await cli(withState('import', '--json'));
    assert.ok(live.code === 0 || live.code === 1, live.stderr);
    assert.ok(
      sb.starshipitOrders().size > 0,
      'orders were created through the proxy with the distinctive keys',
    );
    printSomeLabels(sb, new Rng(5), 1000);
    assert.ok([0, 1].includes((await cli(withState('writeback'))).code ?? -1));
    await cli(withState('status'));
    await cli(withState('status', '--json'));
    // Faults: errors, retries, needs-attention items, their reasons.
    sb.setFaults('dear:*:500@0.6, starshipit:*:reset@0.4, dear:sale/fulfilment/ship:400^POST*1');
    sb.updateSale(
      sb.eligibleSales(['ORDERED']).find((x) => !sb.starshipitOrders().has(x.orderNumber))
        ?.saleId ?? sb.eligibleSales(['ORDERED'])[0].saleId,
      (x) => {
        x.ShippingAddress = null;
      },
    );
    printSomeLabels(sb, new Rng(6), 1000);
    const faulted = await cli(withState('sync', '--json'));
    assert.ok(
      faulted.events.some((e) => e.type === 'retry' || e.type === 'attention'),
      'the faulted run produced errors',
    );
    await cli(withState('sync'));
    sb.setFaults('');
    await cli(withState('retry', '--json'));
    await cli(withState('sync', '--dry-run', '--json'));
    // Keys the API refuses — and a refusal that quotes the key back.
    const refusedDear = await cli(
      withState('import', '--json'),
      env({ DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: wrong.dearKey }),
    );
    assert.notEqual(refusedDear.code, 0, 'a refused key is an error');
    assert.match(
      refusedDear.stdout,
      /Incorrect credentials!/,
      'the refusal (which quoted the key) reached the output — scrubbed',
    );
    const refusedSs = await cli(
      withState('sync'),
      env({ DEAR_STARSHIPIT_SECRET_STARSHIPIT_SUBSCRIPTION_KEY: wrong.ssSub }),
    );
    assert.notEqual(refusedSs.code, 0, 'a refused subscription key is an error');
    await cli(withState('status', '--json'));

    assert.ok(
      dearProxy.seen.has(secrets.dearKey) &&
        ssProxy.seen.has(secrets.ssSub) &&
        dearProxy.seen.has(wrong.dearKey),
      'the distinctive values were the ones sent',
    );
    const stateText = readTree(state);
    assert.ok(stateText.length > 1000, 'the state directory was written');
    const leaks = findLeaks(outputs.join('\n'), all);
    const stateLeaks = findLeaks(stateText, all);
    figure('secrets cli', {
      commands: outputs.length,
      outputBytes: outputs.join('').length,
      stateBytes: stateText.length,
      leaks: leaks.length + stateLeaks.length,
    });
    assert.deepEqual(stateLeaks, [], 'state directory');
    assert.deepEqual(
      leaks,
      [],
      `CLI output:\n${outputs
        .filter((o) => findLeaks(o, all).length)
        .join('\n')
        .slice(0, 3000)}`,
    );
    assert.equal(
      fs.existsSync(guardLog) ? fs.readFileSync(guardLog, 'utf8') : '',
      '',
      'no socket outside loopback',
    );
  });

  it('the language server (carrier fetch, dear/run, log messages, errors): 0 hits', async () => {
    const dir = tempDir('dear-rel-secrets-lsp-');
    const config = settingsText(dearProxy.url, ssProxy.url, dir);
    const uri = pathToFileURL(config).toString();
    const client = await LspClient.start(env(), {
      trusted: true,
      secretNames: ['DEAR_API_KEY', 'STARSHIPIT_API_KEY', 'STARSHIPIT_SUBSCRIPTION_KEY'],
    });
    const messages: string[] = [];
    client.conn.onNotification(LogMessageNotification.type, (p) => {
      messages.push(JSON.stringify(p));
    });
    client.conn.onNotification(RunEventNotification.type, (p) => {
      messages.push(JSON.stringify(p));
    });
    try {
      const since = client.publishedCount;
      const seenBefore = dearProxy.seen.size;
      await client.open(uri, fs.readFileSync(config, 'utf8'));
      messages.push(JSON.stringify(await client.diagnostics(uri, () => true, since)));
      messages.push(
        JSON.stringify(
          await client.conn.sendRequest(CompletionRequest.type, {
            textDocument: { uri },
            position: { line: 26, character: 15 },
          }),
        ),
      );
      const secretsParam = {
        DEAR_API_KEY: secrets.dearKey,
        STARSHIPIT_API_KEY: secrets.ssKey,
        STARSHIPIT_SUBSCRIPTION_KEY: secrets.ssSub,
      };
      const runs: RunRequest.Params[] = [
        {
          runId: 'dry',
          uri,
          mode: 'sync',
          dryRun: true,
          secrets: secretsParam,
          env: { REL_DEAR_ACCOUNT: secrets.account },
          trusted: true,
        },
        {
          runId: 'refused-key',
          uri,
          mode: 'import',
          dryRun: false,
          secrets: { ...secretsParam, DEAR_API_KEY: wrong.dearKey },
          env: { REL_DEAR_ACCOUNT: secrets.account },
          trusted: true,
        },
        {
          runId: 'refused-sub',
          uri,
          mode: 'sync',
          dryRun: true,
          secrets: { ...secretsParam, STARSHIPIT_SUBSCRIPTION_KEY: wrong.ssSub },
          env: { REL_DEAR_ACCOUNT: secrets.account },
          trusted: true,
        },
      ];
      for (const p of runs)
        messages.push(JSON.stringify(await client.conn.sendRequest(RunRequest.type, p)));
      assert.ok(
        dearProxy.seen.size > seenBefore || dearProxy.seen.has(wrong.dearKey),
        'the server did call the API',
      );
      assert.ok(
        messages.some((m) => m.includes('"type":"summary"')),
        'the dry run ran',
      );
    } finally {
      await client.stop();
    }
    const text = `${messages.join('\n')}\n${client.stderr}`;
    const leaks = findLeaks(text, all);
    figure('secrets lsp', { messages: messages.length, bytes: text.length, leaks: leaks.length });
    assert.deepEqual(
      leaks,
      [],
      text
        .split('\n')
        .filter((l) => findLeaks(l, all).length)
        .join('\n')
        .slice(0, 3000),
    );
    assert.equal(
      fs.existsSync(guardLog) ? fs.readFileSync(guardLog, 'utf8') : '',
      '',
      'no socket outside loopback',
    );
  });

  it('control: the network guard records and blocks a non-loopback connect (so its silence means something)', async () => {
    const log = path.join(tempDir('dear-rel-guard-control-'), 'attempts.log');
    const r = await runChild(['--version'], {
      PATH: process.env.PATH,
      NODE_OPTIONS: networkGuard(log),
    });
    assert.equal(r.code, 0, 'the guard loads into the CLI');
    const { spawnSync } = await import('node:child_process');
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        "try { require('net').connect(80, '10.255.255.1') } catch (e) { console.log(e.message) }",
      ],
      { env: { PATH: process.env.PATH, NODE_OPTIONS: networkGuard(log) }, encoding: 'utf8' },
    );
    assert.match(probe.stdout, /network guard: connect to 10\.255\.255\.1 blocked/);
    assert.equal(fs.readFileSync(log, 'utf8'), 'connect 10.255.255.1\n');
  });

  for (const url of [
    'http://10.255.255.1/ExternalApi/v2/',
    'http://10.255.255.1:80/',
    'http://[::ffff:10.255.255.1]/',
    'http://127.0.0.1.nip.io/',
    'http://localhost.example/',
  ]) {
    for (const which of ['dear', 'starshipit'] as const) {
      it(`${which}.baseUrl ${url} is refused before any socket is opened (exit 2, message)`, async () => {
        const dir = tempDir('dear-rel-remote-');
        const config = settingsText(
          which === 'dear' ? url : dearProxy.url,
          which === 'starshipit' ? url : ssProxy.url,
          dir,
        );
        const calls = sb.callLog().length;
        const r = await runChild(
          ['import', '--config', config, '--state', path.join(dir, 'state')],
          env(),
        );
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`${which}\\.baseUrl.*(refused|insecure)|insecure-base-url`),
          r.stderr,
        );
        assert.equal(
          fs.existsSync(guardLog) ? fs.readFileSync(guardLog, 'utf8') : '',
          '',
          'no connect or DNS lookup of the remote host was attempted',
        );
        assert.equal(sb.callLog().length, calls, 'not even the loopback API was called');
        assert.deepEqual(findLeaks(r.stdout + r.stderr, all), []);
      });
    }
  }

  it('an untrusted workspace (initializationOptions and dear/workspaceTrust) makes no network call', async () => {
    const dir = tempDir('dear-rel-untrusted-');
    // Pointed straight at the sandbox with its real credentials: any call would show in its call log.
    const config = writeSettings(sb, dir, TIME_SCALE, COURIERS);
    const uri = pathToFileURL(config).toString();
    const c = sb.credentials;
    const creds = {
      DEAR_ACCOUNT_ID: c.dearAccountId,
      DEAR_API_KEY: c.dearApiKey,
      STARSHIPIT_API_KEY: c.starshipitApiKey,
      STARSHIPIT_SUBSCRIPTION_KEY: c.starshipitSubscriptionKey,
    };
    const envCreds = Object.fromEntries(
      Object.entries(creds).map(([k, v]) => [`DEAR_STARSHIPIT_SECRET_${k}`, v]),
    );
    sb.clearCallLog();
    const client = await LspClient.start(
      { NODE_OPTIONS: guard, ...envCreds },
      { trusted: false, secretNames: Object.keys(creds) },
    );
    try {
      await client.open(uri, fs.readFileSync(config, 'utf8'));
      await client.diagnostics(uri);
      await client.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 26, character: 15 },
      });
      for (const trusted of [undefined, false, true]) {
        const r = await client.conn.sendRequest(RunRequest.type, {
          runId: `untrusted-${String(trusted)}`,
          uri,
          mode: 'sync',
          dryRun: false,
          secrets: creds,
          trusted,
        });
        assert.equal(r.summary, null);
        assert.match(r.error ?? '', /not trusted \(Restricted Mode\)/);
      }
      assert.deepEqual(sb.callLog(), [], 'untrusted from initializationOptions: no call');
      // Trusted → a run does call (the check above could fail) …
      await client.conn.sendNotification(WorkspaceTrustNotification.type, { trusted: true });
      const ok = await client.conn.sendRequest(RunRequest.type, {
        runId: 'trusted',
        uri,
        mode: 'import',
        dryRun: true,
        secrets: creds,
      });
      assert.ok(ok.summary, ok.error);
      assert.ok(sb.callLog().length > 0, 'a trusted run calls the API');
      // … and trust withdrawn by notification: nothing again.
      await client.conn.sendNotification(WorkspaceTrustNotification.type, { trusted: false });
      sb.clearCallLog();
      const since = client.publishedCount;
      await client.open(
        uri.replace('.yaml', '.copy.dear-starshipit.yaml'),
        fs.readFileSync(config, 'utf8'),
      );
      await client.diagnostics(
        uri.replace('.yaml', '.copy.dear-starshipit.yaml'),
        () => true,
        since,
      );
      await client.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 26, character: 15 },
      });
      const again = await client.conn.sendRequest(RunRequest.type, {
        runId: 'withdrawn',
        uri,
        mode: 'import',
        dryRun: true,
        secrets: creds,
      });
      assert.match(again.error ?? '', /not trusted/);
      assert.deepEqual(sb.callLog(), [], 'untrusted after dear/workspaceTrust false: no call');
    } finally {
      await client.stop();
    }
  });
});
