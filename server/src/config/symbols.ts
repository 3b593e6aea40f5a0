/** Outline: one symbol per key (sections, settings, mapping entries), capped for huge documents. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import { CREDENTIAL_REF } from '../../../protocol/settings';
import { keyString, nodeRange, type ParsedSettings } from './document';
import { schemaAt } from './schema';
import type { SettingsPath } from './types';

const MAX_SYMBOLS = 5000;

export function getDocumentSymbols(parsed: ParsedSettings): DocumentSymbol[] {
  if (!parsed.doc) return [];
  let budget = MAX_SYMBOLS;
  const pos = parsed.pos;
  const build = (node: unknown, path: SettingsPath, depth: number): DocumentSymbol[] => {
    const out: DocumentSymbol[] = [];
    if (depth > 32) return out;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (budget-- <= 0) break;
        const key = keyString(pair.key);
        if (key === undefined || !isScalar(pair.key) || !pair.key.range) continue;
        const value = pair.value as Node | null;
        const selectionRange = pos.range(pair.key.range[0], pair.key.range[1]);
        const end = value?.range ? value.range[1] : pair.key.range[1];
        const childPath = [...path, key];
        const children = value ? build(value, childPath, depth + 1) : [];
        out.push({
          name: key,
          kind: kindFor(value, depth),
          detail: detailFor(value, childPath),
          range: { start: selectionRange.start, end: trimEnd(parsed, pair.key.range[0], end).end },
          selectionRange,
          ...(children.length ? { children } : {}),
        });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (budget-- <= 0 || !(item as Node)?.range) return;
        const it = item as Node;
        const range = nodeRange(pos, it);
        const full = trimEnd(parsed, it.range![0], it.range![1]);
        const name = isMap(it)
          ? String(
              (
                it.items.find((p) => keyString(p.key) === 'courier')?.value as
                  { value?: unknown } | undefined
              )?.value ?? `#${i + 1}`,
            )
          : isScalar(it)
            ? String(it.value)
            : `#${i + 1}`;
        const children = isMap(it) ? build(it, [...path, i], depth + 1) : [];
        out.push({
          name,
          kind: isMap(it) ? SymbolKind.Object : SymbolKind.EnumMember,
          range: full,
          selectionRange: range,
          ...(children.length ? { children } : {}),
        });
      });
    }
    return out;
  };
  return build(parsed.doc.contents, [], 0);
}

function trimEnd(parsed: ParsedSettings, start: number, end: number) {
  let trimmedEnd = end;
  while (trimmedEnd > start && /\s/.test(parsed.text[trimmedEnd - 1] ?? '')) trimmedEnd--;
  return parsed.pos.range(start, trimmedEnd);
}

function kindFor(value: Node | null, depth: number): SymbolKind {
  if (isMap(value)) return depth === 0 ? SymbolKind.Module : SymbolKind.Object;
  if (isSeq(value)) return SymbolKind.Array;
  if (isScalar(value)) {
    if (typeof value.value === 'boolean') return SymbolKind.Boolean;
    if (typeof value.value === 'number') return SymbolKind.Number;
  }
  return SymbolKind.Property;
}

/** Short value preview; a plain-text credential is never echoed. */
function detailFor(value: Node | null, path: SettingsPath): string | undefined {
  if (!isScalar(value) || value.value === null) return undefined;
  const text = String(value.value);
  if (schemaAt(path)?.['x-credential'] && !CREDENTIAL_REF.test(text)) return '(plain text)';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
