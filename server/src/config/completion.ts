/**
 * Completion: keys (with snippets per type), enum values with their descriptions, credential
 * references, courier codes, Cin7 Core carrier names (when the server knows them), a whole courier
 * mapping entry, and a starting template in an empty file.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
} from 'vscode-languageserver-types';
import {
  DEFAULT_CARRIER,
  DEFAULT_DEAR_BASE_URL,
  DEFAULT_DEAR_V1_BASE_URL,
  DEFAULT_STARSHIPIT_BASE_URL,
  SECRET_ENV_PREFIX,
} from '../../../protocol/settings';
import { containerPath, lineInfo, siblingKeys, type LineInfo } from './lineContext';
import { describe, expandAnyOf, schemasAt, type JsonSchema } from './schema';
import { settingName, type SettingsPath } from './types';
import { asYamlScalar } from './fixes';

export interface CompletionOptions {
  carrierNames?: readonly string[];
  knownSecretNames?: ReadonlySet<string>;
}

const TEMPLATE = [
  '# Dear Starshipit settings: Cin7 Core (DEAR) → Starshipit',
  'dear:',
  '  apiVersion: 2',
  '  accountId: \\${secret:${1:DEAR_ACCOUNT_ID}\\}',
  '  apiKey: \\${secret:${2:DEAR_API_KEY}\\}',
  '',
  'starshipit:',
  '  apiKey: \\${secret:${3:STARSHIPIT_API_KEY}\\}',
  '  subscriptionKey: \\${secret:${4:STARSHIPIT_SUBSCRIPTION_KEY}\\}',
  '  plan: ${5|developer,production|}',
  '',
  'import:',
  '  statuses: [${6:ORDERED}]',
  '  source: ${7|sales,fulfilments|}',
  '',
  'writeback:',
  '  enabled: true',
  '  when: ${8|labelPrinted,dispatched|}',
  '  courierMappings:',
  '    - courier: ${9:AusPost}',
  '      carrier: ${10:Australia Post}',
  '$0',
].join('\n');

const snippetEscape = (s: string) => s.replace(/[\\$}]/g, (c) => `\\${c}`);

export function getCompletions(
  text: string,
  position: Position,
  options: CompletionOptions = {},
): CompletionItem[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.every((line) => /^\s*(#.*)?$/.test(line))) return emptyFileItems(text, position);
  const lineText = lines[position.line] ?? '';
  const before = lineText.slice(0, position.character);
  const current = lineInfo(lineText);

  // Key position: "  sta|", "  - cou|", "  |"
  const keyMatch = /^(\s*)(-\s+)?([A-Za-z_][\w]*)?$/.exec(before);
  if (keyMatch) {
    const cursor = cursorAt(lines, position, current, keyMatch);
    return keyPositionItems(lines, position, cursor, !keyMatch[3], options);
  }

  // Value position: "  key: val|" or "  - key: val|" or inside a flow list "statuses: [ORDERED, P|"
  const valueMatch =
    /^(\s*)(-\s+)?([A-Za-z_][\w]*)\s*:\s+([^]*)$/.exec(before) ??
    /^(\s*)(-\s+)?([A-Za-z_][\w]*)\s*:()$/.exec(before);
  if (valueMatch) {
    const cursor = cursorAt(lines, position, current, valueMatch);
    return valuePositionItems(position, before, cursor, valueMatch[3], valueMatch[4], options);
  }
  return [];
}

/** In a file of blanks and comments: the whole-file template, then the top-level sections. */
function emptyFileItems(text: string, position: Position): CompletionItem[] {
  return [
    {
      label: 'Dear Starshipit settings (template)',
      kind: CompletionItemKind.Snippet,
      insertTextFormat: InsertTextFormat.Snippet,
      insertText: TEMPLATE,
      detail: 'A complete starting file',
      documentation: {
        kind: MarkupKind.Markdown,
        value: 'Inserts every required setting with `${secret:…}` credential references.',
      },
      sortText: '0',
      ...(text.trim() === ''
        ? {
            textEdit: {
              range: { start: { line: 0, character: 0 }, end: position },
              newText: TEMPLATE,
            },
          }
        : {}),
    },
    ...keyItems([], new Set(), position, position.character),
  ];
}

