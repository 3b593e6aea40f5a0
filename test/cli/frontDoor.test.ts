// The front door (server/src/frontDoor.ts): one rule for where a credential reference's value comes
// from, one redactor per run, and settings that load the same from a file or from editor text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  environmentSecretNames,
  loadSettingsFile,
  loadSettingsText,
  RunSecrets,
} from '../../server/src/frontDoor';
import { credentialReference, SECRET_ENV_PREFIX } from '../../protocol/settings';
import { tempDir } from '../support/paths';

const SAMPLE = path.resolve(__dirname, '../../../samples/dear-starshipit.yaml');

describe('front door: secrets', () => {
  it('reads ${secret:NAME} from the given secrets first, then from the prefixed variable', () => {
    const secrets = new RunSecrets({
      secrets: { DEAR_API_KEY: 'from-storage' },
      env: {
        [`${SECRET_ENV_PREFIX}DEAR_API_KEY`]: 'from-env',
        [`${SECRET_ENV_PREFIX}OTHER`]: 'other-from-env',
      },
    });
    assert.equal(secrets.lookup('secret', 'DEAR_API_KEY'), 'from-storage');
    assert.equal(secrets.lookup('secret', 'OTHER'), 'other-from-env');
    assert.equal(secrets.lookup('secret', 'ABSENT'), undefined);
  });

  it('reads ${env:NAME} from the variable NAME only, never from the secrets', () => {
    const secrets = new RunSecrets({ secrets: { HOME_KEY: 'secret' }, env: { HOME_KEY: 'env' } });
    assert.equal(secrets.lookup('env', 'HOME_KEY'), 'env');
    assert.equal(
      new RunSecrets({ secrets: { ONLY: 'x' }, env: {} }).lookup('env', 'ONLY'),
      undefined,
    );
  });

  it('names every secret it can resolve', () => {
    const env = { [`${SECRET_ENV_PREFIX}B`]: '2', PATH: '/bin' };
    assert.deepEqual(environmentSecretNames(env), ['B']);
    const names = new RunSecrets({ secrets: { A: '1' }, env }).names();
    assert.deepEqual([...names].sort(), ['A', 'B']);
  });

  it('redacts the given secrets and every value it handed out, and nothing else', () => {
    const secrets = new RunSecrets({
      secrets: { STORED: 'stored-value-1' },
      env: { USED: 'used-value-2', UNUSED: 'unused-value-3' },
    });
    secrets.lookup('env', 'USED');
    const text = secrets.redact('stored-value-1 used-value-2 unused-value-3');
    assert.equal(text, '••• ••• unused-value-3');
  });

  it('parses a credential reference and leaves plain values alone', () => {
    assert.deepEqual(credentialReference('${secret:DEAR_API_KEY}'), {
      kind: 'secret',
      name: 'DEAR_API_KEY',
    });
    assert.deepEqual(credentialReference('${env:X.Y-Z}'), { kind: 'env', name: 'X.Y-Z' });
    assert.equal(credentialReference('plain'), undefined);
    assert.equal(credentialReference('${secrets:X}'), undefined);
    assert.equal(credentialReference(42), undefined);
  });
});

describe('front door: settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('front-door-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the shipped sample from a file and from text alike', () => {
    const fromFile = loadSettingsFile(SAMPLE);
    const fromText = loadSettingsText(fs.readFileSync(SAMPLE, 'utf8'), SAMPLE);
    assert.ok(fromFile.ok && fromText.ok);
    assert.deepEqual(fromFile.settings, fromText.settings);
    assert.equal(fromFile.file, SAMPLE);
  });

  it('names the file and the first errors with their lines in one sentence', () => {
    const file = path.join(dir, 'dear-starshipit.yaml');
    const loaded = loadSettingsText('dear:\n  apiVersion: 7\n', file);
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.equal(loaded.code, 'settings-invalid');
    assert.match(
      loaded.message,
      new RegExp(`^the settings file ${escape(file)} has \\d+ errors? `),
    );
    assert.match(loaded.message, /\(line \d+: /);
    assert.match(loaded.message, /nothing was sent\.$/);
    assert.ok(loaded.diagnostics.some((d) => d.severity === 1));
  });

  it('refuses a missing file and a directory with a settings-file problem', () => {
    const missing = loadSettingsFile(path.join(dir, 'absent.yaml'), { flag: '--config FILE' });
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.code, 'settings-file');
      assert.match(missing.message, /does not exist/);
      assert.match(missing.message, /--config FILE/);
    }
    const directory = loadSettingsFile(dir);
    assert.equal(directory.ok, false);
    if (!directory.ok) assert.match(directory.message, /is a directory/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
