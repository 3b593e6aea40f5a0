/**
 * Shared set-up of the UI tests: the in-process sandbox, a workspace holding a copy of
 * samples/dear-starshipit.yaml retargeted at that sandbox, the packaged extension installed into
 * code-server, and a Chromium page on the workbench. Everything stays on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { Sandbox } from '../../../sandbox/src/api';
import { openBrowser, type BrowserSession } from '../harness/browser';
import { installExtension, startCodeServer, type CodeServer } from '../harness/codeServer';
import { repoRoot, resultsDir } from '../harness/paths';
import { Workbench } from '../harness/workbench';
import { tempDir } from '../../support/paths';

export const SETTINGS_FILE = 'dear-starshipit.yaml';
/** Env names the test settings file references as `${env:…}`; their values go to code-server's env. */
export const CREDENTIAL_ENV = {
  accountId: 'DEAR_E2E_DEAR_ACCOUNT_ID',
  apiKey: 'DEAR_E2E_DEAR_API_KEY',
  starshipitApiKey: 'DEAR_E2E_STARSHIPIT_API_KEY',
  subscriptionKey: 'DEAR_E2E_STARSHIPIT_SUBSCRIPTION_KEY',
} as const;

export { startTestSandbox } from '../../support/sandbox';

export interface TestWorkspace {
  dir: string;
  settingsPath: string;
  /** The retargeted file as written (1-based line lookups for the Problems panel checks). */
  text: string;
  statuses: string[];
  /** Environment for code-server: the sandbox credentials under CREDENTIAL_ENV names. */
  env: Record<string, string>;
  remove(): void;
}

/**
 * Copy samples/dear-starshipit.yaml into a fresh folder and point it at `sandbox`: base URLs, the
 * credentials as `${env:…}` references, and rate limits divided by the sandbox's time scale (the
 * sandbox divides its windows by the same factor, so the engine neither waits nor gets throttled).
 */
