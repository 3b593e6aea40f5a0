/**
 * Dear: Start Sandbox / Stop Sandbox / Print Sandbox Labels and Dear: Create Settings File. The
 * sandbox runs inside the language-server process (never on the extension host thread) on
 * 127.0.0.1; its fake credentials go to SecretStorage under SANDBOX_* names and the sandbox
 * settings file references them.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  RetargetSandboxSettingsRequest,
  type SandboxEndpoints,
  SandboxPrintLabelsRequest,
  StartSandboxRequest,
  StopSandboxRequest,
} from '../../../protocol/lsp';
import {
  newSettingsTemplate,
  SANDBOX_SECRET_NAMES,
  SANDBOX_SETTINGS_FILE_NAME,
  sandboxSettingsTemplate,
  SETTINGS_FILE_NAME,
} from '../settingsFile/templates';
import { displayPath, uriFromArg } from '../settingsFile/locate';
import { LANGUAGE_ID } from '../languageClient';
import { registerGuarded, type CommandResult, type Services } from './services';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

/** Where a new settings file goes: the first workspace folder, else a save dialog. */
async function targetFor(name: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder) return vscode.Uri.joinPath(folder.uri, name);
  return vscode.window.showSaveDialog({
    title: 'Dear: where should the settings file go?',
    filters: { YAML: ['yaml'] },
  });
}

export interface SandboxCommandOptions {
  /** Write (or update) the sandbox settings file at this URI without asking. */
  settingsFile?: string;
  /** Do not ask anything (tests, walkthrough automation). */
  noPrompt?: boolean;
}

type SandboxStarted = StartSandboxRequest.Result;

function sandboxOptionsFrom(arg: unknown): SandboxCommandOptions {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri)
    ? (arg as SandboxCommandOptions)
    : {};
}

/** Starts (or finds) the sandbox with the data set and clock of the `dear.sandbox` settings. */
async function startSandboxServer(
  services: Services,
  client: LanguageClient,
): Promise<SandboxStarted> {
  const cfg = vscode.workspace.getConfiguration('dear.sandbox');
  const timeScale = cfg.get<number>('timeScale', 10);
  const sales = cfg.get<number>('sales', 40);
  const seed = cfg.get<number>('seed', 1);
  // One state file per data set: the sandbox refuses a file written for another seed/size.
  const stateFile = cfg.get<boolean>('persist', true)
    ? vscode.Uri.joinPath(
        services.context.globalStorageUri,
        `sandbox-state-seed${seed}-sales${sales}.json`,
      ).fsPath
    : undefined;
  if (stateFile) await vscode.workspace.fs.createDirectory(services.context.globalStorageUri);
  return client.sendRequest(StartSandboxRequest.type, { timeScale, sales, seed, stateFile });
}

async function storeSandboxCredentials(services: Services, sandbox: SandboxStarted): Promise<void> {
  const credentials = sandbox.credentials;
  await services.secrets.store(SANDBOX_SECRET_NAMES.dearAccountId, credentials.dearAccountId);
  await services.secrets.store(SANDBOX_SECRET_NAMES.dearApiKey, credentials.dearApiKey);
  await services.secrets.store(SANDBOX_SECRET_NAMES.starshipitApiKey, credentials.starshipitApiKey);
  await services.secrets.store(
    SANDBOX_SECRET_NAMES.starshipitSubscriptionKey,
    credentials.starshipitSubscriptionKey,
  );
}

/** Points an existing sandbox settings file at the running sandbox's endpoints. */
async function retargetSettingsFile(
  client: LanguageClient,
  target: vscode.Uri,
  endpoints: SandboxEndpoints,
  noPrompt: boolean | undefined,
): Promise<void> {
  const old = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
  const { text: updated } = await client.sendRequest(RetargetSandboxSettingsRequest.type, {
    text: old,
    endpoints,
  });
  if (updated !== old) await writeText(target, updated);
  if (!noPrompt)
    void vscode.window
      .showInformationMessage(
        `Dear: sandbox running; ${displayPath(target)} now points at it.`,
        'Preview Mapped Orders',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('dear.previewImport', target.toString());
      });
}

/** Asks whether to create a sandbox settings file; returns where it was written, if anywhere. */
async function offerSandboxSettingsFile(
  target: vscode.Uri | undefined,
  endpoints: SandboxEndpoints,
): Promise<vscode.Uri | undefined> {
  const create = 'Create Sandbox Settings File';
  const choice = await vscode.window.showInformationMessage(
    `Dear: sandbox running — Cin7 Core at ${endpoints.dearBaseUrl}, Starshipit at ${endpoints.starshipitBaseUrl}. Create a settings file that points at it?`,
    create,
  );
  if (choice !== create) return undefined;
  const where = target ?? (await targetFor(SANDBOX_SETTINGS_FILE_NAME));
  if (!where) return undefined;
  await writeText(where, sandboxSettingsTemplate(endpoints));
  await vscode.window.showTextDocument(where, { preview: false });
  return where;
}

