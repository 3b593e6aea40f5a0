/**
 * Starts and stops code-server (a full VS Code 1.100 server from the npm registry, installed by
 * test/e2e/prepare.sh) for one test file: loopback only, a free port, its own user-data and
 * extensions folders, no auth, no telemetry, no update check, no extension gallery.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { tempDir } from '../../support/paths';
import { track } from './cleanup';
import { codeServerBin, resultsDir } from './paths';
import { waitFor } from './wait';

export interface CodeServerOptions {
  /** Names the log file (test-results/e2e/<label>/code-server.log). */
  label: string;
  /** Extra environment for code-server and so for the extension host and language server it starts. */
  env?: Record<string, string>;
  /** Leave workspace trust on (Restricted Mode tests). Default: trust disabled, every folder trusted. */
  workspaceTrust?: boolean;
  /** Reuse an extensions folder (e.g. one the packaged VSIX was installed into). Default: a new empty one. */
  extensionsDir?: string;
  /** User settings merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** How long to wait for "HTTP server listening" + /healthz. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  origin: string;
  /** `127.0.0.1:41234` — the authority of vscode-remote:// URIs. */
  authority: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  /** Everything code-server printed so far (for error messages). */
  output(): string;
  /** URL of the workbench with `folder` open and an optional `payload` (see workbenchUrl). */
  workbenchUrl(folder: string, payload?: [string, string][]): string;
  /** A vscode-remote:// URI for a path on this machine, as the web workbench expects for payload entries. */
  remoteUri(path: string): string;
  stop(): Promise<void>;
}

/**
 * The environment every code-server process gets on top of the caller's. The empty gallery turns
 * the extension marketplace off, so VS Code never asks open-vsx.org (this network only reaches
 * loopback); PASSWORD/HASHED_PASSWORD from a developer's shell must not switch auth back on.
 */
export function harnessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI;
  env.EXTENSIONS_GALLERY = JSON.stringify({
    serviceUrl: '',
    itemUrl: '',
    resourceUrlTemplate: '',
    controlUrl: '',
    recommendationsUrl: '',
  });
  env.CS_DISABLE_FILE_DOWNLOADS = '1';
  return env;
}

const defaultSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  // Edits stay in the editor until a test saves them (code-server would otherwise save after a delay).
  'files.autoSave': 'off',
  // Typed text lands exactly as typed (no auto-inserted closing quotes/brackets).
  'editor.autoClosingQuotes': 'never',
  'editor.autoClosingBrackets': 'never',
  'editor.autoSurround': 'never',
  'chat.commandCenter.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  // Restricted Mode test: open untrusted without the modal trust prompt in front of everything.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
};

export function requireCodeServer(): void {
  if (!existsSync(codeServerBin)) {
    throw new Error(
      `code-server is not installed at ${codeServerBin}: run test/e2e/prepare.sh (npm run test:e2e does it)`,
    );
  }
}

/** `code-server --install-extension file.vsix` into `extensionsDir`; throws with its output on failure. */
export function installExtension(vsix: string, extensionsDir: string): void {
  requireCodeServer();
  mkdirSync(extensionsDir, { recursive: true });
  const res = spawnSync(
    codeServerBin,
    ['--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
    {
      env: harnessEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(
      `installing ${vsix} into ${extensionsDir} failed (exit ${res.status ?? res.signal}):\n${out}`,
    );
  }
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  requireCodeServer();
  const base = tempDir(`dear-e2e-${opts.label.replace(/[^a-z0-9-]/gi, '_')}-`);
  const userDataDir = join(base, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(base, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...opts.settings }, null, 2),
  );
  // An empty config file of our own, so code-server neither reads nor writes ~/.config/code-server.
  const configFile = join(base, 'config.yaml');
  writeFileSync(configFile, '');

  const logDir = join(resultsDir, opts.label);
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'code-server.log');
  const log: WriteStream = createWriteStream(logFile);

  const args = [
    '--config',
    configFile,
    '--bind-addr',
    '127.0.0.1:0',
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
  if (!opts.workspaceTrust) args.push('--disable-workspace-trust');

  // Its own process group, so stop() ends code-server and everything it started (extension host,
  // our language server) in one signal.
  const child: ChildProcess = spawn(codeServerBin, args, {
    env: harnessEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    log.write(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* group gone */
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    untrack();
    if (!exited) {
      killGroup('SIGTERM');
      const ended = await Promise.race([exitPromise.then(() => true), delayFlag(5_000)]);
      if (!ended) killGroup('SIGKILL');
    }
    // Children (extension host, language server) may outlive the main process: end the group.
    killGroup('SIGKILL');
    await exitPromise;
    await new Promise<void>((resolve) => log.end(resolve));
    // Logs live under test-results/; the temp profile (user data, default extensions folder) goes.
    rmSync(base, { recursive: true, force: true });
  };
  const untrack = track({
    name: `code-server ${opts.label}`,
    close: stop,
    killNow: () => killGroup('SIGKILL'),
  });

  const timeout = opts.startTimeoutMs ?? 60_000;
  let port = 0;
  try {
    port = await waitFor(
      () => {
        if (exited)
          throw new Error(`code-server exited (${exited.code ?? exited.signal}) before listening`);
        const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        return m ? Number(m[1]) : undefined;
      },
      { timeoutMs: timeout, what: 'code-server to print "HTTP server listening on"' },
    );
    await waitFor(async () => ((await httpStatus(port, '/healthz')) === 200 ? true : undefined), {
      timeoutMs: timeout,
      what: `code-server /healthz on port ${port} to answer 200`,
    });
  } catch (err) {
    await stop();
    throw new Error(
      `${(err as Error).message}\n--- code-server output (${logFile}) ---\n${output.slice(-4000)}`,
      { cause: err },
    );
  }

  const origin = `http://127.0.0.1:${port}`;
  const authority = `127.0.0.1:${port}`;
  const remoteUri = (path: string): string => `vscode-remote://${authority}${encodeURI(path)}`;
  return {
    origin,
    authority,
    port,
    userDataDir,
    extensionsDir,
    logFile,
    output: () => output,
    remoteUri,
    workbenchUrl(folder: string, payload?: [string, string][]): string {
      const q = [`folder=${encodeURIComponent(folder)}`];
      if (payload) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `${origin}/?${q.join('&')}`;
    },
    stop,
  };
}

function delayFlag(ms: number): Promise<false> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    t.unref();
  });
}

/** Status code of GET http://127.0.0.1:port/path, or 0 when nothing answers. */
export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}
