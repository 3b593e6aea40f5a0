/**
 * Dear: Set Credentials… / Dear: Clear Credentials. Values go only to SecretStorage (password input
 * boxes); the settings file gets `${secret:NAME}` references, never values.
 */
import * as vscode from 'vscode';
import {
  secretReferenceEdits,
  settingsReferences,
  STANDARD_SECRETS,
} from '../settingsFile/credentialRefs';
import {
  displayPath,
  findSettingsFiles,
  isSettingsFileName,
  readSettingsText,
  settingsFileInFocus,
} from '../settingsFile/locate';
import { SECRET_NAME } from '../secrets/secretStore';
import { registerGuarded, type CommandResult, type Services } from './services';

/** The settings file to read references from: argument, active editor, or the only one. Never prompts. */
async function settingsFileQuietly(arg: unknown): Promise<vscode.Uri | undefined> {
  const inFocus = settingsFileInFocus(arg);
  if (inFocus) return inFocus;
  const found = await findSettingsFiles();
  return found.length === 1 ? found[0] : undefined;
}

type SecretItem = vscode.QuickPickItem & { name?: string; other?: true };
type SettingsReferences = Awaited<ReturnType<typeof settingsReferences>>;

/** The quick fixes of the language server pass one secret NAME: ask for just that value. */
async function setOneSecret(services: Services, name: string): Promise<CommandResult> {
  const label = STANDARD_SECRETS.find((d) => d.name === name)?.label ?? name;
  const replacing = services.secrets.names().includes(name);
  const value = await vscode.window.showInputBox({
    title: `Dear: ${label}`,
    prompt: `Value for \${secret:${name}} (stored in VS Code SecretStorage${replacing ? ', replaces the stored value' : ''})`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter a value, or press Escape to cancel'),
  });
  if (!value?.trim()) return { ok: false, refused: 'declined' };
  await services.secrets.store(name, value.trim());
  void vscode.window.showInformationMessage(`Dear: stored ${name} in SecretStorage.`);
  return { ok: true, stored: [name] };
}

/** A bare secret NAME (not a path or settings file name) asks for that one value. */
function isSingleSecretName(arg: unknown): arg is string {
  return (
    typeof arg === 'string' &&
    SECRET_NAME.test(arg) &&
    !/[\\/]/.test(arg) &&
    !isSettingsFileName(arg)
  );
}

/** Quick-pick rows: the names the file references first, then the standard names, then "another". */
function secretPickItems(
  uri: vscode.Uri | undefined,
  references: SettingsReferences,
  stored: Set<string>,
): SecretItem[] {
  const referenced = references.secrets;
  const standard = STANDARD_SECRETS.filter((d) => !referenced.includes(d.name));
  const items: SecretItem[] = [];
  if (referenced.length) {
    items.push({
      label: `Referenced by ${uri ? displayPath(uri) : 'the settings file'}`,
      kind: vscode.QuickPickItemKind.Separator,
    });
    for (const name of referenced) {
      items.push({
        label: name,
        name,
        description: stored.has(name) ? 'stored' : 'not set',
        detail: references.secretSettings[name],
        picked: !stored.has(name),
      });
    }
  }
  items.push({
    label: referenced.length
      ? 'Standard names'
      : 'Standard names (the settings file references none yet)',
    kind: vscode.QuickPickItemKind.Separator,
  });
  for (const secret of standard) {
    items.push({
      label: secret.name,
      name: secret.name,
      description: stored.has(secret.name) ? 'stored' : 'not set',
      detail: `${secret.label} — ${secret.path.join('.')}`,
      picked: referenced.length === 0 && !stored.has(secret.name),
    });
  }
  items.push({ label: '$(add) Another name…', other: true });
  return items;
}

/** Which secrets to set; `undefined` when the user picks nothing. */
async function pickSecretNames(items: SecretItem[]): Promise<string[] | undefined> {
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Dear: Set Credentials — which secrets?',
    canPickMany: true,
    ignoreFocusOut: true,
    placeHolder: 'Values are kept in VS Code SecretStorage and never written to the settings file',
  });
  if (!picked || picked.length === 0) return undefined;
  const names = picked.filter((p) => p.name).map((p) => p.name as string);
  if (picked.some((p) => p.other)) {
    const extra = await vscode.window.showInputBox({
      title: 'Dear: secret name',
      prompt: 'Referenced from the settings file as ${secret:NAME}',
      ignoreFocusOut: true,
      validateInput: (v) => (SECRET_NAME.test(v) ? undefined : 'Letters, digits, _ . - only'),
    });
    if (extra) names.push(extra);
  }
  return names;
}

