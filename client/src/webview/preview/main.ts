/**
 * The order-preview webview app (bundled by esbuild to dist/webview/preview.js, runs in the webview's
 * browser context). Renders the state the host posts — with textContent only, never innerHTML —
 * and reports back what it rendered, so tests can prove the rows reached the DOM.
 *
 * A dry run streams: the host sends the whole state once, then the rows that arrived since in
 * batches (`append`). The order list stays responsive at tens of thousands of rows: the filtered,
 * sorted list is kept as row indices (new rows are merged in), and only the rows scrolled into
 * view are in the DOM.
 */
import { RECONCILE_SECTIONS, type ReconcileSection } from '../../../../protocol/reconcile';
import {
  isHostToWebview,
  isPreviewState,
  PREVIEW_ROW_LISTS,
  SORT_KEYS,
  type PreviewHead,
  type PreviewOrderRow,
  type PreviewRows,
  type PreviewState,
  type RenderReport,
  type SortKey,
  type WebviewToHost,
} from '../../../../protocol/preview';
import { filterWords, haystack, matchesWords, mergeSorted, SortKeys } from './view';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

interface ViewState {
  preview?: PreviewState;
  filter: string;
  sortKey: SortKey;
  sortDescending: boolean;
}

const restored = vscode.getState() as Partial<ViewState> | undefined;
const view: ViewState = {
  preview: isPreviewState(restored?.preview) ? restored?.preview : undefined,
  filter: typeof restored?.filter === 'string' ? restored.filter : '',
  sortKey: SORT_KEYS.includes(restored?.sortKey as SortKey)
    ? (restored?.sortKey as SortKey)
    : 'orderNumber',
  sortDescending: restored?.sortDescending === true,
};

/** Up to this many matching orders are all in the DOM; beyond, only those scrolled into view. */
const ALL_ROWS_LIMIT = 300;
/** Rows rendered above and below the visible ones while scrolling. */
const OVERSCAN = 20;
/** Row height (px) until a rendered row is measured. */
const DEFAULT_ROW_HEIGHT = 29;
/** A preview kept across a window reload holds at most this many orders (the rest: Refresh). */
const SAVED_ORDERS_LIMIT = 2000;
/** Skipped and needs-attention rows shown (the summary counts them all; the output lists them). */
const LIST_LIMIT = 500;

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'orderNumber', label: 'Order number' },
  { key: 'receiver', label: 'Receiver' },
  { key: 'company', label: 'Company' },
  { key: 'address', label: 'Address' },
  { key: 'items', label: 'Items' },
  { key: 'deliveryInstructions', label: 'Delivery instructions' },
  { key: 'shippingMethod', label: 'Shipping method' },
  { key: 'courier', label: 'Courier / service' },
  { key: 'customs', label: 'Customs (HS, origin)' },
  { key: 'account', label: 'Starshipit account' },
  { key: 'saleId', label: 'Source sale / fulfilment' },
];

// ---- tiny DOM helpers (textContent only) -----------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children)
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  const buttonElement = el('button', { type: 'button', ...attrs }, label);
  buttonElement.addEventListener('click', onClick);
  return buttonElement;
}

function table(
  headers: string[],
  rows: (string | Node)[][],
  attrs: Record<string, string> = {},
): HTMLElement {
  const head = el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)));
  const body = el('tbody');
  for (const row of rows) body.append(el('tr', {}, ...row.map((content) => el('td', {}, content))));
  return el('div', { class: 'table-wrap' }, el('table', attrs, el('thead', {}, head), body));
}

function section(title: string, count: number, content: Node, id: string): HTMLElement {
  return el('section', { id }, el('h2', {}, `${title} (${count})`), content);
}

/** The first `LIST_LIMIT` rows of a long list, with a line saying how many are left out. */
function capped<T>(rows: readonly T[]): { shown: readonly T[]; note: Node[] } {
  if (rows.length <= LIST_LIMIT) return { shown: rows, note: [] };
  return {
    shown: rows.slice(0, LIST_LIMIT),
    note: [
      el(
        'p',
        { class: 'muted' },
        `Showing the first ${LIST_LIMIT} of ${rows.length}; the output panel lists them all.`,
      ),
    ],
  };
}

// ---- the order list: indices of matching rows, in display order ------------------------------

