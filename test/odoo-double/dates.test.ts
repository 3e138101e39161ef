import { describe, expect, test } from 'vitest';
import { addInterval, dateTrunc, formatNaive, groupLabel, isValidTimeZone, localizeOffset, parseNaive, utcToWall } from './dates.js';

const d = (text: string) => parseNaive(text);

// Expected labels printed by babel 2.8 (the real Odoo 13's), locale en_US, for these Mondays.
describe('groupLabel matches babel 2.8 / en_US', () => {
  test.each([
    ['2019-12-30', 'W53 2019', '30 Dec 2019', 'December 2019', 'Q4 2019'],
    ['2020-12-28', 'W53 2020', '28 Dec 2020', 'December 2020', 'Q4 2020'],
    ['2021-01-04', 'W2 2021', '04 Jan 2021', 'January 2021', 'Q1 2021'],
    ['2022-01-03', 'W2 2022', '03 Jan 2022', 'January 2022', 'Q1 2022'],
    ['2023-01-02', 'W1 2023', '02 Jan 2023', 'January 2023', 'Q1 2023'],
    ['2024-01-01', 'W1 2024', '01 Jan 2024', 'January 2024', 'Q1 2024'],
    ['2024-12-30', 'W53 2024', '30 Dec 2024', 'December 2024', 'Q4 2024'],
    ['2016-01-04', 'W2 2016', '04 Jan 2016', 'January 2016', 'Q1 2016'],
    ['2016-12-26', 'W53 2016', '26 Dec 2016', 'December 2016', 'Q4 2016'],
  ])('%s', (day, week, dayLabel, month, quarter) => {
    const date = d(`${day} 00:00:00`);
    expect(groupLabel('week', date)).toBe(week);
    expect(groupLabel('day', date)).toBe(dayLabel);
    expect(groupLabel('month', date)).toBe(month);
    expect(groupLabel('quarter', date)).toBe(quarter);
    expect(groupLabel('hour', date)).toBe(`12:00 ${dayLabel.slice(0, 6)}`);
  });
});

describe('PostgreSQL date_trunc', () => {
  test.each([
    ['day', '2024-01-03 17:45:10', '2024-01-03 00:00:00'],
    ['week', '2024-01-07 23:00:00', '2024-01-01 00:00:00'],
    ['week', '2024-01-08 00:00:00', '2024-01-08 00:00:00'],
    ['month', '2024-02-29 12:00:00', '2024-02-01 00:00:00'],
    ['quarter', '2024-06-30 12:00:00', '2024-04-01 00:00:00'],
    ['year', '2024-06-30 12:00:00', '2024-01-01 00:00:00'],
  ] as const)('%s of %s', (unit, value, expected) => {
    expect(formatNaive(dateTrunc(unit, d(value)))).toBe(expected);
  });

  test('month intervals follow the calendar', () => {
    expect(formatNaive(addInterval('month', d('2024-01-01 00:00:00')))).toBe('2024-02-01 00:00:00');
    expect(formatNaive(addInterval('week', d('2024-12-30 00:00:00')))).toBe('2025-01-06 00:00:00');
  });
});

describe('time zones as pytz sees them', () => {
  test('wall time of a UTC instant', () => {
    expect(formatNaive(utcToWall(d('2024-01-01 17:30:00'), 'Asia/Makassar'))).toBe('2024-01-02 01:30:00');
  });

  // pytz localize(is_dst=False): ambiguous and missing wall times take standard time.
  test.each([
    ['2024-11-03 01:30:00', -5],
    ['2024-03-10 02:30:00', -5],
    ['2024-07-01 00:00:00', -4],
    ['2024-01-01 00:00:00', -5],
  ])('America/New_York %s is UTC%i', (wall, hours) => {
    expect(localizeOffset(d(wall), 'America/New_York')).toBe(hours * 3_600_000);
  });

  test.each([
    ['Asia/Makassar', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    ['', false],
    [undefined, false],
  ])('%j is a time zone: %s', (tz, valid) => {
    expect(isValidTimeZone(tz)).toBe(valid);
  });
});
