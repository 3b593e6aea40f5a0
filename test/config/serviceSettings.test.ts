/**
 * The `service` and `alerts` sections get what every other setting gets from the config core:
 * completion, hover, validation, defaults, and the plain-text-secret warning on their credentials.
 */
import * as assert from 'node:assert/strict';
import type { MarkupContent } from 'vscode-languageserver-types';
import { analyzeSettings, getCompletions, getHover, parseSettings } from '../../server/src/config';
import { VALID, cursor } from './helpers';

describe('config core: service and alerts settings', () => {
  it('completes the keys of service and alerts', () => {
    const service = cursor(`${VALID}service:\n  |\n`);
    const keys = getCompletions(service.text, service.position).map((i) => i.label);
    assert.deepEqual(keys, [
      'importEverySeconds',
      'writebackEverySeconds',
      'listen',
      'failuresInARow',
      'trackingWebhooks',
      'webhookSecret',
      'webhookMaxBytes',
    ]);
    const alerts = cursor(`${VALID}alerts:\n  |\n`);
    const alertKeys = getCompletions(alerts.text, alerts.position).map((i) => i.label);
    assert.deepEqual(alertKeys, ['webhook', 'intervalSeconds']);
  });

  it('hovers with the docs and the default', () => {
    const text = `${VALID}service:\n  writebackEverySeconds: 30\n`;
    const line = text.split('\n').length - 2;
    const h = getHover(parseSettings(text), { line, character: 4 });
    const value = (h?.contents as MarkupContent).value;
    assert.ok(value.startsWith('**service.writebackEverySeconds**'), value);
    assert.ok(value.includes('Default: `60`'), value);
  });

  it('applies the defaults and refuses bad values with a diagnostic on the value', () => {
    const ok = analyzeSettings(VALID, { env: {} } as never).settings;
    assert.deepEqual(ok?.service, {
      importEverySeconds: 300,
      writebackEverySeconds: 60,
      listen: '127.0.0.1:9464',
      failuresInARow: 3,
      trackingWebhooks: false,
      webhookMaxBytes: 16384,
    });
    assert.deepEqual(ok?.alerts, { intervalSeconds: 300 });
    const bad = analyzeSettings(
      `${VALID}service:\n  importEverySeconds: 0\n  listen: localhost\n`,
      { env: {} } as never,
    );
    assert.equal(bad.settings, undefined);
    const errors = bad.diagnostics.filter((d) => d.severity === 1);
    assert.equal(errors.length, 2, JSON.stringify(errors.map((d) => d.message)));
    assert.ok(errors.some((d) => /host:port/.test(d.message)));
  });

  it('warns about a plain-text webhook secret or alert URL, like any credential', () => {
    const { diagnostics } = analyzeSettings(
      `${VALID}service:\n  webhookSecret: hunter2hunter2\nalerts:\n  webhook: https://hooks.example.com/abc\n`,
      { env: {} } as never,
    );
    const plain = diagnostics.filter((d) => d.code === 'plain-text-secret');
    assert.equal(plain.length, 2);
  });
});
