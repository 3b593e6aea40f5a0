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

export function registerRunCommands(s: Services): vscode.Disposable[] {
  const reg = (id: string, fn: (arg?: unknown) => Promise<CommandResult>): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      try {
        return await fn(arg);
      } catch (err) {
        return reportError(err, s.output);
      }
    });

  /** Dry run into the preview panel. */
  async function preview(kind: PreviewKind, arg: unknown, title: string): Promise<CommandResult> {
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
    s.preview.open(state);
    const mode: RunMode = kind === 'writeback' ? 'writeback' : kind === 'sync' ? 'sync' : 'import';
    try {
      const outcome = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Dear: ${title}`,
          cancellable: true,
        },
        (progress, token) =>
          s.runs.execute({
            uri,
            mode,
            dryRun: true,
            token,
            onEvent: (e) => {
              applyEvent(state, e);
              s.preview.changed();
              if (e.type === 'progress' || e.type === 'wait')
                progress.report({ message: state.progress });
            },
          }),
      );
      state.status = 'ready';
      s.preview.changed(true);
      return {
        ok: true,
        orderNumbers: outcome.orderNumbers,
        writebacks: outcome.writebacks,
        summary: outcome.summary,
      };
    } catch (err) {
      state.status = 'error';
      state.error = errorMessage(err);
      s.preview.changed(true);
      return reportError(err, s.output);
    }
  }

  async function live(
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
        s.runs.execute({
          uri,
          mode,
          dryRun: false,
          token,
          onlyOrderNumbers,
          onEvent: (e) => {
            counts.add(e);
            if (e.type !== 'log' && e.type !== 'summary')
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
      if (choice === 'Show Output') s.output.show();
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
        s.runs.execute({
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
        .then((c) => {
          if (c) s.output.show();
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
      (mode === 'import' && changes === 0
        ? '\nOnly the orders in this estimate are imported.'
        : '');
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
    mode: RunMode,
    title: string,
    button: string,
    arg: unknown,
  ): Promise<CommandResult> {
    const refused = refuseIfUntrusted(title);
    if (refused) return refused;
    if (s.runs.busy)
      return reportError(
        new Error('a run is already in progress; wait for it or cancel it first'),
        s.output,
      );
    const uri = await resolveSettingsFile(arg);
    if (!uri) return { ok: false, refused: 'noSettingsFile' };
    const confirm = await estimateAndConfirm(mode, uri, button);
    if (!confirm.go) return { ok: false, refused: 'declined' };
    return live(mode, uri, confirm.orderNumbers);
  }

  async function retryAttention(arg: unknown): Promise<CommandResult> {
    const refused = refuseIfUntrusted(TITLES.retryAttention);
    if (refused) return refused;
    const uri = await resolveSettingsFile(arg);
    if (!uri) return { ok: false, refused: 'noSettingsFile' };
    const client = await s.client();
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
    return live('retry', uri);
  }

  async function showStatus(arg: unknown): Promise<CommandResult> {
    const uri = await resolveSettingsFile(arg);
    if (!uri) return { ok: false, refused: 'noSettingsFile' };
    const client = await s.client();
    const st = await client.sendRequest(StatusRequest.type, { uri: uri.toString() });
    type Item = vscode.QuickPickItem & { action?: 'retry' | 'output' };
    const items: Item[] = [
      {
        label: `$(cloud-upload) Imported: ${st.imported}`,
        description: 'orders created in Starshipit by this journal',
      },
      {
        label: `$(clock) Pending writebacks: ${st.pendingWritebacks}`,
        description: 'labels printed, tracking not yet in Cin7 Core',
      },
      { label: `$(check) Written back: ${st.writtenBack}` },
      { label: `$(warning) Needs attention: ${st.needsAttention.length}` },
    ];
    if (st.lastRun)
      items.push({
        label: `$(history) Last run: ${modeTitle(st.lastRun.mode, st.lastRun.dryRun)}`,
        description: st.lastRun.at,
        detail: summaryText(st.lastRun.summary),
      });
    if (st.needsAttention.length) {
      items.push({ label: 'Needs attention', kind: vscode.QuickPickItemKind.Separator });
      for (const a of st.needsAttention.slice(0, 200)) {
        items.push({
          label: `${a.orderNumber ?? a.saleId ?? '(run)'}: ${a.code}`,
          detail: a.reason,
          description: a.retryable ? 'retryable' : undefined,
        });
      }
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
      items.push({
        label: `$(refresh) Retry ${st.needsAttention.length} needs-attention item(s)`,
        action: 'retry',
        alwaysShow: true,
      });
    }
    items.push({ label: '$(output) Show output', action: 'output', alwaysShow: true });
    s.status.show();
    void vscode.window
      .showQuickPick(items, {
        title: `Dear: sync status — ${displayPath(uri)} (journal ${st.stateDir})`,
        matchOnDetail: true,
      })
      .then((pick) => {
        if (pick?.action === 'retry')
          void vscode.commands.executeCommand('dear.retryAttention', uri.toString());
        if (pick?.action === 'output') s.output.show();
      });
    return { ok: true, status: st };
  }

  return [
    reg('dear.previewImport', (a) => preview('import', a, TITLES.previewImport)),
    reg('dear.previewWriteback', (a) => preview('writeback', a, TITLES.previewWriteback)),
    reg('dear.importNow', (a) => liveCommand('import', TITLES.importNow, 'Import', a)),
    reg('dear.writebackNow', (a) => liveCommand('writeback', TITLES.writebackNow, 'Write Back', a)),
    reg('dear.syncNow', (a) => liveCommand('sync', TITLES.syncNow, 'Sync', a)),
    reg('dear.retryAttention', (a) => retryAttention(a)),
    reg('dear.showStatus', (a) => showStatus(a)),
  ];
}

/** What the preview's buttons do (host side; the webview's requests are already validated). */
export function previewActions(s: () => Services): PreviewActions {
  return {
    async importThese(state: PreviewState, orderNumbers: string[]): Promise<void> {
      try {
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
        const svc = s();
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
              onEvent: (e) => {
                counts.add(e);
                if (e.type !== 'log') progress.report({ message: counts.text() });
              },
            }),
        );
        void vscode.window
          .showInformationMessage(
            `Dear: ${outcome.summary ? summaryText(outcome.summary) : 'import finished'}`,
            'Show Output',
          )
          .then((c) => {
            if (c) svc.output.show();
          });
      } catch (err) {
        reportError(err, s().output);
      }
    },
    async exportRows(
      state: PreviewState,
      format: 'csv' | 'json',
      orderNumbers: string[],
    ): Promise<void> {
      try {
        const base = state.fileLabel.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
        let content: string;
        if (state.kind === 'writeback') {
          content =
            format === 'csv'
              ? writebacksToCsv(state.writebacks)
              : JSON.stringify(
                  state.writebacks.map((w) => ({
                    orderNumber: w.orderNumber,
                    taskId: w.taskId,
                    dear: w.payload,
                  })),
                  null,
                  2,
                ) + '\n';
        } else {
          const rows = pickOrders(state, orderNumbers);
          content = format === 'csv' ? toCsv(rows) : toJson(rows);
        }
        const settingsUri = vscode.Uri.parse(state.settingsUri, true);
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(
            settingsUri,
            '..',
            `${base}-${state.kind}-preview.${format}`,
          ),
          filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
          title: 'Dear: export the previewed rows',
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
        void vscode.window.showInformationMessage(`Dear: exported to ${displayPath(target)}.`);
      } catch (err) {
        reportError(err, s().output);
      }
    },
    async refresh(state: PreviewState): Promise<void> {
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
    },
    showOutput(): void {
      s().output.show();
    },
    warn(message: string): void {
      s().output.warn(message);
    },
  };
}
