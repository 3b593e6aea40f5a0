// The words every front end uses for engine events (protocol/eventText.ts), and what the extension's
// output channel adds (client/src/output/format.ts: the run header and the log-level filter).
import * as assert from 'node:assert/strict';
import { formatHeader, passes } from '../../client/src/output/format';
import {
  activityText,
  eventLine,
  formatDuration,
  RunCounts,
  summaryText,
} from '../../protocol/eventText';
import { redactSecrets } from '../../protocol/redact';
import type { SummaryEvent } from '../../protocol/events';

const summary: SummaryEvent = {
  type: 'summary',
  mode: 'import',
  dryRun: false,
  created: 3,
  alreadyPresent: 1,
  skipped: 2,
  needsAttention: 1,
  writtenBack: 0,
  updated: 0,
  withdrawn: 0,
  calls: { dear: 7, starshipit: 5 },
  throttled: { dear: 0, starshipit: 1 },
  estimate: { dearCalls: 7, seconds: 7 },
};

describe('output line formatting', () => {
  it('writes a header with time, file, mode and API version', () => {
    const lines = formatHeader({
      at: new Date('2026-11-26T10:00:00Z'),
      file: 'samples/dear-starshipit.yaml',
      mode: 'import',
      dryRun: true,
      apiVersion: 2,
      onlyOrderNumbers: 3,
    });
    const text = lines.join('\n');
    assert.match(text, /Import — dry run \(nothing is written\)/);
    assert.match(text, /started {2}2026-11-26T10:00:00\.000Z/);
    assert.match(text, /file {5}samples\/dear-starshipit\.yaml/);
    assert.match(text, /Cin7 Core API v2 · limited to 3 previewed order\(s\)/);
  });

  it('gives every event type a readable line at a sensible level', () => {
    const cases: [Parameters<typeof eventLine>[0], 'debug' | 'info' | 'warn' | 'error', RegExp][] =
      [
        [
          {
            type: 'order',
            orderNumber: 'SO-1',
            source: { saleId: 's1', taskId: 't1' },
            dryRun: false,
            outcome: 'created',
            starshipitOrderId: 42,
            starshipit: { destination: { name: 'Ann' }, items: [{}, {}] },
          },
          'info',
          /^order SO-1: created \(Starshipit order 42\), for Ann, 2 items \[sale s1, fulfilment t1\]$/,
        ],
        [
          {
            type: 'order',
            orderNumber: 'SO-2',
            source: { saleId: 's2' },
            dryRun: false,
            outcome: 'alreadyPresent',
            starshipit: {},
          },
          'info',
          /already in Starshipit \(not created again\)/,
        ],
        [
          {
            type: 'order',
            orderNumber: 'SO-2A',
            source: { saleId: 's2a' },
            dryRun: true,
            account: 'nz',
            starshipit: { items: [{}] },
          },
          'info',
          /^order SO-2A: would create in Starshipit account nz, 1 item \[sale s2a\]$/,
        ],
        [
          {
            type: 'order',
            orderNumber: 'SO-3',
            source: { saleId: 's3' },
            dryRun: true,
            warnings: ['cut to 100'],
            starshipit: { items: [{}] },
          },
          'warn',
          /would create, 1 item .*warning: cut to 100/,
        ],
        [
          { type: 'skip', orderNumber: 'SO-4', code: 'voided', reason: 'the sale is voided' },
          'info',
          /^order SO-4: skipped — the sale is voided \(voided\)$/,
        ],
        [
          {
            type: 'writeback',
            orderNumber: 'SO-5',
            taskId: 't5',
            dryRun: false,
            outcome: 'written',
            dear: {
              Lines: [
                { Carrier: 'Australia Post', TrackingNumber: 'AP1' },
                { Carrier: 'Australia Post', TrackingNumber: 'AP2' },
              ],
            },
          },
          'info',
          /^order SO-5: wrote back Australia Post AP1, AP2 \[fulfilment t5\]$/,
        ],
        [
          {
            type: 'attention',
            orderNumber: 'SO-6',
            saleId: 's6',
            code: 'missing-street',
            reason: 'no street',
            retryable: false,
          },
          'warn',
          /^needs attention — order SO-6 \(sale s6\): no street \(missing-street\)$/,
        ],
        [
          {
            type: 'update',
            orderNumber: 'SO-7',
            dryRun: true,
            starshipit: {},
            changes: [{ field: 'destination.street', before: 'a', after: 'b' }],
          },
          'info',
          /would update — destination\.street: a → b/,
        ],
        [
          { type: 'withdraw', orderNumber: 'SO-8', dryRun: false, reason: 'voided' },
          'info',
          /withdrawn — voided/,
        ],
        [
          { type: 'progress', phase: 'detail', done: 2, total: 9 },
          'debug',
          /progress: detail 2\/9/,
        ],
        [
          { type: 'throttle', api: 'dear', status: 429, waitMs: 60_000 },
          'warn',
          /Cin7 Core throttled the run \(HTTP 429\); every call pauses 60 s/,
        ],
        [
          { type: 'retry', api: 'starshipit', attempt: 2, waitMs: 1500, reason: 'ECONNRESET' },
          'warn',
          /Starshipit call failed \(ECONNRESET\); retry 2 in 1\.5 s/,
        ],
        [
          { type: 'wait', api: 'dear', waitMs: 250 },
          'debug',
          /Cin7 Core rate limit: waiting 250 ms/,
        ],
        [
          { type: 'wait', api: 'starshipit', waitMs: 12_000 },
          'info',
          /Starshipit rate limit: waiting 12 s for a free slot/,
        ],
        [{ type: 'log', level: 'error', message: 'boom' }, 'error', /^boom$/],
      ];
    for (const [event, level, re] of cases) {
      const line = eventLine(event);
      assert.equal(line.level, level, event.type);
      assert.match(line.text, re);
    }
  });

  it('summarises live and dry runs, including cancellation', () => {
    assert.equal(
      summaryText(summary),
      'Summary: created 3, already present 1, skipped 2, needs attention 1 (calls: Cin7 Core 7, Starshipit 5; throttled: Cin7 Core 0, Starshipit 1)',
    );
    const dry = summaryText({
      ...summary,
      dryRun: true,
      mode: 'sync',
      writtenBack: 2,
      estimate: { dearCalls: 90, seconds: 95 },
    });
    assert.match(
      dry,
      /would create 3.*would write back 2.*a live run needs about 90 Cin7 Core calls, ~1 min 35 s/,
    );
    assert.match(
      summaryText({ ...summary, cancelled: true }),
      /^CANCELLED — done before the stop: created 3/,
    );
  });

  it('adds what is still parked, and the time a live run took', () => {
    const text = summaryText({
      ...summary,
      elapsedSeconds: 75,
      parked: { willRetry: 2, needsChange: 1 },
      notes: ['saw 2 labelled orders'],
    });
    assert.match(text, /; took 1 min 15 s; 3 parked in all: 2 retried by later runs, 1 waiting/);
    assert.match(text, /\nsaw 2 labelled orders$/);
  });

  it('says what a run is doing now, and counts it live', () => {
    assert.equal(
      activityText({ type: 'progress', phase: 'detail', done: 15, total: 40 }),
      'detail 15/40',
    );
    assert.equal(
      activityText({ type: 'wait', api: 'dear', waitMs: 3500 }),
      'waiting 4 s for the Cin7 Core rate limit',
    );
    assert.equal(
      activityText({ type: 'throttle', api: 'starshipit', status: 429, waitMs: 60_000 }),
      'Starshipit throttled (HTTP 429); waiting 60 s',
    );
    assert.equal(activityText({ type: 'log', level: 'info', message: 'x' }), undefined);
    const counts = new RunCounts('sync');
    counts.add({
      type: 'order',
      orderNumber: 'A',
      source: { saleId: 's' },
      dryRun: false,
      starshipit: {},
    });
    counts.add({ type: 'skip', orderNumber: 'B', code: 'voided', reason: 'voided' });
    counts.add({ type: 'progress', phase: 'detail', done: 2, total: 5 });
    counts.add({ type: 'log', level: 'info', message: 'kept the activity' });
    assert.equal(
      counts.text(),
      '1 created · 0 written back · 1 skipped · 0 needing attention — detail 2/5',
    );
    const dryImport = new RunCounts('import', true);
    assert.equal(dryImport.text(), '0 to create · 0 skipped · 0 needing attention');
  });

  it('filters by level and formats durations', () => {
    assert.ok(passes('warn', 'info'));
    assert.ok(!passes('debug', 'info'));
    assert.ok(passes('debug', 'debug'));
    assert.equal(formatDuration(59.6), '1 min');
    assert.equal(formatDuration(3), '3 s');
  });

  it('redacts secret values, longest first, and leaves short values alone', () => {
    assert.equal(
      redactSecrets('key abcd1234 and abcd1234xyz', ['abcd1234', 'abcd1234xyz']),
      'key ••• and •••',
    );
    assert.equal(redactSecrets('id 42', ['42']), 'id 42');
    assert.equal(
      redactSecrets('GET /x?key=a%2Bb%2F%3D1 and "a+b\\"q"', ['a+b/=1', 'a+b"q']),
      'GET /x?key=••• and "•••"',
    );
  });
});