const orderList = {
  /** Lower-case search text per order index, computed when first filtered. */
  hay: [] as string[],
  keys: new SortKeys([]),
  /** Indices into `preview.orders` that match the filter, sorted. */
  matching: [] as number[],
  /** The order whose payload is shown under the list. */
  selected: undefined as number | undefined,
};

function hayOf(rows: readonly PreviewOrderRow[], index: number): string {
  return (orderList.hay[index] ??= haystack(rows[index]));
}

/** Matching indices among `from`…`to` of the orders, sorted. */
function matchingRange(rows: readonly PreviewOrderRow[], from: number, to: number): number[] {
  const words = filterWords(view.filter);
  const out: number[] = [];
  if (words.length === 0) for (let i = from; i < to; i++) out.push(i);
  else for (let i = from; i < to; i++) if (matchesWords(hayOf(rows, i), words)) out.push(i);
  return out.sort(orderList.keys.comparator(view.sortKey, view.sortDescending));
}

function resetOrderList(rows: readonly PreviewOrderRow[]): void {
  orderList.hay = [];
  orderList.keys = new SortKeys(rows);
  orderList.selected = undefined;
  orderList.matching = matchingRange(rows, 0, rows.length);
}

/** Filter or sort changed: recompute the matching list from every row. */
function refilter(): void {
  const rows = view.preview?.orders ?? [];
  orderList.matching = matchingRange(rows, 0, rows.length);
}

// ---- layout: built once per state, updated in place ------------------------------------------

const app = document.getElementById('app') as HTMLElement;

const slots = {
  head: el('div'),
  orders: el('section', { id: 'orders' }),
  rest: el('div'),
};

const orderParts = buildOrderParts();

function buildOrderParts() {
  const title = el('h2');
  const search = el('input', {
    type: 'search',
    id: 'filter',
    placeholder: 'Filter orders (number, name, address, SKU…)',
    'aria-label': 'Filter orders',
  });
  search.addEventListener('input', () => {
    view.filter = search.value;
    refilter();
    scroller.scrollTop = 0;
    updateOrders();
    report();
  });
  const sort = el(
    'select',
    { id: 'sort', 'aria-label': 'Sort by' },
    ...COLUMNS.map((c) => el('option', { value: c.key }, `Sort: ${c.label}`)),
  );
  sort.addEventListener('change', () => sortBy(sort.value as SortKey, view.sortDescending));
  const direction = button('', () => sortBy(view.sortKey, !view.sortDescending), {
    id: 'sortDirection',
    class: 'secondary',
  });
  const exportButton = (format: 'csv' | 'json', id: string): HTMLButtonElement =>
    button(
      `Export ${format.toUpperCase()}`,
      () => vscode.postMessage({ type: 'export', format, orderNumbers: matchingNumbers() }),
      { id, class: 'secondary' },
    );
  const importButton = button(
    '',
    () => vscode.postMessage({ type: 'importThese', orderNumbers: matchingNumbers() }),
    { id: 'importThese' },
  );
  const shownCount = el('span', { class: 'muted', id: 'shownCount' });
  const toolbar = el(
    'div',
    { class: 'toolbar', role: 'toolbar' },
    search,
    sort,
    direction,
    exportButton('csv', 'exportCsv'),
    exportButton('json', 'exportJson'),
    importButton,
    shownCount,
  );
  const headRow = el('tr');
  const body = el('tbody');
  const tableEl = el('table', { id: 'ordersTable', class: 'wide' }, el('thead', {}, headRow), body);
  const scroller = el('div', { class: 'table-wrap order-scroll', id: 'ordersScroll' }, tableEl);
  let pending = false;
  scroller.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      renderOrderRows();
    });
  });
  const empty = el('p', { class: 'muted', id: 'ordersEmpty' });
  const payload = el('div', { id: 'payload' });
  return {
    title,
    toolbar,
    search,
    sort,
    direction,
    importButton,
    shownCount,
    headRow,
    body,
    scroller,
    empty,
    payload,
    rowHeight: DEFAULT_ROW_HEIGHT,
  };
}

function sortBy(key: SortKey, descending: boolean): void {
  view.sortKey = key;
  view.sortDescending = descending;
  refilter();
  updateOrders();
  report();
}

function matchingNumbers(): string[] {
  const rows = view.preview?.orders ?? [];
  return orderList.matching.map((i) => rows[i].orderNumber);
}

