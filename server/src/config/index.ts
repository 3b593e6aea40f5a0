/**
 * Public surface of the config core (editor-agnostic). The engine CLI and the language server
 * depend on these exact names; internals live in sibling modules.
 */
import type { DearSettings } from '../../../protocol/settings';

export interface ConfigDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** LSP numbering: 1 error, 2 warning, 3 information, 4 hint. */
  severity: 1 | 2 | 3 | 4;
  code: string;
  message: string;
  data?: unknown;
}

export interface AnalyzeOptions {
  /** Names the editor's SecretStorage holds; when absent, `${secret:NAME}` is not checked. */
  knownSecretNames?: ReadonlySet<string>;
  /** Cin7 Core carrier names (`ref/carrier`), when known; enables the unknown-carrier warning. */
  carrierNames?: readonly string[];
  fileName?: string;
}

/** Parses, validates and applies defaults. `settings` is set only when there is no error. */
export function analyzeSettings(
  text: string,
  options: AnalyzeOptions = {},
): { settings: DearSettings | undefined; diagnostics: ConfigDiagnostic[] } {
  void text;
  void options;
  return { settings: undefined, diagnostics: [] };
}

const SEVERITY_WORDS = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' } as const;

/** `file:line:col severity code message`, 1-based line and column. */
export function formatDiagnosticText(file: string, d: ConfigDiagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1} ${SEVERITY_WORDS[d.severity]} ${d.code} ${d.message}`;
}
