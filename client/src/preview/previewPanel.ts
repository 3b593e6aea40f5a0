/**
 * Host side of the order preview: one webview panel, reused and revealed beside the editor,
 * restored after a window reload (registerWebviewPanelSerializer + the webview's setState).
 * Every message from the webview is validated (protocol/preview.ts) before it is acted on.
 */
import * as vscode from 'vscode';
import {
  isWebviewToHost,
  PREVIEW_BATCH_ROWS,
  type PreviewState,
  type RenderReport,
  type WebviewToHost,
} from '../../../protocol/preview';
import { newNonce, previewHtml } from './previewHtml';
import { nextPreviewMessage, restoredPreviewState, type SentCounts } from './previewModel';

const PREVIEW_VIEW_TYPE = 'dear.preview';

export interface PreviewActions {
  importThese(state: PreviewState, orderNumbers: string[]): Promise<void>;
  exportRows(state: PreviewState, format: 'csv' | 'json', orderNumbers: string[]): Promise<void>;
  refresh(state: PreviewState): Promise<void>;
  showOutput(): void;
  warn(message: string): void;
}

export class PreviewPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: PreviewState | undefined;
  private lastReport: RenderReport | undefined;
  private readonly reports = new vscode.EventEmitter<RenderReport>();
  private postTimer: ReturnType<typeof setTimeout> | undefined;
  /** The state the webview holds and how many of its rows it was sent (undefined: nothing yet). */
  private sent: { state: PreviewState; counts: SentCounts } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PreviewActions,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, saved: unknown) => {
          this.adopt(panel, restoredPreviewState(saved));
        },
      }),
    );
  }

  /** The current state (the host's copy; the webview renders it). */
  get current(): PreviewState | undefined {
    return this.state;
  }

  /** What the webview last reported it rendered. */
  get report(): RenderReport | undefined {
    return this.lastReport;
  }

  /** Opens (or reveals) the panel with a new state. */
  open(state: PreviewState): void {
    this.state = state;
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        PREVIEW_VIEW_TYPE,
        this.title(state),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          enableFindWidget: true,
          localResourceRoots: [
            vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'),
            vscode.Uri.joinPath(this.extensionUri, 'client', 'media'),
          ],
        },
      );
      this.adopt(panel, state);
    } else {
      this.panel.title = this.title(state);
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.post(true);
    }
  }

  /** The state changed (more events arrived): post the new rows, at most every 150 ms while loading. */
  changed(immediate = false): void {
    if (this.panel && this.state) this.panel.title = this.title(this.state);
    this.post(immediate || this.state?.status !== 'loading');
  }

  /** Resolves with the next report matching `predicate` (or the current one if it already matches). */
  waitForReport(
    predicate: (report: RenderReport) => boolean,
    timeoutMs: number,
  ): Promise<RenderReport> {
    if (this.lastReport && predicate(this.lastReport)) return Promise.resolve(this.lastReport);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(
          new Error(
            `the preview did not report the expected state within ${timeoutMs} ms (last: ${JSON.stringify(this.lastReport ?? null)})`,
          ),
        );
      }, timeoutMs);
      const sub = this.reports.event((report) => {
        if (!predicate(report)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(report);
      });
    });
  }

  private adopt(panel: vscode.WebviewPanel, state: PreviewState | undefined): void {
    this.panel = panel;
    this.state = state ?? this.state;
    this.lastReport = undefined;
    this.sent = undefined;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'),
        vscode.Uri.joinPath(this.extensionUri, 'client', 'media'),
      ],
    };
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'client', 'media', 'preview-icon.svg');
    if (this.state) panel.title = this.title(this.state);
    const webview = panel.webview;
    webview.html = previewHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'preview.js'))
        .toString(),
      styleUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'client', 'media', 'preview.css'))
        .toString(),
    });
    const subs = [
      webview.onDidReceiveMessage((m: unknown) => void this.handleMessage(m)),
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
          this.lastReport = undefined;
          this.sent = undefined;
        }
        for (const subscription of subs) subscription.dispose();
      }),
    ];
  }

  private post(immediate: boolean): void {
    if (!this.panel || !this.state) return;
    if (!immediate) {
      this.postTimer ??= setTimeout(() => {
        this.postTimer = undefined;
        this.post(true);
      }, 150);
      return;
    }
    if (this.postTimer) {
      clearTimeout(this.postTimer);
      this.postTimer = undefined;
    }
    const { message, sent, more } = nextPreviewMessage(
      this.state,
      this.sent?.state === this.state ? this.sent.counts : undefined,
      PREVIEW_BATCH_ROWS,
    );
    this.sent = { state: this.state, counts: sent };
    void this.panel.webview.postMessage(message);
    // The rest follows batch by batch, so the webview paints the first rows at once.
    if (more)
      this.postTimer = setTimeout(() => {
        this.postTimer = undefined;
        this.post(true);
      }, 0);
  }

  /**
   * Validates and acts on one message from the webview. Public so the `dear.test.previewMessage`
   * hook can drive the same path; returns false for a rejected message.
   */
  async handleMessage(raw: unknown): Promise<boolean> {
    if (!isWebviewToHost(raw)) {
      this.actions.warn(
        `Ignored a malformed message from the preview webview (type ${typeof raw === 'object' && raw !== null && 'type' in raw ? String((raw as { type: unknown }).type).slice(0, 40) : typeof raw}).`,
      );
      return false;
    }
    const message: WebviewToHost = raw;
    switch (message.type) {
      case 'ready':
        // A (re)loaded webview holds nothing: it gets the whole state, then the rows that follow.
        this.sent = undefined;
        this.post(true);
        break;
      case 'rendered':
        this.lastReport = message.report;
        this.reports.fire(message.report);
        break;
      case 'showOutput':
        this.actions.showOutput();
        break;
      case 'refresh':
        if (this.state) await this.actions.refresh(this.state);
        break;
      case 'export':
        if (this.state)
          await this.actions.exportRows(this.state, message.format, message.orderNumbers);
        break;
      case 'importThese':
        if (this.state) await this.actions.importThese(this.state, message.orderNumbers);
        break;
    }
    return true;
  }

  private title(state: PreviewState): string {
    const what =
      state.kind === 'writeback'
        ? 'Writeback preview'
        : state.kind === 'sync'
          ? 'Sync preview'
          : 'Order preview';
    const count = state.kind === 'writeback' ? state.writebacks.length : state.orders.length;
    return `Dear: ${what}${state.status === 'ready' ? ` (${count})` : state.status === 'loading' ? ' …' : ''}`;
  }

  dispose(): void {
    if (this.postTimer) clearTimeout(this.postTimer);
    this.panel?.dispose();
    this.reports.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
