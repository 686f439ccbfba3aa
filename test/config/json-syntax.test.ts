import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findJsonSyntaxError, lineAndColumn } from '../../src/config/json-syntax';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('finds nothing wrong in any valid JSON', () => {
    fc.assert(fc.property(fc.json(), (text) => findJsonSyntaxError(text) === null));
  });

  it('agrees with JSON.parse on JSON that was cut short or had a character changed', () => {
    const damaged = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\n', 'x', '0', '\\'))
      .map(([text, at, c]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + c + text.slice(i + 1);
      });
    fc.assert(fc.property(damaged, (text) => (findJsonSyntaxError(text) === null) === parses(text)), { numRuns: 2000 });
  });

  it('names the offset and what is wrong there', () => {
    assert.deepEqual(findJsonSyntaxError('[1, 2,]'), { offset: 6, problem: 'expected a value' });
    assert.deepEqual(findJsonSyntaxError('{"a": 1} x'), { offset: 9, problem: 'unexpected text after the JSON value' });
    assert.deepEqual(findJsonSyntaxError('{"a": "x\ny"}'), { offset: 8, problem: 'a line break or other control character inside a string' });
    assert.deepEqual(findJsonSyntaxError('"\\x"'), { offset: 1, problem: 'expected an escape such as \\n, \\" or \\u00e9' });
    assert.deepEqual(findJsonSyntaxError('{"a" 1}'), { offset: 5, problem: "expected ':' after the property name" });
    assert.deepEqual(findJsonSyntaxError('"abc'), { offset: 4, problem: 'expected a closing \'"\', found the end of the file' });
  });
});

describe('lineAndColumn', () => {
  it('counts from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('ab\r\ncd', 5), { line: 2, column: 2 });
  });
});
