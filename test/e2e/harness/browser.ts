/**
 * Debian's Chromium driven by playwright-core (no downloaded browser). Every request the page makes
 * is checked: anything not on loopback is recorded as a violation (the tests fail on it), and
 * Chromium's resolver maps every other host name to "not found" so nothing can leave the machine.
 */
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Page,
  type Request,
} from 'playwright-core';
import {
  createWriteStream,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { track } from './cleanup';
import { chromiumPath, resultsDir } from './paths';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
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
  offLoopback(): string[];
  /** Console lines seen so far (also written to test-results/e2e/<label>/console.log). */
  consoleLines: string[];
  /** Resolves when every console message received so far is in `consoleLines`. */
  consoleSettled(): Promise<void>;
  dir: string;
  screenshot(name: string, extraPaths?: string[]): Promise<string>;
  close(result?: { failed: boolean }): Promise<void>;
}

const allowedHosts = new Set(['127.0.0.1', 'localhost']);

/**
 * The text of a console message, formatted from its arguments as Node's console would. The
 * workbench forwards extension-host logs as `console.log('%cINFO', 'color: #33f', fmt, ...args)`:
 * the styled level prefix and its CSS are dropped and the rest (e.g. mocha's
 * `'%d passing (%s)', 12, '7s'`) is formatted on its own. Falls back to Playwright's flat text.
 */
async function consoleText(msg: ConsoleMessage): Promise<string> {
  try {
    const args = await Promise.all(msg.args().map((a) => a.jsonValue() as Promise<unknown>));
    if (args.length) return formatArgs(args).replace(/\s+$/, '');
  } catch {
    /* an argument that cannot be serialised */
  }
  return msg.text().replace(/%c/g, '').trim();
}

function formatArgs(args: unknown[]): string {
  const first = args[0];
  if (typeof first === 'string' && first.includes('%c') && !/%[sdifoOj]/.test(first)) {
    const styles = (first.match(/%c/g) ?? []).length;
    const prefix = first.replace(/%c/g, '').trim();
    const rest = args.slice(1 + styles);
    const body = rest.length ? format(...rest) : '';
    return /^(ERR|WARN|INFO|DEBUG|TRACE)$/i.test(prefix) ? body : `${prefix} ${body}`;
  }
  return format(...args);
}

/** Workbench chatter that says nothing about the code under test (kept in console.log, not echoed). */
function isWorkbenchNoise(text: string): boolean {
  return (
    /^(INFO|WARN|ERR|DEBUG|TRACE)$/.test(text) ||
    /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|ChatSessionStore|\[Service Worker\])/.test(
      text,
    ) ||
    /web worker extension host is started in a same-origin iframe|allow-scripts and allow-same-origin|copilot-instructions|Failed to load resource: the server responded with a status of 404/.test(
      text,
    )
  );
}

export async function openBrowser(opts: BrowserSessionOptions): Promise<BrowserSession> {
  const dir = join(resultsDir, opts.label);
  mkdirSync(dir, { recursive: true });
  // No stale pictures or traces from an earlier run of the same test (logs are rewritten anyway).
  for (const f of readdirSync(dir))
    if (f.endsWith('.png') || f === 'trace.zip') rmSync(join(dir, f), { force: true });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  const untrack = track({
    name: `chromium ${opts.label}`,
    close: () => browser.close(),
    // playwright-core itself kills the browsers it launched when this process exits.
    killNow: () => undefined,
  });
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1400, height: 900 },
  });
  if (opts.trace)
    await context.tracing.start({ screenshots: true, snapshots: true, title: opts.label });

  // Webviews load their resources from https://*.vscode-resource.vscode-cdn.net/…, a virtual host
  // that VS Code's service worker answers from the server; such requests never reach a network.
  // Anything else off loopback, or a virtual-host request the service worker did not answer, is a
  // violation (and Chromium's resolver rules above refuse every other host name anyway).
  const suspicious = new Map<Request, string>();
  context.on('request', (req) => {
    const url = req.url();
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return;
    }
    if (!/^(https?|wss?):$/.test(u.protocol)) return; // data:, blob:, vscode-webview:, about:
    if (!allowedHosts.has(u.hostname)) suspicious.set(req, url);
  });
  context.on('response', (res) => {
    if (res.fromServiceWorker() && suspicious.has(res.request())) suspicious.delete(res.request());
  });
  const offLoopback = (): string[] => [...suspicious.values()];

  const page = await context.newPage();
  const consoleLines: string[] = [];
  const consoleLog: WriteStream = createWriteStream(join(dir, 'console.log'));
  const forward = opts.forwardConsole ?? 'errors';
  // Console messages are formatted from their arguments (mocha logs `'%d passing (%s)', 12, '7s'`),
  // one after another so lines keep their order.
  let pending: Promise<void> = Promise.resolve();
  const enqueue = (job: () => void | Promise<void>): void => {
    pending = pending.then(job).catch(() => undefined); // one bad message must not stop the log
  };
  page.on('console', (msg) => {
    enqueue(async () => {
      const text = await consoleText(msg);
      const line = `[${msg.type()}] ${text}`;
      consoleLines.push(line);
      consoleLog.write(line + '\n');
      if (isWorkbenchNoise(text)) return;
      if (forward === 'all' || (forward === 'errors' && msg.type() === 'error')) {
        process.stdout.write(`    [browser] ${text.replace(/\n/g, '\n    [browser] ')}\n`);
      }
    });
  });
  page.on('pageerror', (err) => {
    enqueue(() => {
      const line = `[pageerror] ${err.message}`;
      consoleLines.push(line);
      consoleLog.write(line + '\n');
    });
  });

  let closed = false;
  return {
    browser,
    context,
    page,
    offLoopback,
    consoleLines,
    dir,
    consoleSettled: () => pending,
    async screenshot(name: string, extraPaths: string[] = []): Promise<string> {
      const path = join(dir, `${name}.png`);
      const buf = await page.screenshot({ path });
      for (const p of extraPaths) {
        mkdirSync(join(p, '..'), { recursive: true });
        writeFileSync(p, buf);
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
            process.stdout.write(
              `    trace kept: ${path} (view: npx playwright-core show-trace ${path})\n`,
            );
          } else {
            await context.tracing.stop();
          }
        }
      } finally {
        await browser.close().catch(() => undefined);
        untrack();
        // Console lines still being formatted are written before the log file closes.
        await pending;
        await new Promise<void>((resolve) => consoleLog.end(resolve));
      }
    },
  };
}
