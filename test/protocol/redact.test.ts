import * as assert from 'node:assert/strict';
import { REDACTED, redactSecrets, secretForms } from '../../protocol/redact';

describe('redaction (protocol/redact.ts, used by engine, server and client)', () => {
  const secret = 'S3cr3t/Key+value=';
  it('replaces the value as written, URL-encoded, JSON-escaped and base64', () => {
    const b64 = Buffer.from(secret).toString('base64');
    const text = `raw ${secret} url ${encodeURIComponent(secret)} b64 ${b64} b64u ${b64.replace(/=+$/, '')} json ${JSON.stringify('a"' + secret).slice(1, -1)}`;
    const out = redactSecrets(text, [secret]);
    for (const form of secretForms([secret]))
      assert.ok(!out.includes(form), `form ${form} left in ${out}`);
    assert.equal(out.split(REDACTED).length - 1, 5);
  });
  it('leaves short values and unrelated text alone', () => {
    assert.equal(redactSecrets('id abc in text', ['abc']), 'id abc in text');
    assert.equal(redactSecrets('nothing secret here', [secret]), 'nothing secret here');
  });
});
