/**
 * Quick fixes. Each diagnostic carries its fixes in `data` (computed during validation), so this
 * only matches the client's diagnostics against the latest analysis and turns fixes into actions.
 */
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type Range,
} from 'vscode-languageserver-types';
import type { ConfigDiagnostic, DiagnosticData } from './types';

const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line &&
  a.start.character === b.start.character &&
  a.end.line === b.end.line &&
  a.end.character === b.end.character;
const overlaps = (a: Range, b: Range) =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

export function toLspDiagnostic(diagnostic: ConfigDiagnostic): Diagnostic {
  return {
    range: diagnostic.range,
    severity: diagnostic.severity,
    code: diagnostic.code,
    source: 'dear-starshipit',
    message: diagnostic.message,
    ...(diagnostic.data !== undefined ? { data: diagnostic.data } : {}),
  };
}

export function getCodeActions(
  uri: string,
  analysis: readonly ConfigDiagnostic[],
  range: Range,
  contextDiagnostics: readonly Diagnostic[],
): CodeAction[] {
  // Prefer the diagnostics the client says are under the cursor; fall back to everything overlapping.
  const matched = contextDiagnostics.length
    ? analysis.filter((d) =>
        contextDiagnostics.some((c) => String(c.code) === d.code && sameRange(c.range, d.range)),
      )
    : analysis.filter((d) => overlaps(d.range, range));
  const actions: CodeAction[] = [];
  for (const diagnostic of matched) {
    for (const fix of (diagnostic.data as DiagnosticData | undefined)?.fixes ?? []) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLspDiagnostic(diagnostic)],
        ...(fix.edits.length ? { edit: { changes: { [uri]: fix.edits } } } : {}),
        ...(fix.command ? { command: fix.command } : {}),
        ...(fix.isPreferred ? { isPreferred: true } : {}),
      });
    }
  }
  return actions;
}
