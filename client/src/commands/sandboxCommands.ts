/**
 * Dear: Start Sandbox / Stop Sandbox / Print Sandbox Labels and Dear: Create Settings File. The
 * sandbox runs inside the language-server process (never on the extension host thread) on
 * 127.0.0.1; its fake credentials go to SecretStorage under SANDBOX_* names and the sandbox
 * settings file references them.
 */
import * as vscode from 'vscode';
import {
  RetargetSandboxSettingsRequest,
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
import { reportError, type CommandResult, type Services } from './services';

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

export function registerSandboxCommands(s: Services): vscode.Disposable[] {
  async function startSandbox(arg: unknown): Promise<CommandResult> {
    const opts: SandboxCommandOptions =
      typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri)
        ? (arg as SandboxCommandOptions)
        : {};
    const cfg = vscode.workspace.getConfiguration('dear.sandbox');
    const timeScale = cfg.get<number>('timeScale', 10);
    const sales = cfg.get<number>('sales', 40);
    const seed = cfg.get<number>('seed', 1);
    // One state file per data set: the sandbox refuses a file written for another seed/size.
    const stateFile = cfg.get<boolean>('persist', true)
      ? vscode.Uri.joinPath(
          s.context.globalStorageUri,
          `sandbox-state-seed${seed}-sales${sales}.json`,
        ).fsPath
      : undefined;
    if (stateFile) await vscode.workspace.fs.createDirectory(s.context.globalStorageUri);
    const client = await s.client();
    const sb = await client.sendRequest(StartSandboxRequest.type, {
      timeScale,
      sales,
      seed,
      stateFile,
    });
    await vscode.commands.executeCommand('setContext', 'dear.sandboxRunning', true);
    await s.secrets.store(SANDBOX_SECRET_NAMES.dearAccountId, sb.credentials.dearAccountId);
    await s.secrets.store(SANDBOX_SECRET_NAMES.dearApiKey, sb.credentials.dearApiKey);
    await s.secrets.store(SANDBOX_SECRET_NAMES.starshipitApiKey, sb.credentials.starshipitApiKey);
    await s.secrets.store(
      SANDBOX_SECRET_NAMES.starshipitSubscriptionKey,
      sb.credentials.starshipitSubscriptionKey,
    );
    s.output.info(
      `Sandbox ${sb.alreadyRunning ? 'already running' : 'started'}: Cin7 Core at ${sb.dearBaseUrl}, Starshipit at ${sb.starshipitBaseUrl} (clock ×${sb.timeScale}).`,
    );

    const endpoints = {
      dearBaseUrl: sb.dearBaseUrl,
      starshipitBaseUrl: sb.starshipitBaseUrl,
      timeScale: sb.timeScale,
    };
    const explicit = uriFromArg(opts.settingsFile);
    const target =
      explicit ??
      (vscode.workspace.workspaceFolders?.[0]
        ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, SANDBOX_SETTINGS_FILE_NAME)
        : undefined);
    let settingsFile: vscode.Uri | undefined;
    if (target && (await exists(target))) {
      const old = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
      const { text: updated } = await client.sendRequest(RetargetSandboxSettingsRequest.type, {
        text: old,
        endpoints,
      });
      if (updated !== old) await writeText(target, updated);
      settingsFile = target;
      if (!opts.noPrompt)
        void vscode.window
          .showInformationMessage(
            `Dear: sandbox running; ${displayPath(target)} now points at it.`,
            'Preview Mapped Orders',
          )
          .then((c) => {
            if (c) void vscode.commands.executeCommand('dear.previewImport', target.toString());
          });
    } else if (explicit || opts.noPrompt) {
      if (target) {
        await writeText(target, sandboxSettingsTemplate(endpoints));
        settingsFile = target;
      }
    } else {
      const create = 'Create Sandbox Settings File';
      const choice = await vscode.window.showInformationMessage(
        `Dear: sandbox running — Cin7 Core at ${sb.dearBaseUrl}, Starshipit at ${sb.starshipitBaseUrl}. Create a settings file that points at it?`,
        create,
      );
      if (choice === create) {
        const where = target ?? (await targetFor(SANDBOX_SETTINGS_FILE_NAME));
        if (where) {
          await writeText(where, sandboxSettingsTemplate(endpoints));
          settingsFile = where;
          await vscode.window.showTextDocument(where, { preview: false });
        }
      }
    }
    return {
      ok: true,
      dearBaseUrl: sb.dearBaseUrl,
      starshipitBaseUrl: sb.starshipitBaseUrl,
      controlUrl: sb.controlUrl,
      timeScale: sb.timeScale,
      settingsFile: settingsFile?.toString(),
    };
  }

  async function stopSandbox(): Promise<CommandResult> {
    const client = await s.client();
    const { stopped } = await client.sendRequest(StopSandboxRequest.type, {});
    await vscode.commands.executeCommand('setContext', 'dear.sandboxRunning', false);
    s.output.info(stopped ? 'Sandbox stopped.' : 'Stop Sandbox: no sandbox was running.');
    void vscode.window.showInformationMessage(
      stopped ? 'Dear: sandbox stopped.' : 'Dear: no sandbox is running.',
    );
    return { ok: true, stopped };
  }

  async function printLabels(arg: unknown): Promise<CommandResult> {
    const max = typeof arg === 'number' ? arg : undefined;
    const client = await s.client();
    const { orderNumbers } = await client.sendRequest(SandboxPrintLabelsRequest.type, { max });
    const msg = orderNumbers.length
      ? `Dear: the sandbox printed labels for ${orderNumbers.length} order(s). "Dear: Write Back Tracking Now" sends their tracking to Cin7 Core.`
      : 'Dear: the sandbox has no imported order without a label. Import some orders first.';
    s.output.info(msg.replace(/^Dear: /, 'Sandbox: '));
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
    vscode.commands.registerCommand('dear.startSandbox', wrap(startSandbox)),
    vscode.commands.registerCommand('dear.stopSandbox', wrap(stopSandbox)),
    vscode.commands.registerCommand('dear.sandboxPrintLabels', wrap(printLabels)),
    vscode.commands.registerCommand('dear.createSettingsFile', wrap(createSettingsFile)),
  ];
}
