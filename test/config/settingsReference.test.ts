import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { leafSettings } from '../../server/src/config/schema';
import {
  DIAGNOSTIC_CODES,
  extractReference,
  renderSettingsReference,
  renderSettingsTable,
  ruleCodes,
} from '../../server/src/config/settingsReference';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('settings reference (generated from the schema)', () => {
  it('has one row per setting, including list-entry fields', () => {
    const table = renderSettingsTable();
    for (const leaf of leafSettings())
      assert.ok(table.includes(`| \`${leaf.path.join('.')}\` |`), leaf.path.join('.'));
    assert.ok(table.includes('| `writeback.courierMappings[].courier` |'));
    assert.ok(table.includes('| `dear.apiKey` | credential'));
    assert.ok(table.includes('| `import.source` | `sales` \\| `fulfilments` | `sales` |'));
  });

  it('documents every diagnostic code the config core can produce', () => {
    const emitted = new Set<string>(ruleCodes());
    for (const file of sourceFiles('server/src/config')) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/\bcode: '([a-z0-9-]+)'/g)) emitted.add(m[1]);
      for (const m of src.matchAll(/\bschemaError\(\s*'([a-z0-9-]+)'/g)) emitted.add(m[1]);
      for (const m of src.matchAll(/'(?:yaml-syntax|alias-limit)'/g))
        emitted.add(m[0].slice(1, -1));
    }
    assert.ok(emitted.size > 25, `found only ${emitted.size} codes`);
    for (const code of emitted)
      assert.ok(DIAGNOSTIC_CODES[code], `"${code}" is missing from DIAGNOSTIC_CODES`);
    for (const code of Object.keys(DIAGNOSTIC_CODES))
      assert.ok(emitted.has(code), `"${code}" is documented but never produced`);
  });

  it('README.md: the settings reference block equals the schema\'s (run "npm run -s docs:settings")', () => {
    const block = extractReference(readFileSync('README.md', 'utf8'));
    assert.ok(block !== undefined, 'README.md has the settings-reference markers');
    assert.equal(block, renderSettingsReference());
  });
});
