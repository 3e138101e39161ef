/**
 * Pure helpers of GET /api/wa/stats: the period, the series buckets, and turning the counts per bucket
 * (src/odoo/repositories/history-stats.ts) into totals and a gap-free series. Table-tested in stats-fns.test.ts.
 */
import { MESSAGE_STATES, type MessageState } from '../domain/message.js';
import type { BucketCount } from '../odoo/repositories/history-stats.js';
import type { StatsGranularity } from '../schemas/messages.js';

const DAY_MS = 86_400_000;
export const DEFAULT_STATS_DAYS = 30;
/** More buckets than this is not a chart any more; ask for weeks or a shorter period. */
export const MAX_SERIES_BUCKETS = 1000;

export interface Counts {
  total: number;
  incoming: number;
  outgoing: number;
  failed: number;
}

export interface SeriesPoint extends Counts {
  /** ISO 8601 UTC start of the day or week. */
  start: string;
}

export interface StatsSummary extends Counts {
  by_state: Record<MessageState, number>;
  series: SeriesPoint[];
}

/** Start of the UTC day or ISO week (Monday) holding `date` — PostgreSQL's date_trunc in tz UTC. */
export function bucketStart(date: Date, granularity: StatsGranularity): Date {
  const day = Math.floor(date.getTime() / DAY_MS) * DAY_MS;
  if (granularity === 'day') return new Date(day);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return new Date(day - weekday * DAY_MS);
}

export function nextBucket(start: Date, granularity: StatsGranularity): Date {
  return new Date(start.getTime() + (granularity === 'day' ? DAY_MS : 7 * DAY_MS));
}

/** Bucket starts covering [from, to), oldest first. */
export function bucketStarts(from: Date, to: Date, granularity: StatsGranularity): Date[] {
  const starts: Date[] = [];
  for (let at = bucketStart(from, granularity); at.getTime() < to.getTime(); at = nextBucket(at, granularity)) {
    starts.push(at);
  }
  return starts;
}

export function countBuckets(from: Date, to: Date, granularity: StatsGranularity): number {
  const first = bucketStart(from, granularity).getTime();
  const span = granularity === 'day' ? DAY_MS : 7 * DAY_MS;
  return Math.max(0, Math.ceil((to.getTime() - first) / span));
}

const emptyCounts = (): Counts => ({ total: 0, incoming: 0, outgoing: 0, failed: 0 });

function add(counts: Counts, direction: unknown, state: unknown, n: number): void {
  counts.total += n;
  if (direction === 'in') counts.incoming += n;
  else if (direction === 'out') counts.outgoing += n;
  if (state === 'failed') counts.failed += n;
}

/** Totals and a gap-free series from the message counts per (bucket, direction, state). */
export function summarizeStats(
  rows: BucketCount[],
  window: { from: Date; to: Date },
  granularity: StatsGranularity,
): StatsSummary {
  const totals = emptyCounts();
  const byState = Object.fromEntries(MESSAGE_STATES.map((s) => [s, 0])) as Record<MessageState, number>;
  const buckets = new Map<number, Counts>();
  for (const start of bucketStarts(window.from, window.to, granularity)) buckets.set(start.getTime(), emptyCounts());

  for (const row of rows) {
    const n = row.count;
    add(totals, row.direction, row.state, n);
    if (row.state !== null && row.state in byState) byState[row.state as MessageState] += n;
    const start = row.start;
    if (!start) continue;
    const key = bucketStart(start, granularity).getTime();
    let bucket = buckets.get(key);
    if (!bucket) {
      // Only if Odoo's buckets disagree with ours (they should not); keep the data rather than drop it.
      bucket = emptyCounts();
      buckets.set(key, bucket);
    }
    add(bucket, row.direction, row.state, n);
  }

  const series = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, counts]) => ({ start: new Date(start).toISOString().replace('.000Z', 'Z'), ...counts }));
  return { ...totals, by_state: byState, series };
}
