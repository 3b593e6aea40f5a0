/** One credential setting of the service, resolved by the front door's lookup (one rule). */
import { credentialReference, SECRET_ENV_PREFIX } from '../../../protocol/settings';
import type { SecretLookup } from '../engine/index';

export function resolveReference(
  value: string,
  lookup: SecretLookup,
  setting: string,
): { value: string } | { missing: string } {
  const ref = credentialReference(value);
  if (!ref) return { value };
  const resolved = lookup(ref.kind, ref.name);
  if (resolved !== undefined && resolved !== '') return { value: resolved };
  const where =
    ref.kind === 'secret'
      ? `set ${SECRET_ENV_PREFIX}${ref.name} in the service's environment`
      : `set the environment variable ${ref.name}`;
  return { missing: `${setting}: \${${ref.kind}:${ref.name}} has no value; ${where}` };
}
