/**
 * How a command reports an error it stops on: one line `dear-starshipit COMMAND: message` on stderr
 * and, with `--json`, also one `{"type":"error", …}` object on stdout, so a script reading stdout
 * learns why there is no summary.
 */
import type { CliErrorEvent, SettingsDiagnosticRow } from '../../../protocol/events';
import { SEVERITY_WORDS, type ConfigDiagnostic } from '../config';

/** Diagnostics as the rows `validate --json` prints (0-based, LSP style). */
export function diagnosticRows(diagnostics: readonly ConfigDiagnostic[]): SettingsDiagnosticRow[] {
  return diagnostics.map((diagnostic) => ({
    line: diagnostic.range.start.line,
    character: diagnostic.range.start.character,
    endLine: diagnostic.range.end.line,
    endCharacter: diagnostic.range.end.character,
    severity: SEVERITY_WORDS[diagnostic.severity],
    code: diagnostic.code,
    message: diagnostic.message,
  }));
}

export interface ErrorDetails {
  /** The settings file the error is about (absolute). */
  file?: string;
  diagnostics?: SettingsDiagnosticRow[];
}

export class ErrorReporter {
  constructor(
    private readonly command: string,
    private readonly json: boolean,
  ) {}

  /**
   * Prints `message` (already a sentence) and returns `exitCode`. `text: false` when the human
   * form was printed already (diagnostic lines), so only the JSON event is added.
   */
  fail(
    code: string,
    exitCode: number,
    message: string,
    details: ErrorDetails = {},
    opts: { text?: boolean } = {},
  ): number {
    if (opts.text !== false) process.stderr.write(`dear-starshipit ${this.command}: ${message}\n`);
    if (this.json) {
      const event: CliErrorEvent = {
        type: 'error',
        command: this.command,
        code,
        message,
        exitCode,
        ...details,
      };
      process.stdout.write(JSON.stringify(event) + '\n');
    }
    return exitCode;
  }
}
