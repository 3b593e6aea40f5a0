import * as assert from 'node:assert/strict';
import { analyzeSettings } from '../../server/src/config';
import { API_V1_UNSUPPORTED } from '../../protocol/settings';
import { VALID, applyFix, diagnose, fixesOf, verifyDiagnostic, verifyOnly } from './helpers';

const ERROR = 1,
  WARNING = 2,
  INFORMATION = 3,
  HINT = 4;

/** VALID with extra lines appended to a section (the section is created when missing). */
function withLines(section: string, ...lines: string[]): string {
  const header = `${section}:\n`;
  if (VALID.includes(header))
    return VALID.replace(header, header + lines.map((l) => `  ${l}\n`).join(''));
  return `${VALID}${header}${lines.map((l) => `  ${l}\n`).join('')}`;
}

describe('config core: semantic rules', () => {
  describe('warehouses', () => {
    it('a route to an unknown account is an error with a fix; two routes for a location too; a route the filter leaves out is a warning', () => {
      const text = `${VALID}warehouses:
  locations: [Main Warehouse]
  accounts:
    - name: nz
      apiKey: \${secret:NZ_KEY}
      subscriptionKey: \${secret:NZ_SUB}
  routes:
    - location: Auckland
      account: zn
    - location: " auckland"
      account: default
`;
      const diags = diagnose(text);
      const d = verifyDiagnostic(diags, {
        code: 'unknown-account',
        range: [16, 15, 16, 17],
        severity: ERROR,
      });
      assert.equal(fixesOf(d)[0].title, 'Change to nz');
      verifyDiagnostic(diags, {
        code: 'duplicate-route',
        range: [17, 16, 17, 27],
        severity: ERROR,
      });
      assert.equal(diags.filter((x) => x.code === 'route-not-imported').length, 2);
      const settings = analyzeSettings(
        text.replace('account: zn', 'account: nz').replace(' auckland', 'Main Warehouse'),
        { env: {} } as never,
      ).settings;
      assert.deepEqual(settings?.warehouses.routes, [
        { location: 'Auckland', account: 'nz' },
        { location: 'Main Warehouse', account: 'default' },
      ]);
      assert.equal(settings?.warehouses.unrouted, 'default');
    });

    it('a plain-text key of a warehouse account is a warning whose fix names a secret after the account', () => {
      const text = `${VALID}warehouses:
  accounts:
    - name: nz-1
      apiKey: hunter2hunter2
      subscriptionKey: \${secret:NZ_SUB}
`;
      const d = verifyDiagnostic(diagnose(text), {
        code: 'plain-text-secret',
        range: [11, 14, 11, 28],
        severity: WARNING,
      });
      assert.equal(fixesOf(d)[0].title, 'Move to a secret: ${secret:STARSHIPIT_NZ_1_API_KEY}');
      const known = diagnose(text.replace('hunter2hunter2', '${secret:NZ_KEY}'), {
        knownSecretNames: new Set(['NZ_KEY']),
      });
      verifyDiagnostic(known, {
        code: 'missing-secret',
        range: [12, 23, 12, 39],
        severity: WARNING,
      });
    });
  });

  describe('customs and shipping rules', () => {
    it('customs without a sender country is an error on enabled; with one it is valid', () => {
      const text = withLines('import', 'customs:', '  enabled: true', '  onMissing: hold');
      verifyDiagnostic(diagnose(text), {
        code: 'customs-needs-sender-country',
        range: [8, 4, 8, 11],
        severity: ERROR,
      });
      assert.equal(analyzeSettings(text, { env: {} } as never).settings, undefined);
      const ok = withLines('import', 'customs:', '  enabled: true', '  senderCountry: NZ');
      assert.deepEqual(diagnose(ok), []);
      const parsed = analyzeSettings(ok, { env: {} } as never).settings;
      assert.deepEqual(parsed?.import.customs, {
        enabled: true,
        senderCountry: 'NZ',
        onMissing: 'warn',
      });
      verifyDiagnostic(
        diagnose(withLines('import', 'customs:', '  enabled: true', '  senderCountry: QQ')),
        { code: 'unknown-sender-country', range: [9, 19, 9, 21], severity: WARNING },
      );
    });

    it('a method with two rules is an error; an unknown courier a warning with a fix', () => {
      const text = withLines(
        'import',
        'shippingRules:',
        '  - method: Express',
        '    courier: AusPost',
        '  - method: " express"',
        '    courier: AusPots',
      );
      const diags = diagnose(text);
      verifyDiagnostic(diags, {
        code: 'duplicate-shipping-rule',
        range: [10, 14, 10, 24],
        severity: ERROR,
      });
      const d = verifyDiagnostic(diags, {
        code: 'unknown-courier',
        range: [11, 15, 11, 22],
        severity: WARNING,
      });
      assert.equal(fixesOf(d)[0].title, 'Change to AusPost');
    });

    it('flags a method no sale of the last preview used, only when a preview ran', () => {
      const text = withLines(
        'import',
        'shippingRules:',
        '  - method: Expres Shipping',
        '    courier: AusPost',
        '  - method: standard shipping',
        '    courier: AusPost',
      );
      assert.deepEqual(diagnose(text), []);
      const diags = diagnose(text, {
        recentShippingMethods: ['Express Shipping', 'Standard Shipping'],
      });
      const d = verifyDiagnostic(diags, {
        code: 'unused-shipping-method',
        range: [8, 14, 8, 29],
        severity: INFORMATION,
      });
      assert.equal(fixesOf(d)[0].title, 'Change to "Express Shipping"');
      assert.equal(diags.length, 1, 'a method that differs only in case is used');
    });
  });

  describe('fulfilments-need-v2', () => {
    const text = withLines('import', 'source: fulfilments').replace(
      'dear:\n',
      'dear:\n  apiVersion: 1\n',
    );
    it('is an error on the source value, with two fixes', () => {
      const d = verifyDiagnostic(diagnose(text), {
        code: 'fulfilments-need-v2',
        range: [8, 10, 8, 21],
        severity: ERROR,
      });
      const [toV2, toSales] = fixesOf(d);
      assert.equal(toV2.title, 'Set dear.apiVersion to 2');
      assert.equal(applyFix(text, toV2), text.replace('apiVersion: 1', 'apiVersion: 2'));
      assert.deepEqual(diagnose(applyFix(text, toV2)), []);
      // Importing whole sales still leaves version 1, which is refused on its own.
      assert.deepEqual(
        diagnose(applyFix(text, toSales)).map((x) => x.code),
        ['api-v1-unsupported'],
      );
    });
    it('is silent on API version 2', () => {
      assert.deepEqual(diagnose(withLines('import', 'source: fulfilments')), []);
    });
  });

  describe('api-v1-unsupported', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  apiVersion: 1\n');
    it('is an error on the apiVersion value, with the shared refusal text and a fix to 2', () => {
      const d = verifyDiagnostic(diagnose(text), {
        code: 'api-v1-unsupported',
        range: [1, 14, 1, 15],
        severity: ERROR,
      });
      assert.equal(d.message, API_V1_UNSUPPORTED);
      const [toV2] = fixesOf(d);
      assert.equal(applyFix(text, toV2), VALID.replace('dear:\n', 'dear:\n  apiVersion: 2\n'));
      assert.deepEqual(diagnose(applyFix(text, toV2)), []);
    });
    it('is silent on API version 2 and when apiVersion is left out', () => {
      assert.deepEqual(diagnose(VALID.replace('dear:\n', 'dear:\n  apiVersion: 2\n')), []);
      assert.deepEqual(diagnose(VALID), []);
    });
  });

  describe('courier mappings', () => {
    const mappings = (...entries: [string, string][]) =>
      `${VALID}writeback:\n  courierMappings:\n${entries.map(([c, k]) => `    - courier: ${c}\n      carrier: ${k}\n`).join('')}`;

    it('duplicate courier with different carriers is an error; the fix removes the entry', () => {
      const text = mappings(['AusPost', 'Australia Post'], ['AusPost', 'Aus Post']);
      const d = verifyDiagnostic(diagnose(text), {
        code: 'duplicate-courier-mapping',
        range: [12, 15, 12, 22],
        severity: ERROR,
        message: 'mapped twice',
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), mappings(['AusPost', 'Australia Post']));
    });

    it('an identical repeated mapping is a warning', () => {
      verifyDiagnostic(
        diagnose(mappings(['AusPost', 'Australia Post'], ['AusPost', 'Australia Post'])),
        {
          code: 'duplicate-courier-mapping',
          range: [12, 15, 12, 22],
          severity: WARNING,
          message: 'already mapped',
        },
      );
    });

    it('an unknown Starshipit courier code is a warning with did-you-mean', () => {
      const text = mappings(['StarTrak', 'StarTrack']);
      const d = verifyDiagnostic(diagnose(text), {
        code: 'unknown-courier',
        range: [10, 15, 10, 23],
        severity: WARNING,
        message: 'Did you mean StarTrack?',
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), mappings(['StarTrack', 'StarTrack']));
    });

    it('mapping to the default carrier is information (it changes nothing), counted when repeated', () => {
      const text = mappings(['AusPost', 'DEFAULT Carrier'], ['TNT', 'DEFAULT Carrier']);
      const diags = diagnose(text);
      const d = verifyDiagnostic(diags, {
        code: 'mapping-to-default-carrier',
        range: [11, 15, 11, 30],
        severity: INFORMATION,
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), mappings(['TNT', 'DEFAULT Carrier']));
      verifyDiagnostic(diags, {
        code: 'mapping-to-default-carrier',
        range: [13, 15, 13, 30],
        severity: INFORMATION,
        message: '2 mappings',
      });
    });

    it('a carrier name missing from Cin7 Core is a warning only when the carrier list is known', () => {
      const text = mappings(['AusPost', 'Australia Posts']);
      assert.deepEqual(diagnose(text), []);
      const d = verifyDiagnostic(
        diagnose(text, {
          carrierNames: ['DEFAULT Carrier', 'Australia Post', 'StarTrack Express'],
        }),
        {
          code: 'unknown-carrier',
          range: [11, 15, 11, 30],
          severity: WARNING,
          message: 'Did you mean "Australia Post"?',
        },
      );
      assert.equal(applyFix(text, fixesOf(d)[0]), mappings(['AusPost', 'Australia Post']));
    });

    it('checks writeback.defaultCarrier against the Cin7 Core list too', () => {
      verifyOnly(
        diagnose(withLines('writeback', 'defaultCarrier: Couriers'), {
          carrierNames: ['DEFAULT Carrier'],
        }),
        [{ code: 'unknown-carrier', range: [9, 18, 9, 26], severity: WARNING }],
      );
    });
  });

  describe('credentials', () => {
    it('a plain-text API key is a warning; the fix writes ${secret:…} and runs dear.setCredentials', () => {
      const text = VALID.replace('${secret:DEAR_API_KEY}', 'abc-123');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'plain-text-secret',
        range: [2, 10, 2, 17],
        severity: WARNING,
      });
      const [fix] = fixesOf(d);
      assert.equal(applyFix(text, fix), VALID);
      assert.deepEqual(fix.command, {
        title: 'Store the secret',
        command: 'dear.setCredentials',
        arguments: ['DEAR_API_KEY'],
      });
      assert.ok(!d.message.includes('abc-123'), 'the secret value is never echoed');
    });

    it('a plain-text account id is only information', () => {
      verifyOnly(diagnose(VALID.replace('${secret:DEAR_ACCOUNT_ID}', 'acc-1')), [
        { code: 'plain-text-secret', range: [1, 13, 1, 18], severity: INFORMATION },
      ]);
    });

    it('a malformed reference is an error; a near miss is fixed', () => {
      const text = VALID.replace('${secret:DEAR_API_KEY}', '${secrets:DEAR_API_KEY}');
      const [d] = diagnose(text);
      verifyOnly(
        [d],
        [{ code: 'malformed-credential-ref', range: [2, 10, 2, 33], severity: ERROR }],
      );
      assert.equal(applyFix(text, fixesOf(d)[0]), VALID);
      const env = VALID.replace('${secret:DEAR_API_KEY}', '${ENV:K}');
      assert.equal(fixesOf(diagnose(env)[0])[0].edits[0].newText, '${env:K}');
      assert.deepEqual(
        fixesOf(diagnose(VALID.replace('${secret:DEAR_API_KEY}', '${vault:K}'))[0]),
        [],
      );
    });

    it('${secret:NAME} the editor does not hold: warning whose fix is the set-credentials command', () => {
      const known = new Set([
        'DEAR_ACCOUNT_ID',
        'STARSHIPIT_API_KEY',
        'STARSHIPIT_SUBSCRIPTION_KEY',
      ]);
      const d = verifyDiagnostic(diagnose(VALID, { knownSecretNames: known }), {
        code: 'missing-secret',
        range: [2, 10, 2, 32],
        severity: WARNING,
        message: 'DEAR_API_KEY',
      });
      assert.deepEqual(fixesOf(d)[0].command, {
        title: 'Store secret DEAR_API_KEY',
        command: 'dear.setCredentials',
        arguments: ['DEAR_API_KEY'],
      });
      assert.equal(diagnose(VALID, { knownSecretNames: known }).length, 1);
    });

    it('secrets are not checked when the client never said which it holds', () => {
      assert.deepEqual(diagnose(VALID), []);
    });

    it('${env:NAME} unset is a warning; set, it is fine', () => {
      const text = VALID.replace('${secret:DEAR_API_KEY}', '${env:MY_KEY}');
      verifyOnly(diagnose(text), [
        { code: 'env-not-set', range: [2, 10, 2, 23], severity: WARNING, message: 'MY_KEY' },
      ]);
      assert.deepEqual(diagnose(text, { env: { MY_KEY: 'x' } }), []);
    });
  });

  describe('base URLs', () => {
    it('http to a remote host is an error with a fix to https', () => {
      const text = withLines('starshipit', 'baseUrl: http://api.starshipit.com');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'insecure-base-url',
        range: [4, 11, 4, 36],
        severity: ERROR,
      });
      assert.equal(
        applyFix(text, fixesOf(d)[0]),
        withLines('starshipit', 'baseUrl: https://api.starshipit.com'),
      );
    });

    it('http to loopback (the sandbox) is allowed', () => {
      assert.deepEqual(diagnose(withLines('starshipit', 'baseUrl: http://127.0.0.1:4781')), []);
      assert.deepEqual(diagnose(withLines('starshipit', 'baseUrl: http://localhost:4781')), []);
    });

    it('a Cin7 Core base URL without a trailing slash gets one', () => {
      const text = withLines('dear', 'baseUrl: https://inventory.dearsystems.com/ExternalApi/v2');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'base-url-trailing-slash',
        range: [1, 11, 1, 59],
        severity: WARNING,
      });
      assert.deepEqual(diagnose(applyFix(text, fixesOf(d)[0])), []);
    });

    it('a v2 URL with apiVersion 1 is a warning with a fix to the v1 URL (and the reverse)', () => {
      const text = withLines(
        'dear',
        'apiVersion: 1',
        'baseUrl: https://inventory.dearsystems.com/ExternalApi/v2/',
      );
      const d = verifyDiagnostic(diagnose(text), {
        code: 'base-url-version-mismatch',
        range: [2, 11, 2, 60],
        severity: WARNING,
      });
      assert.deepEqual(
        diagnose(text).map((x) => x.code),
        ['api-v1-unsupported', 'base-url-version-mismatch'],
      );
      assert.deepEqual(
        diagnose(applyFix(text, fixesOf(d)[0])).map((x) => x.code),
        ['api-v1-unsupported'],
      );
      const v2 = withLines('dear', 'baseUrl: https://inventory.dearsystems.com/ExternalApi/');
      const [d2] = diagnose(v2);
      assert.equal(
        fixesOf(d2)[0].edits[0].newText,
        'https://inventory.dearsystems.com/ExternalApi/v2/',
      );
    });

    it('a malformed URL is a format error', () => {
      verifyOnly(diagnose(withLines('starshipit', 'baseUrl: api.starshipit.com')), [
        { code: 'invalid-format', range: [4, 11, 4, 29], severity: ERROR },
      ]);
    });
  });

  describe('import statuses', () => {
    it('the "Ordering;Picked" string form is accepted (case-insensitive) with a hint and a fix to a list', () => {
      const text = VALID.replace('[ORDERED]', '"Ordering;picked"');
      const { settings, diagnostics } = analyzeSettings(text, { env: {} } as never);
      assert.deepEqual(settings?.import.statuses, ['ORDERING', 'PICKED']);
      const d = verifyDiagnostic(diagnostics, {
        code: 'statuses-string',
        range: [7, 12, 7, 29],
        severity: HINT,
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), VALID.replace('[ORDERED]', '[ORDERING, PICKED]'));
    });

    it('an unknown part of the string is flagged on that part', () => {
      const text = VALID.replace('[ORDERED]', 'Ordering;Pickd');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'unknown-status',
        range: [7, 21, 7, 26],
        severity: ERROR,
        message: 'Did you mean PICKED?',
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), VALID.replace('[ORDERED]', 'Ordering;PICKED'));
    });

    it('commas instead of semicolons: an error whose fix writes a list', () => {
      const text = VALID.replace('[ORDERED]', 'Ordered, Picked');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'unknown-status',
        range: [7, 12, 7, 27],
        severity: ERROR,
        message: 'uses ";"',
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), VALID.replace('[ORDERED]', '[ORDERED, PICKED]'));
    });

    it('statuses that never ship are a warning', () => {
      verifyOnly(diagnose(VALID.replace('[ORDERED]', '[ORDERED, COMPLETED]')), [
        {
          code: 'unusual-status',
          range: [7, 22, 7, 31],
          severity: WARNING,
          message: 'already shipped',
        },
      ]);
    });
  });

  it('memo and order note together: information saying what happens', () => {
    const diags = diagnose(withLines('import', 'memo: order', 'orderNote: true'));
    verifyOnly(diags, [
      {
        code: 'memo-and-order-note',
        range: [8, 2, 8, 11],
        severity: INFORMATION,
        message: 'order memo first, then the sale note',
      },
    ]);
    assert.ok(diags[0].message.includes('100 characters'));
  });

  it("a rate limit above Cin7 Core's 60/60 s is a warning for the real service only", () => {
    verifyOnly(diagnose(withLines('dear', 'rateLimit: {calls: 120, perSeconds: 60}')), [
      { code: 'rate-limit-too-high', range: [1, 13, 1, 41], severity: WARNING },
    ]);
    assert.deepEqual(
      diagnose(
        withLines(
          'dear',
          'baseUrl: http://127.0.0.1:4780/ExternalApi/v2/',
          'rateLimit: {calls: 600, perSeconds: 6}',
        ),
      ),
      [],
    );
  });

  it('# dear-starshipit-disable-next-line hides warnings (all, or listed codes) but never errors', () => {
    const text = VALID.replace(
      '  apiKey: ${secret:DEAR_API_KEY}',
      '  # dear-starshipit-disable-next-line plain-text-secret\n  apiKey: k1',
    )
      .replace(
        '  apiKey: ${secret:STARSHIPIT_API_KEY}',
        '  # dear-starshipit-disable-next-line unusual-status\n  apiKey: k2',
      )
      .replace(
        '  subscriptionKey: ${secret:STARSHIPIT_SUBSCRIPTION_KEY}',
        '  # dear-starshipit-disable-next-line\n  subscriptionKey: 0123',
      );
    const diags = diagnose(text);
    verifyOnly(diags, [
      { code: 'plain-text-secret', range: [6, 10, 6, 12], severity: WARNING },
      { code: 'unquoted-string', range: [8, 19, 8, 23], severity: ERROR },
    ]);
  });

  it('a fractional perSeconds is accepted', () => {
    const { settings, diagnostics } = analyzeSettings(
      withLines(
        'starshipit',
        'rateLimit: {calls: 2, perSeconds: 0.05}',
        'baseUrl: http://127.0.0.1:4781',
      ),
      { env: {} } as never,
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(settings?.starshipit.rateLimit, { calls: 2, perSeconds: 0.05 });
  });
});
