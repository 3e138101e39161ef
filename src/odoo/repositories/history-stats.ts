/**
 * GET /api/wa/stats on the Odoo side: the read_group queries and reading their rows. Odoo 13 labels
 * date groups for humans ('05 May 2024', 'W19 2024'); the machine-readable bucket start is the `>=`
 * bound on the grouped field inside each row's `__domain`.
 */
import { parseOdooDatetime } from '../datetime.js';
import type { ReadGroupRow } from '../types.js';

export type StatsGranularity = 'day' | 'week';

/** Messages of one (bucket, direction, state); `start` is undefined when Odoo named no bucket. */
export interface BucketCount {
  start: Date | undefined;
  direction: string | null;
  state: string | null;
  count: number;
}

/** The groupby of the summary's read_group, so the repository and the benchmarks issue the same query. */
export function statsGroupBy(granularity: StatsGranularity): string[] {
  return [`timestamp:${granularity}`, 'direction', 'state'];
}

/** The lower bound of `field` in a read_group row's `__domain`, e.g. ['timestamp', '>=', '2024-05-05 00:00:00']. */
export function groupStart(row: ReadGroupRow, field: string): Date | undefined {
  const domain = row.__domain;
  if (!Array.isArray(domain)) return undefined;
  for (const term of domain) {
    if (Array.isArray(term) && term[0] === field && term[1] === '>=' && typeof term[2] === 'string') {
      return parseOdooDatetime(term[2]);
    }
  }
  return undefined;
}

/** The read_group count of a row: `__count` when lazy=false (what we ask for), `<field>_count` otherwise. */
export function rowCount(row: ReadGroupRow): number {
  const count = row.__count;
  return typeof count === 'number' ? count : 0;
}

/** The rows of `read_group(window, ['direction', 'state'], statsGroupBy(granularity), lazy=false)`. */
export function toBucketCounts(rows: ReadGroupRow[]): BucketCount[] {
  return rows.map((row) => ({
    start: groupStart(row, 'timestamp'),
    direction: typeof row.direction === 'string' ? row.direction : null,
    state: typeof row.state === 'string' ? row.state : null,
    count: rowCount(row),
  }));
}

/** The `n` of a read_group without groupby (no row: zero). */
export function distinctCount(rows: unknown): number {
  const first: unknown = Array.isArray(rows) ? rows[0] : undefined;
  const n = first && typeof first === 'object' ? (first as { n?: unknown }).n : undefined;
  return typeof n === 'number' ? n : 0;
}
