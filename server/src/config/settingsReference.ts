/**
 * The settings reference (Markdown) generated from the schema, plus the catalogue of diagnostic
 * codes. `schemas/generate-settings-reference.mjs` writes it into the README draft; a unit test fails
 * when a checked-in copy no longer matches the schema.
 */
import { SEMANTIC_RULES } from './rules';
import { expandAnyOf, leafSettings, resolve, type JsonSchema } from './schema';

const REFERENCE_START =
  '<!-- settings-reference:start (generated from schemas/dear-starshipit.schema.json; run `npm run -s docs:settings`) -->';
const REFERENCE_END = '<!-- settings-reference:end -->';

/** Every diagnostic code with its usual severity and meaning. */
export const DIAGNOSTIC_CODES: Record<string, { severity: string; meaning: string; fix?: string }> =
  {
    'yaml-syntax': {
      severity: 'error',
      meaning: 'The YAML does not parse (reported on the line where the parser stopped).',
    },
    'yaml-tab': {
      severity: 'error',
      meaning: 'A line is indented with a tab.',
      fix: 'indent with spaces',
    },
    'duplicate-key': {
      severity: 'error',
      meaning: 'The same key twice in one mapping (flagged on the second).',
    },
    'alias-limit': {
      severity: 'error',
      meaning:
        'Aliases expand to more than 100 nodes (an "alias bomb"); the file is not checked further.',
    },
    'file-too-large': {
      severity: 'error',
      meaning: 'The file is over 256 KB or 20,000 lines; it is not parsed.',
    },
    'too-deep': {
      severity: 'error',
      meaning: 'Brackets nest more than 64 levels; the file is not parsed.',
    },
    'too-many-problems': {
      severity: 'warning',
      meaning: 'More than 1,000 problems: only the first 1,000 are reported.',
    },
    'unknown-key': {
      severity: 'error',
      meaning: 'A key the schema does not define (flagged on the key).',
      fix: 'did-you-mean rename',
    },
    'missing-key': {
      severity: 'error',
      meaning: 'A required key is missing (flagged on the parent key).',
      fix: 'insert the key with a placeholder',
    },
    'missing-value': { severity: 'error', meaning: 'A setting is present but empty.' },
    'empty-section': {
      severity: 'warning',
      meaning: 'An optional section has no settings, so it only keeps defaults.',
    },
    'wrong-type': {
      severity: 'error',
      meaning:
        'The value has the wrong type (for `anyOf` settings, one message naming the accepted forms).',
      fix: 'unquote a quoted number',
    },
    'unquoted-string': {
      severity: 'error',
      meaning:
        'An unquoted `0123`, `1.0`, `true`… where text is expected: YAML reads a number/boolean.',
      fix: 'quote it',
    },
    'not-a-boolean': {
      severity: 'error',
      meaning: '`yes`/`no`/`on`/`off` where true/false is expected (text in YAML 1.2).',
      fix: 'replace with true/false',
    },
    'yaml11-boolean': {
      severity: 'warning',
      meaning: 'Unquoted `yes`/`no`/`on`/`off` used as text: YAML 1.1 tools read a boolean.',
      fix: 'quote it',
    },
    'invalid-value': {
      severity: 'error',
      meaning: 'Not one of the allowed values.',
      fix: 'did-you-mean replacements',
    },
    'out-of-range': { severity: 'error', meaning: 'A number outside its allowed range.' },
    'invalid-format': { severity: 'error', meaning: 'Text in the wrong format (URL, ISO date).' },
    'too-few-items': {
      severity: 'error',
      meaning: 'An empty list where at least one entry is needed.',
    },
    'duplicate-item': { severity: 'error', meaning: 'The same entry twice in a list.' },
    'plain-text-secret': {
      severity: 'warning (information for accountId)',
      meaning: 'A credential written as a plain value.',
      fix: 'replace with `${secret:NAME}` and run **Dear: Set Credentials…**',
    },
    'malformed-credential-ref': {
      severity: 'error',
      meaning: 'Looks like `${…}` but is not `${env:NAME}` / `${secret:NAME}`.',
      fix: 'near misses (`${secrets:X}`, `${ENV:X}`) corrected',
    },
    'missing-secret': {
      severity: 'warning',
      meaning:
        "`${secret:NAME}` that the editor's SecretStorage does not hold (only with a client that reports its secret names).",
      fix: 'run **Dear: Set Credentials…** for NAME',
    },
    'env-not-set': {
      severity: 'warning',
      meaning: '`${env:NAME}` whose variable is not set for the language server / CLI.',
    },
    'insecure-base-url': {
      severity: 'error',
      meaning: 'An `http://` base URL that is not loopback: credentials would travel unencrypted.',
      fix: 'use https://',
    },
    'base-url-trailing-slash': {
      severity: 'warning',
      meaning: '`dear.baseUrl` without a trailing `/`.',
      fix: 'add it',
    },
    'api-v1-unsupported': {
      severity: 'error',
      meaning:
        '`dear.apiVersion: 1`: the public v1 reference documents no answer shape for reading sales and no route for writing tracking back; a run refuses with the same words.',
      fix: 'set apiVersion 2',
    },
    'base-url-version-mismatch': {
      severity: 'warning',
      meaning: 'A v1 URL with `apiVersion: 2` or the reverse.',
      fix: 'use the URL of the configured version',
    },
    'rate-limit-too-high': {
      severity: 'warning',
      meaning:
        'A rate limit above what the real service allows (not checked for loopback endpoints).',
    },
    'statuses-string': {
      severity: 'hint',
      meaning: 'Statuses written in the Starshipit `"Ordering;Picked"` form.',
      fix: 'convert to a list',
    },
    'unknown-status': {
      severity: 'error',
      meaning: 'A part of the `"A;B"` statuses string is not a Cin7 Core sale status.',
      fix: 'did-you-mean',
    },
    'unusual-status': {
      severity: 'warning',
      meaning: 'Importing DRAFT, VOIDED, CREDITED or COMPLETED sales.',
    },
    'fulfilments-need-v2': {
      severity: 'error',
      meaning: '`import.source: fulfilments` with `dear.apiVersion: 1`.',
      fix: 'set apiVersion 2, or import sales',
    },
    'memo-and-order-note': {
      severity: 'information',
      meaning:
        'Both a memo and the order note go into delivery instructions: memo first, then note, separated by a space, cut to 100 characters with a warning at run time.',
    },
    'duplicate-courier-mapping': {
      severity: 'error (warning when identical)',
      meaning: 'The same Starshipit courier mapped twice.',
      fix: 'remove the entry',
    },
    'unknown-courier': {
      severity: 'warning',
      meaning:
        'A courier (in a courier mapping or a shipping rule) that is not a known Starshipit carrier code.',
      fix: 'did-you-mean',
    },
    'mapping-to-default-carrier': {
      severity: 'information',
      meaning: 'A mapping to the default carrier changes nothing (counted when several do it).',
      fix: 'remove the entry',
    },
    'unknown-carrier': {
      severity: 'warning',
      meaning:
        "A carrier name Cin7 Core's `ref/carrier` list does not have (only when the list could be loaded).",
      fix: 'did-you-mean',
    },
    'customs-needs-sender-country': {
      severity: 'error',
      meaning:
        '`import.customs.enabled` without `import.customs.senderCountry`: no sale could be told international.',
    },
    'unknown-sender-country': {
      severity: 'warning',
      meaning: 'A 2-letter sender country that is not an ISO 3166-1 code.',
    },
    'duplicate-shipping-rule': {
      severity: 'error',
      meaning: 'Two shipping rules for the same method (case and outer spaces ignored).',
    },
    'unused-shipping-method': {
      severity: 'information',
      meaning:
        "A rule's method that no sale of the last preview used (only after a preview; never a call while typing).",
      fix: 'did-you-mean',
    },
    'duplicate-account': {
      severity: 'error',
      meaning: 'Two `warehouses.accounts` with the same name (or one named `default`).',
    },
    'unknown-account': {
      severity: 'error',
      meaning: 'A route to an account that is neither `default` nor a `warehouses.accounts` name.',
      fix: 'did-you-mean',
    },
    'duplicate-route': {
      severity: 'error',
      meaning: 'Two routes for one location (case and outer spaces ignored).',
    },
    'route-not-imported': {
      severity: 'warning',
      meaning: 'A route for a location that `warehouses.locations` leaves out: it never applies.',
    },
    schema: {
      severity: 'error',
      meaning: 'Any other schema violation (fallback; the message names the setting).',
    },
    'internal-error': {
      severity: 'warning',
      meaning: 'A rule failed unexpectedly; please report it.',
    },
  };

