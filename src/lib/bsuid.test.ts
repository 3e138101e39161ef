import { expect, test } from 'vitest';
import { isBsuid, readBsuid, readParentBsuid } from './bsuid.js';

test.each([
  ['US.13491208655302741918', 'US.13491208655302741918'],
  ['  ID.7730215549820143 ', 'ID.7730215549820143'],
  ['whatsapp:US.13491208655302741918', 'US.13491208655302741918'],
  ['BR.AbC123xyz', 'BR.AbC123xyz'],
  [`US.${'9'.repeat(128)}`, `US.${'9'.repeat(128)}`],
])('%j is a business-scoped user id', (input, expected) => {
  expect(readBsuid(input)).toBe(expected);
  expect(isBsuid(expected)).toBe(true);
});

test.each([
  ['a parent id', 'US.ENT.11815799212886844830'],
  ['no country', '13491208655302741918'],
  ['a lower-case country', 'us.13491208655302741918'],
  ['too long', `US.${'9'.repeat(129)}`],
  ['a phone number', '+6281299990000'],
  ['a JID', '6281299990000@s.whatsapp.net'],
  ['a placeholder', '<BSUID>'],
  ['nothing after the dot', 'US.'],
  // eslint-disable-next-line no-loss-of-precision -- the user id as a JSON number, digits lost as a parser would lose them
  ['not a string', 13491208655302741918],
])('%s is not', (_name, input) => {
  expect(readBsuid(input)).toBeNull();
});

test('a parent id is read as such, and only a parent id', () => {
  expect(readParentBsuid('US.ENT.11815799212886844830')).toBe('US.ENT.11815799212886844830');
  expect(readParentBsuid('US.13491208655302741918')).toBeNull();
  expect(readParentBsuid('<PARENT_BSUID>')).toBeNull();
});
