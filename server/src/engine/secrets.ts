/** Credential references and endpoint checks, done before any request is made. */
import {
  credentialReference,
  SECRET_ENV_PREFIX,
  type DearSettings,
} from '../../../protocol/settings';
import { ConfigurationError } from './errors';
import { isAllowedEndpoint } from './endpoint';
import type { SecretLookup } from './index';

export interface Credentials {
  dearAccountId: string;
  dearApiKey: string;
  starshipitApiKey: string;
  starshipitSubscriptionKey: string;
  /** Keys of the other Starshipit accounts (`warehouses.accounts`), by account name. */
  accounts: Record<string, { apiKey: string; subscriptionKey: string }>;
}

/** Every credential value (for redaction). */
export function credentialValues(credentials: Credentials): string[] {
  return [
    credentials.dearAccountId,
    credentials.dearApiKey,
    credentials.starshipitApiKey,
    credentials.starshipitSubscriptionKey,
    ...Object.values(credentials.accounts).flatMap((a) => [a.apiKey, a.subscriptionKey]),
  ];
}

/** A credential reference without a value: which setting, and which reference. */
interface MissingCredential {
  setting: string;
  kind: 'env' | 'secret';
  name: string;
}

class MissingCredentials extends Error {
  constructor(readonly missing: MissingCredential[]) {
    super('missing credentials');
  }
}

function resolveValue(value: string, lookup: SecretLookup, setting: string): string {
  const ref = credentialReference(value);
  if (!ref) {
    if (!value) throw new ConfigurationError(`${setting} is empty`);
    return value;
  }
  const resolved = lookup(ref.kind, ref.name);
  if (resolved === undefined || resolved === '')
    throw new MissingCredentials([{ setting, ...ref }]);
  return resolved;
}

/** One sentence naming every credential without a value, and where each one is read from. */
function missingCredentialsMessage(missing: MissingCredential[]): string {
  const each = missing.map((c) => `${c.setting}: \${${c.kind}:${c.name}} has no value`);
  const secrets = missing.filter((c) => c.kind === 'secret');
  const envs = missing.filter((c) => c.kind === 'env');
  const hints: string[] = [];
  if (secrets.length)
    hints.push(
      `store ${secrets.length === 1 ? 'the secret' : 'the secrets'} with "Dear: Set Credentials…" in VS Code, or for the CLI set ${secrets.map((c) => `${SECRET_ENV_PREFIX}${c.name}`).join(', ')}`,
    );
  if (envs.length)
    hints.push(
      `set the environment variable${envs.length === 1 ? '' : 's'} ${envs.map((c) => c.name).join(', ')}`,
    );
  return `${missing.length === 1 ? 'a credential is' : `${missing.length} credentials are`} missing — ${each.join('; ')}. To fix: ${hints.join('; ')}.`;
}

/** Resolves all four credentials; when any has no value, one ConfigurationError names all of them. */
export function resolveCredentials(settings: DearSettings, lookup: SecretLookup): Credentials {
  const missing: MissingCredential[] = [];
  const resolve = (value: string, setting: string): string => {
    try {
      return resolveValue(value, lookup, setting);
    } catch (err) {
      if (!(err instanceof MissingCredentials)) throw err;
      missing.push(...err.missing);
      return '';
    }
  };
  const creds: Credentials = {
    dearAccountId: resolve(settings.dear.accountId, 'dear.accountId'),
    dearApiKey: resolve(settings.dear.apiKey, 'dear.apiKey'),
    starshipitApiKey: resolve(settings.starshipit.apiKey, 'starshipit.apiKey'),
    starshipitSubscriptionKey: resolve(
      settings.starshipit.subscriptionKey,
      'starshipit.subscriptionKey',
    ),
    accounts: Object.fromEntries(
      settings.warehouses.accounts.map((account, i) => [
        account.name,
        {
          apiKey: resolve(account.apiKey, `warehouses.accounts[${i}].apiKey (${account.name})`),
          subscriptionKey: resolve(
            account.subscriptionKey,
            `warehouses.accounts[${i}].subscriptionKey (${account.name})`,
          ),
        },
      ]),
    ),
  };
  if (missing.length) throw new ConfigurationError(missingCredentialsMessage(missing));
  return creds;
}

/** https anywhere; plain http only to loopback (the sandbox). Checked before any request. */
export function checkBaseUrl(url: string, setting: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`${setting}: "${url}" is not a URL`);
  }
  if (isAllowedEndpoint(url)) return;
  throw new ConfigurationError(
    `${setting}: "${parsed.origin}" is refused — API keys are only sent over https (plain http is allowed for loopback addresses only)`,
  );
}

/**
 * A function that replaces every credential value (and its URL-encoded and base64 forms) in a
 * text with `•••`. Vendor error bodies are quoted in messages; an API that echoes the key it
 * refused must not put the key into events, output or the journal.
 */