/** Where the typed key starts, whether it follows a list dash, and the container it belongs to. */
interface Cursor {
  column: number;
  dash: boolean;
  path: SettingsPath;
}

/** Reads the indentation and dash captured by a key or value pattern (groups 1 and 2). */
function cursorAt(
  lines: readonly string[],
  position: Position,
  current: LineInfo,
  match: RegExpExecArray,
): Cursor {
  const column = match[1].length + (match[2]?.length ?? 0);
  const dash = !!match[2];
  const info = { ...current, dash, dashCol: match[1].length, keyCol: column };
  return { column, dash, path: containerPath(lines, position.line, column, info) };
}

/**
 * Keys the container still lacks; on a new list item also the item's values and, before any
 * key is typed, the list's entry snippets.
 */
function keyPositionItems(
  lines: readonly string[],
  position: Position,
  cursor: Cursor,
  nothingTyped: boolean,
  options: CompletionOptions,
): CompletionItem[] {
  const { path, column } = cursor;
  const schemas = schemasAt(path).flatMap(expandAnyOf);
  const items: CompletionItem[] = [];
  const objectSchema = schemas.find((schema) => schema.properties);
  if (objectSchema) {
    const present = siblingKeys(lines, position.line, column);
    items.push(...keyItems(path, present, position, column));
  }
  const inListItem = cursor.dash && typeof path[path.length - 1] === 'number';
  const scalarSchema = schemas.find((schema) => schema.enum || schema.type === 'string');
  if (scalarSchema && inListItem) {
    items.push(...valueItems(path, scalarSchema, options, position, column));
  }
  if (inListItem && objectSchema && nothingTyped) {
    items.push(...entrySnippetItems(path, objectSchema, position, column));
  }
  return items;
}

/** The list's `defaultSnippets` as whole entries (e.g. a courier → carrier mapping). */
function entrySnippetItems(
  path: SettingsPath,
  entrySchema: JsonSchema,
  position: Position,
  startChar: number,
): CompletionItem[] {
  const parent = schemasAt(path.slice(0, -1))[0];
  return (parent?.defaultSnippets ?? []).map((snip) => {
    const entry = (Array.isArray(snip.body) ? snip.body[0] : snip.body) as Record<string, string>;
    const body = Object.entries(entry)
      .map(([key, value], i) => `${i ? '  ' : ''}${key}: ${value}`)
      .join('\n');
    return {
      label: `${snip.label} (courier → carrier)`,
      kind: CompletionItemKind.Snippet,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: {
        range: { start: { line: position.line, character: startChar }, end: position },
        newText: body,
      },
      documentation: { kind: MarkupKind.Markdown, value: describe(entrySchema) },
      sortText: '0',
    };
  });
}

/** Values for `key`: the item being typed in a flow list, or the whole scalar after the colon. */
function valuePositionItems(
  position: Position,
  before: string,
  cursor: Cursor,
  key: string,
  typed: string,
  options: CompletionOptions,
): CompletionItem[] {
  const path = [...cursor.path, key];
  if (typed.startsWith('[')) {
    const itemSchema = schemasAt([...path, 0])[0];
    return itemSchema
      ? valueItems([...path, 0], itemSchema, options, position, flowItemStart(before))
      : [];
  }
  const start = position.character - typed.length;
  const needsSpace = before.endsWith(':');
  return schemasAt(path).flatMap((schema) =>
    valueItems(path, schema, options, position, start, needsSpace),
  );
}

/** Column where the flow-list item under the cursor starts (after `[` or `,` and spaces). */
function flowItemStart(before: string): number {
  const lastSeparator = Math.max(before.lastIndexOf('['), before.lastIndexOf(','));
  const afterSeparator = before.slice(lastSeparator + 1);
  return lastSeparator + 1 + (afterSeparator.length - afterSeparator.trimStart().length);
}

