import { describe, expect, test } from 'vitest';
import { andDomains, distributeNot, normalizeDomain } from './domain.js';

const A = ['a', '=', 1];
const B = ['b', 'in', [1, 2]];
const C = ['c', 'like', 'x'];

describe('normalize_domain', () => {
  test.each([
    [[], [[1, '=', 1]]],
    [[A], [A]],
    [[A, B], ['&', A, B]],
    [[A, B, C], ['&', '&', A, B, C]],
    [['|', A, B, C], ['&', '|', A, B, C]],
    [['!', A, B], ['&', '!', A, B]],
  ])('%j', (domain, expected) => {
    expect(normalizeDomain(domain)).toEqual(expected);
  });

  test('a domain missing an operand is refused', () => {
    expect(() => normalizeDomain(['|', A])).toThrow(/syntactically not correct/);
  });
});

describe('distribute_not (expression.py’s own example and friends)', () => {
  test.each([
    [['!', '&', ['user_id', '=', 4], ['partner_id', 'in', [1, 2]]], ['|', ['user_id', '!=', 4], ['partner_id', 'not in', [1, 2]]]],
    [['!', '!', A], [A]],
    [['!', C], [['c', 'not like', 'x']]],
    [['!', ['c', '=like', 'x']], ['!', ['c', '=like', 'x']]],
    [['!', '|', A, '!', B], ['&', ['a', '!=', 1], B]],
    [['!', ['t', '<', 5]], [['t', '>=', 5]]],
  ])('%j', (domain, expected) => {
    expect(distributeNot(domain as never)).toEqual(expected);
  });
});

describe('expression.AND as read_group builds __domain', () => {
  test.each([
    [[[A], []], [A]],
    [[[A], [B, C]], ['&', A, '&', B, C]],
    [[['&', A, B], [C]], ['&', '&', A, B, C]],
    [[[A], [[1, '=', 1]]], [A]],
  ])('%j', (domains, expected) => {
    expect(andDomains(domains)).toEqual(expected);
  });
});
