/**
 * Alerts from `serve` at a loopback receiver (a Slack/Teams-style incoming webhook): new
 * needs-attention items, N failures in a row, recovery; batched (at most one message per
 * interval), retried after a failed delivery, and scrubbed (no secret, no address).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { tempDir, TIME_SCALE, tinyServer, type TinyServer } from '../engine/helpers';
import { serveConfig, startServe, type ServeProcess } from './serveHarness';

interface Received {
  at: number;
  path: string;
  body: string;
}

const INTERVAL_SECONDS = 0.5;

describe('service: alerts (serve → loopback incoming webhook)', function () {
  let sb: Sandbox;
  let svc: ServeProcess | undefined;
  let receiver: TinyServer;
  let received: Received[];
  let refuseNext: number;
  let arrivals: (() => void)[];

  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 60, timeScale: TIME_SCALE, seed: 7 });
    received = [];
    refuseNext = 0;
    arrivals = [];
    receiver = await tinyServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (refuseNext > 0) {
          refuseNext--;
          res.statusCode = 500;
          res.end('try later');
        } else {
          received.push({ at: Date.now(), path: req.url ?? '', body });
          res.end('ok');
        }
        for (const wake of arrivals.splice(0)) wake();
      });
    });
  });
  afterEach(async () => {
    await svc?.stopAndWait();
    svc = undefined;
    await receiver.close();
    await sb.close();
  });

  const texts = (): string[] => received.map((r) => (JSON.parse(r.body) as { text: string }).text);

  async function messageMatching(re: RegExp): Promise<string> {
    for (;;) {
      const found = texts().find((t) => re.test(t));
      if (found) return found;
      await new Promise<void>((resolve) => arrivals.push(resolve));
    }
  }

  it('sends new needs-attention items, failures in a row and recovery, batched and scrubbed', async () => {
    const hookUrl = `${receiver.url}services/T000/B000/alert-path-secret`;
    const config = serveConfig(
      sb,
      tempDir(),
      { importEverySeconds: 0.3, writebackEverySeconds: 0.3, failuresInARow: 2 },
      `alerts:\n  webhook: \${secret:ALERTS_URL}\n  intervalSeconds: ${INTERVAL_SECONDS}\n`,
    );
    refuseNext = 1; // the first delivery fails and is retried
    svc = startServe(config, sb, { DEAR_STARSHIPIT_SECRET_ALERTS_URL: hookUrl });
    const firstImport = await svc.until('the first import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import'),
    );
    const attention = svc.lines.filter((l) => l.type === 'attention');
    assert.ok(attention.length > 0, 'the seed has sales that need attention');
    assert.ok(Number(firstImport.needsAttention) > 0);

    for (const a of attention)
      await messageMatching(new RegExp(`${a.orderNumber} \\[${a.code}\\]`));
    assert.ok(
      svc.lines.some((l) => l.type === 'service' && l.event === 'alert' && l.result === 'failed'),
      'the refused delivery is logged',
    );

    sb.setFaults('*:*:503');
    await messageMatching(/failed 2 times in a row/);
    sb.setFaults('');
    await messageMatching(/recovered after \d+ failed runs in a row/);

    // Items parked in earlier runs are not alerted again on every retry.
    for (const a of attention) {
      const mentions = texts().filter((t) => t.includes(`${a.orderNumber} [${a.code}]`));
      assert.equal(mentions.length, 1, `${String(a.orderNumber)} alerted once`);
    }
    // At most one message per interval.
    for (let i = 1; i < received.length; i++)
      assert.ok(
        received[i].at - received[i - 1].at >= INTERVAL_SECONDS * 1000,
        `messages ${i - 1} and ${i} are ${received[i].at - received[i - 1].at} ms apart`,
      );
    // The shape incoming webhooks accept, no secret, no address.
    const sample = JSON.parse(
      fs.readFileSync(
        path.resolve(__dirname, '../../../test/contract/alerts/incoming-webhook.json'),
        'utf8',
      ),
    ) as { request: { body: Record<string, unknown> } };
    const secrets = [...Object.values(sb.credentials), 'alert-path-secret', hookUrl];
    const streets = sb
      .eligibleSales(['ORDERED', 'PICKED', 'PACKED'], { includeInvalid: true })
      .map((e) => (sb.sale(e.saleId).ShippingAddress as { Line1?: string } | undefined)?.Line1)
      .filter((l): l is string => typeof l === 'string' && l.length > 4);
    assert.ok(streets.length > 0);
    for (const r of received) {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), Object.keys(sample.request.body));
      assert.equal(typeof body.text, 'string');
      for (const s of secrets) assert.ok(!r.body.includes(s), 'no secret in an alert');
      for (const street of streets) assert.ok(!r.body.includes(street), `no address (${street})`);
      assert.equal(r.path, '/services/T000/B000/alert-path-secret');
    }
    // The service log names the delivery, never the URL.
    assert.ok(!svc.lines.some((l) => JSON.stringify(l).includes('alert-path-secret')));
  });

  it('refuses an alerts.webhook that is plain http to another machine, without echoing it', async () => {
    const config = serveConfig(
      sb,
      tempDir(),
      { importEverySeconds: 3600, writebackEverySeconds: 3600 },
      'alerts:\n  webhook: ${secret:ALERTS_URL}\n',
    );
    svc = startServe(config, sb, {
      DEAR_STARSHIPIT_SECRET_ALERTS_URL: 'http://chat.example.com/hooks/very-secret-path',
    });
    const exit = await svc.exited;
    assert.equal(exit.code, 2);
    assert.match(svc.stderr, /alerts\.webhook must be an https:\/\/ URL/);
    assert.ok(!svc.stderr.includes('very-secret-path'));
  });
});