function headerCells(): HTMLElement[] {
  return COLUMNS.map((column) => {
    const th = el(
      'th',
      {
        scope: 'col',
        class: 'sortable',
        tabindex: '0',
        'aria-sort':
          column.key === view.sortKey ? (view.sortDescending ? 'descending' : 'ascending') : 'none',
      },
      column.label + (column.key === view.sortKey ? (view.sortDescending ? ' ▾' : ' ▴') : ''),
    );
    const toggle = (): void =>
      column.key === view.sortKey
        ? sortBy(column.key, !view.sortDescending)
        : sortBy(column.key, false);
    th.addEventListener('click', toggle);
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        toggle();
      }
    });
    return th;
  });
}

function orderRowElement(row: PreviewOrderRow, index: number): HTMLElement {
  const source = row.taskId ? `${row.saleId} / ${row.taskId}` : row.saleId;
  const number = button(row.orderNumber, () => showPayload(index), {
    class: 'link mono',
    title: 'Show the Starshipit order this run would send',
  });
  const warn = row.warnings.length
    ? [el('span', { class: 'warn', title: row.warnings.join(' · ') }, ' ⚠')]
    : [];
  const cell = (text: string, title = text): HTMLElement => el('td', { title }, text);
  return el(
    'tr',
    {
      class: `order${index === orderList.selected ? ' selected' : ''}`,
      'data-order-number': row.orderNumber,
    },
    el('td', {}, number, ...warn),
    cell(row.receiver),
    cell(row.company),
    cell(row.address),
    cell(row.items, `${row.itemCount} line(s): ${row.items}`),
    cell(row.deliveryInstructions),
    cell(row.shippingMethod),
    cell(row.courier),
    cell(row.customs),
    cell(row.account),
    el('td', { class: 'mono', title: source }, source),
  );
}

function spacer(height: number): HTMLElement {
  const td = el('td', { colspan: String(COLUMNS.length) });
  td.style.height = `${height}px`;
  return el('tr', { class: 'spacer', 'aria-hidden': 'true' }, td);
}

/** The rows in view (all of them when few match), with spacers standing in for the rest. */
function renderOrderRows(): void {
  const rows = view.preview?.orders ?? [];
  const matching = orderList.matching;
  let start = 0;
  let end = matching.length;
  if (matching.length > ALL_ROWS_LIMIT) {
    const visibleRows = Math.ceil((orderParts.scroller.clientHeight || 600) / orderParts.rowHeight);
    start = Math.max(
      0,
      Math.floor(orderParts.scroller.scrollTop / orderParts.rowHeight) - OVERSCAN,
    );
    end = Math.min(matching.length, start + visibleRows + 2 * OVERSCAN);
  }
  const parts: HTMLElement[] = [];
  if (start > 0) parts.push(spacer(start * orderParts.rowHeight));
  for (let k = start; k < end; k++) parts.push(orderRowElement(rows[matching[k]], matching[k]));
  if (end < matching.length) parts.push(spacer((matching.length - end) * orderParts.rowHeight));
  orderParts.body.replaceChildren(...parts);
  const first = orderParts.body.querySelector('tr.order') as HTMLElement | null;
  const measured = first?.getBoundingClientRect().height ?? 0;
  if (measured > 0 && Math.abs(measured - orderParts.rowHeight) > 0.5) {
    orderParts.rowHeight = measured;
    if (matching.length > ALL_ROWS_LIMIT) renderOrderRows();
  }
}

function showPayload(index: number): void {
  const row = view.preview?.orders[index];
  orderList.selected = index;
  if (!row) return orderParts.payload.replaceChildren();
  orderParts.payload.replaceChildren(
    el('h3', {}, `${row.orderNumber}: the Starshipit order a live run sends`),
    ...(row.warnings.length
      ? [el('p', { class: 'warning' }, `⚠ ${row.warnings.join(' · ')}`)]
      : []),
    el('pre', {}, JSON.stringify(row.payload, null, 2)),
  );
  renderOrderRows();
}

