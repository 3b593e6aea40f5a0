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

/** Parse and check one switch value given as text (CLI `--switch name=value`, control endpoint). */
export function parseSwitch(
  name: string,
  value: unknown,
): [keyof FullSwitches, FullSwitches[keyof FullSwitches]] {
  const given = typeof value === 'string' ? value.trim() : value;
  const num = (x: unknown) => (typeof x === 'number' ? x : Number(x));
  const bad = (allowed: string) =>
    new Error(`switch ${name}: "${String(value)}" is not one of ${allowed}`);
  switch (name) {
    case 'dearThrottleStatus': {
      const status = num(given);
      if (status !== 429 && status !== 503 && status !== 400) throw bad('429, 503, 400');
      return [name, status];
    }
    case 'dearErrorShape':
      if (given !== 'array' && given !== 'object') throw bad('array, object');
      return [name, given];
    case 'dearUnknownCarrier':
      if (given !== 'accept' && given !== 'reject') throw bad('accept, reject');
      return [name, given];
    case 'dearForeignTraffic': {
      const share = num(given);
      if (!(share >= 0 && share <= 1)) throw bad('a number 0..1');
      return [name, share];
    }
    case 'dearThrottledCallsCount':
      if (given === true || given === 'true') return [name, true];
      if (given === false || given === 'false') return [name, false];
      throw bad('true, false');
    case 'starshipitDuplicates':
      if (given !== 'allow' && given !== 'reject') throw bad('allow, reject');
      return [name, given];
    case 'starshipitValidationStatus': {
      const status = num(given);
      if (status !== 400 && status !== 200) throw bad('400, 200');
      return [name, status];
    }
    case 'starshipitNotFoundStatus': {
      const status = num(given);
      if (status !== 404 && status !== 200) throw bad('404, 200');
      return [name, status];
    }
    case 'starshipitShippedIncludesPrinted':
      if (given === true || given === 'true') return [name, true];
      if (given === false || given === 'false') return [name, false];
      throw bad('true, false');
    case 'dearMaxLimit': {
      const limit = num(given);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
        throw bad('an integer 1..1000');
      return [name, limit];
    }
    case 'starshipitDestinationUpdate':
      if (given !== 'replace' && given !== 'merge') throw bad('replace, merge');
      return [name, given];
    case 'starshipitWebhookSignature':
      if (given !== 'base64' && given !== 'hex') throw bad('base64, hex');
      return [name, given];
    case 'starshipitShippedRows':
      if (given !== 'summary' && given !== 'full') throw bad('summary, full');
      return [name, given];
    case 'starshipitRps': {
      if (given === 'developer') return [name, 2];
      if (given === 'production') return [name, 20];
      const rate = num(given);
      if (!(rate > 0)) throw bad('a positive number, developer or production');
      return [name, rate];
    }
    default:
      throw new Error(
        `unknown switch "${name}" (known: ${Object.keys(DEFAULT_SWITCHES).join(', ')})`,
      );
  }
}