/** Updates, writes or offers the sandbox settings file; returns it when there is one. */
async function sandboxSettingsFile(
  client: LanguageClient,
  opts: SandboxCommandOptions,
  endpoints: SandboxEndpoints,
): Promise<vscode.Uri | undefined> {
  const explicit = uriFromArg(opts.settingsFile);
  const target =
    explicit ??
    (vscode.workspace.workspaceFolders?.[0]
      ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, SANDBOX_SETTINGS_FILE_NAME)
      : undefined);
  if (target && (await exists(target))) {
    await retargetSettingsFile(client, target, endpoints, opts.noPrompt);
    return target;
  }
  if (explicit || opts.noPrompt) {
    if (!target) return undefined;
    await writeText(target, sandboxSettingsTemplate(endpoints));
    return target;
  }
  return offerSandboxSettingsFile(target, endpoints);
}

async function startSandbox(services: Services, arg: unknown): Promise<CommandResult> {
  const opts = sandboxOptionsFrom(arg);
  const client = await services.client();
  const sandbox = await startSandboxServer(services, client);
  await vscode.commands.executeCommand('setContext', 'dear.sandboxRunning', true);
  await storeSandboxCredentials(services, sandbox);
  services.output.info(
    `Sandbox ${sandbox.alreadyRunning ? 'already running' : 'started'}: Cin7 Core at ${sandbox.dearBaseUrl}, Starshipit at ${sandbox.starshipitBaseUrl} (clock ×${sandbox.timeScale}).`,
  );
  const endpoints: SandboxEndpoints = {
    dearBaseUrl: sandbox.dearBaseUrl,
    starshipitBaseUrl: sandbox.starshipitBaseUrl,
    timeScale: sandbox.timeScale,
  };
  const settingsFile = await sandboxSettingsFile(client, opts, endpoints);
  return {
    ok: true,
    dearBaseUrl: sandbox.dearBaseUrl,
    starshipitBaseUrl: sandbox.starshipitBaseUrl,
    controlUrl: sandbox.controlUrl,
    timeScale: sandbox.timeScale,
    settingsFile: settingsFile?.toString(),
  };
}

async function stopSandbox(services: Services): Promise<CommandResult> {
  const client = await services.client();
  const { stopped } = await client.sendRequest(StopSandboxRequest.type, {});
  await vscode.commands.executeCommand('setContext', 'dear.sandboxRunning', false);
  services.output.info(stopped ? 'Sandbox stopped.' : 'Stop Sandbox: no sandbox was running.');
  void vscode.window.showInformationMessage(
    stopped ? 'Dear: sandbox stopped.' : 'Dear: no sandbox is running.',
  );
  return { ok: true, stopped };
}

async function printLabels(services: Services, arg: unknown): Promise<CommandResult> {
  const max = typeof arg === 'number' ? arg : undefined;
  const client = await services.client();
  const { orderNumbers } = await client.sendRequest(SandboxPrintLabelsRequest.type, { max });
  const msg = orderNumbers.length
    ? `Dear: the sandbox printed labels for ${orderNumbers.length} order(s). "Dear: Write Back Tracking Now" sends their tracking to Cin7 Core.`
    : 'Dear: the sandbox has no imported order without a label. Import some orders first.';
  services.output.info(msg.replace(/^Dear: /, 'Sandbox: '));
  void vscode.window.showInformationMessage(msg);
  return { ok: true, orderNumbers };
}

async function createSettingsFile(arg: unknown): Promise<CommandResult> {
  const explicit = uriFromArg(arg);
  const target = explicit ?? (await targetFor(SETTINGS_FILE_NAME));
  if (!target) {
    const doc = await vscode.workspace.openTextDocument({
      language: LANGUAGE_ID,
      content: newSettingsTemplate(),
    });
    await vscode.window.showTextDocument(doc);
    return { ok: true, settingsFile: doc.uri.toString() };
  }
  if (await exists(target)) {
    void vscode.window.showInformationMessage(
      `Dear: ${displayPath(target)} already exists; opened it.`,
    );
  } else {
    await writeText(target, newSettingsTemplate());
  }
  await vscode.window.showTextDocument(target, { preview: false });
  return { ok: true, settingsFile: target.toString() };
}

export function registerSandboxCommands(services: Services): vscode.Disposable[] {
  return [
    registerGuarded(services, 'dear.startSandbox', (arg) => startSandbox(services, arg)),
    registerGuarded(services, 'dear.stopSandbox', () => stopSandbox(services)),
    registerGuarded(services, 'dear.sandboxPrintLabels', (arg) => printLabels(services, arg)),
    registerGuarded(services, 'dear.createSettingsFile', createSettingsFile),
  ];
}
