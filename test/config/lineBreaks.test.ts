import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, getCompletions } from '../../server/src/config';
import { PositionMapper } from '../../server/src/config/text';

// Regressions found by the hostile-config property test (test/reliability): characters that are
// line breaks for some tools but not for others must never push a position outside its line.
describe('config core: unusual line breaks', () => {
  it('maps the \\n of a CRLF to the end of its line, not one past it (BUG-R3)', () => {
    const text = 'dear:\r\n  apiVersion: 2\r\n';
    const m = new PositionMapper(text);
    assert.deepEqual(m.positionAt(5), { line: 0, character: 5 }, 'the \\r');
    assert.deepEqual(m.positionAt(6), { line: 0, character: 5 }, 'the \\n');
    assert.deepEqual(m.positionAt(7), { line: 1, character: 0 });
  });

  it('keeps every diagnostic of a CRLF file with a syntax error inside its line', () => {
    const text = 'import:\r\n    perSeconds: \r\n  pageSize: [1000\r\n';
    const lines = text.split(/\r\n|\r|\n/);
    const { diagnostics } = analyze(text);
    assert.ok(diagnostics.length > 0, 'the broken file has diagnostics');
    for (const d of diagnostics) {
      for (const p of [d.range.start, d.range.end]) {
        assert.ok(p.line < lines.length, `line ${p.line} exists`);
        assert.ok(
          p.character <= lines[p.line].length,
          `${d.code} at ${p.line}:${p.character} fits a line of ${lines[p.line].length}`,
        );
      }
    }
  });

  it('completes on a document whose line holds U+2028 (not a line break for LSP) (BUG-R5)', () => {
    const sample = readFileSync('samples/dear-starshipit.yaml', 'utf8');
    const text = sample.replace('  rateLimit:', '  rateLimit:\u2028');
    const last = text.split(/\r\n|\r|\n/).length - 1;
    assert.doesNotThrow(() => getCompletions(text, { line: last, character: 0 }));
    const items = getCompletions('import:\n  memo:\u2028 \n', { line: 1, character: 8 });
    assert.ok(Array.isArray(items));
  });
});
