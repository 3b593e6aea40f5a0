/**
 * Credential settings: plain-text secrets (warning + move to `${secret:…}`), malformed references,
 * `${secret:NAME}` the editor does not hold, `${env:NAME}` that is not set.
 */
import { credentialReference, type CredentialReference } from '../../../../protocol/settings';
import { valueRange } from '../document';
import { resolve, SETTINGS_SCHEMA } from '../schema';
import {
  ERROR,
  INFORMATION,
  WARNING,
  pathToString,
  type ConfigDiagnostic,
  type ConfigRange,
  type QuickFix,
  type SettingsPath,
} from '../types';
import { replaceFix } from '../fixes';
import { get, str, type RuleContext, type SettingsRule } from './types';

const SET_CREDENTIALS_COMMAND = 'dear.setCredentials';

/** Every credential setting, from the schema (`x-credential`). */
const CREDENTIAL_PATHS: { path: SettingsPath; secretName: string }[] = Object.entries(
  SETTINGS_SCHEMA.properties ?? {},
)
  .flatMap(([section, sectionSchema]) =>
    Object.entries(resolve(sectionSchema)?.properties ?? {}).map(([key, raw]) => ({
      section,
      key,
      schema: resolve(raw)!,
    })),
  )
  .filter((e) => e.schema['x-credential'])
  .map((setting) => ({
    path: [setting.section, setting.key] as SettingsPath,
    secretName:
      setting.schema['x-suggestedSecretName'] ?? `${setting.section}_${setting.key}`.toUpperCase(),
  }));

/** The keys of each `warehouses.accounts` entry, named after the account for the secret. */
function accountCredentialPaths(data: unknown): { path: SettingsPath; secretName: string }[] {
  const list = get(data, ['warehouses', 'accounts']);
  if (!Array.isArray(list)) return [];
  return list.flatMap((account, i) => {
    const name =
      account &&
      typeof account === 'object' &&
      typeof (account as { name?: unknown }).name === 'string'
        ? (account as { name: string }).name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
        : String(i + 1);
    return [
      { path: ['warehouses', 'accounts', i, 'apiKey'], secretName: `STARSHIPIT_${name}_API_KEY` },
      {
        path: ['warehouses', 'accounts', i, 'subscriptionKey'],
        secretName: `STARSHIPIT_${name}_SUBSCRIPTION_KEY`,
      },
    ];
  });
}

export const credentialRule: SettingsRule = {
  codes: ['plain-text-secret', 'malformed-credential-ref', 'missing-secret', 'env-not-set'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const paths = [...CREDENTIAL_PATHS, ...accountCredentialPaths(ctx.data)];
    for (const { path, secretName } of paths) {
      const value = str(ctx.data, path);
      if (value === undefined || value === '') continue;
      const range = valueRange(ctx.parsed, path);
      const ref = credentialReference(value);
      if (!ref) {
        const looksLikeReference = /^\$\{/.test(value) || /^\$(env|secret):/i.test(value);
        out.push(
          looksLikeReference
            ? malformedReferenceProblem(path, value, range)
            : plainTextProblem(path, secretName, range),
        );
        continue;
      }
      const unavailable = unavailableReferenceProblem(ctx, path, ref, range);
      if (unavailable) out.push(unavailable);
    }
    return out;
  },
};

/** Near misses such as ${secrets:X}, ${ENV:X} or ${ secret : X } have one obvious reading. */
function malformedReferenceProblem(
  path: SettingsPath,
  value: string,
  range: ConfigRange,
): ConfigDiagnostic {
  const near = /^\$\{\s*(secrets?|env|environment)\s*:\s*([A-Za-z0-9_.-]+)\s*\}$/i.exec(value);
  const canonical = near ? `\${${/^env/i.test(near[1]) ? 'env' : 'secret'}:${near[2]}}` : undefined;
  return {
    range,
    severity: ERROR,
    code: 'malformed-credential-ref',
    message: `"${pathToString(path)}" looks like a credential reference but is not one; write \${env:NAME} or \${secret:NAME} (NAME: letters, digits, _ . -).`,
    ...(canonical
      ? { data: { fixes: [replaceFix(`Change to ${canonical}`, range, canonical, true)] } }
      : {}),
  };
}

/** A credential in plain text (an account id only merits information): move it to a secret. */
function plainTextProblem(
  path: SettingsPath,
  secretName: string,
  range: ConfigRange,
): ConfigDiagnostic {
  const isAccountId = path[1] === 'accountId';
  const fix: QuickFix = {
    title: `Move to a secret: \${secret:${secretName}}`,
    edits: [{ range, newText: `\${secret:${secretName}}` }],
    command: {
      title: 'Store the secret',
      command: SET_CREDENTIALS_COMMAND,
      arguments: [secretName],
    },
    isPreferred: true,
  };
  return {
    range,
    severity: isAccountId ? INFORMATION : WARNING,
    code: 'plain-text-secret',
    message: isAccountId
      ? `"${pathToString(path)}" is written in plain text; consider \${secret:${secretName}} so the file can be shared.`
      : `"${pathToString(path)}" holds a credential in plain text. Store it as a secret and write \${secret:${secretName}} (or \${env:NAME}).`,
    data: { fixes: [fix] },
  };
}

/** A reference the language server cannot resolve: an unset variable or a secret not stored. */
function unavailableReferenceProblem(
  ctx: RuleContext,
  path: SettingsPath,
  { kind, name }: CredentialReference,
  range: ConfigRange,
): ConfigDiagnostic | undefined {
  if (kind === 'env' && ctx.options.env[name] === undefined) {
    return {
      range,
      severity: WARNING,
      code: 'env-not-set',
      message: `Environment variable ${name} (for "${pathToString(path)}") is not set for the language server.`,
    };
  }
  const knownSecretNames = ctx.options.knownSecretNames;
  if (kind !== 'secret' || !knownSecretNames || knownSecretNames.has(name)) return undefined;
  return {
    range,
    severity: WARNING,
    code: 'missing-secret',
    message: `Secret ${name} (for "${pathToString(path)}") is not stored yet. Run "Dear: Set Credentials…" to store it.`,
    data: {
      fixes: [
        {
          title: `Store secret ${name}…`,
          edits: [],
          command: {
            title: `Store secret ${name}`,
            command: SET_CREDENTIALS_COMMAND,
            arguments: [name],
          },
          isPreferred: true,
        },
      ],
    },
  };
}

export { replaceFix };
