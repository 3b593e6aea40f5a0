#!/usr/bin/env node
// Regenerates the settings reference block (between the settings-reference markers) from the
// schema in README.md (a unit test fails when README and schema disagree).
// Run with `npm run -s docs:settings` (compiles first: the renderer is TypeScript in the config core).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ref = require('../out/server/src/config/settingsReference.js');
const block = ref.renderSettingsReference();

for (const file of ['README.md']) {
  if (!existsSync(file)) throw new Error(`${file} is missing`);
  const text = readFileSync(file, 'utf8');
  const current = ref.extractReference(text);
  if (current === undefined) {
    console.log(`${file}: no settings-reference markers, left alone`);
    continue;
  }
  if (current === block) {
    console.log(`${file}: up to date`);
    continue;
  }
  writeFileSync(
    file,
    text.replace(current, () => block),
  );
  console.log(`${file}: updated`);
}
