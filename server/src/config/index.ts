/**
 * Public surface of the config core (editor-agnostic: no `vscode`, no LSP connection). The engine
 * CLI and the language server depend on these exact names; internals live in sibling modules.
 */
import type { DearSettings } from '../../../protocol/settings';
import { analyze, type AnalyzeOptions } from './analyze';
import type { ConfigDiagnostic } from './types';

export type {
  ConfigDiagnostic,
  ConfigRange,
  ConfigPosition,
  QuickFix,
  DiagnosticData,
} from './types';
export type { AnalyzeOptions, Analysis } from './analyze';
export { analyze } from './analyze';

/** Parses, validates and applies defaults. `settings` is set only when there is no error-severity diagnostic. */
export function analyzeSettings(
  text: string,
  options: AnalyzeOptions = {},
): { settings: DearSettings | undefined; diagnostics: ConfigDiagnostic[] } {
  const { settings, diagnostics } = analyze(text, options);
  return { settings, diagnostics };
}

export const SEVERITY_WORDS = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' } as const;

/** `file:line:col severity code message`, 1-based line and column. */
export function formatDiagnosticText(file: string, diagnostic: ConfigDiagnostic): string {
  return `${file}:${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1} ${SEVERITY_WORDS[diagnostic.severity]} ${diagnostic.code} ${diagnostic.message}`;
}

export { getCompletions, type CompletionOptions } from './completion';
export { getHover } from './hover';
export { getDocumentSymbols } from './symbols';
export { getCodeActions, toLspDiagnostic } from './codeActions';
export { getCodeLenses, LENS_COMMANDS } from './codeLens';
export { CarrierCatalog } from './carrierCatalog';
export { parseSettings, MAX_DOCUMENT_LENGTH } from './document';
export { MEMO_NOTE_SEPARATOR, DELIVERY_INSTRUCTIONS_MAX } from './rules/importRules';
