/**
 * `${secret:NAME}` values in VS Code SecretStorage, keyed by NAME. SecretStorage cannot list its
 * keys in VS Code 1.100, so the names (never the values) are indexed in globalState. The language
 * server only ever learns names (SecretNamesNotification) and, per run, the values the settings
 * file references (RunRequest).
 */
import * as vscode from 'vscode';

const INDEX_KEY = 'dear.secretNames';
export const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

export class SecretStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string[]>();
  /** Fires with the full list of names after any change (also from another window). */
  readonly onDidChangeNames = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.subscription = context.secrets.onDidChange(async (change) => {
      const value = await context.secrets.get(change.key);
      await this.index(change.key, value !== undefined);
    });
  }

  names(): string[] {
    return [...(this.context.globalState.get<string[]>(INDEX_KEY) ?? [])].sort();
  }

  async store(name: string, value: string): Promise<void> {
    if (!SECRET_NAME.test(name))
      throw new Error(`"${name}" is not a valid secret name (letters, digits, _ . - only)`);
    if (value.length === 0) throw new Error(`the value for ${name} is empty`);
    await this.context.secrets.store(name, value);
    await this.index(name, true);
  }

  async delete(name: string): Promise<void> {
    await this.context.secrets.delete(name);
    await this.index(name, false);
  }

  /** Values for the given names; `missing` lists names with no stored value. */
  async resolve(
    names: readonly string[],
  ): Promise<{ values: Record<string, string>; missing: string[] }> {
    const values: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of names) {
      const value = await this.context.secrets.get(name);
      if (value === undefined || value === '') missing.push(name);
      else values[name] = value;
    }
    return { values, missing };
  }

  private async index(name: string, present: boolean): Promise<void> {
    const set = new Set(this.names());
    const had = set.has(name);
    if (present === had) return;
    if (present) set.add(name);
    else set.delete(name);
    await this.context.globalState.update(INDEX_KEY, [...set].sort());
    this.changed.fire(this.names());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
