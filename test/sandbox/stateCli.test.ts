import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitCode, runCli, startChild, waitForLine } from '../support/cli';
import { tempDir } from '../support/paths';
import { startTestSandbox } from '../support/sandbox';
import { control, dear, ss, validOrder } from './helpers';
import type { Sandbox } from '../../sandbox/src/api';

const MAIN = resolve(__dirname, '../../server/src/cli/main.js');

/** Start `dear-starshipit sandbox …` and resolve once it printed its URLs. */
async function startSandboxCli(args: string[]): Promise<{
  child: ChildProcess;
  out: () => string;
  dearBaseUrl: string;
  starshipitBaseUrl: string;
  controlUrl: string;
}> {
  const child = startChild(process.execPath, [MAIN, 'sandbox', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const m = await waitForLine(
    child,
    /Cin7 Core\s+(\S+)[\s\S]*Starshipit\s+(http\S+)[\s\S]*Control\s+(\S+)/,
  );
  return {
    child,
    out: () => out,
    dearBaseUrl: m[1],
    starshipitBaseUrl: m[2],
    controlUrl: m[3],
  };
}

describe('sandbox: state file and CLI', function () {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('dear-sandbox-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists Starshipit orders, Cin7 changes and carriers across restarts (in-process)', async () => {
    const file = join(dir, 'state.json');
    const a = await startTestSandbox({ seed: 4, sales: 30, stateFile: file, timeScale: 1000 });
    const sale = a.eligibleSales(['ORDERED']).find((s) => s.type === 'Simple Sale');
    assert.ok(sale);
    await ss(a, '/api/orders', { body: { order: validOrder(sale.orderNumber) } });
    a.printLabel({ orderNumber: sale.orderNumber, carrier: 'AusPost' });
    await dear(a, 'sale/fulfilment/pick', {
      body: { TaskID: sale.fulfilments[0].taskId, AutoPickMode: 'AUTOPICK' },
    });
    await dear(a, 'ref/carrier', { body: { Description: 'Persisted Carrier' } });
    const before = (await dear(a, `sale?ID=${sale.saleId}`)).json;
    await a.close();
    assert.ok(existsSync(file));
    assert.ok(
      !readFileSync(file, 'utf8').includes(a.credentials.dearApiKey),
      'no credentials in the state file',
    );

    const b = await startTestSandbox({ seed: 4, sales: 30, stateFile: file, timeScale: 1000 });
    try {
      assert.equal(
        (b.starshipitOrders().get(sale.orderNumber)?.[0] as { status: string }).status,
        'Printed',
      );
      assert.deepEqual((await dear(b, `sale?ID=${sale.saleId}`)).json, before);
      assert.equal((await dear(b, 'ref/carrier?Description=Persisted')).json.Total, 1);
      const next = (await ss(b, '/api/orders', { body: { order: validOrder('SO-NEXT') } })).json
        .order;
      assert.ok(
        next.order_id >
          (b.starshipitOrders().get(sale.orderNumber)?.[0] as { order_id: number }).order_id,
        'id counters survive',
      );
    } finally {
      await b.close();
    }
    await assert.rejects(
      startTestSandbox({ seed: 5, sales: 30, stateFile: file }),
      /was written for --seed 4 --sales 30/,
    );
    await assert.rejects(
      startTestSandbox({ stateFile: join(dir, 'missing-dir', 'state.json') }),
      (err: Error) =>
        /cannot write the state file \/.*missing-dir\/state\.json: its folder does not exist/.test(
          err.message,
        ) && !/ENOENT/.test(err.message),
    );
  });

  it('CLI: prints URLs and credentials, serves both APIs, exits 0 on SIGTERM and saves state', async () => {
    const file = join(dir, 'cli-state.json');
    const run = await startSandboxCli([
      '--port',
      '0',
      '--seed',
      '3',
      '--sales',
      '20',
      '--time-scale',
      '100',
      '--state',
      file,
      '--switch',
      'starshipitDuplicates=reject',
    ]);
    assert.match(run.out(), /api-auth-accountid:\s+d3a70000-/);
    assert.match(run.out(), /StarShipIT-Api-Key:\s+\S+/);
    const fake = {
      dearBaseUrl: run.dearBaseUrl,
      starshipitBaseUrl: run.starshipitBaseUrl,
      controlUrl: run.controlUrl,
    } as Sandbox;
    const info = (await control(fake, 'info')).json;
    assert.equal(info.seed, 3);
    assert.equal(info.switches.starshipitDuplicates, 'reject');
    const creds = { ...fake, credentials: info.credentials } as Sandbox;
    assert.equal((await dear(creds, 'saleList?Limit=1')).json.Total, 20);
    assert.equal(
      (await ss(creds, '/api/orders', { body: { order: validOrder('SO-CLI') } })).status,
      200,
    );
    assert.equal(
      (await ss(creds, '/api/orders', { body: { order: validOrder('SO-CLI') } })).status,
      400,
    );
    const calls = (await control(fake, 'calls')).json.calls;
    assert.ok(
      calls.some(
        (c: { api: string; route: string; status: number }) =>
          c.api === 'starshipit' && c.route === '/api/orders' && c.status === 200,
      ),
    );
    const exited = exitCode(run.child);
    run.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(run.out(), /Sandbox stopped; state saved/);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(state.starshipit.orders.length, 1);
  });

  it('CLI: rejects a bad flag with exit 2 and says which', async () => {
    const run = await runCli(['sandbox', '--faults', 'dear:saleList:explode'], { cliPath: MAIN });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown kind "explode"/);
  });

  it('control endpoints: switches, faults, sale patch, eligible, state', async () => {
    const sb = await startTestSandbox({ seed: 8, sales: 25, timeScale: 1000 });
    try {
      assert.equal(
        (await control(sb, 'switches', { starshipitDuplicates: 'reject' })).json
          .starshipitDuplicates,
        'reject',
      );
      assert.equal((await control(sb, 'switches', { dearThrottleStatus: 418 })).status, 400);
      assert.equal(
        (await control(sb, 'faults', { spec: 'dear:me:500*1' })).json.spec,
        'dear:me:500*1',
      );
      assert.equal((await dear(sb, 'me')).status, 500);
      const eligible = (await control(sb, 'eligible?statuses=ORDERED,PACKED')).json.sales;
      assert.deepEqual(eligible, sb.eligibleSales(['ORDERED', 'PACKED']));
      const target = eligible[0];
      const since = new Date().toISOString();
      const patched = await control(sb, 'sale', {
        saleId: target.saleId,
        patch: { Note: 'Changed by test', ShippingAddress: { City: 'Wellington' } },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.Note, 'Changed by test');
      assert.equal(patched.json.ShippingAddress.City, 'Wellington');
      const list = (await dear(sb, `saleList?UpdatedSince=${since}`)).json;
      assert.deepEqual(
        list.SaleList.map((r: { SaleID: string }) => r.SaleID),
        [target.saleId],
      );
      await ss(sb, '/api/orders', { body: { order: validOrder('SO-ST') } });
      await control(sb, 'label', { orderNumber: 'SO-ST', carrier: 'AusPost' });
      assert.equal((await control(sb, 'dispatch', { orderNumber: 'SO-ST' })).status, 200);
      const state = (await control(sb, 'state')).json;
      assert.equal(state.starshipitOrders['SO-ST'][0].status, 'Shipped');
      assert.ok(
        target.fulfilments.every((f: { taskId: string }) => f.taskId in state.dearShipments),
      );
      assert.equal((await control(sb, 'dispatch', { orderNumber: 'NOPE' })).status, 400);
    } finally {
      await sb.close();
    }
  });
});
