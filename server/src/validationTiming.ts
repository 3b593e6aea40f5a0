/**
 * When the language server validates while the user types, and which problems it holds back.
 *
 * Delay: the first change after a pause is validated at once. A change that follows the previous one
 * by less than the current delay is part of a burst and waits until the burst has been quiet for that
 * delay (trailing debounce). The delay is a multiple of what the last analysis of the document cost,
 * kept between a floor and a ceiling: a small file is checked almost on every keystroke, a huge one
 * at most once per few analysis times, so validation never takes more than about a third of a core
 * however fast the user types.
 *
 * Hold-back: a problem that appears on the lines the user is editing (a half-typed word is usually
 * wrong) is not shown until typing pauses for NEW_PROBLEM_PAUSE_MS. Problems already shown on those
 * lines stay (updated), problems elsewhere and fixed problems show at the next validation.
 */
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

export const ANALYSIS_COST_MULTIPLE = 2;
export const MIN_VALIDATION_DELAY_MS = 25;
export const MAX_VALIDATION_DELAY_MS = 1000;
export const NEW_PROBLEM_PAUSE_MS = 500;

/** The burst debounce for a document whose last analysis took `lastAnalysisMs` (undefined: never analysed). */
export function validationDelay(lastAnalysisMs: number | undefined): number {
  const scaled = ANALYSIS_COST_MULTIPLE * (lastAnalysisMs ?? 0);
  return Math.round(Math.min(MAX_VALIDATION_DELAY_MS, Math.max(MIN_VALIDATION_DELAY_MS, scaled)));
}

/** Lines (0-based, inclusive) spanned by some text, in the document after the change. */
export interface LineSpan {
  first: number;
  last: number;
}

/**
 * The lines one didChange touched, in the new text's coordinates; undefined for a whole-document
 * replacement (the server cannot tell where the user is typing, so nothing is held back).
 */
export function editedLines(
  changes: readonly TextDocumentContentChangeEvent[],
): LineSpan | undefined {
  let span: LineSpan | undefined;
  for (const change of changes) {
    if (!('range' in change)) return undefined;
    const first = change.range.start.line;
    let last = first;
    for (let i = change.text.indexOf('\n'); i !== -1; i = change.text.indexOf('\n', i + 1)) last++;
    span = span
      ? { first: Math.min(span.first, first), last: Math.max(span.last, last) }
      : { first, last };
  }
  return span;
}

/** A problem is "already shown" when the same code was published on the same line. */
export function shownKey(diagnostic: Diagnostic): string {
  return `${String(diagnostic.code)}@${diagnostic.range.start.line}`;
}

/**
 * Splits diagnostics into those to publish now and those held until typing pauses: held are the
 * ones starting on the edited lines whose code was not already shown on that line.
 */
export function holdNewProblems(
  diagnostics: readonly Diagnostic[],
  edited: LineSpan | undefined,
  shown: ReadonlySet<string>,
): { now: Diagnostic[]; held: number } {
  if (!edited) return { now: [...diagnostics], held: 0 };
  const now: Diagnostic[] = [];
  let held = 0;
  for (const diagnostic of diagnostics) {
    const line = diagnostic.range.start.line;
    const onEditedLine = line >= edited.first && line <= edited.last;
    if (onEditedLine && !shown.has(shownKey(diagnostic))) held++;
    else now.push(diagnostic);
  }
  return { now, held };
}
