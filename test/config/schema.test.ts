import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, analyzeSettings, formatDiagnosticText } from '../../server/src/config';
import { DEFAULTS, applyDefaults } from '../../server/src/config/defaults';
import { SETTINGS_SCHEMA, resolve, leafSettings } from '../../server/src/config/schema';
import {
  VALID,
  applyFix,
  assertRangesInside,
  diagnose,
  fixesOf,
  verifyDiagnostic,
  verifyOnly,
} from './helpers';

const ERROR = 1;

describe('config core: schema validation', () => {
  it('accepts a minimal file and applies every default', () => {
    const { settings, diagnostics } = analyzeSettings(VALID, { env: {} } as never);
    assert.deepEqual(diagnostics, []);
    assert.ok(settings);
    assert.equal(settings.dear.apiVersion, 2);
    assert.equal(settings.dear.baseUrl, 'https://inventory.dearsystems.com/ExternalApi/v2/');
    assert.deepEqual(settings.dear.rateLimit, { calls: 60, perSeconds: 60 });
    assert.equal(settings.dear.pageSize, 1000);
    assert.equal(settings.starshipit.baseUrl, 'https://api.starshipit.com');
    assert.equal(settings.starshipit.plan, 'developer');
    assert.equal(settings.starshipit.rateLimit, undefined);
    assert.deepEqual(settings.import.statuses, ['ORDERED']);
    assert.equal(settings.import.source, 'sales');
    assert.equal(settings.import.memo, 'none');
    assert.equal(settings.import.propagateChanges, true);
    assert.equal(settings.import.onCancelled, 'attention');
    assert.equal(settings.writeback.defaultCarrier, 'DEFAULT Carrier');
    assert.equal(settings.writeback.when, 'labelPrinted');
    assert.deepEqual(settings.writeback.courierMappings, []);
    assert.equal(settings.engine.stateDir, '.dear-starshipit');
    assert.equal(
      settings.dear.accountId,
      '${secret:DEAR_ACCOUNT_ID}',
      'credential references are kept as written',
    );
  });

  it('uses the v1 base URL by default for apiVersion 1 (which is then refused as an error)', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  apiVersion: 1\n');
    const { parsed, settings, diagnostics } = analyze(text, { env: {} });
    assert.equal(
      applyDefaults(parsed.data).dear.baseUrl,
      'https://inventory.dearsystems.com/ExternalApi/',
    );
    assert.equal(settings, undefined);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['api-v1-unsupported'],
    );
  });

  it('keeps the code defaults equal to the schema defaults', () => {
    for (const [section, values] of Object.entries(DEFAULTS)) {
      for (const [key, value] of Object.entries(values)) {
        const s = resolve(resolve(SETTINGS_SCHEMA.properties![section])!.properties![key]);
        assert.deepEqual(s?.default, value, `${section}.${key}`);
      }
    }
  });

  it('the sample uses every setting and has no warnings or errors', () => {
    const text = readFileSync('samples/dear-starshipit.yaml', 'utf8');
    const { settings, diagnostics } = analyzeSettings(text, { env: {} } as never);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity <= 2),
      [],
    );
    assert.ok(settings);
    for (const leaf of leafSettings()) {
      let v: unknown = settings;
      for (const seg of leaf.path) v = (v as Record<string, unknown>)[seg];
      assert.notEqual(v, undefined, `sample should set ${leaf.path.join('.')}`);
      assert.ok(
        new RegExp(`^\\s*${leaf.path[leaf.path.length - 1]}:`, 'm').test(text),
        `sample should write ${leaf.path.join('.')}`,
      );
    }
    assert.equal(settings.dear.baseUrl, 'http://127.0.0.1:4780/ExternalApi/v2/');
    assert.equal(settings.starshipit.baseUrl, 'http://127.0.0.1:4781');
  });

  it('flags an unknown key on the key, with a did-you-mean fix', () => {
    const text = `${VALID}engine:\n  concurency: 3\n`;
    const diags = diagnose(text);
    const d = verifyDiagnostic(diags, {
      code: 'unknown-key',
      range: [9, 2, 9, 12],
      severity: ERROR,
      message: 'Did you mean "concurrency"?',
    });
    assert.equal(diags.length, 1);
    assert.equal(applyFix(text, fixesOf(d)[0]), `${VALID}engine:\n  concurrency: 3\n`);
    assert.equal(analyzeSettings(text).settings, undefined, 'no settings while an error exists');
  });

  it('says which section an unknown key belongs to', () => {
    verifyOnly(diagnose(VALID.replace('starshipit:\n', 'starshipit:\n  pageSize: 5\n')), [
      {
        code: 'unknown-key',
        range: [4, 2, 4, 10],
        severity: ERROR,
        message: '"pageSize" is a setting of "dear".',
      },
    ]);
  });

  it('flags a missing key on the parent key and the fix inserts it', () => {
    const text = VALID.replace('  apiKey: ${secret:DEAR_API_KEY}\n', '');
    const diags = diagnose(text);
    const d = verifyDiagnostic(diags, {
      code: 'missing-key',
      range: [0, 0, 0, 4],
      severity: ERROR,
      message: '"dear.apiKey"',
    });
    assert.equal(diags.length, 1);
    const fixed = applyFix(text, fixesOf(d)[0]);
    assert.ok(fixed.includes('dear:\n  apiKey: ${secret:DEAR_API_KEY}\n  accountId:'), fixed);
    assert.deepEqual(diagnose(fixed), []);
  });

  it('flags a missing section on the first line and the fix adds a skeleton', () => {
    const text = VALID.replace('import:\n  statuses: [ORDERED]\n', '');
    const diags = diagnose(text);
    const d = verifyDiagnostic(diags, {
      code: 'missing-key',
      range: [0, 0, 0, 5],
      severity: ERROR,
      message: 'section "import"',
    });
    const fixed = applyFix(text, fixesOf(d)[0]);
    assert.ok(fixed.startsWith('import:\n  statuses: [ORDERED]\ndear:'), fixed);
    assert.deepEqual(diagnose(fixed), []);
  });

  it('an empty file misses the three required sections at 0:0', () => {
    const diags = diagnose('');
    for (const s of ['dear', 'starshipit', 'import']) {
      verifyDiagnostic(diags, {
        code: 'missing-key',
        range: [0, 0, 0, 0],
        severity: ERROR,
        message: `"${s}"`,
      });
    }
  });

  it('reports wrong types on the value', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  pageSize: abc\n');
    verifyOnly(diagnose(text), [
      {
        code: 'wrong-type',
        range: [1, 12, 1, 15],
        severity: ERROR,
        message: 'must be a whole number, not the text "abc"',
      },
    ]);
  });

  it('offers to unquote a quoted number', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  pageSize: "100"\n');
    const d = verifyDiagnostic(diagnose(text), {
      code: 'wrong-type',
      range: [1, 12, 1, 17],
      severity: ERROR,
      message: 'quoted text "100"',
    });
    assert.equal(
      applyFix(text, fixesOf(d)[0]),
      VALID.replace('dear:\n', 'dear:\n  pageSize: 100\n'),
    );
  });

  it('reports numbers out of range', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  pageSize: 5000\n');
    verifyOnly(diagnose(text), [
      { code: 'out-of-range', range: [1, 12, 1, 16], severity: ERROR, message: '<= 1000' },
    ]);
  });

  it('reports an enum typo with a did-you-mean replacement', () => {
    const text = VALID.replace(
      '  statuses: [ORDERED]\n',
      '  statuses: [ORDERED]\n  source: fulfillments\n',
    );
    const d = verifyDiagnostic(diagnose(text), {
      code: 'invalid-value',
      range: [8, 10, 8, 22],
      severity: ERROR,
      message: 'Did you mean fulfilments?',
    });
    assert.equal(fixesOf(d)[0].edits[0].newText, 'fulfilments');
    assert.equal(fixesOf(d)[0].isPreferred, true);
  });

  it('reports an invalid apiVersion', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  apiVersion: 3\n');
    verifyOnly(diagnose(text), [
      {
        code: 'invalid-value',
        range: [1, 14, 1, 15],
        severity: ERROR,
        message: 'must be one of: 1, 2',
      },
    ]);
  });

  it('reports a setting with no value on its key', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  pageSize:\n');
    verifyOnly(diagnose(text), [
      { code: 'missing-value', range: [1, 2, 1, 10], severity: ERROR, message: 'has no value' },
    ]);
  });

  it('warns about an empty optional section', () => {
    verifyOnly(diagnose(`${VALID}writeback:\n`), [
      { code: 'empty-section', range: [8, 0, 8, 9], severity: 2 },
    ]);
  });

  describe('anyOf collapse (import.statuses: list or "A;B" string)', () => {
    it('a list with a bad item: one message on the item, no branch noise', () => {
      const text = VALID.replace('[ORDERED]', '[ORDERED, PICKD]');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'invalid-value',
        range: [7, 22, 7, 27],
        severity: ERROR,
        message: 'Did you mean PICKED?',
      });
      assert.equal(diagnose(text).length, 1);
      assert.ok(!/anyOf|must match/.test(d.message));
    });

    it('a number: one message naming both accepted forms', () => {
      const text = VALID.replace('[ORDERED]', '5');
      verifyOnly(diagnose(text), [
        {
          code: 'wrong-type',
          range: [7, 12, 7, 13],
          severity: ERROR,
          message: 'must be a list of sale statuses or a semicolon-separated string',
        },
      ]);
    });

    it('an empty list: too few items', () => {
      verifyOnly(diagnose(VALID.replace('[ORDERED]', '[]')), [
        { code: 'too-few-items', range: [7, 12, 7, 14], severity: ERROR },
      ]);
    });

    it('a repeated status: duplicate item on the second one', () => {
      verifyOnly(diagnose(VALID.replace('[ORDERED]', '[ORDERED, ORDERED]')), [
        { code: 'duplicate-item', range: [7, 22, 7, 29], severity: ERROR },
      ]);
    });

    it('a lower-case list item suggests the upper-case status', () => {
      const d = verifyDiagnostic(diagnose(VALID.replace('[ORDERED]', '[picked]')), {
        code: 'invalid-value',
        range: [7, 13, 7, 19],
        severity: ERROR,
      });
      assert.equal(fixesOf(d)[0].edits[0].newText, 'PICKED');
    });
  });

  describe('YAML 1.1 surprises', () => {
    it('0123 where text is expected: error with a quote fix', () => {
      const text = VALID.replace('${secret:DEAR_ACCOUNT_ID}', '0123');
      const d = verifyDiagnostic(diagnose(text), {
        code: 'unquoted-string',
        range: [1, 13, 1, 17],
        severity: ERROR,
        message: 'the number 123',
      });
      assert.equal(
        applyFix(text, fixesOf(d)[0]),
        VALID.replace('${secret:DEAR_ACCOUNT_ID}', '"0123"'),
      );
    });

    it('1.0 where text is expected reads as the number 1', () => {
      const text = `${VALID}writeback:\n  defaultCarrier: 1.0\n`;
      const d = verifyDiagnostic(diagnose(text), {
        code: 'unquoted-string',
        range: [9, 18, 9, 21],
        severity: ERROR,
        message: 'the number 1,',
      });
      assert.equal(fixesOf(d)[0].edits[0].newText, '"1.0"');
    });

    it('yes where a boolean is expected: error with a fix to true', () => {
      const text = VALID.replace(
        '  statuses: [ORDERED]\n',
        '  statuses: [ORDERED]\n  orderNote: yes\n',
      );
      const d = verifyDiagnostic(diagnose(text), {
        code: 'not-a-boolean',
        range: [8, 13, 8, 16],
        severity: ERROR,
        message: 'Write true',
      });
      assert.equal(
        applyFix(text, fixesOf(d)[0]),
        text.replace('orderNote: yes', 'orderNote: true'),
      );
    });

    it('off where text is expected: warning with a quote fix', () => {
      const text = `${VALID}writeback:\n  defaultCarrier: off\n`;
      const d = verifyDiagnostic(diagnose(text), {
        code: 'yaml11-boolean',
        range: [9, 18, 9, 21],
        severity: 2,
      });
      assert.equal(applyFix(text, fixesOf(d)[0]), `${VALID}writeback:\n  defaultCarrier: "off"\n`);
      assert.deepEqual(diagnose(`${VALID}writeback:\n  defaultCarrier: "off"\n`), []);
    });
  });

  it('formats text diagnostics as file:line:col severity code message (1-based)', () => {
    const [d] = diagnose(VALID.replace('dear:\n', 'dear:\n  pageSize: 5000\n'));
    assert.equal(formatDiagnosticText('x.yaml', d), `x.yaml:2:13 error out-of-range ${d.message}`);
  });

  it('keeps every range inside the document for a broken file', () => {
    const text = 'dear:\n  accountId: [unclosed\n  apiKey: "x\nstarshipit: {a\n- b\n\t\n';
    const { diagnostics } = analyze(text, { env: {} });
    assert.ok(diagnostics.length > 0);
    assertRangesInside(text, diagnostics);
  });
});
