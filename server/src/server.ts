/**
 * Language server bundle entry (dist/server.js). VS Code's LanguageClient starts it over IPC
 * (`--node-ipc`); `createConnection` picks the transport from the command line.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './languageServer';
import { tuneHeapForLanguageServer } from './heapTuning';

tuneHeapForLanguageServer();
startLanguageServer(createConnection(ProposedFeatures.all));