/** Title, toolbar and rows of the order list (after new rows, a filter or a sort). */
function updateOrders(): void {
  const state = view.preview;
  if (!state || state.kind === 'writeback' || state.kind === 'reconcile') {
    slots.orders.hidden = true;
    return;
  }
  slots.orders.hidden = false;
  const total = state.orders.length;
  const shown = orderList.matching.length;
  orderParts.title.textContent = `Orders to create in Starshipit (${total})`;
  if (orderParts.search.value !== view.filter) orderParts.search.value = view.filter;
  orderParts.sort.value = view.sortKey;
  orderParts.direction.textContent = view.sortDescending ? '↓ descending' : '↑ ascending';
  orderParts.headRow.replaceChildren(...headerCells());
  orderParts.shownCount.textContent = view.filter
    ? `${shown} of ${total} shown`
    : `${total} order(s)`;
  const importable = state.kind === 'import' && state.status === 'ready';
  orderParts.importButton.hidden = !importable;
  orderParts.importButton.textContent = `Import these ${shown} now`;
  orderParts.importButton.toggleAttribute('disabled', !state.canImport || shown === 0);
  orderParts.importButton.title = !state.canImport
    ? 'Disabled in Restricted Mode'
    : shown === 0
      ? 'No order matches the filter'
      : '';
  orderParts.empty.hidden = shown > 0;
  orderParts.scroller.hidden = shown === 0;
  orderParts.empty.textContent =
    state.status === 'loading'
      ? 'No order mapped yet…'
      : view.filter
        ? 'No order matches the filter.'
        : 'No order would be created.';
  renderOrderRows();
}

function renderHead(state: PreviewState): void {
  const parts: Node[] = [header(state)];
  if (state.status === 'error') {
    parts.push(
      el(
        'div',
        { class: 'error', role: 'alert', id: 'error' },
        el('strong', {}, 'The preview failed. '),
        state.error ?? 'Unknown error.',
      ),
    );
  }
  if (state.status === 'loading') {
    parts.push(
      el(
        'p',
        { class: 'status loading', role: 'status', id: 'loading' },
        `Running the dry run… ${state.progress}`.trim(),
      ),
    );
  }
  slots.head.replaceChildren(...parts);
}

function writebacksSection(state: PreviewState): Node | undefined {
  if (state.kind === 'import' && !state.writebacks.length) return undefined;
  return section(
    'Tracking to write back to Cin7 Core',
    state.writebacks.length,
    state.kind === 'writeback'
      ? el('div', {}, writebackToolbar(), writebacksTable(state))
      : writebacksTable(state),
    'writebacks',
  );
}

function changesSection(state: PreviewState): Node | undefined {
  if (!state.changes.length) return undefined;
  const { shown, note } = capped(state.changes);
  return section(
    'Changes to imported orders',
    state.changes.length,
    el(
      'div',
      {},
      table(
        ['Action', 'Order number', 'Details'],
        shown.map((change) => [
          change.action === 'update' ? 'Update' : 'Withdraw',
          change.orderNumber,
          el('ul', {}, ...change.details.map((detail) => el('li', {}, detail))),
        ]),
      ),
      ...note,
    ),
    'changes',
  );
}

function attentionSection(state: PreviewState): Node | undefined {
  if (!state.attention.length) return undefined;
  const { shown, note } = capped(state.attention);
  return section(
    'Needs attention',
    state.attention.length,
    el(
      'div',
      {},
      table(
        ['Order number', 'Sale', 'Code', 'Reason', 'Retryable'],
        shown.map((item) => [
          item.orderNumber,
          item.saleId,
          item.code,
          item.reason,
          item.retryable ? 'yes' : 'no',
        ]),
      ),
      ...note,
    ),
    'attention',
  );
}

function skippedSection(state: PreviewState): Node | undefined {
  if (!state.skipped.length && state.status !== 'ready') return undefined;
  const { shown, note } = capped(state.skipped);
  return section(
    'Skipped',
    state.skipped.length,
    state.skipped.length
      ? el(
          'div',
          {},
          table(
            ['Order number', 'Sale', 'Reason', 'Code'],
            shown.map((skip) => [skip.orderNumber, skip.saleId, skip.reason, skip.code]),
          ),
          ...note,
        )
      : el('p', { class: 'muted' }, 'No sale was skipped.'),
    'skipped',
  );
}

function warningsSection(state: PreviewState): Node | undefined {
  if (!state.warnings.length) return undefined;
  const { shown, note } = capped(state.warnings);
  return section(
    'Warnings',
    state.warnings.length,
    el('div', {}, el('ul', {}, ...shown.map((warning) => el('li', {}, warning))), ...note),
    'warnings',
  );
}

