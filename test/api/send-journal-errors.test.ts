/**
 * send_message when the send journal's disk fails (#10 item 14): a clear 503 with a code the client can
 * act on, never a 500, and never a second message.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { HISTORY_MODEL } from '../../src/odoo/repositories/history-fields.js';
import { expectError } from '../webhooks/support.js';
import { bearer, buildApiApp, SEND_TOKEN, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';

let odoo: OdooUnderTest;
let api: ApiTestApp | undefined;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.close());
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const send = (a: ApiTestApp, key: string) =>
  a.inject({
    method: 'POST',
    url: '/api/wa/send_message',
    headers: { ...bearer(SEND_TOKEN), 'idempotency-key': key },
    payload: { phone: '+6281234567890', message: 'Pesanan Anda sudah dikirim' },
  });

async function outgoingRecords(): Promise<number> {
  return odoo.odoo.searchCount(HISTORY_MODEL, [['direction', '=', 'out']]);
}

test('the journal cannot be written (held by another process) → 503 journal_unavailable, nothing stored in Odoo; retried later → 202', async () => {
  api = await buildApiApp({ odoo: odoo.odoo });
  const before = await outgoingRecords();
  const holder = new Database(join(api.dir, 'outbox.db'));
  holder.exec('BEGIN IMMEDIATE');
  try {
    const error = expectError(await send(api, 'order-1042'), 503, 'journal_unavailable');
    expect(error.message).toMatch(/nothing was stored/);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  expect(await outgoingRecords()).toBe(before);
  expect((await send(api, 'order-1042')).statusCode).toBe(202);
  expect(await outgoingRecords()).toBe(before + 1);
});

test('the journal fails after Odoo stored the message: still 202, and a repeat of the key sends nothing twice', async () => {
  api = await buildApiApp({
    odoo: odoo.odoo,
    wrapJournal: (journal) => ({
      ...journal,
      completeIdempotencyKey: () => {
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      },
    }),
  });
  const before = await outgoingRecords();
  const first = await send(api, 'order-2001');
  expect(first.statusCode, first.body).toBe(202);
  expectError(await send(api, 'order-2001'), 409, 'idempotency_in_progress');
  expect(await outgoingRecords()).toBe(before + 1);
});
