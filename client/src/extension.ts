/**
 * Extension entry point: thin wiring only. The language server (dist/server.js, over IPC) does the
 * work — validation, completion and the sync engine; this side owns UI: commands, the "Dear Sync"
 * output channel, the status item, the order preview, SecretStorage and workspace trust.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ServerInfoRequest } from '../../protocol/lsp';
import type { PreviewKind, RenderReport } from '../../protocol/preview';
import { registerCredentialCommands } from './commands/credentialCommands';
import { registerDoctorCommand } from './commands/doctorCommand';
import { registerReconcileCommand } from './commands/reconcileCommand';
import { registerRunCommands, previewActions } from './commands/runCommands';
import { registerSandboxCommands } from './commands/sandboxCommands';
import type { Services } from './commands/services';
import { startLanguageClient } from './languageClient';
import { SyncOutput } from './output/syncOutput';
import { PreviewPanel } from './preview/previewPanel';
import { RunController } from './runs/runController';
import { SecretStore } from './secrets/secretStore';
import { findSettingsFiles, trackSettingsFiles } from './settingsFile/locate';
import { StatusItem } from './status/statusItem';
import { restrictedModeRefusal } from './trust';
import { errorMessage } from '../../protocol/errorMessage';

/** What `activate` returns (for tests and other extensions). Never exposes secret values. */
export interface DearExtensionApi {
  client(): Promise<LanguageClient>;
  secretNames(): string[];
  outputText(): string;
  previewReport(): RenderReport | undefined;
  restrictedModeRefusal: typeof restrictedModeRefusal;
}

let clientPromise: Promise<LanguageClient> | undefined;

export function activate(context: vscode.ExtensionContext): DearExtensionApi {
  const output = new SyncOutput();
  const secrets = new SecretStore(context);
  const status = new StatusItem();
  context.subscriptions.push(output, secrets, status);

  clientPromise = startLanguageClient(context, secrets);
  // The client is stopped in deactivate(); here only a failed start is reported.
  clientPromise.catch((err: unknown) =>
    output.error(`The Dear language server did not start: ${errorMessage(err)}`),
  );
  const client = (): Promise<LanguageClient> => {
    if (!clientPromise) return Promise.reject(new Error('the extension is not active'));
    return clientPromise.catch((err: unknown) => {
      throw new Error(
        `the Dear language server is not running (${errorMessage(err)}); see the "Dear Language Server" output`,
      );
    });
  };

  // The preview's actions read `services` only when a webview message arrives, after it is set below.
  const preview = new PreviewPanel(
    context.extensionUri,
    previewActions(() => services),
  );
  const runs = new RunController(client, secrets, output, status);
  const services: Services = { context, client, secrets, output, status, runs, preview };
  context.subscriptions.push(preview);

  context.subscriptions.push(
    ...registerRunCommands(services),
    ...registerCredentialCommands(services),
    ...registerSandboxCommands(services),
    ...registerDoctorCommand(services),
    ...registerReconcileCommand(services),
    vscode.commands.registerCommand('dear.showOutput', () => {
      output.show();
      return { ok: true };
    }),
  );
  // Test hooks exist only for extension tests and development hosts, never in an installed extension.
  if (context.extensionMode !== vscode.ExtensionMode.Production)
    context.subscriptions.push(...registerTestHooks(services));

  trackSettingsFiles(context);
  void findSettingsFiles().then((files) => {
    if (files.length) status.show();
  });

  return {
    client,
    secretNames: () => secrets.names(),
    outputText: () => output.text(),
    previewReport: () => preview.report,
    restrictedModeRefusal,
  };
}

/**
 * Commands for the extension-host tests (registered only outside Production mode and not
 * contributed, so users never see them). They expose what the UI rendered or wrote — never a
 * secret value.
 */
function registerTestHooks(services: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'dear.test.previewState',
      async (opts?: {
        waitFor?: 'loading' | 'ready' | 'error';
        kind?: PreviewKind;
        minOrders?: number;
        timeoutMs?: number;
      }) => {
        if (!opts?.waitFor) return services.preview.report;
        return services.preview.waitForReport(
          (report) =>
            report.status === opts.waitFor &&
            (opts.kind === undefined || report.kind === opts.kind) &&
            (opts.minOrders === undefined || report.orderNumbers.length >= opts.minOrders),
          opts.timeoutMs ?? 60_000,
        );
      },
    ),
    vscode.commands.registerCommand('dear.test.outputText', () => services.output.text()),
    vscode.commands.registerCommand(
      'dear.test.storeSecret',
      async (name: string, value: string) => {
        await services.secrets.store(name, value);
        return services.secrets.names();
      },
    ),
    vscode.commands.registerCommand('dear.test.deleteSecret', async (name: string) => {
      await services.secrets.delete(name);
      return services.secrets.names();
    }),
    vscode.commands.registerCommand('dear.test.serverInfo', async () =>
      (await services.client()).sendRequest(ServerInfoRequest.type, {}),
    ),
    vscode.commands.registerCommand(
      'dear.test.previewCurrentState',
      () => services.preview.current,
    ),
    // Runs through the real RunController and cancels like the progress notification's Cancel button,
    // on the first event of the given type (e.g. 'wait': the rate limiter is holding the run).
    vscode.commands.registerCommand(
      'dear.test.runAndCancel',
      async (opts: {
        uri: string;
        mode: 'import' | 'writeback' | 'sync';
        dryRun: boolean;
        cancelOn: string;
      }) => {
        const source = new vscode.CancellationTokenSource();
        try {
          return await services.runs.execute({
            uri: vscode.Uri.parse(opts.uri, true),
            mode: opts.mode,
            dryRun: opts.dryRun,
            token: source.token,
            onEvent: (event) => {
              if (event.type === opts.cancelOn) source.cancel();
            },
          });
        } finally {
          source.dispose();
        }
      },
    ),
    // Feeds one message through the host's webview-message path (validation included).
    vscode.commands.registerCommand('dear.test.previewMessage', (raw: unknown) =>
      services.preview.handleMessage(raw),
    ),
  ];
}

export async function deactivate(): Promise<void> {
  const client = clientPromise;
  clientPromise = undefined;
  if (client) {
    try {
      await (await client).stop();
    } catch {
      /* already stopped or never started */
    }
  }
}