export function makeWorkspace(label: string, sandbox: Sandbox, timeScale: number): TestWorkspace {
  const sample = readFileSync(join(repoRoot, 'samples', SETTINGS_FILE), 'utf8');
  const doc = parseDocument(sample);
  doc.setIn(['dear', 'baseUrl'], sandbox.dearBaseUrl);
  doc.setIn(['starshipit', 'baseUrl'], sandbox.starshipitBaseUrl);
  doc.setIn(['dear', 'accountId'], `\${env:${CREDENTIAL_ENV.accountId}}`);
  doc.setIn(['dear', 'apiKey'], `\${env:${CREDENTIAL_ENV.apiKey}}`);
  doc.setIn(['starshipit', 'apiKey'], `\${env:${CREDENTIAL_ENV.starshipitApiKey}}`);
  doc.setIn(['starshipit', 'subscriptionKey'], `\${env:${CREDENTIAL_ENV.subscriptionKey}}`);
  // The user flow checks one Starshipit account; the sample's two-warehouse routing has its own
  // engine and reliability suites.
  doc.deleteIn(['warehouses']);
  for (const api of ['dear', 'starshipit']) {
    const per = doc.getIn([api, 'rateLimit', 'perSeconds']);
    if (typeof per === 'number') doc.setIn([api, 'rateLimit', 'perSeconds'], per / timeScale);
  }
  // Any other secret the sample references (the service's webhook secret, the alerts URL) becomes
  // an environment variable too, so the window starts with no "secret not stored" warning.
  const otherSecrets: Record<string, string> = {};
  const text = doc.toString().replace(/\$\{secret:([A-Za-z0-9_.-]+)\}/g, (_ref, name: string) => {
    const variable = `DEAR_E2E_${name}`;
    otherSecrets[variable] = `http://127.0.0.1:9/${name.toLowerCase()}`;
    return `\${env:${variable}}`;
  });
  const statuses = (
    doc.getIn(['import', 'statuses']) as { toJSON(): unknown } | undefined
  )?.toJSON();
  if (!Array.isArray(statuses) || statuses.length === 0)
    throw new Error(`samples/${SETTINGS_FILE} has no import.statuses list`);

  const dir = tempDir(`dear-e2e-ws-${label}-`);
  const settingsPath = join(dir, SETTINGS_FILE);
  writeFileSync(settingsPath, text);
  return {
    dir,
    settingsPath,
    text,
    statuses: statuses as string[],
    env: {
      [CREDENTIAL_ENV.accountId]: sandbox.credentials.dearAccountId,
      [CREDENTIAL_ENV.apiKey]: sandbox.credentials.dearApiKey,
      [CREDENTIAL_ENV.starshipitApiKey]: sandbox.credentials.starshipitApiKey,
      [CREDENTIAL_ENV.subscriptionKey]: sandbox.credentials.starshipitSubscriptionKey,
      ...otherSecrets,
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** 1-based number of the first line of `text` matching `re`. */
export function lineOf(text: string, re: RegExp): number {
  const i = text.split('\n').findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no line matches ${re}`);
  return i + 1;
}

// ---- the extension under test ------------------------------------------------------------------

export type ExtensionMode =
  { kind: 'vsix'; vsix: string; extensionsDir: string } | { kind: 'dev'; reason: string };
let packaged: { vsix?: string; error?: string } | undefined;

/**
 * `npm run package` once per run (dist-vsix/dear-starshipit.vsix). When packaging fails the UI
 * tests fall back to loading the repository as the extension under development, and say so.
 */
export function packageExtension(): { vsix?: string; error?: string } {
  if (packaged) return packaged;
  const vsix = join(repoRoot, 'dist-vsix', 'dear-starshipit.vsix');
  const res = spawnSync('npm', ['run', '-s', 'package'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const log = join(resultsDir, 'package.log');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(log, `${res.stdout ?? ''}${res.stderr ?? ''}`);
  packaged =
    res.status === 0 && existsSync(vsix)
      ? { vsix }
      : { error: `npm run package failed (exit ${res.status ?? res.signal}); see ${log}` };
  return packaged;
}

export function prepareExtension(label: string): ExtensionMode {
  const p = packageExtension();
  if (!p.vsix) {
    // The VSIX is what users install, so a packaging failure fails the UI tests unless a developer
    // explicitly asks to test the working tree instead.
    if (process.env.DEAR_E2E_ALLOW_DEV_EXTENSION !== '1') {
      throw new Error(
        `${p.error ?? 'no VSIX'} (set DEAR_E2E_ALLOW_DEV_EXTENSION=1 to run the UI tests on the repository as a development extension)`,
      );
    }
    return { kind: 'dev', reason: p.error ?? 'no VSIX' };
  }
  const extensionsDir = tempDir(`dear-e2e-ext-${label}-`);
  installExtension(p.vsix, extensionsDir);
  return { kind: 'vsix', vsix: p.vsix, extensionsDir };
}

// ---- one editor session ------------------------------------------------------------------------

export interface EditorSession {
  server: CodeServer;
  session: BrowserSession;
  wb: Workbench;
  mode: ExtensionMode;
  close(failed: boolean): Promise<void>;
}

export async function openEditor(opts: {
  label: string;
  workspace: TestWorkspace;
  workspaceTrust?: boolean;
  settings?: Record<string, unknown>;
}): Promise<EditorSession> {
  const mode = prepareExtension(opts.label);
  process.stdout.write(
    mode.kind === 'dev'
      ? `    (extension loaded from the repository as a development extension: ${mode.reason})\n`
      : `    (extension installed from ${mode.vsix.slice(repoRoot.length + 1)} with code-server --install-extension)\n`,
  );
  const server = await startCodeServer({
    label: opts.label,
    env: opts.workspace.env,
    workspaceTrust: opts.workspaceTrust,
    extensionsDir: mode.kind === 'vsix' ? mode.extensionsDir : undefined,
    settings: { 'dear.confirmLiveRuns': true, ...opts.settings },
  });
  let session: BrowserSession | undefined;
  try {
    session = await openBrowser({ label: opts.label, trace: true });
    const wb = new Workbench(session.page);
    const payload: [string, string][] = [['skipWelcome', 'true']];
    if (mode.kind === 'dev') payload.push(['extensionDevelopmentPath', server.remoteUri(repoRoot)]);
    await wb.open(server.workbenchUrl(opts.workspace.dir, payload));
    const s = session;
    return {
      server,
      session: s,
      wb,
      mode,
      async close(failed: boolean): Promise<void> {
        try {
          await s.close({ failed });
        } finally {
          await server.stop();
          if (mode.kind === 'vsix') rmSync(mode.extensionsDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await session?.close({ failed: true });
    await server.stop();
    throw err;
  }
}
