/**
 * Parsing with `yaml` (keeping node ranges) under hard limits, plus navigation helpers that turn a
 * settings path into the YAML node, key or pair it was written as.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import { PositionMapper } from './text';
import {
  ERROR,
  WARNING,
  type ConfigDiagnostic,
  type ConfigRange,
  type Severity,
  type SettingsPath,
} from './types';

/**
 * Settings files are a few KB (a 1,000-line file is ~30 KB); anything past these limits is not a
 * settings file and is not parsed, so hostile input costs at most a fraction of a second.
 */
export const MAX_DOCUMENT_LENGTH = 256 * 1024;
const MAX_LINES = 20_000;
/** yaml's alias expansion cap: an alias bomb becomes a diagnostic, not gigabytes of memory. */
const MAX_ALIAS_COUNT = 100;

export interface ParsedSettings {
  text: string;
  pos: PositionMapper;
  /** Absent when the text was too large to parse. */
  doc?: Document.Parsed;
  /** Plain JS value of the document; undefined when conversion failed (alias bomb) or no document. */
  data?: unknown;
  diagnostics: ConfigDiagnostic[];
}

export function parseSettings(text: string): ParsedSettings {
  const pos = new PositionMapper(text);
  const refusal = refusalBeforeParsing(text, pos);
  if (refusal) return { text, pos, diagnostics: [refusal] };
  const diagnostics: ConfigDiagnostic[] = [];
  let doc: Document.Parsed;
  try {
    // uniqueKeys: yaml's own check is quadratic in the number of keys; duplicates are found below in one pass.
    doc = parseDocument(text, {
      prettyErrors: false,
      uniqueKeys: false,
      keepSourceTokens: false,
      logLevel: 'error',
    });
  } catch (err) {
    diagnostics.push({
      range: pos.range(0, pos.lineEnd(0)),
      severity: ERROR,
      code: 'yaml-syntax',
      message: `The YAML parser gave up: ${errorText(err)}`,
    });
    return { text, pos, diagnostics };
  }
  for (const error of doc.errors)
    diagnostics.push(yamlProblem(pos, error.code, error.message, error.pos, ERROR, doc));
  for (const warning of doc.warnings)
    diagnostics.push(yamlProblem(pos, warning.code, warning.message, warning.pos, WARNING, doc));
  diagnostics.push(...duplicateKeys(pos, doc));
  const { data, problem } = documentData(pos, doc);
  if (problem) diagnostics.push(problem);
  return { text, pos, doc, data, diagnostics };
}

/** A file too large, too long or nested too deep is refused before the YAML parser sees it. */
function refusalBeforeParsing(text: string, pos: PositionMapper): ConfigDiagnostic | undefined {
  if (text.length > MAX_DOCUMENT_LENGTH) return tooLargeDiagnostic(pos, text.length);
  if (pos.lineCount > MAX_LINES) {
    return {
      range: pos.range(0, pos.lineEnd(0)),
      severity: ERROR,
      code: 'file-too-large',
      message: `The file has ${pos.lineCount.toLocaleString('en')} lines; a settings file must have at most ${MAX_LINES.toLocaleString('en')}, so it was not checked.`,
    };
  }
  const tooDeep = flowDepthExceeded(text, MAX_FLOW_DEPTH);
  if (tooDeep === undefined) return undefined;
  return {
    range: pos.toLineEnd(tooDeep),
    severity: ERROR,
    code: 'too-deep',
    message: `Brackets nest more than ${MAX_FLOW_DEPTH} levels deep here; a settings file never needs that, so it was not checked.`,
  };
}

/** The document as plain JS; an alias bomb (or another conversion failure) leaves no data. */
function documentData(
  pos: PositionMapper,
  doc: Document.Parsed,
): { data: unknown; problem?: ConfigDiagnostic } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    const first = findFirstAlias(doc);
    const problem: ConfigDiagnostic = {
      range: first ? nodeRange(pos, first) : pos.range(0, pos.lineEnd(0)),
      severity: ERROR,
      code: err instanceof ReferenceError ? 'alias-limit' : 'yaml-syntax',
      message:
        err instanceof ReferenceError
          ? `Aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}); a settings file needs no alias tricks, so it was not checked.`
          : `The YAML could not be read: ${errorText(err)}`,
    };
    return { data: undefined, problem };
  }
}

/** Settings nest 3–4 levels; deeper `[`/`{` nesting is hostile (and slow for the parser). */
const MAX_FLOW_DEPTH = 64;

