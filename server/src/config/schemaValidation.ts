/**
 * JSON Schema validation with ajv, and the translation of ajv errors into diagnostics on the exact
 * YAML text: unknown keys on the key, missing keys on the parent key, wrong values on the value,
 * one message per failed `anyOf` (for the branch the user meant).
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import {
  isPlainScalar,
  isScalar,
  keyRange,
  nodeAt,
  scalarSource,
  valueRange,
  documentStartRange,
  type ParsedSettings,
} from './document';
import {
  EDITOR_KEYWORDS,
  SETTINGS_SCHEMA,
  resolve,
  schemaAt,
  schemasAt,
  typesOf,
  expandAnyOf,
  type JsonSchema,
} from './schema';
import { didYouMean, quoteList } from './text';
import {
  ERROR,
  WARNING,
  pathToString,
  type ConfigDiagnostic,
  type QuickFix,
  type SettingsPath,
  type ConfigRange,
} from './types';
import { insertKeyFix, quoteFix, replaceFix } from './fixes';

let compiled: ValidateFunction | undefined;
/** More schema problems than this are not worth computing (the analysis caps what it reports anyway). */
const MAX_SCHEMA_PROBLEMS = 1001;

/** Compiled once per process: only the YAML is re-read per keystroke. */
function settingsValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      logger: false,
    });
    ajv.addVocabulary(EDITOR_KEYWORDS);
    compiled = ajv.compile(SETTINGS_SCHEMA);
  }
  return compiled;
}

const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

export function validateAgainstSchema(parsed: ParsedSettings): ConfigDiagnostic[] {
  const validate = settingsValidator();
  const data = parsed.data === undefined || parsed.data === null ? {} : parsed.data;
  if (validate(data)) return [];
  const errors = collapseAnyOf(validate.errors ?? []);
  const out: ConfigDiagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (out.length >= MAX_SCHEMA_PROBLEMS) break;
    const diagnostic = toDiagnostic(parsed, error, data);
    if (!diagnostic) continue;
    const key = `${diagnostic.code}|${diagnostic.range.start.line}:${diagnostic.range.start.character}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic);
  }
  return out;
}

/** Synthetic keyword used when no anyOf branch even has the right type. */
interface CollapsedError extends ErrorObject {
  branchTitles?: string[];
}

/**
 * ajv reports every failing branch of an anyOf plus "must match a schema in anyOf". Keep only the
 * branch whose type matches the value (fewest errors wins); if none does, one "expected X or Y".
 */
function collapseAnyOf(errors: readonly ErrorObject[]): CollapsedError[] {
  let remaining: CollapsedError[] = [...errors];
  const anyOfs = errors
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const anyOf of anyOfs) {
    const prefix = `${anyOf.schemaPath}/`;
    const branches = new Map<number, CollapsedError[]>();
    for (const error of remaining) {
      if (!error.schemaPath.startsWith(prefix)) continue;
      const branchIndex = Number(error.schemaPath.slice(prefix.length).split('/')[0]);
      if (!branches.has(branchIndex)) branches.set(branchIndex, []);
      branches.get(branchIndex)!.push(error);
    }
    const branchSchemas = schemaByPointer(anyOf.schemaPath) as JsonSchema[] | undefined;
    const typeMatched = [...branches.entries()].filter(
      ([branchIndex, errs]) =>
        !errs.some(
          (error) =>
            error.keyword === 'type' &&
            error.instancePath === anyOf.instancePath &&
            error.schemaPath === `${prefix}${branchIndex}/type`,
        ),
    );
    typeMatched.sort((x, y) => x[1].length - y[1].length);
    remaining = remaining.filter((e) => e !== anyOf && !e.schemaPath.startsWith(prefix));
    if (typeMatched.length > 0) remaining.push(...typeMatched[0][1]);
    else {
      remaining.push({
        ...anyOf,
        keyword: 'anyOfType',
        branchTitles: (branchSchemas ?? []).map(
          (b) => resolve(b)?.title ?? typesOf(resolve(b)!).join(' or '),
        ),
      });
    }
  }
  return remaining;
}

function schemaByPointer(pointer: string): unknown {
  let cur: unknown = SETTINGS_SCHEMA;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** RFC 6901 pointer → path; numeric segments become numbers where the data is an array. */
function instancePathToPath(instancePath: string, data: unknown): SettingsPath {
  const path: SettingsPath = [];
  let cur: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const index = Number(seg);
      path.push(index);
      cur = cur[index];
    } else {
      path.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

function valueAt(data: unknown, path: SettingsPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string')
    return `the text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping of settings',
  array: 'a list',
  null: 'empty',
};