/** Every code a rule declares (used by tests to keep the catalogue complete). */
export function ruleCodes(): string[] {
  return SEMANTIC_RULES.flatMap((r) => [...r.codes]);
}

const cell = (text: string) =>
  text
    .replace(/\r?\n+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

function typeText(schema: JsonSchema): string {
  if (schema['x-credential']) return 'credential: value, `${env:NAME}` or `${secret:NAME}`';
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (schema.anyOf) {
    return expandAnyOf(schema)
      .map((branch) =>
        branch.type === 'array'
          ? 'list of sale statuses'
          : branch.type === 'string'
            ? '`"A;B"` string'
            : String(branch.type),
      )
      .join(' or ');
  }
  if (schema.type === 'object' && schema.properties)
    return `{${Object.keys(schema.properties).join(', ')}}`;
  if (schema.type === 'array')
    return `list of {${Object.keys(resolve(schema.items)?.properties ?? {}).join(', ')}}`;
  const low =
    schema.minimum !== undefined
      ? `${schema.minimum}`
      : schema.exclusiveMinimum !== undefined
        ? `>${schema.exclusiveMinimum}`
        : '';
  const range = low || schema.maximum !== undefined ? ` ${low}..${schema.maximum ?? ''}` : '';
  return `${String(schema.type)}${range}`;
}

function defaultText(schema: JsonSchema, required: boolean): string {
  if (required) return '**required**';
  if (schema['x-defaultText']) return schema['x-defaultText'];
  if (schema.default === undefined) return '—';
  return `\`${typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default)}\``;
}

export function renderSettingsTable(): string {
  const row = (name: string, schema: JsonSchema, required: boolean) =>
    `| \`${name}\` | ${cell(typeText(schema))} | ${cell(defaultText(schema, required))} | ${cell(schema.markdownDescription ?? '')} |`;
  const rows: string[] = [];
  for (const { path, schema, parent } of leafSettings()) {
    rows.push(row(path.join('.'), schema, (parent.required ?? []).includes(path[path.length - 1])));
    // List entries get one row per field (e.g. writeback.courierMappings[].courier).
    const item = schema.type === 'array' ? resolve(schema.items) : undefined;
    for (const [key, raw] of Object.entries(item?.properties ?? {})) {
      rows.push(
        row(`${path.join('.')}[].${key}`, resolve(raw)!, (item!.required ?? []).includes(key)),
      );
    }
  }
  return ['| Setting | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

function renderDiagnosticTable(): string {
  const rows = Object.entries(DIAGNOSTIC_CODES).map(
    ([code, d]) => `| \`${code}\` | ${d.severity} | ${cell(d.meaning)} | ${cell(d.fix ?? '—')} |`,
  );
  return ['| Code | Severity | Meaning | Quick fix |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The generated block, markers included. */
export function renderSettingsReference(): string {
  return [
    REFERENCE_START,
    '',
    renderSettingsTable(),
    '',
    '#### Diagnostics',
    '',
    renderDiagnosticTable(),
    '',
    REFERENCE_END,
  ].join('\n');
}

/** The generated block inside `text`, or undefined when the markers are absent. */
export function extractReference(text: string): string | undefined {
  const start = text.indexOf(REFERENCE_START);
  const end = text.indexOf(REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return text.slice(start, end + REFERENCE_END.length);
}
