import * as assert from 'node:assert/strict';
import { CarrierCatalog } from '../../server/src/config';
import { isAllowedEndpoint } from '../../server/src/engine/endpoint';

describe('carrier catalog cache', () => {
  let now = 0;
  const catalog = () =>
    new CarrierCatalog({ ttlMs: 1000, retryAfterFailureMs: 500, now: () => now });
  const key = CarrierCatalog.key('https://x/ExternalApi/v2/', 'acc');

  it('needs a fetch when empty, not while one runs, and serves stale names until refreshed', () => {
    now = 0;
    const c = catalog();
    assert.equal(c.names(key), undefined);
    assert.equal(c.needsRefresh(key), true);
    assert.equal(c.begin(key), true);
    assert.equal(c.begin(key), false, 'one fetch at a time');
    assert.equal(c.needsRefresh(key), false);
    c.succeed(key, ['b', 'a', 'a']);
    assert.deepEqual(c.names(key), ['a', 'b']);
    now = 999;
    assert.equal(c.needsRefresh(key), false);
    now = 1000;
    assert.equal(c.needsRefresh(key), true);
    assert.deepEqual(c.names(key), ['a', 'b'], 'stale names are still served');
  });

  it('backs off after a failure and keeps the last good list', () => {
    now = 0;
    const c = catalog();
    c.begin(key);
    c.succeed(key, ['a']);
    now = 2000;
    c.begin(key);
    c.fail(key);
    assert.deepEqual(c.names(key), ['a']);
    now = 2400;
    assert.equal(c.needsRefresh(key), false);
    now = 2500;
    assert.equal(c.needsRefresh(key), true);
    c.begin(key);
    c.fail(key);
    assert.equal(c.needsRefresh(key), false);
    c.forgetFailures();
    assert.equal(c.needsRefresh(key), true, 'a new secret allows an immediate retry');
  });

  it('keys by endpoint (case-insensitive) and account', () => {
    assert.equal(CarrierCatalog.key('HTTPS://X/', 'a'), CarrierCatalog.key('https://x/', 'a'));
    assert.notEqual(CarrierCatalog.key('https://x/', 'a'), CarrierCatalog.key('https://x/', 'b'));
  });

  it('only https or loopback endpoints may receive credentials', () => {
    assert.equal(isAllowedEndpoint('https://inventory.dearsystems.com/ExternalApi/v2/'), true);
    assert.equal(isAllowedEndpoint('http://127.0.0.1:4780/ExternalApi/v2/'), true);
    assert.equal(isAllowedEndpoint('http://[::1]:4780/'), true);
    assert.equal(isAllowedEndpoint('http://localhost:4780/'), true);
    assert.equal(isAllowedEndpoint('http://inventory.dearsystems.com/'), false);
    assert.equal(isAllowedEndpoint('http://127.0.0.1.evil.example/'), false);
    assert.equal(isAllowedEndpoint('ftp://localhost/'), false);
    assert.equal(isAllowedEndpoint('not a url'), false);
  });
});
