/**
 * `dear-starshipit validate FILE [--json]` — checks a settings file like the editor does.
 * Text: one `file:line:col severity code message` line per diagnostic (1-based).
 * `--json`: one JSON array of `{line, character, endLine, endCharacter, severity, code, message}`
 * (0-based, LSP style; severity is the word "error" | "warning" | "information" | "hint"); when the
 * file cannot be checked at all, one `{"type":"error", …}` object instead.
 * Exit 0 when no errors, 1 when errors, 2 for usage errors or an unreadable file.
 * `${secret:NAME}` is not checked here (the CLI resolves it from DEAR_STARSHIPIT_SECRET_<NAME> at run
 * time); `${env:NAME}` that is unset in this shell is a warning.
 */
import * as path from 'node:path';
import { analyzeSettings, formatDiagnosticText, type ConfigDiagnostic } from '../config';
import { diagnosticRows, ErrorReporter } from './errorReport';
import { FsProblem } from './fsErrors';
import { commandUsage, unknownOptionMessage } from './help';
import { readSettingsFile } from './settingsFile';

export async function validateCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const report = new ErrorReporter('validate', json);
  const rest = args.filter((a) => a !== '--json');
  const unknownFlag = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknownFlag || rest.length !== 1) {
    const problem = unknownFlag
      ? unknownOptionMessage('validate', unknownFlag)
      : rest.length
        ? 'expected exactly one FILE'
        : 'missing FILE';
    report.fail('usage', 2, problem);
    process.stderr.write(`${commandUsage('validate')}\n`);
    return 2;
  }
  const file = rest[0];
  let diagnostics: ConfigDiagnostic[];
  try {
    const read = readSettingsFile(file);
    diagnostics =
      read.kind === 'tooLarge'
        ? [read.diagnostic]
        : analyzeSettings(read.text, { fileName: file }).diagnostics;
  } catch (err) {
    if (!(err instanceof FsProblem)) throw err;
    return report.fail(err.code, 2, err.message, { file: path.resolve(file) });
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(diagnosticRows(diagnostics), null, 2)}\n`);
  } else {
    for (const diagnostic of diagnostics)
      process.stdout.write(`${formatDiagnosticText(file, diagnostic)}\n`);
  }
  return diagnostics.some((d) => d.severity === 1) ? 1 : 0;
}
