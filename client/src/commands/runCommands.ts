/**
 * The commands that run the engine: previews (dry runs into the preview panel), live import /
 * writeback / sync / retry behind a confirmation that shows a dry-run estimate, and Show Sync Status.
 * Every one of them refuses in Restricted Mode before anything else happens.
 */
import * as vscode from 'vscode';
import type { RunMode } from '../../../protocol/events';
import { StatusRequest } from '../../../protocol/lsp';
import type { PreviewKind, PreviewState } from '../../../protocol/preview';
import { formatDuration, modeTitle, RunCounts, summaryText } from '../../../protocol/eventText';
import {
  applyEvent,
  emptyPreviewState,
  pickOrders,
  toCsv,
  toJson,
  writebacksToCsv,
} from '../preview/previewModel';
import type { PreviewActions } from '../preview/previewPanel';
import type { RunOutcome } from '../runs/runController';
import { displayPath, resolveSettingsFile } from '../settingsFile/locate';
import {
  confirmLiveRuns,
  refuseIfUntrusted,
  registerGuarded,
  reportError,
  type CommandResult,
  type Services,
} from './services';
import { errorMessage } from '../../../protocol/errorMessage';

const TITLES = {
  importNow: 'Import Now',
  previewImport: 'Preview Mapped Orders',
  writebackNow: 'Write Back Tracking Now',
  previewWriteback: 'Preview Tracking Writeback',
  syncNow: 'Sync Now',
  retryAttention: 'Retry Needs-Attention Items',
} as const;

export function registerRunCommands(services: Services): vscode.Disposable[] {
  const reg = (id: string, handler: (arg?: unknown) => Promise<CommandResult>): vscode.Disposable =>
    registerGuarded(services, id, handler);
  return [
    reg('dear.previewImport', (arg) => preview(services, 'import', arg, TITLES.previewImport)),
    reg('dear.previewWriteback', (arg) =>
      preview(services, 'writeback', arg, TITLES.previewWriteback),
    ),
    reg('dear.importNow', (arg) =>
      liveCommand(services, 'import', TITLES.importNow, 'Import', arg),
    ),
    reg('dear.writebackNow', (arg) =>
      liveCommand(services, 'writeback', TITLES.writebackNow, 'Write Back', arg),
    ),
    reg('dear.syncNow', (arg) => liveCommand(services, 'sync', TITLES.syncNow, 'Sync', arg)),
    reg('dear.retryAttention', (arg) => retryAttention(services, arg)),
    reg('dear.showStatus', (arg) => showStatus(services, arg)),
  ];
}

/** Dry run into the preview panel. */
async function preview(
  services: Services,
  kind: PreviewKind,
  arg: unknown,
  title: string,
): Promise<CommandResult> {
  const refused = refuseIfUntrusted(title);
  if (refused) return refused;
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const state = emptyPreviewState(
    kind,
    uri.toString(),
    displayPath(uri),
    vscode.workspace.isTrusted,
  );
  services.preview.open(state);
  const mode: RunMode = kind === 'writeback' ? 'writeback' : kind === 'sync' ? 'sync' : 'import';
  try {
    const outcome = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Dear: ${title}`,
        cancellable: true,
      },
      (progress, token) =>
        services.runs.execute({
          uri,
          mode,
          dryRun: true,
          token,
          onEvent: (event) => {
            applyEvent(state, event);
            services.preview.changed();
            if (event.type === 'progress' || event.type === 'wait')
              progress.report({ message: state.progress });
          },
        }),
    );
    state.status = 'ready';
    services.preview.changed(true);
    return {
      ok: true,
      orderNumbers: outcome.orderNumbers,
      writebacks: outcome.writebacks,
      summary: outcome.summary,
    };
  } catch (err) {
    state.status = 'error';
    state.error = errorMessage(err);
    services.preview.changed(true);
    return reportError(err, services.output);
  }
}

async function live(
  services: Services,
  mode: RunMode,
  uri: vscode.Uri,
  onlyOrderNumbers?: string[],
): Promise<CommandResult> {
  const counts = new RunCounts(mode);
  const outcome: RunOutcome = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Dear: ${modeTitle(mode, false)}`,
      cancellable: true,
    },
    (progress, token) =>
      services.runs.execute({
        uri,
        mode,
        dryRun: false,
        token,
        onlyOrderNumbers,
        onEvent: (event) => {
          counts.add(event);
          if (event.type !== 'log' && event.type !== 'summary')
            progress.report({ message: counts.text() });
        },
      }),
  );
  const summary = outcome.summary;
  const text = summary ? summaryText(summary) : 'The run ended without a summary.';
  const show =
    summary && summary.needsAttention > 0
      ? vscode.window.showWarningMessage
      : vscode.window.showInformationMessage;
  void show(`Dear: ${text}`, 'Show Output', 'Show Status').then((choice) => {
    if (choice === 'Show Output') services.output.show();
    if (choice === 'Show Status')
      void vscode.commands.executeCommand('dear.showStatus', uri.toString());
  });
  return {
    ok: true,
    summary,
    orderNumbers: outcome.orderNumbers,
    writebacks: outcome.writebacks,
    cancelled: outcome.cancelled,
  };
}

