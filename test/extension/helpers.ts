/** Shared helpers of the extension-host suites (they run inside VS Code, see index.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../sandbox/src/api';
import { REPO_ROOT, tempDir as supportTempDir } from '../support/paths';
import type { DearExtensionApi } from '../../client/src/extension';
import {
  SANDBOX_SECRET_NAMES,
  sandboxSettingsTemplate,
} from '../../client/src/settingsFile/templates';

export const EXTENSION_ID = 'dear-starshipit.dear-starshipit';
/** Repository root (this file runs from out/test/extension). */
export const repoRoot = REPO_ROOT;

export async function activateExtension(): Promise<DearExtensionApi> {
  const ext = vscode.extensions.getExtension<DearExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  await api.client(); // the language server is up
  return api;
}

/** The sandbox in this (extension host) process; the engine reaches it over loopback HTTP. */
export { startTestSandbox } from '../support/sandbox';

export function tempDir(label: string): string {
  return supportTempDir(`dear-ext-${label}-`);
}

/** A sandbox settings file (credentials as `${secret:SANDBOX_*}`) in a fresh folder. */
export function writeSandboxSettings(
  sandbox: Sandbox,
  timeScale: number,
  label: string,
): vscode.Uri {
  const file = join(tempDir(label), 'sandbox.dear-starshipit.yaml');
  writeFileSync(
    file,
    sandboxSettingsTemplate({
      dearBaseUrl: sandbox.dearBaseUrl,
      starshipitBaseUrl: sandbox.starshipitBaseUrl,
      timeScale,
    }),
  );
  return vscode.Uri.file(file);
}

/** Stores the sandbox's credentials through the extension's SecretStorage wrapper. */
export async function storeSandboxSecrets(sandbox: Sandbox): Promise<string[]> {
  const c = sandbox.credentials;
  const pairs: [string, string][] = [
    [SANDBOX_SECRET_NAMES.dearAccountId, c.dearAccountId],
    [SANDBOX_SECRET_NAMES.dearApiKey, c.dearApiKey],
    [SANDBOX_SECRET_NAMES.starshipitApiKey, c.starshipitApiKey],
    [SANDBOX_SECRET_NAMES.starshipitSubscriptionKey, c.starshipitSubscriptionKey],
  ];
  for (const [name, value] of pairs)
    await vscode.commands.executeCommand('dear.test.storeSecret', name, value);
  return pairs.map(([, v]) => v);
}

/** Resolves once `predicate` holds for the diagnostics of `uri` (checked now and on every change). */
export function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (d: readonly vscode.Diagnostic[]) => boolean,
  timeoutMs = 30_000,
): Promise<readonly vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(
        new Error(
          `diagnostics of ${uri.fsPath} did not reach the expected state in ${timeoutMs} ms; now: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => `${d.range.start.line + 1}: ${d.message}`))}`,
        ),
      );
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (!predicate(d)) return;
      clearTimeout(timer);
      sub.dispose();
      resolvePromise(d);
    });
  });
}

export async function setConfirmLiveRuns(value: boolean): Promise<void> {
  await vscode.workspace
    .getConfiguration('dear')
    .update('confirmLiveRuns', value, vscode.ConfigurationTarget.Global);
}
// Note for suites: send LSP requests by method string (`RequestType.method`). The extension's
// bundled copy of vscode-jsonrpc does not recognise RequestType objects made by this compiled
// copy (its parameter-structure check is by identity).
