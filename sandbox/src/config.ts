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
  const v = typeof value === 'string' ? value.trim() : value;
  const num = (x: unknown) => (typeof x === 'number' ? x : Number(x));
  const bad = (allowed: string) =>
    new Error(`switch ${name}: "${String(value)}" is not one of ${allowed}`);
  switch (name) {
    case 'dearThrottleStatus': {
      const n = num(v);
      if (n !== 429 && n !== 503 && n !== 400) throw bad('429, 503, 400');
      return [name, n];
    }
    case 'dearErrorShape':
      if (v !== 'array' && v !== 'object') throw bad('array, object');
      return [name, v];
    case 'dearUnknownCarrier':
      if (v !== 'accept' && v !== 'reject') throw bad('accept, reject');
      return [name, v];
    case 'dearForeignTraffic': {
      const n = num(v);
      if (!(n >= 0 && n <= 1)) throw bad('a number 0..1');
      return [name, n];
    }
    case 'dearThrottledCallsCount':
      if (v === true || v === 'true') return [name, true];
      if (v === false || v === 'false') return [name, false];
      throw bad('true, false');
    case 'starshipitDuplicates':
      if (v !== 'allow' && v !== 'reject') throw bad('allow, reject');
      return [name, v];
    case 'starshipitValidationStatus': {
      const n = num(v);
      if (n !== 400 && n !== 200) throw bad('400, 200');
      return [name, n];
    }
    case 'starshipitNotFoundStatus': {
      const n = num(v);
      if (n !== 404 && n !== 200) throw bad('404, 200');
      return [name, n];
    }
    case 'starshipitShippedIncludesPrinted':
      if (v === true || v === 'true') return [name, true];
      if (v === false || v === 'false') return [name, false];
      throw bad('true, false');
    case 'dearMaxLimit': {
      const n = num(v);
      if (!(Number.isInteger(n) && n >= 1 && n <= 1000)) throw bad('an integer 1..1000');
      return [name, n];
    }
    case 'starshipitDestinationUpdate':
      if (v !== 'replace' && v !== 'merge') throw bad('replace, merge');
      return [name, v];
    case 'starshipitWebhookSignature':
      if (v !== 'base64' && v !== 'hex') throw bad('base64, hex');
      return [name, v];
    case 'starshipitShippedRows':
      if (v !== 'summary' && v !== 'full') throw bad('summary, full');
      return [name, v];
    case 'starshipitRps': {
      if (v === 'developer') return [name, 2];
      if (v === 'production') return [name, 20];
      const n = num(v);
      if (!(n > 0)) throw bad('a positive number, developer or production');
      return [name, n];
    }
    default:
      throw new Error(
        `unknown switch "${name}" (known: ${Object.keys(DEFAULT_SWITCHES).join(', ')})`,
      );
  }
}
