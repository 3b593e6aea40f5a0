/**
 * Where requests to each API go and how they authenticate, in one place for the runs, reconcile,
 * the doctor and the carrier lookup: the base URL and the headers that carry the credentials.
 *   Cin7 Core   `api-auth-accountid` + `api-auth-applicationkey`
 *   Starshipit  `StarShipIT-Api-Key` + `Ocp-Apim-Subscription-Key` (one pair per account)
 * Credentials are attached only for an endpoint the endpoint rule allows (https, or plain http
 * to this machine).
 */
import {
  DEFAULT_ACCOUNT,
  PLAN_RATES,
  type DearSettings,
  type RateLimit,
  type StarshipitPlan,
} from '../../../protocol/settings';
import { isAllowedEndpoint } from './endpoint';
import { checkBaseUrl, type Credentials } from './secrets';

/** What every request to one API carries: its base URL and its authentication headers. */
export interface ApiAccess {
  baseUrl: string;
  headers: Record<string, string>;
}

/** A Cin7 Core application's keys. */
export interface DearKeys {
  accountId: string;
  apiKey: string;
}

/** One Starshipit account's keys. */
export interface StarshipitKeys {
  apiKey: string;
  subscriptionKey: string;
}

/** Both base URLs of the settings, checked before any credential is resolved or sent. */
export function checkBaseUrls(settings: DearSettings): void {
  checkBaseUrl(settings.dear.baseUrl, 'dear.baseUrl');
  checkBaseUrl(settings.starshipit.baseUrl, 'starshipit.baseUrl');
}

/** Refuses, before any header is built, to send credentials where the endpoint rule forbids. */
function allowedBaseUrl(baseUrl: string): string {
  if (!isAllowedEndpoint(baseUrl))
    throw new Error(
      `refusing to send credentials to ${new URL(baseUrl).origin} (not https, not loopback)`,
    );
  return baseUrl;
}

/** Cin7 Core access with these keys at `baseUrl`. */
export function dearAccess(baseUrl: string, keys: DearKeys): ApiAccess {
  return {
    baseUrl: allowedBaseUrl(baseUrl),
    headers: {
      'api-auth-accountid': keys.accountId,
      'api-auth-applicationkey': keys.apiKey,
    },
  };
}

/** Starshipit access with one account's keys at `baseUrl`. */
export function starshipitAccess(baseUrl: string, keys: StarshipitKeys): ApiAccess {
  return {
    baseUrl: allowedBaseUrl(baseUrl),
    headers: {
      'StarShipIT-Api-Key': keys.apiKey,
      'Ocp-Apim-Subscription-Key': keys.subscriptionKey,
    },
  };
}

/** Cin7 Core access of the settings' account (`dear` section, resolved credentials). */
export function dearAccessOf(settings: DearSettings, credentials: Credentials): ApiAccess {
  return dearAccess(settings.dear.baseUrl, {
    accountId: credentials.dearAccountId,
    apiKey: credentials.dearApiKey,
  });
}

/**
 * Starshipit access of one account of the settings: `default` is the `starshipit` section's keys,
 * any other name a `warehouses.accounts` entry's.
 */
export function starshipitAccessOf(
  settings: DearSettings,
  credentials: Credentials,
  account: string = DEFAULT_ACCOUNT,
): ApiAccess {
  const keys =
    account === DEFAULT_ACCOUNT
      ? {
          apiKey: credentials.starshipitApiKey,
          subscriptionKey: credentials.starshipitSubscriptionKey,
        }
      : credentials.accounts[account];
  if (!keys) throw new Error(`Starshipit account "${account}" has no resolved keys`);
  return starshipitAccess(settings.starshipit.baseUrl, keys);
}

/** The settings that hold one Starshipit account's keys, as a rejection's hint names them. */
export function starshipitKeySettings(account: string = DEFAULT_ACCOUNT): string {
  return account === DEFAULT_ACCOUNT
    ? 'starshipit.apiKey and starshipit.subscriptionKey'
    : `the apiKey and subscriptionKey of warehouses.accounts "${account}"`;
}

/** One Starshipit account of the settings, as runs and the doctor open it. */
export interface StarshipitAccountAccess {
  name: string;
  access: ApiAccess;
  /** The settings that hold the keys, named when Starshipit rejects them. */
  keySettings: string;
  plan: StarshipitPlan;
  /** The account's own rate limit, else its plan's. */
  rate: RateLimit;
}

/** Every Starshipit account of the settings (the `starshipit` section first, as `default`). */
export function starshipitAccountsOf(
  settings: DearSettings,
  credentials: Credentials,
): StarshipitAccountAccess[] {
  const main = settings.starshipit;
  const entries = [
    { name: DEFAULT_ACCOUNT, plan: main.plan, rateLimit: main.rateLimit },
    ...settings.warehouses.accounts.map((account) => ({
      name: account.name,
      plan: account.plan ?? main.plan,
      rateLimit: account.rateLimit,
    })),
  ];
  return entries.map(({ name, plan, rateLimit }) => ({
    name,
    access: starshipitAccessOf(settings, credentials, name),
    keySettings: starshipitKeySettings(name),
    plan,
    rate: rateLimit ?? PLAN_RATES[plan],
  }));
}
