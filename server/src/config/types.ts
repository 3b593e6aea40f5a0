/** Types shared by every module of the config core (no YAML, no LSP connection). */

export interface ConfigPosition {
  line: number;
  character: number;
}
export interface ConfigRange {
  start: ConfigPosition;
  end: ConfigPosition;
}

export type Severity = 1 | 2 | 3 | 4;
export const ERROR: Severity = 1;
export const WARNING: Severity = 2;
export const INFORMATION: Severity = 3;
export const HINT: Severity = 4;

export interface TextEditLike {
  range: ConfigRange;
  newText: string;
}
export interface CommandLike {
  title: string;
  command: string;
  arguments?: unknown[];
}

/** A quick fix computed together with its diagnostic, so code actions need no re-validation. */
export interface QuickFix {
  title: string;
  edits: TextEditLike[];
  command?: CommandLike;
  isPreferred?: boolean;
}

/** What `ConfigDiagnostic.data` holds for diagnostics produced by this core. */
export interface DiagnosticData {
  fixes?: QuickFix[];
}

export interface ConfigDiagnostic {
  range: ConfigRange;
  /** LSP numbering: 1 error, 2 warning, 3 information, 4 hint. */
  severity: Severity;
  code: string;
  message: string;
  data?: unknown;
}

/** Path inside the settings document: map keys and sequence indexes. */
export type SettingsPath = (string | number)[];

export function pathToString(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Name of a setting as the reference writes it: list indexes become `[]` (`writeback.courierMappings[].courier`). */
export function settingName(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? '[]' : i === 0 ? s : `.${s}`)).join('');
}
