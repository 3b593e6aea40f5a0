import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { analyze } from '../../server/src/config';
import { MAX_DOCUMENT_LENGTH } from '../../server/src/config/document';
import {
  VALID,
  applyFix,
  assertRangesInside,
  diagnose,
  fixesOf,
  verifyDiagnostic,
} from './helpers';

const ERROR = 1;

describe('config core: YAML syntax and hostile input', () => {
  it('reports a syntax error on its own line, not to the end of the file', () => {
    const text = 'dear:\n  accountId: [unclosed\n  apiKey: x\nimport:\n  statuses: [ORDERED]\n';
    const diags = diagnose(text);
    const syntax = diags.filter((d) => d.code === 'yaml-syntax');
    assert.equal(syntax.length, 1, JSON.stringify(diags));
    assert.equal(syntax[0].severity, ERROR);
    assert.equal(syntax[0].range.start.line, syntax[0].range.end.line);
    assert.ok(syntax[0].message.startsWith('YAML: '));
    assertRangesInside(text, diags);
  });

  it('flags a duplicate key on the second key', () => {
    const text = `${VALID}engine:\n  stateDir: a\n  stateDir: b\n`;
    verifyDiagnostic(diagnose(text), {
      code: 'duplicate-key',
      range: [10, 2, 10, 10],
      severity: ERROR,
      message: 'Duplicate key "stateDir"',
    });
  });

  it('flags tab indentation with a fix to spaces', () => {
    const text = VALID.replace(
      '  apiKey: ${secret:DEAR_API_KEY}',
      '\tapiKey: ${secret:DEAR_API_KEY}',
    );
    const d = verifyDiagnostic(diagnose(text), {
      code: 'yaml-tab',
      range: [2, 0, 2, 1],
      severity: ERROR,
    });
    assert.equal(applyFix(text, fixesOf(d)[0]), VALID);
  });

  it('an alias bomb gives one diagnostic, no settings, no hang', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const text = `${levels.join('\n')}\n`;
    const result = analyze(text, { env: {} });
    assert.equal(result.settings, undefined);
    const d = verifyDiagnostic(result.diagnostics, {
      code: 'alias-limit',
      range: [1, 7, 1, 9],
      severity: ERROR,
    });
    assert.ok(d.message.includes('not checked'));
  });

  it('a file with too many lines is refused', () => {
    const result = analyze('#\n'.repeat(20_001), { env: {} });
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.message]),
      [
        [
          'file-too-large',
          'The file has 20,002 lines; a settings file must have at most 20,000, so it was not checked.',
        ],
      ],
    );
  });

  it('many keys: duplicates found in one pass, problems capped at 1,000 plus a summary', () => {
    const text = 'a: 1\n'.repeat(5000);
    const result = analyze(text, { env: {} });
    assert.equal(result.diagnostics.length, 1001);
    assert.ok(result.diagnostics.filter((d) => d.code === 'duplicate-key').length > 900);
    verifyDiagnostic(result.diagnostics, {
      code: 'duplicate-key',
      range: [1, 0, 1, 1],
      severity: ERROR,
    });
    verifyDiagnostic(result.diagnostics, {
      code: 'too-many-problems',
      range: [0, 0, 0, 4],
      severity: 2,
    });
  });

  it('a 10 MB document is refused with a diagnostic on the first line', () => {
    const line = '# ' + 'x'.repeat(98) + '\n';
    const text = line.repeat((10 * 1024 * 1024) / line.length + 1);
    assert.ok(text.length > MAX_DOCUMENT_LENGTH);
    const result = analyze(text, { env: {} });
    assert.equal(result.settings, undefined);
    assert.equal(result.diagnostics.length, 1);
    verifyDiagnostic(result.diagnostics, {
      code: 'file-too-large',
      range: [0, 0, 0, 100],
      severity: ERROR,
    });
  });

  it('deeply nested flow collections are refused before parsing', () => {
    const text = `dear: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    const result = analyze(text, { env: {} });
    assert.equal(result.settings, undefined);
    verifyDiagnostic(result.diagnostics, {
      code: 'too-deep',
      range: [0, 70, 0, 40006],
      severity: ERROR,
    });
    assert.equal(result.diagnostics.length, 1);
  });

  it('brackets inside quotes or comments do not count as nesting', () => {
    const deepText = '['.repeat(100);
    const text =
      VALID.replace('dear:\n', `dear: # ${deepText}\n`).replace(
        '[ORDERED]',
        '[ORDERED]\n  memo: none',
      ) + `writeback:\n  defaultCarrier: "${deepText}"\n`;
    assert.deepEqual(
      diagnose(text).map((d) => d.code),
      [],
    );
  });

  it('deeply nested block mappings do not crash', () => {
    let text = '';
    for (let i = 0; i < 600; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const result = analyze(text, { env: {} });
    assert.ok(result.diagnostics.some((d) => d.code === 'unknown-key'));
    assertRangesInside(text, result.diagnostics);
  });

  it('a second YAML document is a syntax error', () => {
    const diags = diagnose(`${VALID}---\nother: 1\n`);
    assert.ok(
      diags.some((d) => d.code === 'yaml-syntax'),
      JSON.stringify(diags),
    );
  });

  it('CRLF line endings give the same positions', () => {
    const text = VALID.replace('dear:\n', 'dear:\n  pageSize: 5000\n').replace(/\n/g, '\r\n');
    verifyDiagnostic(diagnose(text), {
      code: 'out-of-range',
      range: [1, 12, 1, 16],
      severity: ERROR,
    });
  });

  it('property: any YAML-ish text gives diagnostics inside the document, never an exception', () => {
    const token = fc.constantFrom(
      'dear:',
      'import:',
      'statuses:',
      'writeback:',
      'courierMappings:',
      '  ',
      '- ',
      ': ',
      '[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '&a ',
      '*a',
      '#',
      '\n',
      '\r\n',
      '\t',
      'x',
      'yes',
      '0123',
      '${secret:A}',
      '? ',
      '|',
      '>',
      ',',
      '---',
      '\u00e9',
      '\ud83d\ude00',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const text = tokens.join('');
        assertRangesInside(text, analyze(text, { env: {} }).diagnostics);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('random garbage never throws and keeps ranges inside the document', () => {
    const pieces = [
      'dear:',
      '  ',
      '- ',
      ': ',
      '[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '&a ',
      '*a',
      '!tag ',
      '#',
      '\n',
      '\t',
      'x',
      '? ',
      '|',
      '>',
      '%',
      '@',
      ',',
      '---',
      '...',
    ];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 300; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += pieces[Math.floor(rand() * pieces.length)];
      const result = analyze(text, { env: {} });
      assertRangesInside(text, result.diagnostics);
    }
  });
});