/** Asks for each value in turn and stores the non-empty ones; returns the names stored. */
async function storeSecretValues(
  services: Services,
  names: string[],
  stored: Set<string>,
): Promise<string[]> {
  const saved: string[] = [];
  for (const name of names) {
    const label = STANDARD_SECRETS.find((d) => d.name === name)?.label ?? name;
    const value = await vscode.window.showInputBox({
      title: `Dear: ${label}`,
      prompt: `Value for \${secret:${name}} (stored in SecretStorage${stored.has(name) ? ', replaces the stored value' : ''}; leave empty to skip)`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) break; // Escape stops the whole flow.
    if (value.trim() === '') continue;
    await services.secrets.store(name, value.trim());
    saved.push(name);
  }
  return saved;
}

/** Offers to reference the stored standard names the file does not reference yet. */
async function offerMissingReferences(
  services: Services,
  uri: vscode.Uri | undefined,
  saved: string[],
  referenced: string[],
): Promise<void> {
  const missingRefs = STANDARD_SECRETS.filter(
    (d) => saved.includes(d.name) && !referenced.includes(d.name),
  );
  if (uri && missingRefs.length) {
    const write = `Write references into ${displayPath(uri)}`;
    const choice = await vscode.window.showInformationMessage(
      `Dear: stored ${saved.join(', ')}. ${displayPath(uri)} does not reference ${missingRefs.map((d) => d.name).join(', ')} yet.`,
      write,
      'Not now',
    );
    if (choice === write)
      await writeReferences(
        services,
        uri,
        missingRefs.map((d) => ({ path: d.path, name: d.name })),
      );
  } else {
    void vscode.window.showInformationMessage(`Dear: stored ${saved.join(', ')} in SecretStorage.`);
  }
}

async function setCredentials(services: Services, arg: unknown): Promise<CommandResult> {
  if (isSingleSecretName(arg)) return setOneSecret(services, arg);
  const uri = await settingsFileQuietly(arg);
  const text = uri ? await readSettingsText(uri) : '';
  const references = await settingsReferences(await services.client(), text);
  const stored = new Set(services.secrets.names());
  const names = await pickSecretNames(secretPickItems(uri, references, stored));
  if (!names) return { ok: false, refused: 'declined' };
  const saved = await storeSecretValues(services, names, stored);
  if (saved.length === 0) return { ok: false, refused: 'declined' };
  await offerMissingReferences(services, uri, saved, references.secrets);
  return { ok: true, stored: saved };
}

async function writeReferences(
  services: Services,
  uri: vscode.Uri,
  refs: { path: [string, string]; name: string }[],
): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const edits = await secretReferenceEdits(await services.client(), text, refs);
  if (edits.length === 0) return;
  const edit = new vscode.WorkspaceEdit();
  for (const change of edits)
    edit.replace(
      uri,
      new vscode.Range(
        doc.positionAt(change.offset),
        doc.positionAt(change.offset + change.length),
      ),
      change.newText,
    );
  if (!(await vscode.workspace.applyEdit(edit)))
    throw new Error(`could not edit ${displayPath(uri)}`);
  await vscode.window.showTextDocument(doc, { preview: false });
}

async function clearCredentials(services: Services): Promise<CommandResult> {
  const names = services.secrets.names();
  if (names.length === 0) {
    void vscode.window.showInformationMessage('Dear: SecretStorage holds no Dear credentials.');
    return { ok: true, cleared: [] };
  }
  const picked = await vscode.window.showQuickPick(
    names.map((n) => ({ label: n })),
    {
      title: 'Dear: Clear Credentials — which secrets?',
      canPickMany: true,
    },
  );
  if (!picked?.length) return { ok: false, refused: 'declined' };
  for (const item of picked) await services.secrets.delete(item.label);
  void vscode.window.showInformationMessage(
    `Dear: removed ${picked.map((p) => p.label).join(', ')} from SecretStorage.`,
  );
  return { ok: true, cleared: picked.map((p) => p.label) };
}

export function registerCredentialCommands(services: Services): vscode.Disposable[] {
  return [
    registerGuarded(services, 'dear.setCredentials', (arg) => setCredentials(services, arg)),
    registerGuarded(services, 'dear.clearCredentials', () => clearCredentials(services)),
  ];
}
