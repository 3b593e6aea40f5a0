/**
 * Which settings file a command acts on: the URI argument (code lens, explorer menu, tests), else
 * the active `dear-starshipit` editor, else the only settings file in the workspace, else a pick.
 * Also keeps the `dear.hasSettingsFile` context key current for menus and the walkthrough.
 */
import * as vscode from 'vscode';
import { LANGUAGE_ID } from '../languageClient';
import { errorMessage } from '../../../protocol/errorMessage';

const SETTINGS_GLOB = '**/{dear-starshipit.yaml,*.dear-starshipit.yaml}';
const EXCLUDE = '**/{node_modules,.git,.dear-starshipit}/**';

/** A URI-ish command argument → Uri (strings are parsed as URIs, or as file paths when absolute). */
export function uriFromArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.length > 0)
    return /^[a-z][a-z0-9+.-]+:/i.test(arg) && !/^[a-z]:[\\/]/i.test(arg)
      ? vscode.Uri.parse(arg, true)
      : vscode.Uri.file(arg);
  if (typeof arg === 'object' && arg !== null && 'uri' in arg)
    return uriFromArg((arg as { uri: unknown }).uri);
  return undefined;
}

export function isSettingsFileName(path: string): boolean {
  return /(^|[\\/])(dear-starshipit\.yaml|[^\\/]+\.dear-starshipit\.yaml)$/.test(path);
}

export async function findSettingsFiles(): Promise<vscode.Uri[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  return vscode.workspace.findFiles(SETTINGS_GLOB, EXCLUDE, 50);
}

/** The settings file a command was pointed at: the URI argument, else the active settings editor. No search. */
export function settingsFileInFocus(arg: unknown): vscode.Uri | undefined {
  const explicit = uriFromArg(arg);
  if (explicit) return explicit;
  const active = vscode.window.activeTextEditor?.document;
  if (active && (active.languageId === LANGUAGE_ID || isSettingsFileName(active.uri.path)))
    return active.uri;
  return undefined;
}

/** Resolves the settings file for a command, asking the user only when several are possible. */
export async function resolveSettingsFile(arg: unknown): Promise<vscode.Uri | undefined> {
  const inFocus = settingsFileInFocus(arg);
  if (inFocus) return inFocus;
  const found = await findSettingsFiles();
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
      {
        title: 'Dear: which settings file?',
        placeHolder: 'Several dear-starshipit settings files are in this workspace',
      },
    );
    return pick?.uri;
  }
  const create = 'Create Settings File';
  const sandbox = 'Start Sandbox';
  const choice = await vscode.window.showErrorMessage(
    'Dear: no settings file found. Open a dear-starshipit.yaml file, or create one (the sandbox can make one that works without accounts).',
    create,
    sandbox,
  );
  if (choice === create) await vscode.commands.executeCommand('dear.createSettingsFile');
  if (choice === sandbox) await vscode.commands.executeCommand('dear.startSandbox');
  return undefined;
}

/** The text the language server will run on: the open editor's text (saved or not), else the file. */
export async function readSettingsText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    throw new Error(`cannot read settings file ${displayPath(uri)}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)
    ? vscode.workspace.asRelativePath(uri)
    : uri.scheme === 'file'
      ? uri.fsPath
      : uri.toString();
}

/** Maintains the `dear.hasSettingsFile` context key. */
export function trackSettingsFiles(context: vscode.ExtensionContext): void {
  const update = async (): Promise<void> => {
    const has = (await findSettingsFiles()).length > 0;
    await vscode.commands.executeCommand('setContext', 'dear.hasSettingsFile', has);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(SETTINGS_GLOB);
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(update),
    watcher.onDidDelete(update),
    vscode.workspace.onDidChangeWorkspaceFolders(update),
  );
  void update();
}
