import { describe, expect, test } from 'vitest';
import type { ReadGroupRow } from '../odoo/types.js';
import { groupStart, toBucketCounts } from '../odoo/repositories/history-stats.js';
import { bucketStart, bucketStarts, countBuckets, summarizeStats } from './stats-fns.js';

const d = (iso: string) => new Date(iso);

test.each([
  ['2024-05-01T13:45:00Z', 'day', '2024-05-01T00:00:00.000Z'],
  ['2024-05-01T00:00:00Z', 'day', '2024-05-01T00:00:00.000Z'],
  // 2024-05-01 is a Wednesday; ISO weeks start on Monday, as PostgreSQL's date_trunc('week').
  ['2024-05-01T13:45:00Z', 'week', '2024-04-29T00:00:00.000Z'],
  ['2024-04-29T00:00:00Z', 'week', '2024-04-29T00:00:00.000Z'],
  ['2024-05-05T23:59:59Z', 'week', '2024-04-29T00:00:00.000Z'],
  ['2024-05-06T00:00:00Z', 'week', '2024-05-06T00:00:00.000Z'],
] as const)('bucketStart(%s, %s) = %s', (at, granularity, start) => {
  expect(bucketStart(d(at), granularity).toISOString()).toBe(start);
});

describe('bucketStarts / countBuckets', () => {
  test('a partial first and last day are buckets of their own', () => {
    const starts = bucketStarts(d('2024-05-01T12:00:00Z'), d('2024-05-03T06:00:00Z'), 'day');
    expect(starts.map((s) => s.toISOString().slice(0, 10))).toEqual(['2024-05-01', '2024-05-02', '2024-05-03']);
    expect(countBuckets(d('2024-05-01T12:00:00Z'), d('2024-05-03T06:00:00Z'), 'day')).toBe(3);
  });

  test('an exclusive end at midnight opens no extra day', () => {
    expect(bucketStarts(d('2024-05-01T00:00:00Z'), d('2024-05-03T00:00:00Z'), 'day')).toHaveLength(2);
    expect(countBuckets(d('2024-05-01T00:00:00Z'), d('2024-05-03T00:00:00Z'), 'day')).toBe(2);
  });

  test('weeks', () => {
    const starts = bucketStarts(d('2024-05-01T00:00:00Z'), d('2024-05-31T00:00:00Z'), 'week');
    expect(starts.map((s) => s.toISOString().slice(0, 10))).toEqual(['2024-04-29', '2024-05-06', '2024-05-13', '2024-05-20', '2024-05-27']);
    expect(countBuckets(d('2024-05-01T00:00:00Z'), d('2024-05-31T00:00:00Z'), 'week')).toBe(5);
  });
});

/** A row as Odoo 13 returns it for groupby ['timestamp:day', 'direction', 'state'], lazy=false. */
function row(day: string, direction: string, state: string, count: number): ReadGroupRow {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return {
    'timestamp:day': new Date(`${day}T00:00:00Z`).toUTCString().slice(5, 16), // a localized label: not to be parsed
    direction,
    state,
    __count: count,
    __domain: [
      '&',
      '&',
      '&',
      ['timestamp', '>=', `${day} 00:00:00`],
      ['timestamp', '<', `${next} 00:00:00`],
      ['direction', '=', direction],
      ['state', '=', state],
      ['timestamp', '>=', '2024-05-01 00:00:00'],
    ],
  };
}

test('groupStart reads the bucket from __domain, not from the label', () => {
  expect(groupStart(row('2024-05-02', 'in', 'received', 1), 'timestamp')?.toISOString()).toBe('2024-05-02T00:00:00.000Z');
  expect(groupStart({ __domain: [['direction', '=', 'in']] }, 'timestamp')).toBeUndefined();
});

describe('summarizeStats', () => {
  const window = { from: d('2024-05-01T00:00:00Z'), to: d('2024-05-04T00:00:00Z') };

  test('totals, per-state counts and a gap-free series from one read_group', () => {
    const summary = summarizeStats(
      toBucketCounts([
        row('2024-05-01', 'in', 'received', 5),
        row('2024-05-01', 'out', 'delivered', 2),
        row('2024-05-01', 'out', 'failed', 1),
        row('2024-05-03', 'in', 'received', 4),
        row('2024-05-03', 'out', 'read', 3),
      ]),
      window,
      'day',
    );
    expect(summary).toMatchObject({ total: 15, incoming: 9, outgoing: 6, failed: 1 });
    expect(summary.by_state).toEqual({ received: 9, queued: 0, sent: 0, delivered: 2, read: 3, failed: 1 });
    expect(summary.series).toEqual([
      { start: '2024-05-01T00:00:00Z', total: 8, incoming: 5, outgoing: 3, failed: 1 },
      { start: '2024-05-02T00:00:00Z', total: 0, incoming: 0, outgoing: 0, failed: 0 },
      { start: '2024-05-03T00:00:00Z', total: 7, incoming: 4, outgoing: 3, failed: 0 },
    ]);
  });

  test('no rows: zeros everywhere, one point per day', () => {
    const summary = summarizeStats([], window, 'day');
    expect(summary.total).toBe(0);
    expect(summary.series).toHaveLength(3);
    expect(summary.series.every((p) => p.total === 0)).toBe(true);
  });

  test('weekly buckets fold the days of a week together', () => {
    const summary = summarizeStats(
      toBucketCounts([row('2024-05-01', 'in', 'received', 2), row('2024-05-03', 'in', 'received', 3)]),
      { from: d('2024-05-01T00:00:00Z'), to: d('2024-05-08T00:00:00Z') },
      'week',
    );
    expect(summary.series).toEqual([
      { start: '2024-04-29T00:00:00Z', total: 5, incoming: 5, outgoing: 0, failed: 0 },
      { start: '2024-05-06T00:00:00Z', total: 0, incoming: 0, outgoing: 0, failed: 0 },
    ]);
  });
});
