/**
 * `dear-starshipit validate FILE [--json]` — checks a settings file like the editor does.
 * Text: one `file:line:col severity code message` line per diagnostic (1-based).
 * `--json`: one JSON array of `{line, character, endLine, endCharacter, severity, code, message}`
 * (0-based, LSP style; severity is the word "error" | "warning" | "information" | "hint").
 * Exit 0 when no errors, 1 when errors, 2 for usage errors or an unreadable file.
 * `${secret:NAME}` is not checked here (the CLI resolves it from DEAR_STARSHIPIT_SECRET_<NAME> at run
 * time); `${env:NAME}` that is unset in this shell is a warning.
 */
import { open, readFile, stat } from 'node:fs/promises';
import {
  analyzeSettings,
  formatDiagnosticText,
  SEVERITY_WORDS,
  type ConfigDiagnostic,
} from '../config';
import { tooLargeDiagnostic } from '../config/document';
import { PositionMapper } from '../config/text';
import { errorMessage } from '../../../protocol/errorMessage';

/** Files above this are not read whole (the diagnostic only needs the first line and the size). */
const HUGE_FILE_BYTES = 64 * 1024 * 1024;

const USAGE = 'usage: dear-starshipit validate FILE [--json]';

export async function validateCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknownFlag = rest.find((a) => a.startsWith('-'));
  if (unknownFlag || rest.length !== 1) {
    process.stderr.write(
      `validate: ${unknownFlag ? `unknown option ${unknownFlag}` : rest.length ? 'expected exactly one FILE' : 'missing FILE'}\n${USAGE}\n`,
    );
    return 2;
  }
  const file = rest[0];
  let diagnostics: ConfigDiagnostic[];
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > HUGE_FILE_BYTES) {
      // Not worth reading: the first line is enough for the same "too large" diagnostic the editor shows.
      const handle = await open(file, 'r');
      const head = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle
        .read(head, 0, head.length, 0)
        .finally(() => handle.close());
      diagnostics = [
        tooLargeDiagnostic(
          new PositionMapper(head.subarray(0, bytesRead).toString('utf8')),
          info.size,
        ),
      ];
    } else {
      diagnostics = analyzeSettings(await readFile(file, 'utf8'), { fileName: file }).diagnostics;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`validate: cannot read ${file}: ${code ?? errorMessage(err)}\n`);
    return 2;
  }
  if (json) {
    const rows = diagnostics.map((d) => ({
      line: d.range.start.line,
      character: d.range.start.character,
      endLine: d.range.end.line,
      endCharacter: d.range.end.character,
      severity: SEVERITY_WORDS[d.severity],
      code: d.code,
      message: d.message,
    }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    for (const d of diagnostics) process.stdout.write(`${formatDiagnosticText(file, d)}\n`);
  }
  return diagnostics.some((d) => d.severity === 1) ? 1 : 0;
}