function keyItems(
  path: SettingsPath,
  present: Set<string>,
  position: Position,
  startChar: number,
): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const schema of schemasAt(path).flatMap(expandAnyOf)) {
    const required = new Set(schema.required ?? []);
    for (const [key, raw] of Object.entries(schema.properties ?? {})) {
      if (present.has(key) || seen.has(key)) continue;
      seen.add(key);
      const child = schemasAt([...path, key])[0] ?? raw;
      items.push({
        label: key,
        kind: child.properties ? CompletionItemKind.Module : CompletionItemKind.Property,
        detail: `${settingName([...path, key])}${required.has(key) ? ' (required)' : ''}`,
        documentation: { kind: MarkupKind.Markdown, value: describe(child) },
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: {
          range: { start: { line: position.line, character: startChar }, end: position },
          newText: keySnippet(key, child),
        },
        sortText: `${required.has(key) ? '1' : '2'}${key}`,
      });
    }
  }
  return items;
}

/** The text inserted for a key: value placeholder by type; sections open an indented block. */
function keySnippet(key: string, schema: JsonSchema): string {
  if (schema['x-credential'])
    return `${key}: \\\${secret:\${1:${schema['x-suggestedSecretName'] ?? key.toUpperCase()}}\\}`;
  if (schema.enum) {
    const values =
      schema.default !== undefined
        ? [schema.default, ...schema.enum.filter((v) => v !== schema.default)]
        : schema.enum;
    return `${key}: \${1|${values.map((v) => String(v).replace(/[,|]/g, '\\$&')).join(',')}|}`;
  }
  if (schema.type === 'boolean')
    return `${key}: \${1|${schema.default === false ? 'false,true' : 'true,false'}|}`;
  const branches = expandAnyOf(schema);
  if (branches.some((b) => b.type === 'array' && b.items?.enum)) return `${key}: [\${1:ORDERED}]`;
  if (schema.type === 'array' && schema.defaultSnippets?.length) {
    const entry = (schema.defaultSnippets[0].body as Record<string, string>[])[0];
    return `${key}:\n  - ${Object.entries(entry)
      .map(([k, v], i) => `${i ? '    ' : ''}${k}: ${v}`)
      .join('\n')}`;
  }
  if (schema.properties) {
    if (schema.defaultSnippets?.length) {
      const body = schema.defaultSnippets[0].body as Record<string, string>;
      return `${key}:\n${Object.entries(body)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`;
    }
    return `${key}:\n  $0`;
  }
  if (schema.default !== undefined && typeof schema.default !== 'object')
    return `${key}: \${1:${snippetEscape(String(schema.default))}}`;
  return `${key}: $0`;
}

/** Adds one completion item unless one with the same label is there already. */
type AddItem = (
  label: string,
  kind: CompletionItemKind,
  doc?: string,
  insert?: string,
  sort?: string,
  snippet?: boolean,
) => void;