function expectedWords(types: string[]): string {
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

function label(path: SettingsPath): string {
  return path.length ? `"${pathToString(path)}"` : 'The file';
}

/**
 * An error-severity diagnostic. Codes are written as its first argument, where the settings
 * reference test finds them.
 */
function schemaError(
  code: string,
  range: ConfigRange,
  message: string,
  fixes?: QuickFix[],
): ConfigDiagnostic {
  return {
    range,
    severity: ERROR,
    code,
    message,
    ...(fixes?.length ? { data: { fixes } } : {}),
  };
}

function toDiagnostic(
  parsed: ParsedSettings,
  error: CollapsedError,
  data: unknown,
): ConfigDiagnostic | undefined {
  const path = instancePathToPath(error.instancePath, data);
  const value = valueAt(data, path);
  switch (error.keyword) {
    case 'required':
      return missingKeyProblem(parsed, path, error);
    case 'additionalProperties':
      return unknownKeyProblem(parsed, path, error);
    case 'type': {
      const expected = String((error.params as { type: string }).type).split(',');
      return typeProblem(parsed, path, expected, value, nodeAt(parsed.doc, path));
    }
    case 'anyOfType':
      return noMatchingBranchProblem(parsed, path, value, error);
    case 'enum':
      return enumProblem(parsed, path, value, error);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const limit = error.params as { limit: number; comparison: string };
      return schemaError(
        'out-of-range',
        valueRange(parsed, path),
        `${label(path)} must be ${limit.comparison} ${limit.limit} (got ${String(value)}).`,
      );
    }
    case 'minLength':
      return schemaError(
        'missing-value',
        valueRange(parsed, path),
        `${label(path)} must not be empty.`,
      );
    case 'pattern':
      return patternProblem(parsed, path, value, error);
    case 'minItems':
      return schemaError(
        'too-few-items',
        valueRange(parsed, path),
        `${label(path)} needs at least ${(error.params as { limit: number }).limit} entry.`,
      );
    case 'uniqueItems':
      return duplicateItemProblem(parsed, path, data, error);
    default:
      return schemaError(
        'schema',
        valueRange(parsed, path),
        `${label(path)} ${error.message ?? 'is not valid'}.`,
      );
  }
}

/** No `anyOf` branch has the value's type: name every branch. */
function noMatchingBranchProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  value: unknown,
  error: CollapsedError,
): ConfigDiagnostic {
  if (value === null || value === undefined)
    return schemaError(
      'missing-value',
      keyRange(parsed, path),
      `${label(path)} has no value; expected ${error.branchTitles?.join(' or ')}.`,
    );
  return schemaError(
    'wrong-type',
    valueRange(parsed, path),
    `${label(path)} must be ${error.branchTitles?.join(' or ')}, not ${describeValue(value)}.`,
  );
}

/** A text that does not match: the schema's own words for the format when it has them. */
function patternProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  value: unknown,
  error: CollapsedError,
): ConfigDiagnostic {
  const wanted =
    schemaAt(path)?.['x-patternMessage'] ??
    `text matching ${(error.params as { pattern: string }).pattern}`;
  return schemaError(
    'invalid-format',
    valueRange(parsed, path),
    `${label(path)} must be ${wanted} (got "${String(value)}").`,
  );
}

/** A list entry that repeats an earlier one, on the later entry. */
function duplicateItemProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  data: unknown,
  error: CollapsedError,
): ConfigDiagnostic {
  const pair = error.params as { i: number; j: number };
  const duplicate = Math.max(pair.i, pair.j);
  return schemaError(
    'duplicate-item',
    valueRange(parsed, [...path, duplicate]),
    `${label(path)} lists ${describeValue(valueAt(data, [...path, duplicate]))} twice.`,
  );
}

function missingKeyProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  error: CollapsedError,
): ConfigDiagnostic {
  const missing = String((error.params as { missingProperty: string }).missingProperty);
  const range = path.length ? keyRange(parsed, path) : documentStartRange(parsed);
  const fix = insertKeyFix(parsed, path, missing);
  const what = path.length
    ? `setting "${pathToString([...path, missing])}"`
    : `section "${missing}"`;
  return schemaError('missing-key', range, `Missing required ${what}.`, fix ? [fix] : undefined);
}

