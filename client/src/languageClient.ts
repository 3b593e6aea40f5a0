/**
 * Starts the language server (dist/server.js) over IPC and keeps it informed of the names in
 * SecretStorage and of workspace trust. The server asks for secret values only through
 * ResolveSecretsRequest (carrier completion), which is answered only in a trusted workspace.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ResolveSecretsRequest,
  SecretNamesNotification,
  WorkspaceTrustNotification,
} from '../../protocol/lsp';
import type { SecretStore } from './secrets/secretStore';

export const LANGUAGE_ID = 'dear-starshipit';

export async function startLanguageClient(
  context: vscode.ExtensionContext,
  secrets: SecretStore,
): Promise<LanguageClient> {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID }],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher(
        '**/{dear-starshipit.yaml,*.dear-starshipit.yaml}',
      ),
    },
    outputChannel: vscode.window.createOutputChannel('Dear Language Server', { log: true }),
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // Known before the first document is validated: trust (network features off in Restricted Mode)
    // and the stored secret names (no "not stored" warnings flashing at start).
    initializationOptions: { trusted: vscode.workspace.isTrusted, secretNames: secrets.names() },
  };
  const client = new LanguageClient(
    'dear',
    'Dear Starshipit language server',
    serverOptions,
    clientOptions,
  );

  client.onRequest(ResolveSecretsRequest.type, async (params) => {
    // Carrier completion calls Cin7 Core: never hand out credentials in Restricted Mode.
    if (!vscode.workspace.isTrusted) return { values: {} };
    const { values } = await secrets.resolve(params.names.filter((n) => typeof n === 'string'));
    return { values };
  });

  await client.start();
  const sendNames = (names: string[]): Promise<void> =>
    client.sendNotification(SecretNamesNotification.type, { names });
  const sendTrust = (): Promise<void> =>
    client.sendNotification(WorkspaceTrustNotification.type, {
      trusted: vscode.workspace.isTrusted,
    });
  await sendTrust();
  await sendNames(secrets.names());
  context.subscriptions.push(
    secrets.onDidChangeNames((names) => void sendNames(names)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void sendTrust()),
  );
  return client;
}
