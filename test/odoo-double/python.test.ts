import { expect, test } from 'vitest';
import { exceptOrmStr, pyRepr, pyStrRepr, PyTuple } from './python.js';

// Expected values printed by CPython's repr().
test.each([
  ['plain', "'plain'"],
  ["it's", '"it\'s"'],
  ['say "hi"', '\'say "hi"\''],
  ['both \' and "', "'both \\' and \"'"],
  ['line\nbreak\ttab', "'line\\nbreak\\ttab'"],
  ['back\\slash', "'back\\\\slash'"],
  ['ctrl\u0007bell', "'ctrl\\x07bell'"],
  ['café', "'café'"],
  ['emoji 😀', "'emoji 😀'"],
  ['nbsp\u00a0x', "'nbsp\\xa0x'"],
  ['zwsp\u200bx', "'zwsp\\u200bx'"],
  ['del\u007f', "'del\\x7f'"],
])('repr(%j)', (text, expected) => {
  expect(pyStrRepr(text)).toBe(expected);
});

test.each([
  [new PyTuple(5), '(5,)'],
  [new PyTuple('a', null), "('a', None)"],
  [['x', 1, true, false], "['x', 1, True, False]"],
  [{ group_by: ['a'] }, "{'group_by': ['a']}"],
])('repr of %j', (value, expected) => {
  expect(pyRepr(value)).toBe(expected);
});

test('str(except_orm) is the repr of (message, None)', () => {
  expect(exceptOrmStr("Sorry, you are not allowed to access 'Contact'\n\t- x")).toBe('("Sorry, you are not allowed to access \'Contact\'\\n\\t- x", None)');
});