/** An unknown key: a tab-indented line, a near miss, a setting of another section, or a typo. */
function unknownKeyProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  error: CollapsedError,
): ConfigDiagnostic {
  const key = String((error.params as { additionalProperty: string }).additionalProperty);
  const range = keyRange(parsed, [...path, key]);
  if (/^\s/.test(key)) {
    return schemaError(
      'yaml-tab',
      range,
      'YAML indentation must use spaces; this line is indented with a tab.',
      [
        replaceFix(
          'Indent with spaces',
          range,
          key.replace(/^\s+/, (ws) => ws.replace(/\t/g, '  ')),
          true,
        ),
      ],
    );
  }
  const allowed = Object.keys(schemasAt(path)[0]?.properties ?? {});
  const suggestions = didYouMean(key, allowed);
  const where = path.length ? `in "${pathToString(path)}"` : 'at the top level';
  const elsewhere = Object.entries(SETTINGS_SCHEMA.properties ?? {}).find(
    ([section, sec]) => section !== path[0] && resolve(sec)?.properties?.[key] !== undefined,
  )?.[0];
  const hint = suggestions.length
    ? ` Did you mean "${suggestions[0]}"?`
    : elsewhere
      ? ` "${key}" is a setting of "${elsewhere}".`
      : ` Allowed: ${quoteList(allowed, 12)}.`;
  return schemaError(
    'unknown-key',
    range,
    `Unknown setting "${key}" ${where}.${hint}`,
    suggestions.map((s, i) => replaceFix(`Change to "${s}"`, range, s, i === 0)),
  );
}

function enumProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  value: unknown,
  error: CollapsedError,
): ConfigDiagnostic {
  const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
  if (value === null || value === undefined) {
    return schemaError(
      'missing-value',
      keyRange(parsed, path),
      `${label(path)} has no value; expected one of: ${quoteList(allowed)}.`,
    );
  }
  const range = valueRange(parsed, path);
  const suggestions = didYouMean(
    String(value),
    allowed.map((a) => String(a)),
  );
  const fixes = suggestions.map((s, i) => replaceFix(`Change to ${s}`, range, s, i === 0));
  const hint = suggestions.length ? ` Did you mean ${suggestions[0]}?` : '';
  return schemaError(
    'invalid-value',
    range,
    `${label(path)} must be one of: ${quoteList(allowed, 16)} (got ${describeValue(value)}).${hint}`,
    fixes,
  );
}

function typeProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  expected: string[],
  value: unknown,
  node: ReturnType<typeof nodeAt>,
): ConfigDiagnostic {
  if (value === null || value === undefined) return emptyValueProblem(parsed, path, expected);
  return (
    misreadScalarProblem(parsed, path, expected, value, node) ??
    schemaError(
      'wrong-type',
      valueRange(parsed, path),
      `${label(path)} must be ${expectedWords(expected)}, not ${describeValue(value)}.`,
    )
  );
}

/** A key with nothing after it: an empty section keeps its defaults unless it has required keys. */
function emptyValueProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  expected: string[],
): ConfigDiagnostic {
  if (!expected.includes('object')) {
    return schemaError(
      'missing-value',
      keyRange(parsed, path),
      `${label(path)} has no value; expected ${expectedWords(expected)}.`,
    );
  }
  const section = schemasAt(path)
    .flatMap(expandAnyOf)
    .find((branch) => branch.properties);
  if (!section?.required?.length) {
    return {
      ...schemaError(
        'empty-section',
        keyRange(parsed, path),
        `${label(path)} is empty, so every setting in it keeps its default. Add settings below it or remove it.`,
      ),
      severity: WARNING,
    };
  }
  return schemaError(
    'missing-value',
    keyRange(parsed, path),
    `${label(path)} is empty; it needs ${quoteList(section.required)}.`,
  );
}

/**
 * A scalar YAML read as another type than the user meant: unquoted text that became a number or
 * boolean, a YAML 1.1 boolean word that is text in YAML 1.2, a number written in quotes.
 */
function misreadScalarProblem(
  parsed: ParsedSettings,
  path: SettingsPath,
  expected: string[],
  value: unknown,
  node: ReturnType<typeof nodeAt>,
): ConfigDiagnostic | undefined {
  const range = valueRange(parsed, path);
  const source = scalarSource(parsed, node);
  const plain = isPlainScalar(node);
  if (expected.includes('string') && plain && source !== undefined && typeof value !== 'string') {
    return schemaError(
      'unquoted-string',
      range,
      `${label(path)} is read as ${describeValue(value)}, not the text "${source}". Quote it: "${source}".`,
      [quoteFix(range, source)],
    );
  }
  if (typeof value !== 'string') return undefined;
  if (expected.includes('boolean') && plain && source && YAML11_BOOLEANS.test(source)) {
    const truthy = /^(y|yes|on)$/i.test(source);
    return schemaError(
      'not-a-boolean',
      range,
      `${label(path)}: "${source}" is text in YAML 1.2, not a boolean. Write ${truthy}.`,
      [replaceFix(`Change to ${truthy}`, range, String(truthy), true)],
    );
  }
  const wantsNumber = expected.includes('number') || expected.includes('integer');
  const number = Number(value);
  if (!wantsNumber || !isScalar(node) || node.type === 'PLAIN') return undefined;
  if (value.trim() === '' || !Number.isFinite(number)) return undefined;
  return schemaError(
    'wrong-type',
    range,
    `${label(path)} must be ${expectedWords(expected)}, not the quoted text "${value}".`,
    [replaceFix(`Change to ${number}`, range, String(number), true)],
  );
}
