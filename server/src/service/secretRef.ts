/** One credential setting of the service resolved through the same lookup the engine uses. */
import { CREDENTIAL_REF, SECRET_ENV_PREFIX } from '../../../protocol/settings';
import type { SecretLookup } from '../engine/index';

export function resolveReference(
  value: string,
  lookup: SecretLookup,
  setting: string,
): { value: string } | { missing: string } {
  const ref = CREDENTIAL_REF.exec(value);
  if (!ref) return { value };
  const kind = ref[1] as 'env' | 'secret';
  const resolved = lookup(kind, ref[2]);
  if (resolved !== undefined && resolved !== '') return { value: resolved };
  const where =
    kind === 'secret'
      ? `set ${SECRET_ENV_PREFIX}${ref[2]} in the service's environment`
      : `set the environment variable ${ref[2]}`;
  return { missing: `${setting}: \${${kind}:${ref[2]}} has no value; ${where}` };
}
