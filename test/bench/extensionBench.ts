/**
 * Scenario 7: what the extension costs to download and load — the VSIX from `npm run package`
 * (production bundles) and the size of each bundle in dist/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCodeServer } from '../e2e/harness/codeServer';
import { runExtensionHostSuite } from '../e2e/harness/extensionHost';
import { tempDir } from '../support/paths';

export interface ExtensionFigures {
  vsixBytes?: number;
  vsixFiles?: number;
  packageError?: string;
  packageMs: number;
  bundles: { file: string; bytes: number }[];
}

/**
 * Red Hat's YAML extension, for comparison (not measured here: no network). Sourced figures:
 * redhat-developer/vscode-yaml issue #521 (2021-05-26) "vscode-yaml vsix is about 9MB big",
 * and PR #591 (2021-09-13) reporting a webpack build taking it to 169 KB (closed, superseded
 * by #596). No later published size was found in the sources searched.
 */
export const RED_HAT_YAML_VSIX = {
  bytes: 9 * 1024 * 1024,
  text: '≈ 9 MB',
  source:
    'redhat-developer/vscode-yaml issue #521 (2021-05-26, before its webpack bundling; PR #591 reported 169 KB for a webpack build)',
};

function listBundles(root: string): { file: string; bytes: number }[] {
  const out: { file: string; bytes: number }[] = [];
  for (const rel of [
    'dist/client.js',
    'dist/server.js',
    'dist/cli.js',
    'dist/webview/preview.js',
  ]) {
    const file = path.join(root, rel);
    if (fs.existsSync(file)) out.push({ file: rel, bytes: fs.statSync(file).size });
  }
  return out;
}

export function extensionScenario(root: string): ExtensionFigures {
  const t0 = performance.now();
  const vsix = path.join(root, 'dist-vsix/dear-starshipit.vsix');
  const before = fs.existsSync(vsix) ? fs.statSync(vsix).mtimeMs : 0;
  // No stdin: vsce must not stop at a question; a prompt counts as a packaging failure.
  const r = spawnSync('npm', ['run', '-s', 'package'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
  const packageMs = performance.now() - t0;
  const bundles = listBundles(root);
  if (r.status !== 0 || !fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs === before) {
    const why = (r.stderr || r.stdout || r.error?.message || `exit ${String(r.status)}`)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    return { packageError: `npm run package failed: ${why}`, packageMs, bundles };
  }
  const files = /\((\d+) files,/.exec(r.stdout)?.[1];
  return {
    vsixBytes: fs.statSync(vsix).size,
    vsixFiles: files ? Number(files) : undefined,
    packageMs,
    bundles,
  };
}

export interface ActivationFigures {
  wasActive: boolean;
  activateMs: number;
  firstDiagnosticsMs: number;
  /** code-server + browser start and the whole suite, for context. */
  harnessMs: number;
}

/**
 * Activation inside code-server's real extension host, through the e2e harness (needs
 * test/e2e/prepare.sh to have installed code-server; Chromium drives the web workbench).
 */
export async function activationScenario(root: string): Promise<ActivationFigures> {
  requireCodeServer();
  const workspace = tempDir('dear-bench-activation-');
  fs.writeFileSync(path.join(workspace, 'README.txt'), 'workspace for the activation benchmark\n');
  const res = await runExtensionHostSuite({
    label: 'bench-activation',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/bench/activation/suite.js'),
    workspace,
    timeoutMs: 240_000,
    echo: false,
  });
  const line = res.console.map((l) => /DEAR_BENCH_ACTIVATION (\{.*\})/.exec(l)).find(Boolean);
  if (res.exitCode !== 0 || !line)
    throw new Error(
      `activation suite failed (exit ${res.exitCode}): ${res.console.slice(-5).join(' | ')}`,
    );
  const f = JSON.parse(line[1]) as Omit<ActivationFigures, 'harnessMs'>;
  return { ...f, harnessMs: res.durationMs };
}
