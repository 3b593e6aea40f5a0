// Each API's base URL and authentication headers (server/src/engine/apiAccess.ts): the headers
// each vendor documents, the right keys per Starshipit account, and no headers for an endpoint the
// endpoint rule refuses.
import * as assert from 'node:assert/strict';
import {
  checkBaseUrls,
  dearAccess,
  dearAccessOf,
  starshipitAccess,
  starshipitAccessOf,
} from '../../server/src/engine/apiAccess';
import type { Credentials } from '../../server/src/engine/secrets';
import { ConfigurationError } from '../../server/src/engine/errors';
import type { DearSettings } from '../../protocol/settings';
import { baseSettings, secondAccount } from './helpers';

const CREDENTIALS: Credentials = {
  dearAccountId: 'account-1',
  dearApiKey: 'dear-key-1',
  starshipitApiKey: 'ss-key-default',
  starshipitSubscriptionKey: 'ss-sub-default',
  accounts: { nz: { apiKey: 'ss-key-nz', subscriptionKey: 'ss-sub-nz' } },
};

function settings(): DearSettings {
  const defaults = baseSettings({});
  defaults.dear.baseUrl = 'https://inventory.dearsystems.com/ExternalApi/v2/';
  defaults.starshipit.baseUrl = 'https://api.starshipit.com';
  defaults.warehouses.accounts = [secondAccount('nz')];
  return defaults;
}

describe('apiAccess: base URL and headers of each API', () => {
  it('Cin7 Core: the account id and application key headers, at the settings base URL', () => {
    assert.deepEqual(dearAccessOf(settings(), CREDENTIALS), {
      baseUrl: 'https://inventory.dearsystems.com/ExternalApi/v2/',
      headers: { 'api-auth-accountid': 'account-1', 'api-auth-applicationkey': 'dear-key-1' },
    });
  });

  it('Starshipit: the API key and subscription key of the account asked for', () => {
    const access = (account?: string) => starshipitAccessOf(settings(), CREDENTIALS, account);
    assert.deepEqual(access(), {
      baseUrl: 'https://api.starshipit.com',
      headers: {
        'StarShipIT-Api-Key': 'ss-key-default',
        'Ocp-Apim-Subscription-Key': 'ss-sub-default',
      },
    });
    assert.deepEqual(access('nz').headers, {
      'StarShipIT-Api-Key': 'ss-key-nz',
      'Ocp-Apim-Subscription-Key': 'ss-sub-nz',
    });
    assert.throws(() => access('au'), /Starshipit account "au" has no resolved keys/);
  });

  it('plain http is allowed to loopback only: no headers are built for another host', () => {
    const keys = { accountId: 'a', apiKey: 'k' };
    assert.deepEqual(dearAccess('http://127.0.0.1:4780/ExternalApi/v2/', keys), {
      baseUrl: 'http://127.0.0.1:4780/ExternalApi/v2/',
      headers: { 'api-auth-accountid': 'a', 'api-auth-applicationkey': 'k' },
    });
    assert.throws(
      () => dearAccess('http://example.com/ExternalApi/v2/', keys),
      /refusing to send credentials to http:\/\/example\.com/,
    );
    assert.throws(
      () => starshipitAccess('http://example.com', { apiKey: 'k', subscriptionKey: 's' }),
      /refusing to send credentials to http:\/\/example\.com/,
    );
  });

  it('checkBaseUrls names the setting whose base URL is refused', () => {
    const plainHttp = settings();
    plainHttp.starshipit.baseUrl = 'http://api.starshipit.com';
    assert.throws(
      () => checkBaseUrls(plainHttp),
      (err: Error) =>
        err instanceof ConfigurationError && /^starshipit\.baseUrl: /.test(err.message),
    );
  });
});
