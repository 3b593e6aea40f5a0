/**
 * Starshipit's tracking webhooks into `serve` over real HTTP: the sandbox sends them when it prints
 * a label (signed or unsigned); signed ones are written back at once, unsigned and forged ones are
 * refused when a secret is set, replays are answered without acting twice, oversized bodies are
 * refused unread. The sandbox's body has the documented shape (contract sample).
 */
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { tempDir, TIME_SCALE, tinyServer } from '../engine/helpers';
import { pathsOf, SAMPLES_DIR } from '../contract/contractSamples';
import {
  metricValue,
  parsePrometheus,
  serveConfig,
  startServe,
  type ServeProcess,
} from './serveHarness';

const SECRET = 'webhook-secret-for-tests';
const signed = (body: string, encoding: 'hex' | 'base64' = 'hex'): string =>
  createHmac('sha256', SECRET).update(body).digest(encoding);

describe('service: tracking webhooks (sandbox → serve, real HTTP)', function () {
  let sb: Sandbox;
  let svc: ServeProcess | undefined;
  beforeEach(async () => {
    sb = await startTestSandbox({ sales: 20, timeScale: TIME_SCALE, seed: 31 });
  });
  afterEach(async () => {
    await svc?.stopAndWait();
    svc = undefined;
    await sb.close();
  });

  /** serve with webhooks on and the polls far apart, after its first import. */
  async function serveWithWebhooks(secret: boolean): Promise<string> {
    const config = serveConfig(sb, tempDir(), {
      importEverySeconds: 3600,
      writebackEverySeconds: 3600,
      trackingWebhooks: true,
      webhookMaxBytes: 2048,
      ...(secret ? { webhookSecret: '${secret:WEBHOOK_SECRET}' } : {}),
    });
    svc = startServe(config, sb, { DEAR_STARSHIPIT_SECRET_WEBHOOK_SECRET: SECRET });
    await svc.until('the first import', (ls) =>
      ls.find((l) => l.type === 'summary' && l.run === 'import'),
    );
    return `${await svc.address()}/webhooks/starshipit`;
  }

  const writtenBack = (orderNumber: string): boolean =>
    [...sb.dearShipments().values()].some(
      (s) => s.orderNumber === orderNumber && s.status === 'AUTHORISED',
    );

  it('a signed webhook (hex or base64) writes that order back at once; the poll is an hour away', async () => {
    const url = await serveWithWebhooks(true);
    const [first, second] = [...sb.starshipitOrders().keys()];
    sb.setTrackingWebhook({ url, secret: SECRET });
    sb.printLabel({ orderNumber: first, carrier: 'AusPost' });
    await svc!.until('the writeback', (ls) =>
      ls.find((l) => l.type === 'writeback' && l.orderNumber === first),
    );
    assert.ok(writtenBack(first));
    sb.setSwitch('starshipitWebhookSignature', 'base64');
    sb.printLabel({ orderNumber: second, carrier: 'DHL' });
    await svc!.until('the second writeback', (ls) =>
      ls.find((l) => l.type === 'writeback' && l.orderNumber === second),
    );
    await sb.webhooksIdle();
    assert.deepEqual(
      sb.webhookDeliveries().map((d) => [d.orderNumber, d.status, d.signed, d.httpStatus]),
      [
        [first, 'Printed', true, 200],
        [second, 'Printed', true, 200],
      ],
    );
    assert.ok(writtenBack(second));
  });

  it('with a secret: unsigned and forged webhooks are refused (401) and nothing is written back', async () => {
    const url = await serveWithWebhooks(true);
    const orderNumber = [...sb.starshipitOrders().keys()][0];
    sb.setTrackingWebhook({ url });
    sb.printLabel({ orderNumber, carrier: 'AusPost' });
    await sb.webhooksIdle();
    assert.equal(sb.webhookDeliveries()[0].httpStatus, 401);
    const body = JSON.stringify({ order_number: orderNumber, tracking_status: 'Printed' });
    const forged = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Starshipit-Signature': signed(body + ' ') },
      body,
    });
    assert.equal(forged.status, 401);
    const samples = parsePrometheus((await svc!.get('/metrics')).text);
    const count = (result: string) =>
      metricValue(samples, 'dear_starshipit_tracking_webhooks_total', { result });
    assert.equal(count('unsigned'), 1);
    assert.equal(count('bad_signature'), 1);
    assert.equal(count('accepted'), 0);
    assert.equal(svc!.summaries('writeback').length, 1, 'only the start-up poll ran');
    assert.equal(writtenBack(orderNumber), false);
  });

  it('without a secret unsigned webhooks are accepted; a replay is answered without acting twice', async () => {
    const url = await serveWithWebhooks(false);
    const orderNumber = [...sb.starshipitOrders().keys()][0];
    sb.printLabel({ orderNumber, carrier: 'AusPost' });
    const body = JSON.stringify({
      order_number: orderNumber,
      carrier_name: 'Australia Post',
      carrier_service: '7B05',
      shipment_date: '2026-12-05T10:00:00Z',
      tracking_number: 'T1',
      tracking_status: 'Printed',
      last_updated_date: '2026-12-05T10:00:01Z',
    });
    const post = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const firstAnswer = await post();
    assert.equal(firstAnswer.status, 200);
    assert.deepEqual(await firstAnswer.json(), { received: true });
    const replay = await post();
    assert.equal(
      replay.status,
      200,
      'a redelivery is acknowledged, so Starshipit stops sending it',
    );
    assert.deepEqual(await replay.json(), { received: true, duplicate: true });
    await svc!.until('the writeback', (ls) =>
      ls.find((l) => l.type === 'writeback' && l.orderNumber === orderNumber),
    );
    const samples = parsePrometheus((await svc!.get('/metrics')).text);
    assert.equal(
      metricValue(samples, 'dear_starshipit_tracking_webhooks_total', { result: 'duplicate' }),
      1,
    );
    const bad = await fetch(url, { method: 'POST', body: '{"tracking_status":"Printed"}' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /order_number is missing/);
  });

  it('an oversized body is refused with 413 before it is read; GET is 405', async () => {
    const url = await serveWithWebhooks(false);
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(4096) });
    assert.equal(big.status, 413);
    // Without a content-length (chunked), the cap applies while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(1024).fill(120));
        controller.close();
      },
    });
    const chunked = await fetch(url, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal((await fetch(url)).status, 405);
    const samples = parsePrometheus((await svc!.get('/metrics')).text);
    assert.equal(
      metricValue(samples, 'dear_starshipit_tracking_webhooks_total', { result: 'too_large' }),
      2,
    );
    assert.equal((await svc!.get('/healthz')).status, 200, 'the listener still answers');
  });

  it("the sandbox's webhook body has the documented shape and the reference receiver's signature", async () => {
    const bodies: string[] = [];
    const signatures: (string | undefined)[] = [];
    const receiver = await tinyServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(text);
        signatures.push(req.headers['x-starshipit-signature'] as string | undefined);
        res.end('{}');
      });
    });
    try {
      // A label is printed on an imported order: serve imports first.
      const config = serveConfig(sb, tempDir(), {
        importEverySeconds: 3600,
        writebackEverySeconds: 3600,
      });
      svc = startServe(config, sb);
      await svc.until('the first import', (ls) =>
        ls.find((l) => l.type === 'summary' && l.run === 'import'),
      );
      sb.setTrackingWebhook({ url: receiver.url, secret: SECRET });
      const orderNumber = [...sb.starshipitOrders().keys()][0];
      sb.printLabel({ orderNumber, carrier: 'AusPost', dispatch: true });
      await sb.webhooksIdle();
    } finally {
      await receiver.close();
    }
    const sample = JSON.parse(
      fs.readFileSync(path.join(SAMPLES_DIR, 'starshipit.webhook.tracking.json'), 'utf8'),
    ) as { request: { body: unknown } };
    const documented = pathsOf(sample.request.body);
    assert.equal(bodies.length, 2, 'Printed, then Dispatched');
    for (const body of bodies) {
      const sent = pathsOf(JSON.parse(body));
      assert.deepEqual([...sent.keys()].sort(), [...documented.keys()].sort());
      for (const [p, types] of sent) assert.deepEqual([...types], [...documented.get(p)!], p);
    }
    assert.deepEqual(
      bodies.map((b) => (JSON.parse(b) as { tracking_status: string }).tracking_status),
      ['Printed', 'Dispatched'],
    );
    // The public receiver in starshipit.webhook.tracking.reference.json compares the header, as it
    // is, with the hex HMAC-SHA256 of the raw body: the sandbox's default must pass that check.
    assert.deepEqual(
      signatures,
      bodies.map((body) => signed(body, 'hex')),
    );
  });
});
