/** Fixed sandbox credentials and switch defaults (documented in the README draft). */
import type { SandboxCredentials, SandboxSwitches } from './api';

/** Sandbox-only fake credentials: safe to print, useless anywhere else. */
export const CREDENTIALS: Required<SandboxCredentials> = {
  dearAccountId: 'd3a70000-5a1d-4b0c-9e11-000000000a11',
  dearApiKey: '5a1db0c5-0000-4e1e-8a11-000000000001',
  dearApiKey2: '5a1db0c5-0000-4e1e-8a11-000000000002',
  starshipitApiKey: 'sandbox-starshipit-api-key-0001',
  starshipitSubscriptionKey: 'sandbox0subscription0key0developer',
  starshipitSubscriptionKeyProduction: 'sandbox0subscription0key0production',
  starshipitApiKey2: 'sandbox-starshipit-api-key-0002',
  starshipitSubscriptionKey2: 'sandbox0subscription0key0account2',
};

export type FullSwitches = Required<SandboxSwitches>;

export const DEFAULT_SWITCHES: FullSwitches = {
  dearThrottleStatus: 429,
  dearErrorShape: 'array',
  dearUnknownCarrier: 'accept',
  dearForeignTraffic: 0,
  dearThrottledCallsCount: false,
  starshipitDuplicates: 'allow',
  starshipitValidationStatus: 400,
  starshipitNotFoundStatus: 404,
  starshipitRps: 2,
  starshipitShippedRows: 'summary',
  starshipitShippedIncludesPrinted: true,
  dearMaxLimit: 1000,
  starshipitDestinationUpdate: 'replace',
  starshipitWebhookSignature: 'hex',
};

/** How one switch reads a value: `undefined` when the value is not one it allows. */
interface SwitchRule<T> {
  allowed: string;
  read(given: unknown): T | undefined;
}

function asNumber(given: unknown): number {
  return typeof given === 'number' ? given : Number(given);
}

function oneOf<T extends string>(...values: T[]): SwitchRule<T> {
  return { allowed: values.join(', '), read: (given) => values.find((value) => value === given) };
}

function numberIn<T extends number>(...values: T[]): SwitchRule<T> {
  return {
    allowed: values.join(', '),
    read: (given) => values.find((value) => value === asNumber(given)),
  };
}

function numberWhere(allowed: string, accepts: (number: number) => boolean): SwitchRule<number> {
  return { allowed, read: (given) => (accepts(asNumber(given)) ? asNumber(given) : undefined) };
}

const FLAG: SwitchRule<boolean> = {
  allowed: 'true, false',
  read: (given) =>
    given === true || given === 'true'
      ? true
      : given === false || given === 'false'
        ? false
        : undefined,
};

const SWITCH_RULES: { [K in keyof FullSwitches]: SwitchRule<FullSwitches[K]> } = {
  dearThrottleStatus: numberIn(429, 503, 400),
  dearErrorShape: oneOf('array', 'object'),
  dearUnknownCarrier: oneOf('accept', 'reject'),
  dearForeignTraffic: numberWhere('a number 0..1', (share) => share >= 0 && share <= 1),
  dearThrottledCallsCount: FLAG,
  starshipitDuplicates: oneOf('allow', 'reject'),
  starshipitValidationStatus: numberIn(400, 200),
  starshipitNotFoundStatus: numberIn(404, 200),
  starshipitShippedIncludesPrinted: FLAG,
  dearMaxLimit: numberWhere(
    'an integer 1..1000',
    (limit) => Number.isInteger(limit) && limit >= 1 && limit <= 1000,
  ),
  starshipitDestinationUpdate: oneOf('replace', 'merge'),
  starshipitWebhookSignature: oneOf('base64', 'hex'),
  starshipitShippedRows: oneOf('summary', 'full'),
  starshipitRps: {
    allowed: 'a positive number, developer or production',
    read: (given) =>
      given === 'developer' ? 2 : given === 'production' ? 20 : positive(asNumber(given)),
  },
};

function positive(rate: number): number | undefined {
  return rate > 0 ? rate : undefined;
}

/** Parse and check one switch value given as text (CLI `--switch name=value`, control endpoint). */
export function parseSwitch(
  name: string,
  value: unknown,
): [keyof FullSwitches, FullSwitches[keyof FullSwitches]] {
  if (!Object.hasOwn(SWITCH_RULES, name))
    throw new Error(
      `unknown switch "${name}" (known: ${Object.keys(DEFAULT_SWITCHES).join(', ')})`,
    );
  const rule: SwitchRule<FullSwitches[keyof FullSwitches]> =
    SWITCH_RULES[name as keyof FullSwitches];
  const parsed = rule.read(typeof value === 'string' ? value.trim() : value);
  if (parsed === undefined)
    throw new Error(`switch ${name}: "${String(value)}" is not one of ${rule.allowed}`);
  return [name as keyof FullSwitches, parsed];
}
