/**
 * `dear-starshipit doctor` as a child process over real HTTP: against the sandbox (both shipped-row
 * forms, and both of its Starshipit accounts), against servers that answer with bad credentials or
 * unknown shapes, and the saved samples (no sandbox secret, no customer's personal data).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerResponse } from 'node:http';
import { startTestSandbox, sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import type { DoctorCheck, DoctorReport } from '../../protocol/doctor';
import { API_V1_UNSUPPORTED } from '../../protocol/settings';
import { statusCheck } from '../../server/src/engine/doctor';
import {
  run,
  sandboxSettings,
  secondAccount,
  tempDir,
  TIME_SCALE,
  tinyServer,
  type TinyServer,
} from './helpers';
import { runCli } from '../support/cli';

function reportOf(stdout: string): DoctorReport {
  const report = JSON.parse(stdout) as DoctorReport;
  assert.equal(report.type, 'doctor');
  return report;
}

const byId = (r: DoctorReport, id: string): DoctorCheck[] => r.checks.filter((c) => c.id === id);

function only(r: DoctorReport, id: string, status: DoctorCheck['status']): DoctorCheck {
  const found = byId(r, id);
  assert.equal(found.length, 1, `${id}: ${JSON.stringify(r.checks, null, 1)}`);
  assert.equal(found[0].status, status, found[0].message);
  return found[0];
}

/** Every text a customer could be recognised by, from the sandbox's own sales and orders. */
function personalTexts(sb: Sandbox): string[] {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.trim().length >= 4) out.add(v.trim());
  };
  for (const sale of sb.eligibleSales(['ORDERED', 'PICKED', 'PACKED'])) {
    const detail = sb.sale(sale.saleId);
    for (const k of ['Customer', 'Contact', 'Phone', 'Email', 'Note', 'ShippingNotes'])
      add(detail[k]);
    for (const doc of ['Quote', 'Order'])
      add((detail[doc] as Record<string, unknown> | undefined)?.Memo);
    const addr = detail.ShippingAddress as Record<string, unknown> | undefined;
    for (const k of ['Line1', 'Line2', 'DisplayAddressLine1', 'Contact', 'Company']) add(addr?.[k]);
  }
  for (const orders of sb.starshipitOrders().values())
    for (const o of orders) {
      const d = (o as { destination?: Record<string, unknown> }).destination ?? {};
      for (const k of ['name', 'phone', 'email', 'street', 'company']) add(d[k]);
    }
  return [...out];
}

