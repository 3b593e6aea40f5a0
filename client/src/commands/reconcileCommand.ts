/**
 * **Dear: Reconcile** — asks the language server to compare Cin7 Core, Starshipit and the journal
 * for a period (dry: nothing is written) and shows the sections in the preview panel; the same
 * lines go to the Dear Sync output.
 */
import * as vscode from 'vscode';
import { formatReconcile } from '../../../protocol/reconcile';
import { CancelRunNotification, ReconcileRequest } from '../../../protocol/lsp';
import { redactSecrets } from '../../../protocol/redact';
import { emptyPreviewState } from '../preview/previewModel';
import { reconcileView } from '../preview/reconcileModel';
import { fileCredentials, UserFacingError } from '../runs/runController';
import { displayPath, resolveSettingsFile } from '../settingsFile/locate';
import { refuseIfUntrusted, reportError, type CommandResult, type Services } from './services';

const TITLE = 'Reconcile';

export function registerReconcileCommand(services: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dear.reconcile', async (arg?: unknown, since?: unknown) => {
      try {
        return await reconcile(services, arg, typeof since === 'string' ? since : undefined);
      } catch (err) {
        return reportError(err, services.output);
      }
    }),
  ];
}

/** The period's start: given by the caller, else asked (empty = the engine's default). */
async function askSince(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Dear: Reconcile since',
    prompt:
      'Compare sales updated and orders changed since this date (YYYY-MM-DD). Empty: import.since, else the last 30 days.',
    placeHolder: 'e.g. 2026-11-01',
    validateInput: (input) =>
      input.trim() === '' || !Number.isNaN(Date.parse(input.trim()))
        ? undefined
        : 'Enter a date, e.g. 2026-11-01',
  });
}

async function reconcile(services: Services, arg: unknown, given?: string): Promise<CommandResult> {
  const refused = refuseIfUntrusted(TITLE);
  if (refused) return refused;
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const since = given ?? (await askSince());
  if (since === undefined) return { ok: false, refused: 'declined' };
  const client = await services.client();
  const creds = await fileCredentials(uri, services.secrets, client);
  services.output.setSecretValues(creds.scrub);
  services.output.info(
    `Reconcile: ${displayPath(uri)} (read-only: Cin7 Core, Starshipit and the journal compared)`,
  );
  const state = emptyPreviewState('reconcile', uri.toString(), displayPath(uri), false);
  services.preview.open(state);
  const runId = `reconcile-${Date.now().toString(36)}`;
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Dear: reconciling…',
      cancellable: true,
    },
    (_progress, token) => {
      token.onCancellationRequested(
        () => void client.sendNotification(CancelRunNotification.type, { runId }),
      );
      return client.sendRequest(ReconcileRequest.type, {
        runId,
        uri: uri.toString(),
        since: since.trim() || undefined,
        secrets: creds.secrets,
        env: creds.env,
        trusted: vscode.workspace.isTrusted,
      });
    },
  );
  if (!result.summary) {
    const message = redactSecrets(result.error ?? 'reconcile returned no result', creds.scrub);
    state.status = 'error';
    state.error = message;
    services.preview.changed(true);
    services.output.error(`Reconcile failed: ${message}`);
    throw new UserFacingError(`Dear: ${message}`, [
      { title: 'Show Output', command: 'dear.showOutput' },
    ]);
  }
  state.reconcile = reconcileView(result.summary);
  state.status = 'ready';
  services.preview.changed(true);
  for (const line of formatReconcile(result.summary)) services.output.info(line);
  return { ok: true, summary: result.summary };
}
