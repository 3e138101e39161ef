/**
 * The edge of Odoo 13's calendar, as a real Odoo 13 answered it (checked on 13.0-20191019 with
 * PostgreSQL 13): Python's datetime stops at 9999-12-31 23:59:59, PostgreSQL reads later years.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import type { DomainOperator, OdooClient } from '../../src/odoo/types.js';
import { startOdooDouble, type OdooDouble } from './index.js';

const HISTORY = 'whatsapp.history';
let odoo: OdooDouble;
let client: OdooClient;
beforeAll(async () => {
  odoo = await startOdooDouble();
  client = createOdooClient({ url: odoo.url, db: odoo.db, username: 'admin', password: 'admin', timeoutMs: 5000 });
});
afterAll(() => odoo.close());
beforeEach(() => {
  odoo.reset();
  odoo.seed(
    HISTORY,
    ['9999-12-31 23:59:59', '9999-12-27 10:00:00', '1970-01-01 00:00:00'].map((timestamp, i) => ({
      phone: '+6281234567890',
      direction: 'in',
      provider: 'fonnte',
      provider_message_id: `edge-${i}`,
      timestamp,
    })),
  );
});

describe('domain literals', () => {
  test.each([
    ['<=', '9999-12-31 23:59:59', 3],
    ['>=', '9999-12-31 23:59:59', 1],
    ['<=', '9999-12-31', 3],
    // PostgreSQL reads five-digit years; every storable timestamp comes before them.
    ['<', '10000-01-01 00:00:00', 3],
    ['<=', '10000-01-01 13:59:59', 3],
    ['<', '10000-01-01', 3],
    ['>=', '10000-01-01 00:00:00', 0],
    ['=', '10000-01-01 00:00:00', 0],
    ['!=', '10000-01-01 00:00:00', 3],
    ['<', '294276-12-31 23:59:59', 3],
  ] as [DomainOperator, string, number][])('timestamp %s %s → %i', async (operator, value, expected) => {
    expect(await client.searchCount(HISTORY, [['timestamp', operator, value]])).toBe(expected);
  });

  test.each([
    ['294277-01-01 00:00:00', 'timestamp out of range'],
    ['10000-13-01 00:00:00', 'date/time field value out of range'],
    ['10000-02-30 00:00:00', 'date/time field value out of range'],
  ])('%s is refused as PostgreSQL does (%s)', async (value, message) => {
    await expect(client.searchCount(HISTORY, [['timestamp', '<', value]])).rejects.toThrow(`psycopg2.errors.DatetimeFieldOverflow: ${message}`);
  });
});

describe('read_group buckets that would end after 9999', () => {
  const group = (granularity: string, from: string, to: string) =>
    client.readGroup(HISTORY, [['timestamp', '>=', from], ['timestamp', '<=', to]], ['direction'], [`timestamp:${granularity}`], {
      lazy: false,
      context: { tz: 'UTC' },
    });

  test('a day that ends inside 9999 is grouped', async () => {
    const rows = await group('day', '9999-12-27 00:00:00', '9999-12-31 00:00:00');
    expect(rows).toEqual([expect.objectContaining({ __count: 1, 'timestamp:day': '27 Dec 9999' })]);
    expect(JSON.stringify(rows[0]?.__domain)).toContain('["timestamp","<","9999-12-28 00:00:00"]');
  });

  test.each([
    ['day', '9999-12-31 00:00:00', 'OverflowError: date value out of range'],
    ['week', '9999-12-27 00:00:00', 'OverflowError: date value out of range'],
    ['month', '9999-12-27 00:00:00', 'ValueError: year 10000 is out of range'],
  ])('the last %s of 9999 fails the call (%s)', async (granularity, from, message) => {
    await expect(group(granularity, from, '9999-12-31 23:59:59')).rejects.toThrow(message);
  });

  test('the first week of 1970 starts in 1969', async () => {
    const rows = await group('week', '1969-12-29 00:00:00', '1970-01-05 00:00:00');
    expect(rows).toEqual([expect.objectContaining({ __count: 1, 'timestamp:week': 'W53 1969' })]);
  });
});
