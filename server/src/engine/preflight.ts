/**
 * Fail fast: one cheap read per API before the run's first other call to it, so a wrong key or
 * base URL stops the run with one clear line instead of being charged to every order. A run
 * checks Starshipit before Cin7 Core, so a Starshipit problem costs no Cin7 Core quota (60 calls
 * a minute; Starshipit's limit is per second). The check calls are the first page, one row, of
 * listings the engine reads anyway. An API the run does not need is not checked.
 */
import type { Api } from '../../../protocol/events';
import { ApiCallError, type ApiRunner, type CallSpec } from './apiRunner';
import { ConfigurationError, UnavailableError } from './errors';
import { starshipitKeySettings } from './apiAccess';
import { accountView, type RunContext } from './context';
import { isCancelled } from './sleep';

interface CheckTarget {
  api: Api;
  runner: ApiRunner;
  baseUrl: string;
  /** The settings that hold the credentials, named in the hint. */
  keySettings: string;
}

const checked = new WeakMap<RunContext, Set<Api>>();

const NAMES: Record<Api, string> = { dear: 'Cin7 Core', starshipit: 'Starshipit' };

const CHECKS: Record<Api, Omit<CallSpec, 'failFast' | 'idempotent' | 'method'>> = {
  starshipit: { path: '/api/orders/unshipped', query: { limit: 1, page: 1 } },
  dear: { path: 'saleList', query: { Page: 1, Limit: 1 } },
};

/** Checks `api` once per run; throws ConfigurationError (exit 2) or UnavailableError (exit 1). */
export async function checkApi(ctx: RunContext, api: Api): Promise<void> {
  const done = checked.get(ctx) ?? new Set<Api>();
  checked.set(ctx, done);
  if (done.has(api)) return;
  await callCheck(
    api === 'dear'
      ? {
          api,
          runner: ctx.dearRunner,
          baseUrl: ctx.settings.dear.baseUrl,
          keySettings: 'dear.accountId and dear.apiKey',
        }
      : {
          api,
          runner: ctx.starshipitRunner,
          baseUrl: ctx.settings.starshipit.baseUrl,
          keySettings: starshipitKeySettings(ctx.account),
        },
  );
  done.add(api);
}

async function callCheck(target: CheckTarget): Promise<void> {
  try {
    await target.runner.call({
      ...CHECKS[target.api],
      method: 'GET',
      idempotent: true,
      failFast: true,
    });
  } catch (err) {
    if (isCancelled(err) || !(err instanceof ApiCallError)) throw err;
    throw checkFailure(target, err);
  }
}

/** One line naming the API and the setting to look at. */
function checkFailure(target: CheckTarget, err: ApiCallError): Error {
  const name = NAMES[target.api];
  const setting = `${target.api}.baseUrl`;
  const detail = firstLine(err.detail).replace(/ \(gave up after \d+ attempts\)$/, '');
  if (err.status === 401 || err.status === 403)
    return new ConfigurationError(
      `${name} refused the credentials (${detail.replace(/ — check .*$/, '')}): check ${target.keySettings}; nothing was done`,
    );
  if (err.problem === 'unreachable')
    return new ConfigurationError(
      `${name} cannot be reached at ${setting} ${target.baseUrl} (${detail}): check ${setting}; nothing was done`,
    );
  if (err.problem === 'not-json')
    return new ConfigurationError(
      `${name} did not answer JSON at ${setting} ${target.baseUrl} (${detail}): check ${setting}; nothing was done`,
    );
  if (err.failure === 'permanent')
    return new ConfigurationError(
      `${name} refused the connection check at ${setting} ${target.baseUrl} (${detail}): check ${setting} and ${target.keySettings}; nothing was done`,
    );
  return new UnavailableError(
    `${name} is unavailable (${detail}); nothing was done, the next run tries again`,
  );
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim()) ?? text;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Checks every Starshipit account of the run once (each with its own keys). */
export async function checkStarshipitAccounts(ctx: RunContext): Promise<void> {
  for (const account of ctx.accounts) await checkApi(accountView(ctx, account.name), 'starshipit');
}
