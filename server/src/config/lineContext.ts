/**
 * Where the cursor is, judged from indentation alone: completion must work while the YAML is
 * half-typed and does not parse. Returns the settings path of the mapping/sequence the cursor is in.
 */
import type { SettingsPath } from './types';

export interface LineInfo {
  blank: boolean;
  indent: number;
  dash: boolean;
  dashCol: number;
  /** Column where a key (or an item's scalar) starts. */
  keyCol: number;
  key?: string;
  /** Text after `key:` (trimmed, comment removed). */
  value?: string;
}

// `[^]*` rather than `.*`: `.` does not match U+2028/U+2029 or a lone \r, which LSP does not treat
// as line breaks, so they can sit inside a line (found by the hostile-config property test).
const KEY =
  /^("([^"]*)"|'([^']*)'|[^\s#'"{}[\],:&*!|>%@`-][^#:]*?|-[^\s#:][^#:]*?)\s*:(?:\s+|$)([^]*)$/;

export function lineInfo(text: string): LineInfo {
  if (/^\s*(#.*)?$/.test(text))
    return { blank: true, indent: 0, dash: false, dashCol: 0, keyCol: 0 };
  const match = /^(\s*)(-(?:\s+|$))?([^]*)$/.exec(text)!;
  const indent = match[1].length;
  const dash = match[2] !== undefined;
  const keyCol = indent + (match[2]?.length ?? 0);
  const km = KEY.exec(match[3]);
  if (!km) return { blank: false, indent, dash, dashCol: indent, keyCol };
  const key = km[2] ?? km[3] ?? km[1].trim();
  const value = km[4].replace(/(^|\s)#.*$/, '').trim();
  return { blank: false, indent, dash, dashCol: indent, keyCol, key, value };
}

/** The container of column `col` on line `lineNo` (sequence items appear as index 0). */
export function containerPath(
  lines: readonly string[],
  lineNo: number,
  col: number,
  current: LineInfo,
): SettingsPath {
  const path: SettingsPath = [];
  let target = col;
  let seekingSequenceOwner = false;
  if (current.dash && current.dashCol < col) {
    path.unshift(0);
    target = current.dashCol;
    seekingSequenceOwner = true;
  }
  for (let lineIndex = lineNo - 1; lineIndex >= 0 && target > 0; lineIndex--) {
    const li = lineInfo(lines[lineIndex]);
    if (li.blank) continue;
    if (li.dash && li.dashCol < target) {
      if (li.key !== undefined && li.keyCol < target) path.unshift(li.key);
      path.unshift(0);
      target = li.dashCol;
      seekingSequenceOwner = true;
      continue;
    }
    if (li.dash) continue;
    if (
      li.key !== undefined &&
      (li.keyCol < target || (seekingSequenceOwner && li.keyCol === target && !li.value))
    ) {
      path.unshift(li.key);
      target = li.keyCol;
      seekingSequenceOwner = false;
    } else if (li.key === undefined && li.indent < target) {
      // A scalar continuation or garbage line less indented than us: stop guessing.
      break;
    }
  }
  if (seekingSequenceOwner && target === 0 && path[0] === 0) {
    // A top-level sequence is never valid here; keep the path so callers find no schema.
  }
  return path;
}

/** Keys already present in the mapping that holds line `lineNo` at column `col`. */
export function siblingKeys(lines: readonly string[], lineNo: number, col: number): Set<string> {
  const keys = new Set<string>();
  const current = lineInfo(lines[lineNo] ?? '');
  if (current.dash && current.dashCol < col) {
    // New item: only the keys on this very line belong to it.
    return keys;
  }
  for (let lineIndex = lineNo - 1; lineIndex >= 0; lineIndex--) {
    const li = lineInfo(lines[lineIndex]);
    if (li.blank) continue;
    if (li.keyCol < col || (li.dash && li.dashCol < col)) {
      if (li.dash && li.keyCol === col && li.key) keys.add(li.key);
      break;
    }
    if (li.keyCol === col && li.key && !li.dash) keys.add(li.key);
  }
  for (let lineIndex = lineNo + 1; lineIndex < lines.length; lineIndex++) {
    const li = lineInfo(lines[lineIndex]);
    if (li.blank) continue;
    if (li.keyCol < col || (li.dash && li.dashCol <= col)) break;
    if (li.keyCol === col && li.key && !li.dash) keys.add(li.key);
  }
  return keys;
}
