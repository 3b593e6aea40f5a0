/**
 * Scenario 5b: the preview webview at 50,000 order rows. The production webview bundle
 * (dist/webview/preview.js) and its stylesheet run in a page of headless Chromium (playwright-core,
 * the e2e suites' Chromium) with a stand-in for VS Code's webview API that records what the webview
 * posts back. Messages are batched as the host batches them (PreviewPanel / nextPreviewMessage:
 * the state with the first PREVIEW_BATCH_ROWS rows, then appends of as many). Measured inside the
 * page, from posting a message to the frame after the webview's render report (so the rows were
 * laid out and painted):
 *   - a finished 50,000-row preview sent to a (re)opened panel: first rows painted, all rows in;
 *   - a dry run streaming in: batches of rows as the host posts them;
 *   - typing a filter word, clearing it, and a sort by another column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { PREVIEW_BATCH_ROWS } from '../../protocol/preview';

export interface PreviewFigures {
  rows: number;
  batch: number;
  /** Finished preview sent to a (re)opened panel: first message posted → its rows painted. */
  firstPaintMs: number;
  /** Finished preview: first message posted → every row counted and painted. */
  fullPaintMs: number;
  /** Streaming: first batch posted → its rows painted. */
  streamFirstRowsMs: number;
  /** Streaming: first batch posted → the last batch's rows counted and painted. */
  streamAllRowsMs: number;
  /** The longest time one batch held the page (message → painted). */
  streamLongestBatchMs: number;
  filterMs: number;
  filterMatches: number;
  clearFilterMs: number;
  sortMs: number;
  scrollMs: number;
  /** Order rows in the DOM after scrolling to the middle (virtualised: a screenful, not 50,000). */
  domRows: number;
  chromium: string;
}

const PREVIEW_TIMEOUT_MS = 120_000;

export const CHROMIUM_PATH = process.env.DEAR_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Runs inside the page (plain JavaScript: the bench is compiled without DOM types). */
const PAGE_SCRIPT = String.raw`
window.__posted = [];
window.__waiters = [];
window.acquireVsCodeApi = () => ({
  postMessage(m) {
    window.__posted.push(m);
    for (const w of window.__waiters.splice(0)) if (!w(m)) window.__waiters.push(w);
  },
  getState() { return undefined; },
  setState() {},
});
const cities = ['Sydney NSW 2000', 'Melbourne VIC 3000', 'Brisbane QLD 4000', 'Perth WA 6000',
  'Adelaide SA 5000', 'Hobart TAS 7000', 'Auckland 1010', 'Christchurch 8023'];
const names = ['Ann Lee', 'Bob Smith', 'Zoë Taylor', 'Fatima Brown', 'Kenta Ito', 'Café Ñandú'];
window.__row = (i) => {
  const n = 'SO-' + String(i + 1).padStart(6, '0');
  const city = cities[i % cities.length];
  const name = names[i % names.length];
  const items = [{ sku: 'SKU-' + (i % 97), description: 'Widget ' + (i % 13), quantity: 1 + (i % 3) },
    { sku: 'SKU-' + (i % 89), description: 'Gadget ' + (i % 7), quantity: 1 }];
  return {
    orderNumber: n, receiver: name, company: i % 5 ? '' : 'Acme Pty Ltd',
    address: (i % 200) + ' Main Street, ' + city + ', Australia',
    items: items.map((x) => x.quantity + ' × ' + x.sku + ' ' + x.description).join('; '),
    itemCount: 2, deliveryInstructions: i % 4 ? '' : 'Leave at the door',
    shippingMethod: ['Express', 'Standard', 'Overnight'][i % 3],
    courier: i % 3 ? '' : 'AusPost / Parcel Post', customs: i % 7 ? '' : 'HS 9403.60, AU', account: i % 2 ? '' : 'Auckland warehouse',
    saleId: 'sale-' + i, taskId: i % 6 ? '' : 'task-' + i,
    warnings: i % 50 ? [] : ['the sale is in NZD, not the Cin7 Core base currency AUD'],
    payload: { order_number: n, reference: 'PO-' + i, shipping_method: 'Express', currency: 'AUD',
      destination: { name, street: (i % 200) + ' Main Street', city, country: 'Australia' }, items },
  };
};
window.__state = (rows, status) => ({
  kind: 'import', status, settingsUri: 'file:///w/dear-starshipit.yaml', fileLabel: 'dear-starshipit.yaml',
  generatedAt: new Date(0).toISOString(), progress: '', orders: rows,
  skipped: [], writebacks: [], changes: [], attention: [], warnings: [], canImport: true,
  ...(status === 'ready' ? { summary: { created: rows.length, skipped: 0, needsAttention: 0,
    writtenBack: 0, updated: 0, withdrawn: 0, dearCalls: rows.length, estimatedDearCalls: rows.length,
    estimatedSeconds: rows.length, cancelled: false } } : {}),
});
const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
/** Posts a message the way the host does and resolves after the frame that follows the report it waits for. */
window.__measure = async (message, accept) => {
  const t0 = performance.now();
  const reported = new Promise((resolve) =>
    window.__waiters.push((m) => (m.type === 'rendered' && accept(m.report) ? (resolve(m.report), true) : false)));
  if (message) window.postMessage(message, '*');
  const report = await reported;
  await frame();
  return { ms: performance.now() - t0, report };
};
`;

