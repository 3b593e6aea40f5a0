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
import { reportError, type CommandResult, type Services } from './services';

/** The settings file to read references from: argument, active editor, or the only one. Never prompts. */
async function settingsFileQuietly(arg: unknown): Promise<vscode.Uri | undefined> {
  const inFocus = settingsFileInFocus(arg);
  if (inFocus) return inFocus;
  const found = await findSettingsFiles();
  return found.length === 1 ? found[0] : undefined;
}

export function registerCredentialCommands(s: Services): vscode.Disposable[] {
  /** The quick fixes of the language server pass one secret NAME: ask for just that value. */
  async function setOneSecret(name: string): Promise<CommandResult> {
    const label = STANDARD_SECRETS.find((d) => d.name === name)?.label ?? name;
    const replacing = s.secrets.names().includes(name);
    const value = await vscode.window.showInputBox({
      title: `Dear: ${label}`,
      prompt: `Value for \${secret:${name}} (stored in VS Code SecretStorage${replacing ? ', replaces the stored value' : ''})`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter a value, or press Escape to cancel'),
    });
    if (!value?.trim()) return { ok: false, refused: 'declined' };
    await s.secrets.store(name, value.trim());
    void vscode.window.showInformationMessage(`Dear: stored ${name} in SecretStorage.`);
    return { ok: true, stored: [name] };
  }

  async function setCredentials(arg: unknown): Promise<CommandResult> {
    if (
      typeof arg === 'string' &&
      SECRET_NAME.test(arg) &&
      !/[\\/]/.test(arg) &&
      !isSettingsFileName(arg)
    )
      return setOneSecret(arg);
    const uri = await settingsFileQuietly(arg);
    const text = uri ? await readSettingsText(uri) : '';
    const references = await settingsReferences(await s.client(), text);
    const referenced = references.secrets;
    const stored = new Set(s.secrets.names());
    const standard = STANDARD_SECRETS.filter((d) => !referenced.includes(d.name));

    type Item = vscode.QuickPickItem & { name?: string; other?: true };
    const items: Item[] = [];
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
    for (const d of standard) {
      items.push({
        label: d.name,
        name: d.name,
        description: stored.has(d.name) ? 'stored' : 'not set',
        detail: `${d.label} — ${d.path.join('.')}`,
        picked: referenced.length === 0 && !stored.has(d.name),
      });
    }
    items.push({ label: '$(add) Another name…', other: true });

    const picked = await vscode.window.showQuickPick(items, {
      title: 'Dear: Set Credentials — which secrets?',
      canPickMany: true,
      ignoreFocusOut: true,
      placeHolder:
        'Values are kept in VS Code SecretStorage and never written to the settings file',
    });
    if (!picked || picked.length === 0) return { ok: false, refused: 'declined' };
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
      await s.secrets.store(name, value.trim());
      saved.push(name);
    }
    if (saved.length === 0) return { ok: false, refused: 'declined' };

    // Offer to reference the standard names the file does not reference yet.
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
          uri,
          missingRefs.map((d) => ({ path: d.path, name: d.name })),
        );
    } else {
      void vscode.window.showInformationMessage(
        `Dear: stored ${saved.join(', ')} in SecretStorage.`,
      );
    }
    return { ok: true, stored: saved };
  }

  async function writeReferences(
    uri: vscode.Uri,
    refs: { path: [string, string]; name: string }[],
  ): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    const edits = await secretReferenceEdits(await s.client(), text, refs);
    if (edits.length === 0) return;
    const edit = new vscode.WorkspaceEdit();
    for (const e of edits)
      edit.replace(
        uri,
        new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)),
        e.newText,
      );
    if (!(await vscode.workspace.applyEdit(edit)))
      throw new Error(`could not edit ${displayPath(uri)}`);
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  async function clearCredentials(): Promise<CommandResult> {
    const names = s.secrets.names();
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
    for (const p of picked) await s.secrets.delete(p.label);
    void vscode.window.showInformationMessage(
      `Dear: removed ${picked.map((p) => p.label).join(', ')} from SecretStorage.`,
    );
    return { ok: true, cleared: picked.map((p) => p.label) };
  }

  const wrap =
    (fn: (a?: unknown) => Promise<CommandResult>) =>
    async (a?: unknown): Promise<CommandResult> => {
      try {
        return await fn(a);
      } catch (err) {
        return reportError(err, s.output);
      }
    };
  return [
    vscode.commands.registerCommand('dear.setCredentials', wrap(setCredentials)),
    vscode.commands.registerCommand('dear.clearCredentials', wrap(clearCredentials)),
  ];
}
