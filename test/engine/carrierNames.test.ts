// Cin7 Core carrier names for the settings editor (server/src/engine/carrierNames.ts): read through
// the engine's HTTP client against the sandbox, credentials scrubbed from failures, and refused
// before any request for an endpoint that is neither https nor loopback.
import * as assert from 'node:assert/strict';
import { fetchCarrierNames } from '../../server/src/engine/carrierNames';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';

describe('engine: Cin7 Core carrier names', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ sales: 5, seed: 3, timeScale: 100 });
  });
  after(() => sb.close());

  it('reads the names from ref/carrier with the account credentials', async () => {
    const names = await fetchCarrierNames({
      baseUrl: sb.dearBaseUrl,
      accountId: sb.credentials.dearAccountId,
      apiKey: sb.credentials.dearApiKey,
    });
    assert.ok(names.includes('DEFAULT Carrier'), names.join(', '));
    const calls = sb.callLog().filter((e) => e.api === 'dear' && /ref\/carrier/.test(e.route));
    assert.equal(calls.length, 1);
  });

  it('fails with a sentence that never shows the key', async () => {
    const wrongKey = 'wrong-key-7f3a9c';
    await assert.rejects(
      fetchCarrierNames({
        baseUrl: sb.dearBaseUrl,
        accountId: sb.credentials.dearAccountId,
        apiKey: wrongKey,
      }),
      (err: Error) =>
        /Cin7 Core GET .*ref\/carrier/.test(err.message) && !err.message.includes(wrongKey),
    );
  });

  it('refuses plain http to a host that is not loopback before any request', async () => {
    await assert.rejects(
      fetchCarrierNames({
        baseUrl: 'http://example.com/ExternalApi/v2/',
        accountId: 'a',
        apiKey: 'k',
      }),
      /refusing to send credentials to http:\/\/example\.com/,
    );
  });
});
