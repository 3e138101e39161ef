/**
 * GET /api/wa/stats — computed inside Odoo with two read_group calls in parallel, never by fetching rows:
 *  1. counts per (day|week, direction, state): totals, per-state counts and the series all derive from it;
 *  2. distinct numbers: read_group(window, ['n:count_distinct(phone)'], []) — one aggregate, no grouping
 *     on phone (which costs ~1 s at 1M rows, see odoo13-performance.md);
 *  3. contacts seen without a number: read_group(window + phone unset, ['u:count_distinct(whatsapp_user_id)'])
 *     (a contact seen both with and without a number in the period counts in both: read_group cannot
 *     tell them apart without fetching rows).
 */
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { StatsGranularity, StatsQuery } from '../schemas/messages.js';
import { API_DATE_MAX, parseDateRange, validationError, type FieldProblem } from './query-fns.js';
import { bucketStart, countBuckets, DEFAULT_STATS_DAYS, MAX_SERIES_BUCKETS, summarizeStats, type StatsSummary } from './stats-fns.js';

const DAY_MS = 86_400_000;

export interface Stats extends StatsSummary {
  date_from: string;
  date_to: string;
  granularity: StatsGranularity;
  unique_contacts: number;
}

const iso = (date: Date): string => date.toISOString().replace('.000Z', 'Z');

/** The period as [from, to): an inclusive API date_to becomes the next second (Odoo keeps whole seconds). */
export function statsWindow(query: StatsQuery, now: Date, problems: FieldProblem[]): { from: Date; to: Date } {
  const range = parseDateRange(query, problems);
  const inclusiveTo = range.to ?? new Date(Math.floor(now.getTime() / 1000) * 1000);
  const to = new Date(inclusiveTo.getTime() + 1000);
  // Without date_from: the 30 days before date_to (or before now).
  const from = range.from ?? new Date(to.getTime() - DEFAULT_STATS_DAYS * DAY_MS);
  if (problems.length === 0 && from.getTime() >= to.getTime()) {
    problems.push({ field: 'querystring/date_from', message: 'must be before date_to' });
  }
  // Odoo's read_group fails on a bucket that would end after 9999 (Python's datetime overflows), and
  // the period's exclusive end must stay a four-digit year: stop before the last day (week) of 9999.
  const lastBucket = bucketStart(API_DATE_MAX, query.granularity);
  if (problems.length === 0 && to.getTime() > lastBucket.getTime()) {
    problems.push({
      field: 'querystring/date_to',
      message: `must be before ${iso(lastBucket)} with granularity=${query.granularity}: Odoo cannot count a ${query.granularity} that ends after the year 9999`,
    });
  }
  if (problems.length === 0 && countBuckets(from, to, query.granularity) > MAX_SERIES_BUCKETS) {
    problems.push({
      field: 'querystring/date_from',
      message: `makes more than ${MAX_SERIES_BUCKETS} ${query.granularity}s; shorten the period${query.granularity === 'day' ? ' or use granularity=week' : ''}`,
    });
  }
  return { from, to };
}

export function createStatsService(deps: {
  history: Pick<HistoryRepository, 'countByBucket' | 'distinctPhones' | 'distinctUserIdsWithoutPhone'>;
  now?: () => Date;
}) {
  const { history } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async getStats(query: StatsQuery): Promise<Stats> {
      const problems: FieldProblem[] = [];
      const window = statsWindow(query, now(), problems);
      if (problems.length > 0) throw validationError(problems);

      const [grouped, distinct, withoutNumber] = await Promise.allSettled([
        history.countByBucket(window, query.granularity),
        history.distinctPhones(window),
        history.distinctUserIdsWithoutPhone(window),
      ]);
      if (grouped.status === 'rejected') throw grouped.reason;
      const summary = summarizeStats(grouped.value, window, query.granularity);

      let uniqueContacts = 0;
      if (summary.total > 0) {
        // Odoo 13 cannot answer an aggregate over zero rows over XML-RPC (min(id) is NULL → "cannot
        // marshal None"), so that call fails exactly when the period is empty — and the answer is 0.
        if (distinct.status === 'rejected') throw distinct.reason;
        if (withoutNumber.status === 'rejected') throw withoutNumber.reason;
        uniqueContacts = distinct.value + withoutNumber.value;
      }

      return {
        date_from: iso(window.from),
        date_to: iso(window.to),
        granularity: query.granularity,
        ...summary,
        unique_contacts: uniqueContacts,
      };
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