function valueItems(
  path: SettingsPath,
  schema: JsonSchema,
  options: CompletionOptions,
  position: Position,
  startChar: number,
  needsSpace = false,
): CompletionItem[] {
  const range = { start: { line: position.line, character: startChar }, end: position };
  const pre = needsSpace ? ' ' : '';
  const items: CompletionItem[] = [];
  const add: AddItem = (label, kind, doc, insert, sort, snippet = false) => {
    if (items.some((item) => item.label === label)) return;
    items.push({
      label,
      kind,
      ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
      textEdit: { range, newText: pre + (insert ?? label) },
      ...(snippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
      sortText: sort ?? `5${label}`,
    });
  };
  const key = path[path.length - 1];
  for (const branch of expandAnyOf(schema)) {
    addEnumItems(add, branch, schema);
    if (branch.type === 'boolean') addBooleanItems(add, branch);
    if (branch.type === 'array' && branch.items?.enum && typeof key === 'string') {
      add(
        '[ORDERED, PICKED]',
        CompletionItemKind.Snippet,
        'A list of sale statuses.',
        '[${1:ORDERED}, ${2:PICKED}]',
        '0',
        true,
      );
    }
    if (branch['x-credential']) addSecretItems(add, branch, key, options);
    for (const [code, name] of branch['x-knownValues'] ?? [])
      add(
        code,
        CompletionItemKind.EnumMember,
        `Starshipit courier code for **${name}**.`,
        undefined,
        `3${code}`,
      );
    if (key === 'carrier' || key === 'defaultCarrier') addCarrierItems(add, key, options);
    if (key === 'baseUrl') addBaseUrlItems(add, path[0] === 'dear');
    if (
      !branch.enum &&
      branch.default !== undefined &&
      typeof branch.default !== 'object' &&
      key !== 'baseUrl'
    ) {
      add(String(branch.default), CompletionItemKind.Value, '*(default)*', undefined, '0');
    }
  }
  return items;
}

/** The allowed values, the default first, each with its description. */
function addEnumItems(add: AddItem, branch: JsonSchema, schema: JsonSchema): void {
  branch.enum?.forEach((value, i) => {
    const doc = branch.markdownEnumDescriptions?.[i] ?? schema.markdownEnumDescriptions?.[i];
    const isDefault = value === schema.default;
    add(
      String(value),
      CompletionItemKind.EnumMember,
      `${doc ?? ''}${isDefault ? '\n\n*(default)*' : ''}`,
      undefined,
      `${isDefault ? '1' : '2'}${String(i).padStart(2, '0')}`,
    );
  });
}

function addBooleanItems(add: AddItem, branch: JsonSchema): void {
  for (const value of [true, false])
    add(
      String(value),
      CompletionItemKind.Value,
      branch.default === value ? '*(default)*' : undefined,
      undefined,
      branch.default === value ? '1' : '2',
    );
}

/** A credential: a `${secret:…}` reference (the suggested name, then stored ones) or `${env:…}`. */
function addSecretItems(
  add: AddItem,
  branch: JsonSchema,
  key: string | number | undefined,
  options: CompletionOptions,
): void {
  const suggested = branch['x-suggestedSecretName'] ?? String(key).toUpperCase();
  add(
    `\${secret:${suggested}}`,
    CompletionItemKind.Reference,
    `Read from VS Code SecretStorage (**Dear: Set Credentials…**); the CLI reads \`${SECRET_ENV_PREFIX}${suggested}\`.`,
    undefined,
    '0',
  );
  for (const name of options.knownSecretNames ?? [])
    add(
      `\${secret:${name}}`,
      CompletionItemKind.Reference,
      'A secret you have stored.',
      undefined,
      `1${name}`,
    );
  add(
    `\${env:${suggested}}`,
    CompletionItemKind.Reference,
    'Read from an environment variable of the language server / CLI.',
    `\\\${env:\${1:${suggested}}\\}`,
    '2',
    true,
  );
}

/** Carrier names of the Cin7 Core account (and, for the default, Cin7 Core's built-in one). */
function addCarrierItems(
  add: AddItem,
  key: 'carrier' | 'defaultCarrier',
  options: CompletionOptions,
): void {
  if (key === 'defaultCarrier')
    add(DEFAULT_CARRIER, CompletionItemKind.Value, "Cin7 Core's built-in carrier.", undefined, '0');
  for (const name of options.carrierNames ?? [])
    add(
      name,
      CompletionItemKind.Value,
      'Carrier defined in your Cin7 Core account (`ref/carrier`).',
      asYamlScalar(name),
      `1${name}`,
    );
}

function addBaseUrlItems(add: AddItem, dear: boolean): void {
  const sandbox = 'The built-in sandbox (`npx dear-starshipit sandbox`).';
  if (dear) {
    add(
      DEFAULT_DEAR_BASE_URL,
      CompletionItemKind.Value,
      'Cin7 Core API v2 (default).',
      undefined,
      '0',
    );
    add(
      DEFAULT_DEAR_V1_BASE_URL,
      CompletionItemKind.Value,
      'Cin7 Core API v1 (legacy).',
      undefined,
      '1',
    );
    add('http://127.0.0.1:4780/ExternalApi/v2/', CompletionItemKind.Value, sandbox, undefined, '2');
  } else {
    add(
      DEFAULT_STARSHIPIT_BASE_URL,
      CompletionItemKind.Value,
      'Starshipit API (default).',
      undefined,
      '0',
    );
    add('http://127.0.0.1:4781', CompletionItemKind.Value, sandbox, undefined, '2');
  }
}