/** Offset where `[`/`{` nesting first exceeds `max` (outside quotes and comments), or undefined. */
function flowDepthExceeded(text: string, max: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"') i++;
      else if (char === '\n' && depth === 0) quote = undefined;
      continue;
    }
    if (char === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl;
    } else if (char === '"' || (char === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1]))))
      quote = char;
    else if (char === '[' || char === '{') {
      if (++depth > max) return i;
    } else if ((char === ']' || char === '}') && depth > 0) depth--;
    else if (
      char === '\n' &&
      depth > 0 &&
      i + 1 < text.length &&
      /\S/.test(text[i + 1]) &&
      !/[\]}]/.test(text[i + 1])
    ) {
      // A line starting at column 0 ends any (broken) flow collection for YAML's purposes.
      depth = 0;
    }
  }
  return undefined;
}

/** The `file-too-large` diagnostic for a document of `length` characters (`pos` needs only its first line). */
export function tooLargeDiagnostic(pos: PositionMapper, length: number): ConfigDiagnostic {
  return {
    range: pos.range(0, pos.lineEnd(0)),
    severity: ERROR,
    code: 'file-too-large',
    message: `The file is ${formatSize(length)}; a settings file must be under ${formatSize(MAX_DOCUMENT_LENGTH)}, so it was not checked.`,
  };
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.ceil(bytes / 1024)} KB`;
}

/** Duplicate keys (the later one is flagged), in one pass over every mapping. */
function duplicateKeys(pos: PositionMapper, doc: Document.Parsed): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length && out.length < 100) {
    const { node, depth } = stack.pop()!;
    if (depth > 200) continue;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? keyString(pair.key) : undefined;
        if (key !== undefined && isScalar(pair.key) && pair.key.range) {
          if (seen.has(key)) {
            out.push({
              range: pos.range(pair.key.range[0], pair.key.range[1]),
              severity: ERROR,
              code: 'duplicate-key',
              message: `Duplicate key "${key}": only one of them can count. Remove or merge this one.`,
            });
          }
          seen.add(key);
        }
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function yamlProblem(
  pos: PositionMapper,
  code: string,
  message: string,
  at: [number, number],
  severity: Severity,
  doc: Document.Parsed,
): ConfigDiagnostic {
  const text = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') {
    const keyNode = keyNodeAt(doc, at[0]);
    const key = keyNode ? String(keyNode.value) : pos.text.slice(at[0], at[1]);
    const end = keyNode?.range ? keyNode.range[1] : Math.max(at[1], at[0] + 1);
    return {
      range: pos.range(at[0], end),
      severity: ERROR,
      code: 'duplicate-key',
      message: `Duplicate key "${key}": only the first one would count. Remove or merge this one.`,
    };
  }
  if (code === 'TAB_AS_INDENT') {
    const line = pos.positionAt(at[0]).line;
    const lead = /^[ \t]*/.exec(pos.lineText(line))![0];
    const range = pos.range(pos.lineStart(line), pos.lineStart(line) + lead.length);
    return {
      range,
      severity: ERROR,
      code: 'yaml-tab',
      message: 'YAML indentation must use spaces; this line is indented with a tab.',
      data: {
        fixes: [
          {
            title: 'Indent with spaces',
            edits: [{ range, newText: lead.replace(/\t/g, '  ') }],
            isPreferred: true,
          },
        ],
      },
    };
  }
  const start = at[0];
  const end = Math.max(at[1], start);
  const startPos = pos.positionAt(start);
  const endLine = pos.positionAt(end).line;
  // Keep syntax errors on one line: a missing bracket must not paint the rest of the file red.
  const range =
    endLine === startPos.line && end > start ? pos.range(start, end) : pos.toLineEnd(start);
  return { range, severity, code: 'yaml-syntax', message: `YAML: ${text}` };
}

function keyNodeAt(doc: Document.Parsed, offset: number): Scalar | undefined {
  let found: Scalar | undefined;
  visitPairs(doc.contents, (pair) => {
    if (!found && isScalar(pair.key) && pair.key.range?.[0] === offset) found = pair.key;
  });
  return found;
}

function visitPairs(node: unknown, fn: (pair: Pair) => void, depth = 0): void {
  if (depth > 200) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      fn(pair);
      visitPairs(pair.value, fn, depth + 1);
    }
  } else if (isSeq(node)) for (const item of node.items) visitPairs(item, fn, depth + 1);
}

function findFirstAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  const walk = (node: unknown, depth: number) => {
    if (found || depth > 200) return;
    if (isAlias(node)) found = node;
    else if (isMap(node)) node.items.forEach((p) => walk(p.value, depth + 1));
    else if (isSeq(node)) node.items.forEach((i) => walk(i, depth + 1));
  };
  walk(doc.contents, 0);
  return found;
}

/** Range of a node's value (without trailing comments/line breaks); collections are cut to their first line. */
export function nodeRange(pos: PositionMapper, node: Node): ConfigRange {
  const range = node.range;
  if (!range) return pos.range(0, 0);
  let end = range[1];
  if (isMap(node) || isSeq(node)) {
    const line = pos.positionAt(range[0]).line;
    end = Math.min(end, pos.lineEnd(line));
  }
  while (end > range[0] && /\s/.test(pos.text[end - 1] ?? '')) end--;
  return pos.range(range[0], end);
}

export function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  if (typeof key === 'string') return key;
  return undefined;
}

const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** The first pair with key `key` in `map` (indexed once per map: lookups stay O(1) on big files). */
function findPair(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const pairKey = keyString(pair.key);
      if (pairKey !== undefined && !index.has(pairKey)) index.set(pairKey, pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/** The map pair at `path` (its last segment must be a key). */
function pairAt(
  doc: Document.Parsed | undefined,
  path: SettingsPath,
): Pair<Scalar, Node | null> | undefined {
  if (!doc || path.length === 0) return undefined;
  const parent = nodeAt(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  if (!isMap(parent) || typeof last !== 'string') return undefined;
  return findPair(parent as YAMLMap, last) as Pair<Scalar, Node | null> | undefined;
}

/** The node at `path`; aliases are followed one step so ranges stay on real text. */
export function nodeAt(doc: Document.Parsed | undefined, path: SettingsPath): Node | undefined {
  if (!doc) return undefined;
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      node = findPair(node as YAMLMap, String(seg))?.value ?? undefined;
    } else if (isSeq(node)) {
      const index = typeof seg === 'number' ? seg : Number(seg);
      node = Number.isInteger(index) ? node.items[index] : undefined;
    } else return undefined;
    if (node === undefined || node === null) return undefined;
  }
  return (node ?? undefined) as Node | undefined;
}

/** Where to report a problem with the value at `path`: the value, or the key when the value is empty. */
export function valueRange(parsed: ParsedSettings, path: SettingsPath): ConfigRange {
  const node = nodeAt(parsed.doc, path);
  if (node?.range && node.range[1] > node.range[0]) return nodeRange(parsed.pos, node);
  return keyRange(parsed, path);
}

/** The key of `path` (for sequence items, the item itself); falls back to the nearest existing ancestor. */
export function keyRange(parsed: ParsedSettings, path: SettingsPath): ConfigRange {
  for (let depth = path.length; depth > 0; depth--) {
    const sub = path.slice(0, depth);
    const pair = pairAt(parsed.doc, sub);
    if (pair && isScalar(pair.key) && pair.key.range)
      return parsed.pos.range(pair.key.range[0], pair.key.range[1]);
    if (typeof sub[sub.length - 1] === 'number') {
      const node = nodeAt(parsed.doc, sub);
      if (node?.range && node.range[1] > node.range[0]) return nodeRange(parsed.pos, node);
    }
  }
  return documentStartRange(parsed);
}

/** The first line with content (used for root-level problems such as a missing `dear:` section). */
export function documentStartRange(parsed: ParsedSettings): ConfigRange {
  const pos = parsed.pos;
  for (let line = 0; line < Math.min(pos.lineCount, 10_000); line++) {
    const lineText = pos.lineText(line);
    const match = /^(\s*)(\S.*?)\s*$/.exec(lineText);
    if (match && !match[2].startsWith('#') && match[2] !== '---') {
      const start = pos.lineStart(line) + match[1].length;
      return pos.range(start, start + match[2].length);
    }
  }
  return pos.range(0, 0);
}

export function isPlainScalar(node: Node | undefined): node is Scalar {
  return (
    isScalar(node) &&
    (node.type === 'PLAIN' || node.type === undefined) &&
    node.source !== undefined
  );
}

/** Source text of a scalar as written (without quotes), or undefined. */
export function scalarSource(parsed: ParsedSettings, node: Node | undefined): string | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  return parsed.text.slice(node.range[0], node.range[1]).trim();
}

export { isMap, isSeq, isScalar, isPair, isAlias };
