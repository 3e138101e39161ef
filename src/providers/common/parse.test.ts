import { describe, expect, test } from 'vitest';
import { readId } from './parse.js';

describe('readId: an id field as an exact string, absent, or rounded by JSON.parse', () => {
  test.each([
    [4412, { kind: 'exact', id: '4412' }],
    [Number.MAX_SAFE_INTEGER, { kind: 'exact', id: '9007199254740991' }],
    [-7, { kind: 'exact', id: '-7' }],
    [' 80367170 ', { kind: 'exact', id: '80367170' }],
    ['9007199254740993', { kind: 'exact', id: '9007199254740993' }],
    ['wamid.FAKE1', { kind: 'exact', id: 'wamid.FAKE1' }],
    [undefined, { kind: 'absent' }],
    [null, { kind: 'absent' }],
    ['', { kind: 'absent' }],
    ['   ', { kind: 'absent' }],
    [Number.NaN, { kind: 'absent' }],
    [Infinity, { kind: 'absent' }],
    // What JSON.parse makes of 9007199254740993: the digits are already gone.
    [JSON.parse('9007199254740993') as number, { kind: 'imprecise', approx: '9007199254740992' }],
    [2 ** 53, { kind: 'imprecise', approx: '9007199254740992' }],
    [-(2 ** 53), { kind: 'imprecise', approx: '-9007199254740992' }],
    // Written out in digits, never as 1.2345678901234567e+21.
    [JSON.parse('1234567890123456789012') as number, { kind: 'imprecise', approx: '1234567890123456774144' }],
    [12.5, { kind: 'imprecise', approx: '12.5' }],
  ])('%j → %j', (value, expected) => {
    expect(readId(value)).toEqual(expected);
  });
});