export async function previewScenario(
  root: string,
  rows: number,
  batch = PREVIEW_BATCH_ROWS,
): Promise<PreviewFigures> {
  const bundle = fs.readFileSync(path.join(root, 'dist/webview/preview.js'), 'utf8');
  const css = fs.readFileSync(path.join(root, 'client/media/preview.css'), 'utf8');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.setContent(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${css}</style></head>` +
        `<body><main id="app"></main></body></html>`,
    );
    await page.addScriptTag({ content: PAGE_SCRIPT });
    await page.addScriptTag({ content: bundle });
    // A webview that never reports a render fails this row instead of holding the whole bench.
    page.setDefaultTimeout(PREVIEW_TIMEOUT_MS);
    const figures = await Promise.race([
      page.evaluate(`(${measureInPage.toString()})(${rows}, ${batch})`),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no render report within ${PREVIEW_TIMEOUT_MS / 1000} s`)),
          PREVIEW_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    return {
      ...(figures as Omit<PreviewFigures, 'rows' | 'batch' | 'chromium'>),
      rows,
      batch,
      chromium: browser.version(),
    } satisfies PreviewFigures;
  } finally {
    await browser.close();
  }
}

/** Serialised into the page; the names it uses are the ones PAGE_SCRIPT defines. */
function measureInPage(rows: number, batch: number): Promise<unknown> {
  const w = globalThis as unknown as Record<string, (...a: unknown[]) => unknown>;
  const all: unknown[] = [];
  for (let i = 0; i < rows; i++) all.push(w.__row(i));
  type Report = {
    totalOrders: number;
    matchingOrders: number;
    orderNumbers: string[];
    filter: string;
  };
  type Measured = { ms: number; report: Report };
  const measure = w.__measure as (m: unknown, accept: (r: Report) => boolean) => Promise<Measured>;
  const page = globalThis as unknown as {
    document: { getElementById(id: string): unknown };
    requestAnimationFrame(callback: () => void): void;
  };
  const doc = page.document;
  const nextFrame = () => new Promise<void>((r) => page.requestAnimationFrame(() => r()));
  return (async () => {
    const out: Record<string, number> = {};
    const headOf = (status: string) => {
      const head = { ...(w.__state([], status) as Record<string, unknown>) };
      for (const k of ['orders', 'skipped', 'writebacks', 'changes', 'attention', 'warnings'])
        delete head[k];
      return head;
    };
    const noRows = { skipped: [], writebacks: [], changes: [], attention: [], warnings: [] };
    /** The state with the first batch, then appends; `finished`: the run ended before. */
    const send = async (finished: boolean) => {
      const t0 = performance.now();
      let first = 0;
      let longest = 0;
      for (let from = 0; from < rows; from += batch) {
        const more = from + batch < rows;
        const status = more || !finished ? 'loading' : 'ready';
        const chunk = all.slice(from, from + batch);
        const message =
          from === 0
            ? { type: 'state', state: w.__state(chunk, status) }
            : { type: 'append', head: headOf(status), rows: { orders: chunk, ...noRows } };
        const expected = Math.min(rows, from + batch);
        const m = await measure(
          message,
          (r) => r.totalOrders === expected && r.orderNumbers.length > 0,
        );
        longest = Math.max(longest, m.ms);
        if (from === 0) first = performance.now() - t0;
      }
      if (!finished)
        await measure(
          { type: 'append', head: headOf('ready'), rows: { orders: [], ...noRows } },
          () => true,
        );
      return { first, all: performance.now() - t0, longest };
    };
    const reopened = await send(true);
    out.firstPaintMs = reopened.first;
    out.fullPaintMs = reopened.all;
    const streamed = await send(false);
    out.streamFirstRowsMs = streamed.first;
    out.streamAllRowsMs = streamed.all;
    out.streamLongestBatchMs = streamed.longest;

    const input = doc.getElementById('filter') as {
      value: string;
      dispatchEvent(e: unknown): void;
    };
    const typeFilter = (text: string) => {
      input.value = text;
      input.dispatchEvent(new Event('input'));
    };
    const filtering = measure(null, (r) => r.filter === 'sydney express');
    typeFilter('sydney express');
    const f = await filtering;
    out.filterMs = f.ms;
    out.filterMatches = f.report.matchingOrders;
    const clearing = measure(null, (r) => r.filter === '' && r.matchingOrders === rows);
    typeFilter('');
    out.clearFilterMs = (await clearing).ms;

    const sort = doc.getElementById('sort') as { value: string; dispatchEvent(e: unknown): void };
    const sorting = measure(null, () => true);
    sort.value = 'receiver';
    sort.dispatchEvent(new Event('change'));
    out.sortMs = (await sorting).ms;

    const scroller = doc.getElementById('ordersScroll') as {
      scrollTop: number;
      scrollHeight: number;
      querySelectorAll(s: string): { length: number };
    };
    const s0 = performance.now();
    scroller.scrollTop = scroller.scrollHeight / 2;
    await nextFrame();
    await nextFrame();
    await nextFrame();
    out.scrollMs = performance.now() - s0;
    out.domRows = scroller.querySelectorAll('tr.order').length;
    return out;
  })();
}
