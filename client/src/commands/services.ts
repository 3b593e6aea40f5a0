/**
 * What every command module needs, built once in extension.ts, plus the shared way commands
 * report errors and refuse in Restricted Mode.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { SyncOutput } from '../output/syncOutput';
import type { PreviewPanel } from '../preview/previewPanel';
import { UserFacingError, type RunController } from '../runs/runController';
import type { SecretStore } from '../secrets/secretStore';
import type { StatusItem } from '../status/statusItem';
import { restrictedModeRefusal } from '../trust';
import { errorMessage } from '../../../protocol/errorMessage';

export interface Services {
  context: vscode.ExtensionContext;
  client(): Promise<LanguageClient>;
  secrets: SecretStore;
  output: SyncOutput;
  status: StatusItem;
  runs: RunController;
  preview: PreviewPanel;
}

/** Returned by commands so tests (and other extensions) can see what happened. */
export type CommandResult =
  | { ok: true; [key: string]: unknown }
  | { ok: false; refused?: 'untrusted' | 'declined' | 'noSettingsFile' | 'busy'; error?: string };

export function refuseIfUntrusted(title: string): CommandResult | undefined {
  const message = restrictedModeRefusal(vscode.workspace.isTrusted, title);
  if (!message) return undefined;
  void vscode.window.showErrorMessage(message, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return { ok: false, refused: 'untrusted' };
}

/** Shows an error to the user (with its follow-up buttons) and returns the matching result. */
export function reportError(err: unknown, output?: SyncOutput): CommandResult {
  const message = errorMessage(err);
  if (err instanceof UserFacingError) {
    const titles = err.actions.map((a) => a.title);
    void vscode.window.showErrorMessage(message, ...titles).then((choice) => {
      const action = err.actions.find((a) => a.title === choice);
      if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    });
  } else {
    output?.error(message);
    void vscode.window.showErrorMessage(`Dear: ${message}`, 'Show Output').then((choice) => {
      if (choice) output?.show();
    });
  }
  return { ok: false, error: message };
}

export function confirmLiveRuns(): boolean {
  return vscode.workspace.getConfiguration('dear').get<boolean>('confirmLiveRuns', true);
}

/** Registers a command whose failures are reported in the output channel instead of thrown. */
export function registerGuarded(
  services: Services,
  id: string,
  handler: (arg?: unknown) => Promise<CommandResult>,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg?: unknown) => {
    try {
      return await handler(arg);
    } catch (err) {
      return reportError(err, services.output);
    }
  });
}
