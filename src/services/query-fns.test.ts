import { describe, expect, test } from 'vitest';
import { parseApiDate, parseDateRange, parsePhoneFilter, type FieldProblem } from './query-fns.js';

describe('parseApiDate', () => {
  test.each([
    ['2024-05-01', 'from', '2024-05-01T00:00:00.000Z'],
    ['2024-05-31', 'to', '2024-05-31T23:59:59.000Z'],
    ['2024-02-29', 'to', '2024-02-29T23:59:59.000Z'],
    ['2024-05-01T08:00:00+08:00', 'from', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T08:00:00+0800', 'to', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:15Z', 'from', '2024-05-01T10:15:00.000Z'],
    ['2024-05-01T10:15:30.250Z', 'from', '2024-05-01T10:15:30.250Z'],
    ['2023-12-31T23:00:00-01:00', 'from', '2024-01-01T00:00:00.000Z'],
  ] as const)('%s as %s bound → %s', (text, bound, iso) => {
    expect(parseApiDate(text, bound)?.toISOString()).toBe(iso);
  });

  test.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31T10:00:00Z', '2024-05-01T25:00:00Z', '2024-05-01T10:60:00Z'])(
    '%s is not a real date',
    (text) => {
      expect(parseApiDate(text, 'from')).toBeUndefined();
    },
  );
});

describe('parseDateRange', () => {
  test('collects each bad bound and a reversed range', () => {
    const problems: FieldProblem[] = [];
    parseDateRange({ date_from: '2024-02-30', date_to: '2024-13-01' }, problems);
    expect(problems).toEqual([
      { field: 'querystring/date_from', message: 'is not a real date' },
      { field: 'querystring/date_to', message: 'is not a real date' },
    ]);
    const reversed: FieldProblem[] = [];
    parseDateRange({ date_from: '2024-05-02', date_to: '2024-05-01' }, reversed);
    expect(reversed).toEqual([{ field: 'querystring/date_to', message: 'is before date_from' }]);
  });

  test.each([
    ['date_to', '9999-12-31T23:59:59-14:00'],
    ['date_to', '9999-12-31T23:59:59.500Z'],
    ['date_from', '1969-12-31T23:59:59Z'],
    ['date_from', '1970-01-01T07:59:59+08:00'],
    ['date_from', '1969-12-31'],
    ['date_from', '0050-01-01'],
  ] as const)('%s=%s is outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z', (field, text) => {
    const problems: FieldProblem[] = [];
    expect(parseDateRange({ [field]: text }, problems)).toEqual({});
    expect(problems).toEqual([{ field: `querystring/${field}`, message: 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z' }]);
  });

  test('the first and the last second of the range are accepted', () => {
    const problems: FieldProblem[] = [];
    const range = parseDateRange({ date_from: '1970-01-01', date_to: '9999-12-31' }, problems);
    expect(problems).toEqual([]);
    expect(range.from?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(range.to?.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(parseDateRange({ date_to: '9999-12-31T23:59:59Z', date_from: '1970-01-01T08:00:00+08:00' }, problems)).toBeDefined();
    expect(problems).toEqual([]);
  });

  test('one day as both bounds is that whole day', () => {
    const problems: FieldProblem[] = [];
    const range = parseDateRange({ date_from: '2024-05-01', date_to: '2024-05-01' }, problems);
    expect(problems).toEqual([]);
    expect(range.from?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(range.to?.toISOString()).toBe('2024-05-01T23:59:59.000Z');
  });
});

describe('parsePhoneFilter', () => {
  test.each([
    ['0812-3456-7890', '+6281234567890'],
    ['6281234567890', '+6281234567890'],
    ['+62 812 3456 7890', '+6281234567890'],
    ['120363025246125486@g.us', '120363025246125486@g.us'],
    ['US.13491208655302741918', 'US.13491208655302741918'],
    [' us.13491208655302741918 ', 'US.13491208655302741918'],
    ['whatsapp:US.13491208655302741918', 'US.13491208655302741918'],
  ])('%s → %s', (input, canonical) => {
    const problems: FieldProblem[] = [];
    expect(parsePhoneFilter(input, 'ID', 'querystring/phone', problems)).toBe(canonical);
    expect(problems).toEqual([]);
  });

  test.each([
    ['08123', 'is not a valid phone number nor a WhatsApp user id'],
    ['abc', 'is not a phone number nor a WhatsApp user id'],
    ['US.1349-1208', 'is not a phone number nor a WhatsApp user id'],
    ['US.ENT.1349', 'is not a phone number nor a WhatsApp user id'],
    ['  ', 'is empty'],
  ])('%s is refused: %s', (input, message) => {
    const problems: FieldProblem[] = [];
    expect(parsePhoneFilter(input, 'ID', 'querystring/phone', problems)).toBeUndefined();
    expect(problems).toEqual([{ field: 'querystring/phone', message }]);
  });
});