/** Everything below the orders: writebacks, changes, needs-attention, skipped and warnings. */
function renderRest(state: PreviewState): void {
  if (state.kind === 'reconcile') {
    slots.rest.replaceChildren(...reconcileSections(state));
    return;
  }
  const parts = [
    writebacksSection(state),
    changesSection(state),
    attentionSection(state),
    skippedSection(state),
    warningsSection(state),
  ].filter((part): part is Node => part !== undefined);
  slots.rest.replaceChildren(...parts);
}

/** Everything but the order rows' list state, which `updateOrders` keeps. */
function render(): void {
  const state = view.preview;
  saveViewState();
  if (!state) {
    app.replaceChildren(el('p', { class: 'status', role: 'status' }, 'Loading the preview…'));
    return;
  }
  if (app.firstChild !== slots.head) {
    slots.orders.replaceChildren(
      orderParts.title,
      orderParts.toolbar,
      orderParts.scroller,
      orderParts.empty,
      orderParts.payload,
    );
    app.replaceChildren(slots.head, slots.orders, slots.rest);
  }
  renderHead(state);
  updateOrders();
  renderRest(state);
  report();
}

/**
 * Kept across a window reload: the filter and sort, and the preview itself when it is small
 * (saving a large one on every batch would cost more than the rendering).
 */
function saveViewState(): void {
  const state = view.preview;
  if (!state || (state.status !== 'loading' && state.orders.length <= SAVED_ORDERS_LIMIT)) {
    vscode.setState(view);
    return;
  }
  const { preview, ...rest } = view;
  void preview;
  vscode.setState(
    state.status === 'loading'
      ? rest
      : {
          ...rest,
          preview: {
            ...emptyLists(state),
            status: 'error',
            error: `This preview of ${state.orders.length} orders is not kept across a window reload. Refresh it to run the dry run again.`,
          },
        },
  );
}

function emptyLists(state: PreviewState): PreviewState {
  const copy = { ...state };
  for (const list of PREVIEW_ROW_LISTS) (copy[list] as unknown[]) = [];
  return copy;
}

function header(state: PreviewState): HTMLElement {
  const title =
    state.kind === 'writeback'
      ? 'Tracking writeback preview'
      : state.kind === 'sync'
        ? 'Sync preview'
        : state.kind === 'reconcile'
          ? 'Reconcile: Cin7 Core, Starshipit and the journal'
          : 'Order preview';
  const meta = `${state.fileLabel} · dry run · ${new Date(state.generatedAt).toLocaleString()}`;
  const sum = state.summary;
  const summary = sum
    ? `${sum.created} order(s) to create, ${sum.writtenBack} writeback(s), ${sum.skipped} skipped, ${sum.needsAttention} needing attention${sum.updated ? `, ${sum.updated} update(s)` : ''}${sum.withdrawn ? `, ${sum.withdrawn} withdrawal(s)` : ''}. ` +
      `A live run needs about ${sum.estimatedDearCalls} Cin7 Core call(s), ~${Math.ceil(sum.estimatedSeconds)} s.${sum.cancelled ? ' (The dry run was cancelled; the lists are partial.)' : ''}`
    : '';
  return el(
    'header',
    {},
    el('h1', {}, title),
    el('p', { class: 'muted' }, meta),
    ...(summary ? [el('p', { id: 'summary' }, summary)] : []),
    el(
      'div',
      { class: 'actions' },
      button('Refresh', () => vscode.postMessage({ type: 'refresh' }), {
        id: 'refresh',
        title: 'Run the dry run again',
      }),
      button('Show output', () => vscode.postMessage({ type: 'showOutput' }), {
        class: 'secondary',
      }),
    ),
  );
}

function writebackToolbar(): HTMLElement {
  return el(
    'div',
    { class: 'toolbar' },
    button(
      'Export CSV',
      () => vscode.postMessage({ type: 'export', format: 'csv', orderNumbers: [] }),
      { class: 'secondary' },
    ),
    button(
      'Export JSON',
      () => vscode.postMessage({ type: 'export', format: 'json', orderNumbers: [] }),
      { class: 'secondary' },
    ),
  );
}

function writebacksTable(state: PreviewState): Node {
  if (state.writebacks.length === 0)
    return el(
      'p',
      { class: 'muted' },
      state.status === 'loading' ? 'Nothing found yet…' : 'No tracking would be written back.',
    );
  const { shown, note } = capped(state.writebacks);
  return el(
    'div',
    {},
    table(
      ['Order number', 'Fulfilment (TaskID)', 'Carrier', 'Tracking numbers', 'Ship date'],
      shown.map((w) => [w.orderNumber, w.taskId, w.carrier, w.trackingNumbers, w.shipDate]),
      { id: 'writebacksTable' },
    ),
    ...note,
  );
}

