import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, newNonce, previewHtml } from '../../client/src/preview/previewHtml';
import { NETWORK_COMMANDS, restrictedModeRefusal } from '../../client/src/trust';
import {
  applyInitializationOptions,
  networkAllowed,
  trustRefusal,
} from '../../server/src/syncService';
import { redactSecrets } from '../../protocol/redact';

describe('Restricted Mode guards', () => {
  it('client guard: refuses untrusted with a clear reason, allows trusted', () => {
    assert.equal(restrictedModeRefusal(true, 'Import Now'), undefined);
    const msg = restrictedModeRefusal(false, 'Import Now');
    assert.ok(msg);
    assert.match(msg, /"Import Now" is disabled in Restricted Mode/);
    assert.match(msg, /Trust the workspace/);
    assert.ok(
      NETWORK_COMMANDS.includes('dear.importNow') &&
        NETWORK_COMMANDS.includes('dear.previewImport'),
    );
  });

  it('server guard: refuses when the run or the last notification says untrusted', () => {
    assert.match(trustRefusal(false, undefined) ?? '', /not trusted/);
    assert.match(trustRefusal(undefined, false) ?? '', /not trusted/);
    assert.match(trustRefusal(true, false) ?? '', /not trusted/);
    assert.equal(trustRefusal(true, true), undefined);
    assert.equal(trustRefusal(undefined, undefined), undefined);
  });

  it('server scrubs secret values from error text', () => {
    assert.equal(redactSecrets('403 for key S3cr3t-value', ['S3cr3t-value']), '403 for key •••');
    assert.equal(redactSecrets('url ?k=K%2B%2F%3Dx', ['K+/=x']), 'url ?k=•••');
  });
});

describe('preview HTML shell', () => {
  it('uses a fresh CSPRNG nonce and a strict CSP with no inline script or style', () => {
    const a = newNonce();
    const b = newNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9]{20,}$/);
    const csp = contentSecurityPolicy('vscode-webview://x', a);
    assert.ok(csp.includes(`script-src 'nonce-${a}'`));
    assert.ok(csp.startsWith("default-src 'none'"));
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
    const html = previewHtml({
      cspSource: 'vscode-webview://x',
      scriptUri: 'https://file+.vscode-resource/p.js',
      styleUri: 'https://file+.vscode-resource/p.css',
      nonce: a,
    });
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${a}"`));
    assert.ok(!/<style/.test(html));
  });
});

describe('server trust from initializationOptions', () => {
  it('an untrusted client is known before any notification', () => {
    applyInitializationOptions({ trusted: false });
    assert.equal(networkAllowed(), false);
    applyInitializationOptions({ other: 1 });
    assert.equal(networkAllowed(), false, 'options without the flag change nothing');
    applyInitializationOptions({ trusted: true });
    assert.equal(networkAllowed(), true);
  });
});
