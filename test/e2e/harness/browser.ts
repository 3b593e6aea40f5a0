/**
 * Debian's Chromium driven by playwright-core (no downloaded browser). Every request the page makes
 * is checked: anything not on loopback is recorded as a violation (the tests fail on it), and
 * Chromium's resolver maps every other host name to "not found" so nothing can leave the machine.
 */
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { track } from './cleanup';
import { chromiumPath, resultsDir } from './paths';

export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

export interface BrowserSessionOptions {
  label: string;
  /** 'all' prints every console line (extension-host suites: mocha's output); 'errors' only errors. */
  forwardConsole?: 'all' | 'errors' | 'none';
  /** Record a Playwright trace; kept only when `close({ failed: true })`. */
  trace?: boolean;
  viewport?: { width: number; height: number };
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests that tried to leave loopback (should stay empty). */
  offLoopback: string[];
  /** Console lines seen so far (also written to test-results/e2e/<label>/console.log). */
  consoleLines: string[];
  dir: string;
  screenshot(name: string, extraPaths?: string[]): Promise<string>;
  close(result?: { failed: boolean }): Promise<void>;
}

const allowedHosts = new Set(['127.0.0.1', 'localhost']);

/**
 * The text of a console message without the workbench logger's styling: it logs
 * `console.log('%cERR', 'color: #f33', message)`, which Chromium flattens to "ERR color: #f33 message".
 */
function consoleText(msg: ConsoleMessage): string {
  return msg.text().replace(/%c/g, '').trim().replace(/^(ERR|WARN|INFO|DEBUG|TRACE)\s+color:\s*#[0-9a-f]+;?\s*/i, '').trim();
}

/** Workbench chatter that says nothing about the code under test (kept in console.log, not echoed). */
function isWorkbenchNoise(text: string): boolean {
  return /^(INFO|WARN|ERR|DEBUG|TRACE)$/.test(text) ||
    /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|ChatSessionStore|\[Service Worker\])/.test(text) ||
    /web worker extension host is started in a same-origin iframe|allow-scripts and allow-same-origin|copilot-instructions|Failed to load resource: the server responded with a status of 404/.test(text);
}

export async function openBrowser(opts: BrowserSessionOptions): Promise<BrowserSession> {
  const dir = join(resultsDir, opts.label);
  mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const untrack = track({
    name: `chromium ${opts.label}`,
    close: () => browser.close(),
    // playwright-core itself kills the browsers it launched when this process exits.
    killNow: () => undefined,
  });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  if (opts.trace) await context.tracing.start({ screenshots: true, snapshots: true, title: opts.label });

  const offLoopback: string[] = [];
  context.on('request', (req) => {
    const url = req.url();
    let u: URL;
    try { u = new URL(url); } catch { return; }
    if (!/^(https?|wss?):$/.test(u.protocol)) return; // data:, blob:, vscode-webview:, about:
    if (!allowedHosts.has(u.hostname)) offLoopback.push(url);
  });

  const page = await context.newPage();
  const consoleLines: string[] = [];
  const consoleLog: WriteStream = createWriteStream(join(dir, 'console.log'));
  const forward = opts.forwardConsole ?? 'errors';
  page.on('console', (msg) => {
    const text = consoleText(msg);
    const line = `[${msg.type()}] ${text}`;
    consoleLines.push(line);
    consoleLog.write(line + '\n');
    if (isWorkbenchNoise(text)) return;
    if (forward === 'all' || (forward === 'errors' && msg.type() === 'error')) {
      process.stdout.write(`    [browser] ${text.replace(/\n/g, '\n    [browser] ')}\n`);
    }
  });
  // Failed loads are written to the console log with their URL (the console message lacks it).
  context.on('response', (res) => {
    if (res.status() >= 400) consoleLog.write(`[http ${res.status()}] ${res.url()}\n`);
  });
  page.on('pageerror', (err) => {
    const line = `[pageerror] ${err.message}`;
    consoleLines.push(line);
    consoleLog.write(line + '\n');
  });

  let closed = false;
  return {
    browser, context, page, offLoopback, consoleLines, dir,
    async screenshot(name: string, extraPaths: string[] = []): Promise<string> {
      const path = join(dir, `${name}.png`);
      const buf = await page.screenshot({ path });
      for (const p of extraPaths) {
        mkdirSync(join(p, '..'), { recursive: true });
        await import('node:fs/promises').then((fs) => fs.writeFile(p, buf));
      }
      return path;
    },
    async close(result?: { failed: boolean }): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        if (opts.trace) {
          if (result?.failed) {
            const path = join(dir, 'trace.zip');
            await context.tracing.stop({ path });
            process.stdout.write(`    trace kept: ${path} (npx playwright show-trace ${path})\n`);
          } else {
            await context.tracing.stop();
          }
        }
      } finally {
        consoleLog.end();
        await browser.close().catch(() => undefined);
        untrack();
      }
    },
  };
}

