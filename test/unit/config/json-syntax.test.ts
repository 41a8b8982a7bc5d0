import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../../src/config/json-syntax.js';

const accepts = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('strict JSON syntax', () => {
  it('accepts every JSON text JSON.stringify writes, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        expect(jsonSyntaxError(JSON.stringify(value, null, indent))).toBeUndefined();
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on texts one character away from valid JSON', () => {
    const mutated = fc
      .tuple(fc.jsonValue(), fc.nat(), fc.constantFrom(',', '}', ']', '"', "'", ':', ' ', '\\', '\u0000', '\t', 'x', '0', '-', '.'))
      .map(([value, at, char]) => {
        const text = JSON.stringify({ v: value });
        const i = at % (text.length + 1);
        return text.slice(0, i) + char + text.slice(i);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        expect(jsonSyntaxError(text) === undefined).toBe(accepts(text));
      }),
      { seed: 9, numRuns: 500 },
    );
  });

  it('points at the mistake', () => {
    expect(jsonSyntaxError('{"a": [1, 2,]}')).toMatchObject({ offset: 12, message: expect.stringMatching(/trailing comma/) });
    expect(jsonSyntaxError('{"a": 1,}')).toMatchObject({ offset: 8 });
    expect(jsonSyntaxError('{"a": 1} x')).toMatchObject({ offset: 9 });
    expect(jsonSyntaxError('{"a": 01}')).toMatchObject({ offset: 7 });
    expect(jsonSyntaxError('[')).toMatchObject({ offset: 1, message: expect.stringMatching(/end of file/) });
  });
});
