/** Builders for the quick fixes attached to diagnostics (edits are computed with the diagnostic). */
import { isMap, isScalar } from 'yaml';
import { nodeAt, type ParsedSettings } from './document';
import { schemasAt, expandAnyOf, type JsonSchema } from './schema';
import type { ConfigRange, QuickFix, SettingsPath } from './types';

export function replaceFix(
  title: string,
  range: ConfigRange,
  newText: string,
  isPreferred = false,
): QuickFix {
  return { title, edits: [{ range, newText }], ...(isPreferred ? { isPreferred } : {}) };
}

/** A YAML double-quoted scalar holding exactly `text`. */
function yamlQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteFix(range: ConfigRange, source: string): QuickFix {
  return replaceFix(`Quote as ${yamlQuote(source)}`, range, yamlQuote(source), true);
}

/** Placeholder text for a new setting (a value for scalars, indented lines for sections). */
function placeholderFor(key: string, schema: JsonSchema | undefined, indent: string): string {
  if (!schema) return '';
  if (schema['x-credential'])
    return `\${secret:${schema['x-suggestedSecretName'] ?? key.toUpperCase()}}`;
  if (schema.default !== undefined && typeof schema.default !== 'object')
    return String(schema.default);
  if (schema.enum) return String(schema.enum[0]);
  const branches = expandAnyOf(schema);
  const list = branches.find((b) => b.type === 'array' && b.items?.enum);
  if (list)
    return `[${String(list.items!.enum!.find((v) => v === 'ORDERED') ?? list.items!.enum![0])}]`;
  const obj = branches.find((b) => b.properties);
  if (obj) {
    const lines = (obj.required ?? []).map((key) => {
      const child = schemasAt([key], obj)[0];
      const placeholder = placeholderFor(key, child, indent + '  ');
      return `\n${indent}  ${key}:${placeholder.startsWith('\n') ? placeholder : ' ' + placeholder}`;
    });
    return lines.join('');
  }
  return '';
}

/** "Add <key>" for a missing required key, inserted above the first existing key of the mapping. */
export function insertKeyFix(
  parsed: ParsedSettings,
  parentPath: SettingsPath,
  key: string,
): QuickFix | undefined {
  const parent = parentPath.length
    ? nodeAt(parsed.doc, parentPath)
    : (parsed.doc?.contents ?? undefined);
  const schema = schemasAt([...parentPath, key])[0];
  if (isMap(parent) && !parent.flow && parent.items.length > 0) {
    const firstKey = parent.items[0].key;
    if (!isScalar(firstKey) || !firstKey.range) return undefined;
    const offset = firstKey.range[0];
    const at = parsed.pos.positionAt(offset);
    const lineText = parsed.pos.lineText(at.line);
    const indent = lineText.slice(0, at.character).replace(/\S/g, ' ');
    const value = placeholderFor(key, schema, indent);
    const text = `${key}:${value.startsWith('\n') ? value : ' ' + value}\n${indent}`;
    return {
      title: `Add "${key}"`,
      edits: [{ range: parsed.pos.range(offset, offset), newText: text }],
      isPreferred: true,
    };
  }
  if (
    parentPath.length === 0 &&
    (parent === undefined || parent === null || (isScalar(parent) && parent.value === null))
  ) {
    const value = placeholderFor(key, schema, '');
    const end = parsed.text.length;
    const sep = end > 0 && !parsed.text.endsWith('\n') ? '\n' : '';
    return {
      title: `Add "${key}"`,
      edits: [
        {
          range: parsed.pos.range(end, end),
          newText: `${sep}${key}:${value.startsWith('\n') ? value : ' ' + value}\n`,
        },
      ],
      isPreferred: true,
    };
  }
  return undefined;
}

/** `text` as a YAML scalar: plain when that reads back as the same string, otherwise double-quoted. */
export function asYamlScalar(text: string): string {
  const plainSafe =
    /^[A-Za-z_][A-Za-z0-9_ .\-&()/]*$/.test(text) &&
    !/\s$/.test(text) &&
    !/^(y|n|yes|no|on|off|true|false|null|~)$/i.test(text);
  return plainSafe ? text : yamlQuote(text);
}
