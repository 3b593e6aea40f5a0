/**
 * The order-preview webview app (bundled by esbuild to dist/webview/preview.js, runs in the webview's
 * browser context). Renders the state the host posts — with textContent only, never innerHTML —
 * and reports back what it rendered, so tests can prove the rows reached the DOM.
 */
import { RECONCILE_SECTIONS, type ReconcileSection } from '../../../../protocol/reconcile';
import {
  isHostToWebview,
  isPreviewState,
  SORT_KEYS,
  type PreviewOrderRow,
  type PreviewState,
  type RenderReport,
  type SortKey,
  type WebviewToHost,
} from '../../../../protocol/preview';
import { filterAndSort } from './view';

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

/** Rows put in the DOM at most (the rest are counted, exported and importable). */
const MAX_RENDERED_ROWS = 2000;

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
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

function table(
  headers: string[],
  rows: (string | Node)[][],
  attrs: Record<string, string> = {},
): HTMLElement {
  const head = el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)));
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
  return el('div', { class: 'table-wrap' }, el('table', attrs, el('thead', {}, head), body));
}

function section(title: string, count: number, content: Node, id: string): HTMLElement {
  return el('section', { id }, el('h2', {}, `${title} (${count})`), content);
}

// ---- filtering and sorting -----------------------------------------------------------------

function visibleOrders(state: PreviewState): PreviewOrderRow[] {
  return filterAndSort(state.orders, view.filter, view.sortKey, view.sortDescending);
}

// ---- rendering ------------------------------------------------------------------------------

const app = document.getElementById('app') as HTMLElement;

