/**
 * Runs the extension-host suites in a desktop VS Code downloaded by @vscode/test-electron — for
 * developers whose machine can reach update.code.visualstudio.com (CI cannot; it runs the same
 * suites inside code-server: `npm run test:e2e`).
 *
 *   npm run -s build && npm run -s compile-tests && node out/test/extension/runElectron.js [--untrusted] [--version 1.100.3]
 *
 * Without --untrusted the window is trusted (workspace trust disabled) and runs every suite except
 * restricted.test.js; with it, trust stays on and the temp folder opens in Restricted Mode, which
 * runs restricted.test.js only (see index.ts).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { errorMessage } from '../../protocol/errorMessage';
import { REPO_ROOT, tempDir } from '../support/paths';

/** runTests() always passes --disable-workspace-trust, so the Restricted Mode run launches VS Code itself. */
async function runUntrusted(
  version: string,
  extensionDevelopmentPath: string,
  extensionTestsPath: string,
  workspace: string,
): Promise<number> {
  const exe = await downloadAndUnzipVSCode(version);
  const profile = tempDir('dear-ext-electron-profile-');
  const args = [
    workspace,
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-updates',
    '--skip-welcome',
    '--skip-release-notes',
    '--disable-extensions',
    `--user-data-dir=${join(profile, 'user')}`,
    `--extensions-dir=${join(profile, 'ext')}`,
    `--extensionDevelopmentPath=${extensionDevelopmentPath}`,
    `--extensionTestsPath=${extensionTestsPath}`,
  ];
  return new Promise((resolveCode) => {
    const child = spawn(exe, args, { stdio: 'inherit' });
    child.on('exit', (code) => resolveCode(code ?? 1));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const untrusted = args.includes('--untrusted');
  const vi = args.indexOf('--version');
  const version = vi >= 0 ? args[vi + 1] : '1.100.3';
  const extensionDevelopmentPath = REPO_ROOT;
  const extensionTestsPath = resolve(__dirname, 'index.js');
  const workspace = tempDir('dear-ext-electron-');
  writeFileSync(join(workspace, 'README.txt'), 'workspace for the dear extension-host suites\n');
  const launchArgs = [workspace, '--disable-extensions'];
  try {
    if (untrusted)
      return await runUntrusted(version, extensionDevelopmentPath, extensionTestsPath, workspace);
    await runTests({ version, extensionDevelopmentPath, extensionTestsPath, launchArgs });
    return 0;
  } catch (err) {
    console.error(`extension-host suites failed: ${errorMessage(err)}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
