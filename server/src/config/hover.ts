/** Hover: the setting's markdown docs, its default, and for an enum value that value's description. */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver-types';
import {
  credentialReference,
  DEFAULT_DEAR_BASE_URL,
  SECRET_ENV_PREFIX,
} from '../../../protocol/settings';
import { hitAt } from './astWalk';
import { nodeRange, type ParsedSettings } from './document';
import { describe, expandAnyOf, schemasAt } from './schema';
import { settingName } from './types';
import { isScalar } from 'yaml';

export function getHover(parsed: ParsedSettings, position: Position): Hover | null {
  if (!parsed.doc) return null;
  const hit = hitAt(parsed.doc.contents, parsed.pos.offsetAt(position));
  if (!hit) return null;
  const path = hit.path;
  const schemas = schemasAt(path);
  const schema = schemas[0];
  if (!schema) return null;
  const parts = [`**${settingName(path)}**`, describe(schema)];
  if (!hit.onKey && isScalar(hit.node)) {
    const value = hit.node.value;
    for (const branch of expandAnyOf(schema)) {
      const index = branch.enum?.indexOf(value) ?? -1;
      const doc =
        index >= 0
          ? (branch.markdownEnumDescriptions ?? schema.markdownEnumDescriptions)?.[index]
          : undefined;
      if (doc) parts.push(`\`${String(value)}\`: ${doc}`);
      const known = branch['x-knownValues']?.find(([code]) => code === value);
      if (known) parts.push(`\`${known[0]}\`: ${known[1]}`);
    }
    const ref = credentialReference(value);
    if (ref) {
      parts.push(
        ref.kind === 'secret'
          ? `Read from VS Code SecretStorage as \`${ref.name}\` (the CLI reads \`${SECRET_ENV_PREFIX}${ref.name}\`). The value is never shown.`
          : `Read from the environment variable \`${ref.name}\`. The value is never shown.`,
      );
    }
  }
  const def = schema['x-defaultText']
    ? `${schema['x-defaultText']} (\`${DEFAULT_DEAR_BASE_URL}\` for v2)`
    : schema.default !== undefined
      ? `\`${JSON.stringify(schema.default)}\``
      : undefined;
  if (def) parts.push(`Default: ${def}`);
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.filter(Boolean).join('\n\n') },
    range: nodeRange(parsed.pos, hit.node),
  };
}
