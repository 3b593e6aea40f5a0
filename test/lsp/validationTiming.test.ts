import * as assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-types';
import {
  ANALYSIS_COST_MULTIPLE,
  editedLines,
  holdNewProblems,
  MAX_VALIDATION_DELAY_MS,
  MIN_VALIDATION_DELAY_MS,
  shownKey,
  validationDelay,
} from '../../server/src/validationTiming';

const at = (line: number, code: string): Diagnostic => ({
  range: { start: { line, character: 2 }, end: { line, character: 8 } },
  severity: 1,
  code,
  message: `${code} on line ${line}`,
});

describe('validation timing', () => {
  it('the burst delay is a multiple of the last analysis time, within the floor and the ceiling', () => {
    assert.equal(validationDelay(undefined), MIN_VALIDATION_DELAY_MS);
    assert.equal(validationDelay(1), MIN_VALIDATION_DELAY_MS);
    assert.equal(validationDelay(40), 40 * ANALYSIS_COST_MULTIPLE);
    assert.equal(validationDelay(60_000), MAX_VALIDATION_DELAY_MS);
  });

  it('edited lines: the lines each change spans in the new text; unknown for a full replacement', () => {
    const change = (line: number, text: string) => ({
      range: { start: { line, character: 0 }, end: { line, character: 3 } },
      text,
    });
    assert.deepEqual(editedLines([change(7, 'x')]), { first: 7, last: 7 });
    assert.deepEqual(editedLines([change(7, 'a\nb\n')]), { first: 7, last: 9 });
    assert.deepEqual(editedLines([change(7, 'x'), change(3, 'y')]), { first: 3, last: 7 });
    assert.equal(editedLines([{ text: 'whole document' }]), undefined);
  });

  it('holds only problems that are new on the edited lines', () => {
    const shown = new Set([shownKey(at(5, 'out-of-range'))]);
    const all = [at(1, 'unknown-key'), at(5, 'out-of-range'), at(5, 'wrong-type'), at(9, 'x')];
    const { now, held } = holdNewProblems(all, { first: 5, last: 5 }, shown);
    assert.deepEqual(
      now.map((d) => `${d.range.start.line}:${String(d.code)}`),
      ['1:unknown-key', '5:out-of-range', '9:x'],
    );
    assert.equal(held, 1);
  });

  it('holds nothing when nobody is typing', () => {
    const all = [at(5, 'out-of-range')];
    assert.deepEqual(holdNewProblems(all, undefined, new Set()), { now: all, held: 0 });
  });
});
