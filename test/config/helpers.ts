/** Test helpers for the config core: exact-range diagnostic checks (yaml-language-server's verifyError idea) and edit application. */
import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  analyze,
  type AnalyzeOptions,
  type ConfigDiagnostic,
  type QuickFix,
} from '../../server/src/config';

export const VALID = `dear:
  accountId: \${secret:DEAR_ACCOUNT_ID}
  apiKey: \${secret:DEAR_API_KEY}
starshipit:
  apiKey: \${secret:STARSHIPIT_API_KEY}
  subscriptionKey: \${secret:STARSHIPIT_SUBSCRIPTION_KEY}
import:
  statuses: [ORDERED]
`;

export function diagnose(text: string, options: AnalyzeOptions = {}): ConfigDiagnostic[] {
  return analyze(text, { env: {}, ...options }).diagnostics;
}

export interface Expected {
  code: string;
  /** [startLine, startChar, endLine, endChar], 0-based. */
  range: [number, number, number, number];
  severity: 1 | 2 | 3 | 4;
  /** Substring the message must contain. */
  message?: string;
}

/** Asserts that exactly one diagnostic with `code` exists at exactly `range`. */
export function verifyDiagnostic(
  diags: readonly ConfigDiagnostic[],
  e: Expected,
): ConfigDiagnostic {
  const [sl, sc, el, ec] = e.range;
  const matches = diags.filter(
    (d) =>
      d.code === e.code &&
      d.range.start.line === sl &&
      d.range.start.character === sc &&
      d.range.end.line === el &&
      d.range.end.character === ec &&
      (!e.message || d.message.includes(e.message)),
  );
  assert.equal(
    matches.length,
    1,
    `expected one ${e.code} at ${e.range.join(',')}; got:\n${describeAll(diags)}`,
  );
  const d = matches[0];
  assert.equal(d.severity, e.severity, `severity of ${e.code}`);
  if (e.message)
    assert.ok(
      d.message.includes(e.message),
      `message "${d.message}" should contain "${e.message}"`,
    );
  return d;
}

/** The diagnostics must be exactly these (order-insensitive). */
export function verifyOnly(diags: readonly ConfigDiagnostic[], expected: Expected[]): void {
  for (const e of expected) verifyDiagnostic(diags, e);
  assert.equal(
    diags.length,
    expected.length,
    `unexpected extra diagnostics:\n${describeAll(diags)}`,
  );
}

export function describeAll(diags: readonly ConfigDiagnostic[]): string {
  return (
    diags
      .map(
        (d) =>
          `  ${d.code} [${d.range.start.line},${d.range.start.character},${d.range.end.line},${d.range.end.character}] sev${d.severity}: ${d.message}`,
      )
      .join('\n') || '  (none)'
  );
}

export function fixesOf(d: ConfigDiagnostic): QuickFix[] {
  return (d.data as { fixes?: QuickFix[] } | undefined)?.fixes ?? [];
}

export function applyFix(text: string, fix: QuickFix): string {
  const doc = TextDocument.create('file:///t.yaml', 'dear-starshipit', 1, text);
  return TextDocument.applyEdits(doc, fix.edits);
}

/** Every range must lie inside the document. */
export function assertRangesInside(text: string, diags: readonly ConfigDiagnostic[]): void {
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of diags) {
    for (const p of [d.range.start, d.range.end]) {
      assert.ok(
        p.line >= 0 && p.line < lines.length,
        `${d.code}: line ${p.line} outside 0..${lines.length - 1}`,
      );
      assert.ok(
        p.character >= 0 && p.character <= lines[p.line].length,
        `${d.code}: character ${p.character} outside line ${p.line}`,
      );
    }
  }
}

/** Text with `|` marking the cursor → text without it and the cursor position. */
export function cursor(textWithBar: string): {
  text: string;
  position: { line: number; character: number };
} {
  const i = textWithBar.indexOf('|');
  const before = textWithBar.slice(0, i);
  const line = before.split('\n').length - 1;
  const character = i - (before.lastIndexOf('\n') + 1);
  return {
    text: textWithBar.slice(0, i) + textWithBar.slice(i + 1),
    position: { line, character },
  };
}