function render(): void {
  const state = view.preview;
  vscode.setState(view);
  if (!state) {
    app.replaceChildren(el('p', { class: 'status', role: 'status' }, 'Loading the preview…'));
    return;
  }
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
  if (state.kind === 'reconcile') {
    parts.push(...reconcileSections(state));
    app.replaceChildren(...parts);
    report(state, []);
    return;
  }
  const orders = visibleOrders(state);
  if (state.kind !== 'writeback') {
    parts.push(toolbar(state, orders));
    parts.push(
      section(
        'Orders to create in Starshipit',
        state.orders.length,
        ordersTable(orders, state),
        'orders',
      ),
    );
  }
  if (state.kind !== 'import' || state.writebacks.length) {
    parts.push(
      section(
        'Tracking to write back to Cin7 Core',
        state.writebacks.length,
        state.kind === 'writeback'
          ? el('div', {}, writebackToolbar(state), writebacksTable(state))
          : writebacksTable(state),
        'writebacks',
      ),
    );
  }
  if (state.changes.length) {
    parts.push(
      section(
        'Changes to imported orders',
        state.changes.length,
        table(
          ['Action', 'Order number', 'Details'],
          state.changes.map((c) => [
            c.action === 'update' ? 'Update' : 'Withdraw',
            c.orderNumber,
            el('ul', {}, ...c.details.map((d) => el('li', {}, d))),
          ]),
        ),
        'changes',
      ),
    );
  }
  if (state.attention.length) {
    parts.push(
      section(
        'Needs attention',
        state.attention.length,
        table(
          ['Order number', 'Sale', 'Code', 'Reason', 'Retryable'],
          state.attention.map((a) => [
            a.orderNumber,
            a.saleId,
            a.code,
            a.reason,
            a.retryable ? 'yes' : 'no',
          ]),
        ),
        'attention',
      ),
    );
  }
  if (state.skipped.length || state.status === 'ready') {
    parts.push(
      section(
        'Skipped',
        state.skipped.length,
        state.skipped.length
          ? table(
              ['Order number', 'Sale', 'Reason', 'Code'],
              state.skipped.map((s) => [s.orderNumber, s.saleId, s.reason, s.code]),
            )
          : el('p', { class: 'muted' }, 'No sale was skipped.'),
        'skipped',
      ),
    );
  }
  if (state.warnings.length) {
    parts.push(
      section(
        'Warnings',
        state.warnings.length,
        el('ul', {}, ...state.warnings.map((w) => el('li', {}, w))),
        'warnings',
      ),
    );
  }
  app.replaceChildren(...parts);
  report(state, orders);
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
  const s = state.summary;
  const summary = s
    ? `${s.created} order(s) to create, ${s.writtenBack} writeback(s), ${s.skipped} skipped, ${s.needsAttention} needing attention${s.updated ? `, ${s.updated} update(s)` : ''}${s.withdrawn ? `, ${s.withdrawn} withdrawal(s)` : ''}. ` +
      `A live run needs about ${s.estimatedDearCalls} Cin7 Core call(s), ~${Math.ceil(s.estimatedSeconds)} s.${s.cancelled ? ' (The dry run was cancelled; the lists are partial.)' : ''}`
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

function toolbar(state: PreviewState, orders: PreviewOrderRow[]): HTMLElement {
  const search = el('input', {
    type: 'search',
    id: 'filter',
    placeholder: 'Filter orders (number, name, address, SKU…)',
    'aria-label': 'Filter orders',
    value: view.filter,
  });
  search.addEventListener('input', () => {
    view.filter = search.value;
    const pos = search.selectionStart;
    render();
    const again = document.getElementById('filter') as HTMLInputElement | null;
    again?.focus();
    if (again && pos !== null) again.setSelectionRange(pos, pos);
  });
  const sort = el(
    'select',
    { id: 'sort', 'aria-label': 'Sort by' },
    ...COLUMNS.map((c) => {
      const o = el('option', { value: c.key }, `Sort: ${c.label}`);
      if (c.key === view.sortKey) o.setAttribute('selected', '');
      return o;
    }),
  );
  sort.addEventListener('change', () => {
    view.sortKey = sort.value as SortKey;
    render();
  });
  const dir = button(
    view.sortDescending ? '↓ descending' : '↑ ascending',
    () => {
      view.sortDescending = !view.sortDescending;
      render();
    },
    { id: 'sortDirection', class: 'secondary' },
  );
  const numbers = orders.map((o) => o.orderNumber);
  const items: Node[] = [
    search,
    sort,
    dir,
    button(
      'Export CSV',
      () => vscode.postMessage({ type: 'export', format: 'csv', orderNumbers: numbers }),
      { id: 'exportCsv', class: 'secondary' },
    ),
    button(
      'Export JSON',
      () => vscode.postMessage({ type: 'export', format: 'json', orderNumbers: numbers }),
      { id: 'exportJson', class: 'secondary' },
    ),
  ];
  if (state.kind === 'import' && state.status === 'ready') {
    const importButton = button(
      `Import these ${numbers.length} now`,
      () => vscode.postMessage({ type: 'importThese', orderNumbers: numbers }),
      { id: 'importThese' },
    );
    if (!state.canImport || numbers.length === 0) {
      importButton.setAttribute('disabled', '');
      importButton.title = state.canImport
        ? 'No order matches the filter'
        : 'Disabled in Restricted Mode';
    }
    items.push(importButton);
  }
  const shown = view.filter
    ? `${orders.length} of ${state.orders.length} shown`
    : `${state.orders.length} order(s)`;
  return el(
    'div',
    { class: 'toolbar', role: 'toolbar' },
    ...items,
    el('span', { class: 'muted', id: 'shownCount' }, shown),
  );
}

function writebackToolbar(state: PreviewState): HTMLElement {
  void state;
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

function ordersTable(orders: PreviewOrderRow[], state: PreviewState): Node {
  if (orders.length === 0) {
    return el(
      'p',
      { class: 'muted' },
      state.status === 'loading'
        ? 'No order mapped yet…'
        : view.filter
          ? 'No order matches the filter.'
          : 'No order would be created.',
    );
  }
  const headRow = el(
    'tr',
    {},
    ...COLUMNS.map((c) => {
      const th = el(
        'th',
        {
          scope: 'col',
          class: 'sortable',
          tabindex: '0',
          'aria-sort':
            c.key === view.sortKey ? (view.sortDescending ? 'descending' : 'ascending') : 'none',
        },
        c.label + (c.key === view.sortKey ? (view.sortDescending ? ' ▾' : ' ▴') : ''),
      );
      const sortBy = (): void => {
        if (view.sortKey === c.key) view.sortDescending = !view.sortDescending;
        else {
          view.sortKey = c.key;
          view.sortDescending = false;
        }
        render();
      };
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy();
        }
      });
      return th;
    }),
  );
  const body = el('tbody');
  // A very large preview stays responsive: render the first rows, say so, and let the filter narrow it.
  const shown = orders.slice(0, MAX_RENDERED_ROWS);
  for (const row of shown) {
    const source = row.taskId ? `${row.saleId} / ${row.taskId}` : row.saleId;
    const tr = el(
      'tr',
      { class: 'order', 'data-order-number': row.orderNumber },
      el(
        'td',
        {},
        el(
          'details',
          {},
          el('summary', {}, row.orderNumber),
          el('pre', {}, JSON.stringify(row.payload, null, 2)),
        ),
      ),
      el('td', {}, row.receiver),
      el('td', {}, row.company),
      el('td', {}, row.address),
      el('td', { title: `${row.itemCount} line(s)` }, row.items),
      el('td', {}, row.deliveryInstructions),
      el('td', {}, row.shippingMethod),
      el('td', {}, row.courier),
      el('td', {}, row.customs),
      el('td', { class: 'mono' }, source),
    );
    body.append(tr);
    if (row.warnings.length) {
      body.append(
        el(
          'tr',
          { class: 'warning-row' },
          el('td', { colspan: String(COLUMNS.length) }, `⚠ ${row.warnings.join(' · ')}`),
        ),
      );
    }
  }
  // Wide tables scroll sideways inside their own box instead of squeezing every column.
  const tableBox = el(
    'div',
    { class: 'table-wrap' },
    el('table', { id: 'ordersTable', class: 'wide' }, el('thead', {}, headRow), body),
  );
  if (orders.length <= shown.length) return tableBox;
  return el(
    'div',
    {},
    tableBox,
    el(
      'p',
      { class: 'muted', id: 'truncated' },
      `Showing the first ${shown.length} of ${orders.length} orders; filter to narrow the list. Export and "Import these now" use all ${orders.length}.`,
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
  return table(
    ['Order number', 'Fulfilment (TaskID)', 'Carrier', 'Tracking numbers', 'Ship date'],
    state.writebacks.map((w) => [
      w.orderNumber,
      w.taskId,
      w.carrier,
      w.trackingNumbers,
      w.shipDate,
    ]),
    { id: 'writebacksTable' },
  );
}

/** The reconcile mode: one section per kind of disagreement, each with its findings. */
function reconcileSections(state: PreviewState): Node[] {
  const r = state.reconcile;
  if (!r)
    return state.status === 'loading'
      ? [el('p', { class: 'status loading', role: 'status', id: 'loading' }, 'Comparing…')]
      : [];
  const total = r.findings.length;
  const parts: Node[] = [
    el(
      'p',
      { id: 'reconcileSummary' },
      `Since ${new Date(r.since).toLocaleDateString()}: ${r.checked.sales} Cin7 Core sale(s), ${r.checked.orders} Starshipit order(s) and ${r.checked.journal} journal order(s) compared — ${total === 0 ? 'both systems agree.' : `${total} disagreement(s), ${r.fixable} with a safe fix (run "dear-starshipit reconcile --apply").`} Calls: Cin7 Core ${r.dearCalls}, Starshipit ${r.starshipitCalls}.`,
    ),
  ];
  for (const { section: key, title } of RECONCILE_SECTIONS) {
    const rows = r.findings.filter((f) => f.section === key);
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

function report(state: PreviewState, orders: PreviewOrderRow[]): void {
  // Read the order numbers back from the DOM: the report proves what was rendered, not what was meant.
  const rendered = Array.from(document.querySelectorAll('#ordersTable tr.order')).map(
    (tr) => tr.getAttribute('data-order-number') ?? '',
  );
  void orders;
  const r: RenderReport = {
    status: state.status,
    kind: state.kind,
    orderNumbers: rendered,
    totalOrders: state.orders.length,
    skipped: state.skipped.length,
    writebacks: document.querySelectorAll('#writebacksTable tbody tr').length,
    changes: state.changes.length,
    attention: state.attention.length,
    filter: view.filter,
    sortKey: view.sortKey,
    sortDescending: view.sortDescending,
  };
  if (state.error) r.error = state.error;
  if (state.kind === 'reconcile') r.findings = renderedFindings();
  vscode.postMessage({ type: 'rendered', report: r });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostToWebview(event.data)) {
    console.warn('dear preview: ignored a malformed message from the host');
    return;
  }
  view.preview = event.data.state;
  render();
});

render();
vscode.postMessage({ type: 'ready' });
