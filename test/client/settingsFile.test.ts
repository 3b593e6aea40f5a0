import * as assert from 'node:assert/strict';
import {
  applyTextEdits,
  findCredentialRefs,
  planSecretReferenceEdits,
  readApiVersion,
  retargetSandboxSettings,
  settingPathsOfSecrets,
} from '../../server/src/config/settingsEdits';
import {
  newSettingsTemplate,
  sandboxRateLimits,
  sandboxSettingsTemplate,
} from '../../client/src/settingsFile/templates';
import { analyzeSettings } from '../../server/src/config';

describe('settings file helpers', () => {
  it('finds secret and env references in file order, ignoring comments', () => {
    const text = [
      '# accountId: ${secret:COMMENTED}',
      'dear:',
      '  accountId: "${secret:A}"  # ${secret:ALSO_COMMENTED}',
      '  apiKey: ${env:KEY_1}',
      'starshipit: { apiKey: \'${secret:B}\', subscriptionKey: "${secret:A}" }',
      'note: "a # b ${secret:C}"',
    ].join('\n');
    assert.deepEqual(findCredentialRefs(text), { secrets: ['A', 'B', 'C'], env: ['KEY_1'] });
    assert.deepEqual(
      [...settingPathsOfSecrets(text)],
      [
        ['A', 'dear.accountId'],
        ['B', 'starshipit.apiKey'],
        ['C', 'note'],
      ],
    );
  });

  it('reads the API version (default 2)', () => {
    assert.equal(readApiVersion('dear:\n  apiVersion: 1\n'), 1);
    assert.equal(readApiVersion('dear: {}\n'), 2);
    assert.equal(readApiVersion(': : bad'), 2);
  });

  it('replaces a plain value, inserts a missing key and appends a missing section', () => {
    const text =
      'dear:\n  apiVersion: 2\n  apiKey: plain-text-key\nimport:\n  statuses: [ORDERED]\n';
    const edits = planSecretReferenceEdits(text, [
      { path: ['dear', 'apiKey'], name: 'DEAR_API_KEY' },
      { path: ['dear', 'accountId'], name: 'DEAR_ACCOUNT_ID' },
      { path: ['starshipit', 'apiKey'], name: 'STARSHIPIT_API_KEY' },
    ]);
    assert.equal(
      applyTextEdits(text, edits),
      'dear:\n  accountId: "${secret:DEAR_ACCOUNT_ID}"\n  apiVersion: 2\n  apiKey: "${secret:DEAR_API_KEY}"\nimport:\n  statuses: [ORDERED]\n' +
        'starshipit:\n  apiKey: "${secret:STARSHIPIT_API_KEY}"\n',
    );
    assert.ok(!applyTextEdits(text, edits).includes('plain-text-key'));
  });

  it('makes no edit when the reference is already there, and refuses a broken file', () => {
    assert.deepEqual(
      planSecretReferenceEdits('dear:\n  apiKey: "${secret:K}"\n', [
        { path: ['dear', 'apiKey'], name: 'K' },
      ]),
      [],
    );
    assert.throws(
      () => planSecretReferenceEdits('dear: [\n', [{ path: ['dear', 'apiKey'], name: 'K' }]),
      /YAML errors/,
    );
  });

  it('scales sandbox rate limits with the time scale', () => {
    assert.deepEqual(sandboxRateLimits(10), { dearPerSeconds: 6, starshipitPerSeconds: 0.1 });
    assert.deepEqual(sandboxRateLimits(0), { dearPerSeconds: 60, starshipitPerSeconds: 1 });
  });

  it('retargets only the two base URLs of a sandbox settings file', () => {
    const before =
      sandboxSettingsTemplate({
        dearBaseUrl: 'http://127.0.0.1:1000/ExternalApi/v2/',
        starshipitBaseUrl: 'http://127.0.0.1:1001',
        timeScale: 10,
      }) + '# baseUrl: keep me\n';
    const after = retargetSandboxSettings(before, {
      dearBaseUrl: 'http://127.0.0.1:2000/ExternalApi/v2/',
      starshipitBaseUrl: 'http://127.0.0.1:2001',
      timeScale: 10,
    });
    assert.match(after, /^ {2}baseUrl: http:\/\/127\.0\.0\.1:2000\/ExternalApi\/v2\/$/m);
    assert.match(after, /^ {2}baseUrl: http:\/\/127\.0\.0\.1:2001$/m);
    assert.ok(!after.includes(':1000') && !after.includes(':1001'));
    assert.ok(after.endsWith('# baseUrl: keep me\n'));
  });

  it('writes templates the config core accepts without errors, with credentials only as references', () => {
    const names = new Set([
      'DEAR_ACCOUNT_ID',
      'DEAR_API_KEY',
      'STARSHIPIT_API_KEY',
      'STARSHIPIT_SUBSCRIPTION_KEY',
      'SANDBOX_DEAR_ACCOUNT_ID',
      'SANDBOX_DEAR_API_KEY',
      'SANDBOX_STARSHIPIT_API_KEY',
      'SANDBOX_STARSHIPIT_SUBSCRIPTION_KEY',
    ]);
    for (const text of [
      newSettingsTemplate(),
      sandboxSettingsTemplate({
        dearBaseUrl: 'http://127.0.0.1:4780/ExternalApi/v2/',
        starshipitBaseUrl: 'http://127.0.0.1:4781',
        timeScale: 10,
      }),
    ]) {
      const { settings, diagnostics } = analyzeSettings(text, {
        knownSecretNames: names,
        fileName: 'dear-starshipit.yaml',
      });
      const errors = diagnostics.filter((d) => d.severity === 1);
      assert.deepEqual(
        errors.map((d) => `${d.range.start.line + 1}: ${d.message}`),
        [],
      );
      assert.ok(settings);
      assert.match(settings.dear.apiKey, /^\$\{secret:[A-Z_]+\}$/);
    }
  });
});