/** Dry run first, then a modal with the estimate; `undefined` = go ahead (with the previewed set). */
async function estimateAndConfirm(
  services: Services,
  mode: RunMode,
  uri: vscode.Uri,
  button: string,
): Promise<{ go: boolean; orderNumbers?: string[] }> {
  if (!confirmLiveRuns()) return { go: true };
  const estimate = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Dear: estimating (dry run, nothing is written)…`,
      cancellable: true,
    },
    (_progress, token) =>
      services.runs.execute({
        uri,
        mode,
        dryRun: true,
        token,
        purpose: `Estimate before a live run (${mode}); nothing is written.`,
      }),
  );
  if (estimate.cancelled || !estimate.summary) return { go: false };
  const sum = estimate.summary;
  const orders = estimate.orderNumbers.length;
  const changes = sum.updated + sum.withdrawn;
  const work =
    mode === 'writeback'
      ? estimate.writebacks
      : orders + changes + (mode === 'import' ? 0 : estimate.writebacks);
  if (work === 0 && mode !== 'retry') {
    void vscode.window
      .showInformationMessage(`Dear: nothing to do — ${summaryText(sum)}`, 'Show Output')
      .then((choice) => {
        if (choice) services.output.show();
      });
    return { go: false };
  }
  const changeText = changes
    ? ` and change ${changes} imported order(s) (${sum.updated} update(s), ${sum.withdrawn} withdrawal(s))`
    : '';
  const what =
    mode === 'import'
      ? `Create ${orders} order(s) in Starshipit${changeText}`
      : mode === 'writeback'
        ? `Write tracking for ${estimate.writebacks} order(s) back to Cin7 Core`
        : `Create ${orders} order(s) in Starshipit${changeText} and write back ${estimate.writebacks} tracking number set(s)`;
  const detail =
    `From ${displayPath(uri)}. ${sum.skipped} skipped, ${sum.needsAttention} need attention.\n` +
    `Estimate: about ${sum.estimate.dearCalls} Cin7 Core call(s), ~${formatDuration(sum.estimate.seconds)} at the configured rate limit.` +
    (mode === 'import' && changes === 0 ? '\nOnly the orders in this estimate are imported.' : '');
  const choice = await vscode.window.showWarningMessage(
    `${what}?`,
    { modal: true, detail },
    button,
  );
  // Restrict the live import to the confirmed orders, unless it must also carry changes to imported ones.
  return {
    go: choice === button,
    orderNumbers: mode === 'import' && changes === 0 ? estimate.orderNumbers : undefined,
  };
}

async function liveCommand(
  services: Services,
  mode: RunMode,
  title: string,
  button: string,
  arg: unknown,
): Promise<CommandResult> {
  const refused = refuseIfUntrusted(title);
  if (refused) return refused;
  if (services.runs.busy)
    return reportError(
      new Error('a run is already in progress; wait for it or cancel it first'),
      services.output,
    );
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const confirm = await estimateAndConfirm(services, mode, uri, button);
  if (!confirm.go) return { ok: false, refused: 'declined' };
  return live(services, mode, uri, confirm.orderNumbers);
}

async function retryAttention(services: Services, arg: unknown): Promise<CommandResult> {
  const refused = refuseIfUntrusted(TITLES.retryAttention);
  if (refused) return refused;
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const client = await services.client();
  const status = await client.sendRequest(StatusRequest.type, { uri: uri.toString() });
  const retryable = status.needsAttention.filter((a) => a.retryable).length;
  if (confirmLiveRuns()) {
    const choice = await vscode.window.showWarningMessage(
      `Retry ${status.needsAttention.length} needs-attention item(s)?`,
      {
        modal: true,
        detail: `${retryable} are marked retryable; the others are tried again too but may need a change in Cin7 Core, Starshipit or the settings first.`,
      },
      'Retry',
    );
    if (choice !== 'Retry') return { ok: false, refused: 'declined' };
  }
  return live(services, 'retry', uri);
}

async function showStatus(services: Services, arg: unknown): Promise<CommandResult> {
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const client = await services.client();
  const syncStatus = await client.sendRequest(StatusRequest.type, { uri: uri.toString() });
  type Item = vscode.QuickPickItem & { action?: 'retry' | 'output' };
  const items: Item[] = [
    {
      label: `$(cloud-upload) Imported: ${syncStatus.imported}`,
      description: 'orders created in Starshipit by this journal',
    },
    {
      label: `$(clock) Pending writebacks: ${syncStatus.pendingWritebacks}`,
      description: 'labels printed, tracking not yet in Cin7 Core',
    },
    { label: `$(check) Written back: ${syncStatus.writtenBack}` },
    { label: `$(warning) Needs attention: ${syncStatus.needsAttention.length}` },
  ];
  if (syncStatus.lastRun)
    items.push({
      label: `$(history) Last run: ${modeTitle(syncStatus.lastRun.mode, syncStatus.lastRun.dryRun)}`,
      description: syncStatus.lastRun.at,
      detail: summaryText(syncStatus.lastRun.summary),
    });
  if (syncStatus.needsAttention.length) {
    items.push({ label: 'Needs attention', kind: vscode.QuickPickItemKind.Separator });
    for (const attention of syncStatus.needsAttention.slice(0, 200)) {
      items.push({
        label: `${attention.orderNumber ?? attention.saleId ?? '(run)'}: ${attention.code}`,
        detail: attention.reason,
        description: attention.retryable ? 'retryable' : undefined,
      });
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({
      label: `$(refresh) Retry ${syncStatus.needsAttention.length} needs-attention item(s)`,
      action: 'retry',
      alwaysShow: true,
    });
  }
  items.push({ label: '$(output) Show output', action: 'output', alwaysShow: true });
  services.status.show();
  void vscode.window
    .showQuickPick(items, {
      title: `Dear: sync status — ${displayPath(uri)} (journal ${syncStatus.stateDir})`,
      matchOnDetail: true,
    })
    .then((pick) => {
      if (pick?.action === 'retry')
        void vscode.commands.executeCommand('dear.retryAttention', uri.toString());
      if (pick?.action === 'output') services.output.show();
    });
  return { ok: true, status: syncStatus };
}

/** Confirms (when live runs need confirming) and imports exactly the chosen previewed orders. */
async function importPreviewedOrders(
  services: () => Services,
  state: PreviewState,
  orderNumbers: string[],
): Promise<void> {
  if (refuseIfUntrusted(TITLES.importNow)) return;
  if (state.kind !== 'import' || state.status !== 'ready')
    throw new Error('only a finished import preview can be imported');
  const rows = pickOrders(state, orderNumbers);
  if (rows.length === 0) throw new Error('none of the requested orders is in the preview');
  if (confirmLiveRuns()) {
    const choice = await vscode.window.showWarningMessage(
      `Import these ${rows.length} previewed order(s) into Starshipit?`,
      {
        modal: true,
        detail: `From ${state.fileLabel}. Exactly these order numbers are imported; anything else eligible waits for the next import.`,
      },
      'Import',
    );
    if (choice !== 'Import') return;
  }
  const svc = services();
  const counts = new RunCounts('import');
  const outcome = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Dear: importing ${rows.length} previewed order(s)`,
      cancellable: true,
    },
    (progress, token) =>
      svc.runs.execute({
        uri: vscode.Uri.parse(state.settingsUri, true),
        mode: 'import',
        dryRun: false,
        token,
        onlyOrderNumbers: rows.map((r) => r.orderNumber),
        onEvent: (event) => {
          counts.add(event);
          if (event.type !== 'log') progress.report({ message: counts.text() });
        },
      }),
  );
  void vscode.window
    .showInformationMessage(
      `Dear: ${outcome.summary ? summaryText(outcome.summary) : 'import finished'}`,
      'Show Output',
    )
    .then((choice) => {
      if (choice) svc.output.show();
    });
}

