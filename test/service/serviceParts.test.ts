/** The service's parts on their own: health rules (with a test clock), signatures, events, addresses. */
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Health } from '../../server/src/service/health';
import { parseAddress } from '../../server/src/service/listener';
import {
  readTrackingEvent,
  SeenEvents,
  signatureValid,
} from '../../server/src/service/trackingWebhook';

describe('service parts', () => {
  it('health: N failures in a row, then recovery; overdue only without success or progress', () => {
    let now = 1_000_000;
    const health = new Health(3, () => now);
    health.configure('writeback', 60_000, 3);
    health.configure('import', 300_000, 3);
    assert.equal(health.report().healthy, true);
    for (let i = 1; i <= 2; i++) assert.equal(health.failed('writeback', 'HTTP 503'), i);
    assert.equal(health.report().healthy, true, 'two failures are not yet three');
    health.failed('writeback', 'HTTP 503');
    const down = health.report();
    assert.equal(down.healthy, false);
    assert.deepEqual(down.reasons, ['writeback failed 3 times in a row (last: HTTP 503)']);
    assert.equal(health.succeeded('writeback'), 3, 'the failures before the recovery');
    assert.equal(health.report().healthy, true);

    // 3 intervals without a success: overdue; a run in progress that shows activity is not.
    now += 3 * 60_000 + 1;
    assert.match(health.report().reasons.join(), /writeback is overdue: no successful run for 180/);
    health.started('writeback');
    assert.equal(health.report().healthy, true, 'a run in progress');
    now += 3 * 60_000 + 1;
    assert.match(health.report().reasons.join(), /the run in progress has shown no activity/);
    health.active('writeback');
    assert.equal(health.report().healthy, true, 'it made progress');
    health.stopped('writeback');
    assert.equal(health.report().modes.writeback.running, false);
  });

  it('signatures: HMAC-SHA256 of the raw body, hex or base64, with or without sha256=', () => {
    const body = Buffer.from('{"order_number":"A1","tracking_status":"Printed"}');
    const mac = createHmac('sha256', 's3cret').update(body).digest();
    const hex = mac.toString('hex');
    const b64 = mac.toString('base64');
    for (const header of [hex, hex.toUpperCase(), b64, `sha256=${hex}`, ` ${b64} `])
      assert.equal(signatureValid(body, header, 's3cret'), true, header);
    for (const header of [undefined, '', 'abc', b64.slice(1), hex.replace(/.$/, '0')])
      assert.equal(signatureValid(body, header, 's3cret'), false, String(header));
    assert.equal(signatureValid(body, hex, 'other'), false);
    assert.equal(signatureValid(Buffer.from(`${body.toString()} `), hex, 's3cret'), false);
  });

  it('events: read from the documented fields (number or string order_number), problems named', () => {
    const event = readTrackingEvent(
      Buffer.from('{"order_number":5567476,"tracking_status":"Dispatched","tracking_number":"Q1"}'),
    );
    assert.deepEqual(event, {
      orderNumber: '5567476',
      status: 'Dispatched',
      trackingNumber: 'Q1',
      lastUpdated: '',
    });
    assert.deepEqual(readTrackingEvent(Buffer.from('[1]')), {
      problem: 'the body is not a JSON object',
    });
    assert.deepEqual(readTrackingEvent(Buffer.from('<html>')), { problem: 'the body is not JSON' });
    assert.deepEqual(readTrackingEvent(Buffer.from('{"order_number":"A"}')), {
      problem: 'tracking_status is missing',
    });
  });

  it('de-duplication remembers the last N events', () => {
    const seen = new SeenEvents(2);
    const e = (n: string) => ({
      orderNumber: n,
      status: 'Printed',
      trackingNumber: 'T',
      lastUpdated: '',
    });
    assert.equal(seen.add(e('1')), true);
    assert.equal(seen.add(e('1')), false);
    assert.equal(
      seen.add({ ...e('1'), status: 'Dispatched' }),
      true,
      'a new status is a new event',
    );
    assert.equal(seen.add(e('2')), true);
    assert.equal(seen.add(e('1')), true, 'the oldest was forgotten');
  });

  it('listen addresses: host:port and [v6]:port; anything else named', () => {
    assert.deepEqual(parseAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.throws(() => parseAddress('localhost'), /service\.listen "localhost" is not host:port/);
    assert.throws(() => parseAddress('h:70000'), /not host:port/);
  });
});
