/**
 * Wires the engine to the language server connection (dear/run, dear/status, …; see protocol/lsp.ts).
 * Owned by the extension work (issue 5); the server calls `registerSyncHandlers` once at start.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export function registerSyncHandlers(_connection: Connection, _documents: TextDocuments<TextDocument>): void {
  // Filled in by the extension issue.
}
