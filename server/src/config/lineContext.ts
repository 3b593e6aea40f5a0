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
  const keyMatch = KEY.exec(match[3]);
  if (!keyMatch) return { blank: false, indent, dash, dashCol: indent, keyCol };
  const key = keyMatch[2] ?? keyMatch[3] ?? keyMatch[1].trim();
  const value = keyMatch[4].replace(/(^|\s)#.*$/, '').trim();
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
    const info = lineInfo(lines[lineIndex]);
    if (info.blank) continue;
    if (info.dash && info.dashCol < target) {
      if (info.key !== undefined && info.keyCol < target) path.unshift(info.key);
      path.unshift(0);
      target = info.dashCol;
      seekingSequenceOwner = true;
      continue;
    }
    if (info.dash) continue;
    if (
      info.key !== undefined &&
      (info.keyCol < target || (seekingSequenceOwner && info.keyCol === target && !info.value))
    ) {
      path.unshift(info.key);
      target = info.keyCol;
      seekingSequenceOwner = false;
    } else if (info.key === undefined && info.indent < target) {
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
    const info = lineInfo(lines[lineIndex]);
    if (info.blank) continue;
    if (info.keyCol < col || (info.dash && info.dashCol < col)) {
      if (info.dash && info.keyCol === col && info.key) keys.add(info.key);
      break;
    }
    if (info.keyCol === col && info.key && !info.dash) keys.add(info.key);
  }
  for (let lineIndex = lineNo + 1; lineIndex < lines.length; lineIndex++) {
    const info = lineInfo(lines[lineIndex]);
    if (info.blank) continue;
    if (info.keyCol < col || (info.dash && info.dashCol <= col)) break;
    if (info.keyCol === col && info.key && !info.dash) keys.add(info.key);
  }
  return keys;
}
