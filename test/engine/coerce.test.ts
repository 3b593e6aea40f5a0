// Reading loosely typed vendor JSON (server/src/engine/coerce.ts): each variant's rule for strings,
// numbers and everything else, so a field of the wrong type reads the same in every module.
import * as assert from 'node:assert/strict';
import {
  isObject,
  objectOf,
  objectsOf,
  printableText,
  text,
  trimmedText,
} from '../../server/src/engine/coerce';

const NOT_TEXT: unknown[] = [undefined, null, true, {}, [], Number.NaN, Infinity];

describe('coerce: text from unknown JSON', () => {
  it('text keeps a string as written and writes a finite number in decimals', () => {
    assert.equal(text('  SO-1 \n'), '  SO-1 \n');
    assert.equal(text(42), '42');
    assert.equal(text(1.5), '1.5');
    for (const value of NOT_TEXT) assert.equal(text(value), '', String(value));
  });

  it('trimmedText trims the ends and nothing inside', () => {
    assert.equal(trimmedText('  ORDERED\t'), 'ORDERED');
    assert.equal(trimmedText(' a  b '), 'a  b');
    assert.equal(trimmedText(7), '7');
    for (const value of NOT_TEXT) assert.equal(trimmedText(value), '', String(value));
  });

  it('printableText turns each run of control characters into one space and trims', () => {
    assert.equal(printableText('1 Main St\r\n\tUnit 4\u0000'), '1 Main St Unit 4');
    assert.equal(printableText('bell\u0007\u007fend'), 'bell end');
    assert.equal(printableText('  Zürich  '), 'Zürich');
    assert.equal(printableText(3000), '3000');
    for (const value of NOT_TEXT) assert.equal(printableText(value), '', String(value));
  });
});

describe('coerce: objects from unknown JSON', () => {
  it('isObject accepts plain objects only', () => {
    assert.equal(isObject({ a: 1 }), true);
    for (const value of [null, undefined, [], 'x', 1]) assert.equal(isObject(value), false);
  });

  it('objectOf gives an empty object for anything that is not one', () => {
    const row = { Status: 'ORDERED' };
    assert.equal(objectOf(row), row);
    for (const value of [null, undefined, [1], 'x', 1]) assert.deepEqual(objectOf(value), {});
  });

  it('objectsOf keeps object entries (a nested array reads as a row without fields)', () => {
    const line = { SKU: 'A' };
    assert.deepEqual(objectsOf([line, null, 'x', 3, [9]]), [line, [9]]);
    assert.equal(objectsOf([line])[0], line);
    for (const value of [null, undefined, {}, 'x']) assert.deepEqual(objectsOf(value), []);
  });
});