/** The previewed rows (or writebacks) as CSV or JSON text. */
function previewExportContent(
  state: PreviewState,
  format: 'csv' | 'json',
  orderNumbers: string[],
): string {
  if (state.kind === 'writeback') {
    return format === 'csv'
      ? writebacksToCsv(state.writebacks)
      : JSON.stringify(
          state.writebacks.map((row) => ({
            orderNumber: row.orderNumber,
            taskId: row.taskId,
            dear: row.payload,
          })),
          null,
          2,
        ) + '\n';
  }
  const rows = pickOrders(state, orderNumbers);
  return format === 'csv' ? toCsv(rows) : toJson(rows);
}

/** Asks where to save the previewed rows and writes them there. */
async function exportPreviewRows(
  state: PreviewState,
  format: 'csv' | 'json',
  orderNumbers: string[],
): Promise<void> {
  const base = state.fileLabel.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  const content = previewExportContent(state, format, orderNumbers);
  const settingsUri = vscode.Uri.parse(state.settingsUri, true);
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(settingsUri, '..', `${base}-${state.kind}-preview.${format}`),
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    title: 'Dear: export the previewed rows',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
  void vscode.window.showInformationMessage(`Dear: exported to ${displayPath(target)}.`);
}

/** Re-runs the command that produced the preview. */
async function refreshPreview(state: PreviewState): Promise<void> {
  if (state.kind === 'reconcile') {
    await vscode.commands.executeCommand(
      'dear.reconcile',
      state.settingsUri,
      state.reconcile?.since ?? '',
    );
    return;
  }
  const id = state.kind === 'writeback' ? 'dear.previewWriteback' : 'dear.previewImport';
  await vscode.commands.executeCommand(id, state.settingsUri);
}

/** What the preview's buttons do (host side; the webview's requests are already validated). */
export function previewActions(services: () => Services): PreviewActions {
  return {
    async importThese(state: PreviewState, orderNumbers: string[]): Promise<void> {
      try {
        await importPreviewedOrders(services, state, orderNumbers);
      } catch (err) {
        reportError(err, services().output);
      }
    },
    async exportRows(
      state: PreviewState,
      format: 'csv' | 'json',
      orderNumbers: string[],
    ): Promise<void> {
      try {
        await exportPreviewRows(state, format, orderNumbers);
      } catch (err) {
        reportError(err, services().output);
      }
    },
    refresh: refreshPreview,
    showOutput(): void {
      services().output.show();
    },
    warn(message: string): void {
      services().output.warn(message);
    },
  };
}