/** The reconcile mode: one section per kind of disagreement, each with its findings. */
function reconcileSections(state: PreviewState): Node[] {
  const reconcile = state.reconcile;
  if (!reconcile)
    return state.status === 'loading'
      ? [el('p', { class: 'status loading', role: 'status', id: 'loading' }, 'Comparing…')]
      : [];
  const total = reconcile.findings.length;
  const parts: Node[] = [
    el(
      'p',
      { id: 'reconcileSummary' },
      `Since ${new Date(reconcile.since).toLocaleDateString()}: ${reconcile.checked.sales} Cin7 Core sale(s), ${reconcile.checked.orders} Starshipit order(s) and ${reconcile.checked.journal} journal order(s) compared — ${total === 0 ? 'both systems agree.' : `${total} disagreement(s), ${reconcile.fixable} with a safe fix (run "dear-starshipit reconcile --apply").`} Calls: Cin7 Core ${reconcile.dearCalls}, Starshipit ${reconcile.starshipitCalls}.`,
    ),
  ];
  for (const { section: key, title } of RECONCILE_SECTIONS) {
    const rows = reconcile.findings.filter((f) => f.section === key);
    parts.push(
      section(
        title,
        rows.length,
        rows.length
          ? table(
              ['Order number', 'Sale', 'Starshipit order ids', 'What each side holds', 'Fix'],
              rows.map((f) => [f.orderNumber, f.saleId, f.orderIds, f.detail, f.fix]),
              { id: `reconcile-${key}` },
            )
          : el('p', { class: 'muted' }, 'None.'),
        `section-${key}`,
      ),
    );
  }
  return parts;
}

/** Finding rows in the DOM per section (the report proves what was rendered). */
function renderedFindings(): Partial<Record<ReconcileSection, number>> {
  const out: Partial<Record<ReconcileSection, number>> = {};
  for (const { section: key } of RECONCILE_SECTIONS)
    out[key] = document.querySelectorAll(`#reconcile-${key} tbody tr`).length;
  return out;
}

function report(): void {
  const state = view.preview;
  if (!state) return;
  // Read the order numbers back from the DOM: the report proves what was rendered, not what was meant.
  const rendered = Array.from(document.querySelectorAll('#ordersTable tr.order')).map(
    (tr) => tr.getAttribute('data-order-number') ?? '',
  );
  const renderReport: RenderReport = {
    status: state.status,
    kind: state.kind,
    orderNumbers: rendered,
    matchingOrders: orderList.matching.length,
    totalOrders: state.orders.length,
    skipped: state.skipped.length,
    writebacks: document.querySelectorAll('#writebacksTable tbody tr').length,
    changes: state.changes.length,
    attention: state.attention.length,
    filter: view.filter,
    sortKey: view.sortKey,
    sortDescending: view.sortDescending,
  };
  if (state.error) renderReport.error = state.error;
  if (state.kind === 'reconcile') renderReport.findings = renderedFindings();
  vscode.postMessage({ type: 'rendered', report: renderReport });
}

// ---- messages from the host ------------------------------------------------------------------

function replaceState(state: PreviewState): void {
  view.preview = state;
  resetOrderList(state.orders);
  orderParts.payload.replaceChildren();
  render();
}

function appendRows(head: PreviewHead, rows: PreviewRows): void {
  const state = view.preview;
  if (!state) return;
  const from = state.orders.length;
  for (const list of PREVIEW_ROW_LISTS) (state[list] as unknown[]).push(...rows[list]);
  Object.assign(state, head);
  if (!head.error) delete state.error;
  if (!head.summary) delete state.summary;
  const added = matchingRange(state.orders, from, state.orders.length);
  orderList.matching = mergeSorted(
    orderList.matching,
    added,
    orderList.keys.comparator(view.sortKey, view.sortDescending),
  );
  render();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebview(message)) {
    console.warn('dear preview: ignored a malformed message from the host');
    return;
  }
  if (message.type === 'state') replaceState(message.state);
  else appendRows(message.head, message.rows);
});

if (view.preview) resetOrderList(view.preview.orders);
render();
vscode.postMessage({ type: 'ready' });