describe('engine: doctor (CLI over real HTTP)', () => {
  let sb: Sandbox;
  let dir: string;
  before(async () => {
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 41 });
    dir = tempDir('dear-doctor-');
    // Orders in Starshipit, some printed and dispatched, so every list has rows to check.
    const settings = sandboxSettings(sb, { import: { statuses: ['ORDERED', 'PICKED', 'PACKED'] } });
    await run(sb, settings, path.join(dir, 'seed-state'), 'import');
    const numbers = [...sb.starshipitOrders().keys()];
    assert.ok(numbers.length >= 4, 'the seed import created orders');
    for (const n of numbers.slice(0, 3)) sb.printLabel({ orderNumber: n, carrier: 'AusPost' });
    sb.dispatch({ orderNumber: numbers[0] });
  });
  after(() => sb.close());

  for (const form of ['full', 'summary'] as const)
    it(`a healthy sandbox (${form} shipped rows): exit 0, every shape checked, read-only calls`, async () => {
      sb.setSwitch('starshipitShippedRows', form);
      try {
        await healthy(form);
      } finally {
        sb.setSwitch('starshipitShippedRows', 'full');
      }
    });

  async function healthy(form: 'full' | 'summary'): Promise<void> {
    const config = writeSandboxSettings(sb, dir);
    sb.clearCallLog();
    const r = await runCli(['doctor', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = reportOf(r.stdout);
    assert.equal(report.result, 'ok');
    assert.equal(report.dear.credentials, 'accepted');
    assert.equal(report.starshipit.credentials, 'accepted');
    for (const id of [
      'shape.saleListRow',
      'shape.sale',
      'shape.carrierList',
      'shape.unshippedRow',
      'shape.shippedRow',
      'mapping.carrier',
      'statuses',
    ])
      only(report, id, 'ok');
    assert.ok(report.dear.latencyMs && report.starshipit.latencyMs);
    assert.match(report.dear.headroom, /calls free in the current/);
    const calls = sb.callLog().filter((c) => c.api !== 'control');
    assert.ok(
      calls.every((c) => c.method === 'GET'),
      calls.map((c) => c.method).join(),
    );
    assert.equal(calls.filter((c) => c.api === 'dear').length, 3);
    assert.equal(calls.filter((c) => c.api === 'starshipit').length, 2);
    assert.equal(report.dear.calls + report.starshipit.calls, 5);
    const shipped = only(report, 'shape.shippedRow', 'ok').message;
    assert.match(
      shipped,
      form === 'full' ? /: [1-9]\d* full order\(s\), 0 flat/ : /: 0 full order\(s\), [1-9]\d* flat/,
    );
  }

  it('text output names each API and ends with the verdict', async () => {
    const config = writeSandboxSettings(sb, dir);
    const r = await runCli(['doctor', '--config', config], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Cin7 Core: credentials accepted/m);
    assert.match(r.stdout, /^Starshipit: credentials accepted/m);
    assert.match(r.stdout, /doctor: no problem found\n$/);
  });

  it('--save-samples: every answer saved, no sandbox secret and no customer data in any file', async () => {
    const config = writeSandboxSettings(sb, dir);
    const samples = path.join(tempDir('dear-doctor-samples-'), 'out');
    const r = await runCli(['doctor', '--config', config, '--json', '--save-samples', samples], {
      env: sandboxCliEnv(sb),
    });
    assert.equal(r.code, 0, r.stderr);
    const report = reportOf(r.stdout);
    const files = fs.readdirSync(samples).sort();
    assert.deepEqual(files, [...(report.samples?.files ?? [])].sort());
    assert.equal(files.length, 5);
    const texts = files.map((f) => fs.readFileSync(path.join(samples, f), 'utf8'));
    const secrets = Object.values(sb.credentials);
    const personal = personalTexts(sb);
    assert.ok(personal.length > 20, `collected ${personal.length} personal texts`);
    texts.forEach((text, i) => {
      const sample = JSON.parse(text) as { body: unknown; request: { call: string } };
      assert.ok(sample.body && typeof sample.body === 'object', files[i]);
      for (const s of secrets) assert.ok(!text.includes(s), `${files[i]} holds a credential`);
      for (const p of personal) assert.ok(!text.includes(p), `${files[i]} holds "${p}"`);
    });
    const sale = JSON.parse(texts[files.findIndex((f) => /cin7-sale\.json$/.test(f))]) as {
      body: { ShippingAddress: Record<string, unknown>; Order: { Lines: { SKU: string }[] } };
    };
    assert.equal(sale.body.ShippingAddress.Line1, '«masked»');
    assert.ok(sale.body.Order.Lines[0].SKU, 'product data stays readable');
  });

  it('a mapped carrier missing from ref/carrier is a problem: exit 1', async () => {
    const config = writeSandboxSettings(
      sb,
      tempDir(),
      'writeback:\n  courierMappings:\n    - courier: AusPost\n      carrier: No Such Carrier\n',
    );
    const r = await runCli(['doctor', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 1, r.stderr);
    const report = reportOf(r.stdout);
    const c = only(report, 'mapping.carrier', 'problem');
    assert.match(c.message, /"No Such Carrier" is not in Cin7 Core's ref\/carrier list/);
  });

  it('statuses: in use vs import.statuses; none of them in use is a warning, not a problem', () => {
    const rows = [{ Status: 'ORDERED' }, { Status: 'ORDERED' }, { Status: 'DRAFT' }, {}];
    const ok = statusCheck(rows, ['ORDERED', 'PICKED']);
    assert.equal(ok.status, 'ok');
    assert.match(ok.message, /ORDERED 2, DRAFT 1, \(none\) 1/);
    assert.match(ok.message, /not seen on this page: PICKED/);
    const none = statusCheck(rows, ['ESTIMATING']);
    assert.equal(none.status, 'warning');
    assert.match(none.message, /none of the imported statuses appears/);
    assert.equal(statusCheck([], ['ORDERED']).status, 'info');
  });

  it('rejected credentials on either API: exit 1, named, and the key never printed', async () => {
    const config = writeSandboxSettings(sb, dir);
    const env = sandboxCliEnv(sb, {
      DEAR_STARSHIPIT_SECRET_DEAR_API_KEY: 'wrong-key-value-1234',
      DEAR_STARSHIPIT_SECRET_STARSHIPIT_API_KEY: 'wrong-ss-key-5678',
    });
    const r = await runCli(['doctor', '--config', config, '--json'], { env });
    assert.equal(r.code, 1, r.stderr);
    const report = reportOf(r.stdout);
    assert.equal(report.dear.credentials, 'rejected');
    assert.equal(report.starshipit.credentials, 'rejected');
    only(report, 'dear.credentials', 'problem');
    only(report, 'starshipit.credentials', 'problem');
    assert.ok(
      !r.stdout.includes('wrong-key-value-1234') && !r.stdout.includes('wrong-ss-key-5678'),
    );
  });

  it('an unreachable API: exit 1, credentials unknown, its other calls not tried', async () => {
    const config = writeSandboxSettings(
      {
        dearBaseUrl: 'http://127.0.0.1:1/ExternalApi/v2/',
        starshipitBaseUrl: sb.starshipitBaseUrl,
      },
      tempDir(),
    );
    const r = await runCli(['doctor', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
    assert.equal(r.code, 1, r.stderr);
    const report = reportOf(r.stdout);
    assert.equal(report.dear.credentials, 'unknown');
    assert.equal(report.starshipit.credentials, 'accepted');
    assert.match(only(report, 'dear.saleList', 'problem').message, /ECONNREFUSED/);
    assert.equal(byId(report, 'shape.carrierList').length, 0);
    assert.equal(report.dear.calls, 2, 'the saleList call and its one retry');
  });

  it('cannot run: usage, a missing credential, API version 1 → exit 2', async () => {
    const config = writeSandboxSettings(sb, dir);
    const usage = await runCli(['doctor', '--bogus'], { env: sandboxCliEnv(sb) });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown option "--bogus"/);
    const env = sandboxCliEnv(sb);
    delete env.DEAR_STARSHIPIT_SECRET_DEAR_API_KEY;
    const missing = await runCli(['doctor', '--config', config], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /dear\.apiKey/);
    const v1 = path.join(tempDir(), 'v1.yaml');
    fs.writeFileSync(v1, fs.readFileSync(config, 'utf8').replace('apiVersion: 2', 'apiVersion: 1'));
    const refused = await runCli(['doctor', '--config', v1], { env: sandboxCliEnv(sb) });
    assert.equal(refused.code, 2);
    assert.ok(refused.stderr.includes(API_V1_UNSUPPORTED), refused.stderr);
  });

  describe('every Starshipit account (warehouses.accounts)', () => {
    let two: Sandbox;
    let twoDir: string;
    const NZ_KEY = 'DEAR_STARSHIPIT_SECRET_STARSHIPIT_NZ_API_KEY';
    /** `warehouses` naming the sandbox's second Starshipit account `nz` (time-scaled rate). */
    const warehousesYaml = `warehouses:
  accounts:
    - name: nz
      apiKey: \${secret:STARSHIPIT_NZ_API_KEY}
      subscriptionKey: \${secret:STARSHIPIT_NZ_SUBSCRIPTION_KEY}
      plan: developer
      rateLimit:
        calls: 2
        perSeconds: ${1 / TIME_SCALE}
  routes:
    - location: Auckland Warehouse
      account: nz
`;
    before(async () => {
      two = await startTestSandbox({ sales: 30, timeScale: TIME_SCALE, seed: 31 });
      twoDir = tempDir('dear-doctor-accounts-');
      // Orders in both accounts, one of each printed and dispatched, so every list has rows.
      const settings = sandboxSettings(two, {
        import: { statuses: ['ORDERED', 'PICKED', 'PACKED'] },
        warehouses: {
          locations: [],
          accounts: [secondAccount('nz')],
          routes: [{ location: 'Auckland Warehouse', account: 'nz' }],
          unrouted: 'default',
        },
      });
      await run(two, settings, path.join(twoDir, 'seed-state'), 'import');
      for (const account of ['default', 'second'] as const) {
        const numbers = [...two.starshipitOrders(account).keys()];
        assert.ok(numbers.length > 0, `the seed import created orders in ${account}`);
        two.printLabel({ account, orderNumber: numbers[0], carrier: 'AusPost', dispatch: true });
      }
    });
    after(() => two.close());

    const accountOf = (r: DoctorReport, id: string, account: string): DoctorCheck => {
      const found = byId(r, id).filter((c) => c.api === 'starshipit' && c.account === account);
      assert.equal(found.length, 1, `${id} ${account}: ${JSON.stringify(r.checks, null, 1)}`);
      return found[0];
    };

    it('both accounts good: each checked with its own keys and named in every check, exit 0', async () => {
      const config = writeSandboxSettings(two, twoDir, warehousesYaml);
      const samples = path.join(tempDir('dear-doctor-samples-'), 'out');
      two.clearCallLog();
      const r = await runCli(['doctor', '--config', config, '--json', '--save-samples', samples], {
        env: sandboxCliEnv(two),
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const report = reportOf(r.stdout);
      assert.equal(report.result, 'ok');
      assert.equal(report.starshipit.account, 'default');
      assert.equal(report.starshipit.credentials, 'accepted');
      assert.deepEqual(
        report.accounts.map((h) => [h.account, h.credentials]),
        [['nz', 'accepted']],
      );
      for (const account of ['default', 'nz']) {
        for (const id of ['starshipit.credentials', 'shape.unshippedRow', 'shape.shippedRow'])
          assert.equal(accountOf(report, id, account).status, 'ok', `${id} ${account}`);
        assert.match(accountOf(report, 'shape.unshippedRow', account).message, /^account \w+: /);
      }
      assert.match(
        accountOf(report, 'starshipit.credentials', 'nz').message,
        /^Starshipit account nz accepted the credentials$/,
      );
      assert.ok(report.checks.filter((c) => c.api === 'starshipit').every((c) => c.account));
      // Two read-only calls per account, each with that account's own subscription key.
      const calls = two.callLog().filter((c) => c.api === 'starshipit');
      assert.ok(calls.every((c) => c.method === 'GET'));
      const keys = two.credentials;
      assert.equal(calls.filter((c) => c.key === keys.starshipitSubscriptionKey).length, 2);
      assert.equal(calls.filter((c) => c.key === keys.starshipitSubscriptionKey2).length, 2);
      assert.equal(report.starshipit.calls + report.accounts[0].calls, 4);
      assert.ok(
        report.samples?.files.some((f) => /-starshipit-nz-orders-unshipped\.json$/.test(f)),
      );
      for (const file of report.samples?.files ?? []) {
        const text = fs.readFileSync(path.join(samples, file), 'utf8');
        for (const secret of Object.values(keys))
          assert.ok(!text.includes(secret), `${file} holds a credential`);
      }
      const text = await runCli(['doctor', '--config', config], { env: sandboxCliEnv(two) });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Starshipit account default: credentials accepted/m);
      assert.match(text.stdout, /^Starshipit account nz: credentials accepted/m);
      assert.match(text.stdout, /^ {2}✓ Starshipit account nz accepted the credentials$/m);
    });

    it("one account's key wrong: that account's check fails naming it, the other passes, exit 1", async () => {
      const config = writeSandboxSettings(two, twoDir, warehousesYaml);
      const wrong = 'wrong-nz-key-24680';
      const r = await runCli(['doctor', '--config', config, '--json'], {
        env: sandboxCliEnv(two, { [NZ_KEY]: wrong }),
      });
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const report = reportOf(r.stdout);
      assert.equal(report.problems, 1, JSON.stringify(report.checks, null, 1));
      assert.equal(report.dear.credentials, 'accepted');
      assert.equal(report.starshipit.credentials, 'accepted');
      assert.equal(report.accounts[0].credentials, 'rejected');
      const rejected = accountOf(report, 'starshipit.credentials', 'nz');
      assert.equal(rejected.status, 'problem');
      assert.match(rejected.message, /^Starshipit account nz unshipped orders: .*HTTP 40[13] /);
      assert.match(
        rejected.message,
        /check the apiKey and subscriptionKey of warehouses\.accounts "nz"/,
      );
      assert.doesNotMatch(rejected.message, /starshipit\.apiKey/);
      assert.equal(accountOf(report, 'starshipit.credentials', 'default').status, 'ok');
      assert.equal(accountOf(report, 'shape.unshippedRow', 'default').status, 'ok');
      assert.equal(byId(report, 'shape.shippedRow').length, 1, 'nz: no call after the rejection');
      assert.ok(!r.stdout.includes(wrong) && !r.stderr.includes(wrong));
      const text = await runCli(['doctor', '--config', config], {
        env: sandboxCliEnv(two, { [NZ_KEY]: wrong }),
      });
      assert.equal(text.code, 1, text.stderr);
      assert.match(text.stdout, /^Starshipit account nz: credentials rejected/m);
      assert.match(text.stdout, /^ {2}✗ Starshipit account nz unshipped orders: /m);
      assert.match(text.stdout, /^Starshipit account default: credentials accepted/m);
      assert.ok(!text.stdout.includes(wrong) && !text.stderr.includes(wrong));
    });
  });

  describe('answers the engine cannot read', () => {
    let cin7: TinyServer;
    let starshipit: TinyServer;
    const json = (res: ServerResponse, body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    before(async () => {
      cin7 = await tinyServer((req, res) => {
        const url = req.url ?? '';
        if (/saleList/i.test(url))
          return json(res, {
            Total: 2,
            Page: 1,
            SaleList: [
              { SaleID: 'a1', OrderNumber: 'SO-1', Status: 'ORDERED', Updated: '2026-01-01' },
              { SaleID: 'a2', OrderNumber: 'SO-2', State: 'ORDERED' },
            ],
          });
        if (/ref\/carrier/i.test(url))
          return json(res, {
            Total: 1,
            Page: 1,
            CarrierList: [{ CarrierID: 'c', Description: 'DEFAULT Carrier' }],
          });
        return json(res, { ID: 'a1', Status: 'ORDERED', Type: 'Simple Sale' });
      });
      starshipit = await tinyServer((req, res) => {
        if ((req.url ?? '').includes('/shipped'))
          return json(res, { orders: [{ id: 7, tracking: 'X' }], total_pages: 1, success: true });
        return json(res, { success: true, unexpected: [] });
      });
    });
    after(async () => {
      await cin7.close();
      await starshipit.close();
    });

    it('names each missing field and unknown shape: exit 1', async () => {
      const config = writeSandboxSettings(
        {
          dearBaseUrl: `${cin7.url}ExternalApi/v2/`,
          starshipitBaseUrl: starshipit.url.slice(0, -1),
        },
        tempDir(),
      );
      const r = await runCli(['doctor', '--config', config, '--json'], { env: sandboxCliEnv(sb) });
      assert.equal(r.code, 1, r.stderr);
      const report = reportOf(r.stdout);
      assert.match(
        only(report, 'shape.saleListRow', 'problem').message,
        /SO-2 lacks Status, Updated/,
      );
      assert.match(
        only(report, 'shape.sale', 'problem').message,
        /sale a1 lacks ShippingAddress, Order, Fulfilments/,
      );
      assert.match(
        only(report, 'shape.unshippedRow', 'problem').message,
        /no orders array: \{success: boolean, unexpected: array\}/,
      );
      assert.match(
        only(report, 'shape.shippedRow', 'problem').message,
        /cannot be read \(row has no order_number\): \{id: number, tracking: string\}/,
      );
      only(report, 'mapping.carrier', 'ok');
    });
  });
});
