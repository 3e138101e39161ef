/**
 * Contract: read_group — lazy and not, count keys (`<field>_count` / `__count`), `__domain` and
 * `__context`, day/week/month buckets with Odoo 13's en_US labels, buckets in the context's time
 * zone, count_distinct and count aggregates, many2one groups, orderby, offset/limit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Domain, ReadGroupRow } from '../../src/odoo/types.js';
import { HISTORY, historyValues, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

let partnerId = 0;
const scope = (): Domain => [['device', '=', env.tag]];

beforeAll(async () => {
  partnerId = await env.admin.create(PARTNER, { name: `Grouped ${env.tag}`, email: `${env.tag}@example.test` });
  const A = '+6281200000001';
  const B = '+6281200000002';
  const C = '+6281200000003';
  await env.admin.createMany(HISTORY, [
    historyValues(env, { timestamp: '2024-01-01 10:00:00', direction: 'in', provider: 'fonnte', phone: A, message: 'one', partner_id: partnerId }),
    historyValues(env, { timestamp: '2024-01-01 17:30:00', direction: 'in', provider: 'meta', phone: B, message: 'two' }),
    historyValues(env, { timestamp: '2024-01-02 09:00:00', direction: 'out', provider: 'fonnte', phone: A, message: false, partner_id: partnerId }),
    historyValues(env, { timestamp: '2024-01-08 12:00:00', direction: 'in', provider: 'fonnte', phone: C, message: 'four' }),
    historyValues(env, { timestamp: '2024-02-15 00:00:00', direction: 'out', provider: 'twilio', phone: A, message: false }),
    historyValues(env, { timestamp: '2023-12-31 23:00:00', direction: 'in', provider: 'meta', phone: B, message: 'six' }),
  ]);
});

const group = (fields: string[], groupby: string[], options: Parameters<typeof env.gateway.readGroup>[4] = {}) =>
  env.gateway.readGroup(HISTORY, scope(), fields, groupby, options);

/** Drops keys a test does not look at, so expectations stay readable. */
const pick = (rows: ReadGroupRow[], keys: string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

describe('plain fields', () => {
  test('lazy: one level, the count named <field>_count, __domain AND-ed with the query', async () => {
    const rows = await group(['direction'], ['direction']);
    expect(rows).toEqual([
      { direction_count: 4, direction: 'in', __domain: ['&', ['direction', '=', 'in'], ['device', '=', env.tag]] },
      { direction_count: 2, direction: 'out', __domain: ['&', ['direction', '=', 'out'], ['device', '=', env.tag]] },
    ]);
  });

  test('lazy with more group-bys: the rest goes to __context', async () => {
    const rows = await group(['direction'], ['direction', 'provider']);
    expect(rows.map((r) => r.__context)).toEqual([{ group_by: ['provider'] }, { group_by: ['provider'] }]);
    expect(rows[0]).not.toHaveProperty('provider');
  });

  test('not lazy: every level at once, the count named __count, no __context', async () => {
    const rows = await group(['direction', 'provider'], ['direction', 'provider'], { lazy: false });
    expect(rows).toEqual([
      { __count: 2, direction: 'in', provider: 'fonnte', __domain: ['&', '&', ['direction', '=', 'in'], ['provider', '=', 'fonnte'], ['device', '=', env.tag]] },
      { __count: 2, direction: 'in', provider: 'meta', __domain: ['&', '&', ['direction', '=', 'in'], ['provider', '=', 'meta'], ['device', '=', env.tag]] },
      { __count: 1, direction: 'out', provider: 'fonnte', __domain: ['&', '&', ['direction', '=', 'out'], ['provider', '=', 'fonnte'], ['device', '=', env.tag]] },
      { __count: 1, direction: 'out', provider: 'twilio', __domain: ['&', '&', ['direction', '=', 'out'], ['provider', '=', 'twilio'], ['device', '=', env.tag]] },
    ]);
  });

  test('a many2one can only be grouped over XML-RPC while every group is empty', async () => {
    // Odoo 13 names many2one groups lazily, after its cursor closed ("Unable to use a closed
    // cursor"): the gateway must not group by a many2one. Groups without a partner still work.
    const error = await odooError(() => group(['partner_id'], ['partner_id']));
    expect(error.kind).toBe('internal');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('psycopg2.OperationalError: Unable to use a closed cursor.');
    const rows = await env.gateway.readGroup(HISTORY, [...scope(), ['partner_id', '=', false]], ['partner_id'], ['partner_id']);
    expect(rows).toEqual([
      { partner_id_count: 4, partner_id: false, __domain: ['&', ['partner_id', '=', false], '&', ['device', '=', env.tag], ['partner_id', '=', false]] },
    ]);
  });
});

describe('date buckets (UTC)', () => {
  test(':day — "dd MMM yyyy" labels, bounds of the day in __domain', async () => {
    const rows = await group(['timestamp'], ['timestamp:day']);
    expect(pick(rows, ['timestamp:day', 'timestamp_count'])).toEqual([
      { 'timestamp:day': '31 Dec 2023', timestamp_count: 1 },
      { 'timestamp:day': '01 Jan 2024', timestamp_count: 2 },
      { 'timestamp:day': '02 Jan 2024', timestamp_count: 1 },
      { 'timestamp:day': '08 Jan 2024', timestamp_count: 1 },
      { 'timestamp:day': '15 Feb 2024', timestamp_count: 1 },
    ]);
    expect(rows[1]?.__domain).toEqual([
      '&',
      '&',
      ['timestamp', '>=', '2024-01-01 00:00:00'],
      ['timestamp', '<', '2024-01-02 00:00:00'],
      ['device', '=', env.tag],
    ]);
  });

  test(':week — weeks start on Monday, labelled "W<week> <year>"', async () => {
    const rows = await group(['timestamp'], ['timestamp:week']);
    expect(pick(rows, ['timestamp:week', 'timestamp_count'])).toEqual([
      { 'timestamp:week': 'W52 2023', timestamp_count: 1 },
      { 'timestamp:week': 'W1 2024', timestamp_count: 3 },
      { 'timestamp:week': 'W2 2024', timestamp_count: 1 },
      { 'timestamp:week': 'W7 2024', timestamp_count: 1 },
    ]);
    expect(rows[0]?.__domain.slice(0, 4)).toEqual(['&', '&', ['timestamp', '>=', '2023-12-25 00:00:00'], ['timestamp', '<', '2024-01-01 00:00:00']]);
  });

  test(':month — "MMMM yyyy" labels and month bounds', async () => {
    const rows = await group(['timestamp'], ['timestamp:month']);
    expect(pick(rows, ['timestamp:month', 'timestamp_count'])).toEqual([
      { 'timestamp:month': 'December 2023', timestamp_count: 1 },
      { 'timestamp:month': 'January 2024', timestamp_count: 4 },
      { 'timestamp:month': 'February 2024', timestamp_count: 1 },
    ]);
    expect(rows[1]?.__domain.slice(2, 4)).toEqual([
      ['timestamp', '>=', '2024-01-01 00:00:00'],
      ['timestamp', '<', '2024-02-01 00:00:00'],
    ]);
  });

  test('a date bucket without granularity is a month', async () => {
    const rows = await group(['timestamp'], ['timestamp']);
    expect(rows.map((r) => r.timestamp)).toEqual(['December 2023', 'January 2024', 'February 2024']);
  });

  test('not lazy: date bucket and field together', async () => {
    const rows = await group(['timestamp', 'direction'], ['timestamp:month', 'direction'], { lazy: false });
    expect(pick(rows, ['timestamp:month', 'direction', '__count'])).toEqual([
      { 'timestamp:month': 'December 2023', direction: 'in', __count: 1 },
      { 'timestamp:month': 'January 2024', direction: 'in', __count: 3 },
      { 'timestamp:month': 'January 2024', direction: 'out', __count: 1 },
      { 'timestamp:month': 'February 2024', direction: 'out', __count: 1 },
    ]);
  });
});

describe('date buckets in the context’s time zone', () => {
  test('days are local days (Asia/Makassar, UTC+8); __domain gives their UTC bounds', async () => {
    const rows = await group(['timestamp'], ['timestamp:day'], { context: { tz: 'Asia/Makassar' } });
    expect(pick(rows, ['timestamp:day', 'timestamp_count'])).toEqual([
      { 'timestamp:day': '01 Jan 2024', timestamp_count: 2 },
      { 'timestamp:day': '02 Jan 2024', timestamp_count: 2 },
      { 'timestamp:day': '08 Jan 2024', timestamp_count: 1 },
      { 'timestamp:day': '15 Feb 2024', timestamp_count: 1 },
    ]);
    expect(rows[0]?.__domain.slice(0, 4)).toEqual(['&', '&', ['timestamp', '>=', '2023-12-31 16:00:00'], ['timestamp', '<', '2024-01-01 16:00:00']]);
  });

  test('a time zone Odoo does not know is ignored (UTC)', async () => {
    const rows = await group(['timestamp'], ['timestamp:day'], { context: { tz: 'Mars/Olympus' } });
    expect(rows.map((r) => r['timestamp:day'])).toEqual(['31 Dec 2023', '01 Jan 2024', '02 Jan 2024', '08 Jan 2024', '15 Feb 2024']);
  });
});

describe('aggregates', () => {
  test('count_distinct under an output name', async () => {
    const rows = await group(['n:count_distinct(phone)'], ['direction']);
    expect(pick(rows, ['direction', 'direction_count', 'n'])).toEqual([
      { direction: 'in', direction_count: 4, n: 3 },
      { direction: 'out', direction_count: 2, n: 1 },
    ]);
  });

  test('count of a field counts its non-empty values', async () => {
    const rows = await group(['k:count(message)'], ['direction']);
    expect(pick(rows, ['direction', 'k'])).toEqual([
      { direction: 'in', k: 4 },
      { direction: 'out', k: 0 },
    ]);
  });

  test('without a group-by: one row for everything, counted as __count', async () => {
    const rows = await group(['n:count_distinct(phone)'], []);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ __count: 6, n: 3 });
  });

  test('without a group-by over no rows: Odoo cannot marshal that row, the client answers []', async () => {
    const rows = await env.gateway.readGroup(HISTORY, [...scope(), ['phone', '=', '+0']], ['n:count_distinct(phone)'], []);
    expect(rows).toEqual([]);
  });
});

