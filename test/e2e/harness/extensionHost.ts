/**
 * Runs an extension-host test suite (a module exporting `run(): Promise<void>`, as
 * @vscode/test-electron expects) inside code-server's real extension host, headless.
 *
 * How: the web workbench reads `payload` from its URL. With `extensionDevelopmentPath` and
 * `extensionTestsPath` in it, VS Code loads the extension under development, calls the suite's
 * `run()`, and when it settles calls `window.codeAutomationExit(code)` (0 = passed) in the page —
 * a function we expose before navigating. The suite's console output (mocha's reporter) arrives as
 * page console messages, which are forwarded to our stdout.
 */
import { startCodeServer, type CodeServerOptions } from './codeServer';
import { openBrowser } from './browser';

export interface ExtensionHostSuiteOptions {
  label: string;
  /** Folder holding the extension's package.json. */
  extensionDevelopmentPath: string;
  /** The compiled suite module (or folder with index.js) exporting run(). */
  extensionTestsPath: string;
  /** Folder opened as the workspace. */
  workspace: string;
  env?: Record<string, string>;
  settings?: CodeServerOptions['settings'];
  workspaceTrust?: boolean;
  /** Whole-suite deadline (default 5 minutes). */
  timeoutMs?: number;
  /** Forward the page console to stdout (default true). */
  echo?: boolean;
}

export interface ExtensionHostSuiteResult {
  exitCode: number;
  /** Console lines of the run (mocha output, extension logs, errors). */
  console: string[];
  durationMs: number;
  offLoopback: string[];
}

export async function runExtensionHostSuite(
  opts: ExtensionHostSuiteOptions,
): Promise<ExtensionHostSuiteResult> {
  const started = Date.now();
  const server = await startCodeServer({
    label: opts.label,
    env: opts.env,
    settings: opts.settings,
    workspaceTrust: opts.workspaceTrust,
  });
  const session = await openBrowser({
    label: opts.label,
    forwardConsole: opts.echo === false ? 'none' : 'all',
  });
  let failed = true;
  try {
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let settle: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => {
      settle = resolve;
    });
    await session.page.exposeFunction('codeAutomationExit', (code: number) => {
      settle(Number(code));
    });
    const url = server.workbenchUrl(opts.workspace, [
      ['extensionDevelopmentPath', server.remoteUri(opts.extensionDevelopmentPath)],
      ['extensionTestsPath', server.remoteUri(opts.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ]);
    await session.page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `extension-host suite ${opts.extensionTestsPath} did not finish within ${Math.round(timeoutMs / 1000)} s ` +
                `(no codeAutomationExit call). Last console lines:\n${session.consoleLines.slice(-30).join('\n')}\n` +
                `code-server log: ${server.logFile}`,
            ),
          ),
        timeoutMs,
      );
    });
    const crashed = new Promise<never>((_, reject) => {
      session.page.once('crash', () => reject(new Error('the workbench page crashed')));
    });
    try {
      const exitCode = await Promise.race([exited, timedOut, crashed]);
      failed = exitCode !== 0;
      await session.consoleSettled();
      return {
        exitCode,
        console: [...session.consoleLines],
        durationMs: Date.now() - started,
        offLoopback: session.offLoopback(),
      };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await session.close({ failed });
    await server.stop();
  }
}
