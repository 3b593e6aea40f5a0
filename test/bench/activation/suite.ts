/**
 * Runs inside code-server's extension host (loaded as `extensionTestsPath` by the e2e harness):
 * times `activate()` of our extension in a window where it was not active yet, then the first
 * diagnostics of a settings file opened afterwards (language server start + first validation).
 * Prints one `DEAR_BENCH_ACTIVATION {json}` console line for the bench to read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'dear-starshipit.dear-starshipit';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this window`);
  const wasActive = ext.isActive;
  const t0 = performance.now();
  await ext.activate();
  const activateMs = performance.now() - t0;

  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('no workspace folder open');
  const file = path.join(folder, 'dear-starshipit.yaml');
  // pageSize above its maximum: the first validation must report it.
  fs.writeFileSync(
    file,
    'dear:\n  accountId: ${secret:A}\n  apiKey: ${secret:B}\n  pageSize: 5000\nstarshipit:\n  apiKey: ${secret:C}\n  subscriptionKey: ${secret:D}\n',
  );
  const uri = vscode.Uri.file(file);
  const t1 = performance.now();
  const diagnostics = new Promise<number>((resolve) => {
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (
        e.uris.some((u) => u.toString() === uri.toString()) &&
        vscode.languages.getDiagnostics(uri).length > 0
      ) {
        sub.dispose();
        resolve(performance.now() - t1);
      }
    });
  });
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const firstDiagnosticsMs = await Promise.race([
    diagnostics,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error('no diagnostics within 60 s')), 60_000),
    ),
  ]);
  console.log(
    `DEAR_BENCH_ACTIVATION ${JSON.stringify({ wasActive, activateMs, firstDiagnosticsMs })}`,
  );
}
