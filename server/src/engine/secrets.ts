/** Credential references and endpoint checks, done before any request is made. */
import { CREDENTIAL_REF, type DearSettings } from '../../../protocol/settings';
import { ConfigurationError } from './errors';
import { isAllowedEndpoint } from './endpoint';
import type { SecretLookup } from './index';

export interface Credentials {
  dearAccountId: string;
  dearApiKey: string;
  starshipitApiKey: string;
  starshipitSubscriptionKey: string;
}

export function resolveValue(value: string, lookup: SecretLookup, setting: string): string {
  const m = CREDENTIAL_REF.exec(value ?? '');
  if (!m) {
    if (!value) throw new ConfigurationError(`${setting} is empty`);
    return value;
  }
  const kind = m[1] as 'env' | 'secret';
  const v = lookup(kind, m[2]);
  if (v === undefined || v === '') {
    const hint =
      kind === 'env'
        ? `set the environment variable ${m[2]}`
        : `store it with "Dear: Set Secret", or set DEAR_STARSHIPIT_SECRET_${m[2]} for the CLI`;
    throw new ConfigurationError(`${setting}: \${${kind}:${m[2]}} has no value (${hint})`);
  }
  return v;
}

export function resolveCredentials(s: DearSettings, lookup: SecretLookup): Credentials {
  return {
    dearAccountId: resolveValue(s.dear.accountId, lookup, 'dear.accountId'),
    dearApiKey: resolveValue(s.dear.apiKey, lookup, 'dear.apiKey'),
    starshipitApiKey: resolveValue(s.starshipit.apiKey, lookup, 'starshipit.apiKey'),
    starshipitSubscriptionKey: resolveValue(
      s.starshipit.subscriptionKey,
      lookup,
      'starshipit.subscriptionKey',
    ),
  };
}

/** https anywhere; plain http only to loopback (the sandbox). Checked before any request. */
export function checkBaseUrl(url: string, setting: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigurationError(`${setting}: "${url}" is not a URL`);
  }
  if (isAllowedEndpoint(url)) return;
  throw new ConfigurationError(
    `${setting}: "${u.origin}" is refused — API keys are only sent over https (plain http is allowed for loopback addresses only)`,
  );
}

/**
 * A function that replaces every credential value (and its URL-encoded and base64 forms) in a
 * text with `•••`. Vendor error bodies are quoted in messages; an API that echoes the key it
 * refused must not put the key into events, output or the journal.
 */
