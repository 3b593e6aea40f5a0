/** Offsets ↔ LSP positions, ranges, and "did you mean" suggestions. Pure helpers, no YAML knowledge. */
import type { ConfigRange, ConfigPosition } from './types';

/** Maps UTF-16 offsets to 0-based line/character, clamped so every range lies inside the document. */
export class PositionMapper {
  private readonly lineStarts: number[];
  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) starts.push(i + 1);
      else if (code === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): ConfigPosition {
    const clamped = Math.max(0, Math.min(Math.floor(offset), this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    // An offset on a line break (e.g. the \n of a \r\n) belongs to the end of its line, never past it.
    return { line: lo, character: Math.min(clamped, this.lineEnd(lo)) - this.lineStarts[lo] };
  }

  offsetAt(pos: ConfigPosition): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[pos.line];
    const end = this.lineEnd(pos.line);
    return Math.min(start + Math.max(0, pos.character), end);
  }

  range(start: number, end: number): ConfigRange {
    const from = Math.max(0, Math.min(start, this.text.length));
    const to = Math.max(from, Math.min(end, this.text.length));
    return { start: this.positionAt(from), end: this.positionAt(to) };
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** Offset of the end of `line`, before its line break. */
  lineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    let end = next;
    while (
      end > this.lineStarts[line] &&
      (this.text.charCodeAt(end - 1) === 10 || this.text.charCodeAt(end - 1) === 13)
    )
      end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** A range from `offset` to the end of its line (syntax errors never span to EOF). */
  toLineEnd(offset: number, minEnd = offset): ConfigRange {
    const position = this.positionAt(offset);
    const end = Math.max(
      this.lineEnd(position.line),
      Math.min(minEnd, this.lineEnd(position.line)),
    );
    return this.range(offset, end > offset ? end : offset);
  }
}

/** Levenshtein distance, capped work for long strings (settings values are short). */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Candidates close to `input`: exact case-insensitive matches first, then prefix matches, then
 * small edit distances (≤ 1/3 of the length, at least 2). At most `max` results.
 */
export function didYouMean(input: string, candidates: readonly string[], max = 3): string[] {
  const lower = input.toLowerCase().trim();
  if (!lower) return [];
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of candidates) {
    const folded = candidate.toLowerCase();
    let score: number;
    if (folded === lower) score = 0;
    else if (lower.length >= 3 && (folded.startsWith(lower) || lower.startsWith(folded))) score = 1;
    else {
      const distance = editDistance(lower, folded);
      if (distance > Math.max(2, Math.floor(Math.max(lower.length, folded.length) / 3))) continue;
      score = 1 + distance;
    }
    scored.push({ candidate, score });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, max).map((s) => s.candidate);
}

export function quoteList(values: readonly unknown[], max = 8): string {
  const shown = values.slice(0, max).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return shown.join(', ') + (values.length > max ? `, … (${values.length - max} more)` : '');
}
