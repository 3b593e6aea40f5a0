/**
 * Entry point of the extension-host suites (`extensionTestsPath` = out/test/extension/index.js):
 * VS Code calls `run()` inside its extension host after loading the extension under development.
 * Runs the mocha suites in this folder. Which ones depends on workspace trust, so the same entry
 * serves both harness runs without skipping anything: a trusted window runs every suite except
 * restricted.test.js; an untrusted (Restricted Mode) window runs only restricted.test.js.
 */
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 120_000,
    color: false,
    forbidOnly: true,
    reporter: 'spec',
  });
  const trusted = vscode.workspace.isTrusted;
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => (f === 'restricted.test.js') !== trusted)
    .sort();
  if (files.length === 0)
    return Promise.reject(new Error(`no extension-host suites found in ${__dirname}`));
  console.log(
    `dear extension-host suites (${trusted ? 'trusted' : 'Restricted Mode'} window): ${files.join(', ')}`,
  );
  for (const f of files) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
