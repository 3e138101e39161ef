import { describe, expect, test } from 'vitest';
import { parseOdooDatetime, toOdooDatetime } from './datetime.js';

describe('toOdooDatetime', () => {
  test.each([
    ['2024-03-01T08:00:00Z', '2024-03-01 08:00:00'],
    ['2024-03-01T08:00:00.999Z', '2024-03-01 08:00:00'],
    ['2024-03-01T16:30:00+08:00', '2024-03-01 08:30:00'],
    ['2023-12-31T23:59:59-05:00', '2024-01-01 04:59:59'],
    ['0999-01-02T03:04:05Z', '0999-01-02 03:04:05'],
  ])('%s → %s (UTC, whole seconds)', (iso, expected) => {
    expect(toOdooDatetime(new Date(iso))).toBe(expected);
  });

  test('an invalid Date is refused rather than sent as "NaN-NaN…"', () => {
    expect(() => toOdooDatetime(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('parseOdooDatetime', () => {
  test.each([
    ['2024-03-01 08:00:00', '2024-03-01T08:00:00.000Z'],
    ['2024-02-29 23:59:59', '2024-02-29T23:59:59.000Z'],
  ])('%s is UTC', (text, iso) => {
    expect(parseOdooDatetime(text)?.toISOString()).toBe(iso);
  });

  test.each(['2024-02-30 00:00:00', '2023-02-29 00:00:00', '2024-03-01 24:00:00', '2024-03-01T08:00:00', '2024-03-01', '', 'False'])(
    '%j is not an Odoo datetime',
    (text) => {
      expect(parseOdooDatetime(text)).toBeUndefined();
    },
  );

  test('round trip', () => {
    const text = '2026-11-25 03:29:16';
    expect(toOdooDatetime(parseOdooDatetime(text) as Date)).toBe(text);
  });
});
