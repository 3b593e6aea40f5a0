/**
 * The bundled settings schema (schemas/dear-starshipit.schema.json, inlined by esbuild/tsc) and a
 * small navigator over it. Only local `#/definitions/…` references exist, so resolution is a lookup.
 */
import schemaJson from '../../../schemas/dear-starshipit.schema.json';
import type { SettingsPath } from './types';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  markdownEnumDescriptions?: string[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  uniqueItems?: boolean;
  pattern?: string;
  defaultSnippets?: { label: string; body: unknown }[];
  definitions?: Record<string, JsonSchema>;
  'x-credential'?: boolean;
  'x-suggestedSecretName'?: string;
  'x-patternMessage'?: string;
  'x-knownValues'?: [string, string][];
  'x-defaultText'?: string;
}

export const SETTINGS_SCHEMA = schemaJson as unknown as JsonSchema;

/** Keywords VS Code / yaml-language-server understand; registered with ajv so strict mode still catches typos. */
export const EDITOR_KEYWORDS = [
  'markdownDescription',
  'markdownEnumDescriptions',
  'defaultSnippets',
  'x-credential',
  'x-suggestedSecretName',
  'x-patternMessage',
  'x-knownValues',
  'x-defaultText',
];

/** Follows `$ref` and merges the referencing schema's own annotations over the target. */
export function resolve(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  const match = /^#\/definitions\/(.+)$/.exec(schema.$ref);
  const target = match ? SETTINGS_SCHEMA.definitions?.[match[1]] : undefined;
  const { $ref: _ignored, ...own } = schema;
  return { ...resolve(target), ...own };
}

/** The schema branches that could describe the value at `path` (several when an `anyOf` is on the way). */
export function schemasAt(path: SettingsPath, root: JsonSchema = SETTINGS_SCHEMA): JsonSchema[] {
  let current: JsonSchema[] = [resolve(root)!];
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const schema of current.flatMap(expandAnyOf)) {
      if (typeof seg === 'number') {
        if (schema.items) next.push(resolve(schema.items)!);
      } else if (schema.properties?.[seg]) {
        next.push(resolve(schema.properties[seg])!);
      }
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

/** The schema of `path` itself (keeps the parent's annotations such as markdownDescription on an anyOf). */
export function schemaAt(path: SettingsPath): JsonSchema | undefined {
  return schemasAt(path)[0];
}

export function expandAnyOf(schema: JsonSchema): JsonSchema[] {
  if (!schema.anyOf) return [schema];
  return schema.anyOf.map((b) => resolve(b)!).flatMap(expandAnyOf);
}

export function typesOf(schema: JsonSchema): string[] {
  const out = new Set<string>();
  for (const branch of expandAnyOf(schema)) {
    if (branch.type)
      for (const type of Array.isArray(branch.type) ? branch.type : [branch.type]) out.add(type);
    else if (branch.enum)
      for (const value of branch.enum)
        out.add(typeof value === 'number' ? 'integer' : typeof value);
    else if (branch.properties) out.add('object');
  }
  return [...out];
}

export function expectsString(path: SettingsPath): boolean {
  return schemasAt(path).some((s) => typesOf(s).includes('string'));
}

/** Every leaf setting with its schema, in schema order (used by the reference generator and tests). */
export function leafSettings(): { path: string[]; schema: JsonSchema; parent: JsonSchema }[] {
  const out: { path: string[]; schema: JsonSchema; parent: JsonSchema }[] = [];
  const walk = (section: JsonSchema, path: string[]) => {
    for (const [key, raw] of Object.entries(section.properties ?? {})) {
      const child = resolve(raw)!;
      const isSection = child.type === 'object' && child.properties && !raw.$ref;
      if (isSection) walk(child, [...path, key]);
      else out.push({ path: [...path, key], schema: child, parent: section });
    }
  };
  walk(SETTINGS_SCHEMA, []);
  return out;
}

export const KNOWN_COURIERS: readonly [string, string][] =
  SETTINGS_SCHEMA.definitions?.courierCode['x-knownValues'] ?? [];

export function describe(schema: JsonSchema | undefined): string {
  return schema?.markdownDescription ?? schema?.description ?? '';
}
