/**
 * `dear-starshipit validate FILE [--json]` — checks a settings file like the editor does.
 * Text: one `file:line:col severity code message` line per diagnostic (1-based).
 * `--json`: one JSON array of `{line, character, endLine, endCharacter, severity, code, message}`
 * (0-based, LSP style; severity is the word "error" | "warning" | "information" | "hint").
 * Exit 0 when no errors, 1 when errors, 2 for usage errors or an unreadable file.
 * `${secret:NAME}` is not checked here (the CLI resolves it from DEAR_STARSHIPIT_SECRET_<NAME> at run
 * time); `${env:NAME}` that is unset in this shell is a warning.
 */
import { readFile, stat } from 'node:fs/promises';
import { analyzeSettings, formatDiagnosticText, SEVERITY_WORDS } from '../config';
import { MAX_DOCUMENT_LENGTH } from '../config/document';

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
    process.stderr.write(`validate: ${unknownFlag ? `unknown option ${unknownFlag}` : rest.length ? 'expected exactly one FILE' : 'missing FILE'}\n${USAGE}\n`);
    return 2;
  }
  const file = rest[0];
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    // Read at most a little past the cap: a huge file still gets its "too large" diagnostic.
    text = info.size > MAX_DOCUMENT_LENGTH * 4 ? ' '.repeat(MAX_DOCUMENT_LENGTH + 1) : await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`validate: cannot read ${file}: ${code ?? (err instanceof Error ? err.message : String(err))}\n`);
    return 2;
  }
  const { diagnostics } = analyzeSettings(text, { fileName: file });
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