describe('orderby, offset, limit', () => {
  test('orderby a group-by field, descending', async () => {
    const rows = await group(['direction'], ['direction'], { orderby: 'direction desc' });
    expect(rows.map((r) => r.direction)).toEqual(['out', 'in']);
  });

  test('orderby an aggregate, then a field', async () => {
    const rows = await group(['n:count_distinct(phone)'], ['provider'], { orderby: 'n desc, provider' });
    expect(pick(rows, ['provider', 'n'])).toEqual([
      { provider: 'fonnte', n: 2 },
      { provider: 'meta', n: 1 },
      { provider: 'twilio', n: 1 },
    ]);
  });

  test('date buckets sort by date, not by label', async () => {
    const rows = await group(['timestamp'], ['timestamp:month'], { orderby: 'timestamp:month desc' });
    expect(rows.map((r) => r['timestamp:month'])).toEqual(['February 2024', 'January 2024', 'December 2023']);
  });

  test('limit and offset page through the groups', async () => {
    const rows = await group(['provider'], ['provider'], { limit: 1, offset: 1 });
    expect(rows.map((r) => r.provider)).toEqual(['meta']);
  });

  test('an offset without a limit is ignored, as in Odoo 13', async () => {
    const rows = await group(['provider'], ['provider'], { offset: 2 });
    expect(rows.map((r) => r.provider)).toEqual(['fonnte', 'meta', 'twilio']);
  });
});
