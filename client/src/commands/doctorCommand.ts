/**
 * **Dear: Check Connection** — asks the language server to run the doctor (a few read-only calls
 * to Cin7 Core and to every Starshipit account) on a settings file and writes the report to the
 * Dear Sync output.
 */
import * as vscode from 'vscode';
import { formatDoctorReport, type DoctorReport } from '../../../protocol/doctor';
import { DoctorRequest } from '../../../protocol/lsp';
import { redactSecrets } from '../../../protocol/redact';
import { fileCredentials, UserFacingError } from '../runs/runController';
import { displayPath, resolveSettingsFile } from '../settingsFile/locate';
import { refuseIfUntrusted, reportError, type CommandResult, type Services } from './services';

const TITLE = 'Check Connection';

export function registerDoctorCommand(services: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dear.checkConnection', async (arg?: unknown) => {
      try {
        return await checkConnection(services, arg);
      } catch (err) {
        return reportError(err, services.output);
      }
    }),
  ];
}

async function checkConnection(services: Services, arg: unknown): Promise<CommandResult> {
  const refused = refuseIfUntrusted(TITLE);
  if (refused) return refused;
  const uri = await resolveSettingsFile(arg);
  if (!uri) return { ok: false, refused: 'noSettingsFile' };
  const client = await services.client();
  const creds = await fileCredentials(uri, services.secrets, client);
  services.output.setSecretValues(creds.scrub);
  services.output.info(
    `Check connection: ${displayPath(uri)} (read-only calls to Cin7 Core and each Starshipit account)`,
  );
  services.output.show();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Dear: checking the connection…` },
    () =>
      client.sendRequest(DoctorRequest.type, {
        uri: uri.toString(),
        secrets: creds.secrets,
        env: creds.env,
        trusted: vscode.workspace.isTrusted,
      }),
  );
  if (!result.report) {
    const message = redactSecrets(result.error ?? 'the check returned no report', creds.scrub);
    services.output.error(`Check connection failed: ${message}`);
    throw new UserFacingError(`Dear: ${message}`, [
      { title: 'Show Output', command: 'dear.showOutput' },
    ]);
  }
  writeReport(services, result.report);
  const verdict =
    result.report.result === 'ok'
      ? 'Dear: connection check found no problem.'
      : `Dear: connection check found ${result.report.problems} problem(s).`;
  void (result.report.result === 'ok'
    ? vscode.window.showInformationMessage(verdict)
    : vscode.window.showWarningMessage(verdict, 'Show Output').then((choice) => {
        if (choice) services.output.show();
      }));
  return { ok: true, report: result.report };
}

/** One output line per report line; problems as errors, warnings as warnings. */
function writeReport(services: Services, report: DoctorReport): void {
  for (const line of formatDoctorReport(report)) {
    if (/^\s+✗ /.test(line)) services.output.error(line);
    else if (/^\s+! /.test(line)) services.output.warn(line);
    else services.output.info(line);
  }
}
