/**
 * The outbox decides what a sender's exception means by its type, not by an HTTP status: a refused
 * recipient (SendTargetError, from src/lib/phone.ts) fails the message with the reason, as nothing
 * left the gateway; any other exception leaves the outcome unknown (marked failed, never resent).
 * And the one error handler answers a refused recipient with 400 and its code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { InvalidPhoneError, UnsupportedTargetError } from '../../src/domain/errors.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { errorHandler } from '../../src/plugins/error-handler.js';
import { openSendJournal } from '../../src/services/outbox/journal.js';
import { createOutboxWorker } from '../../src/services/outbox/worker.js';
import type { Sender } from '../../src/providers/types.js';
import { startOdoo, type OdooUnderTest } from './helpers.js';

let odoo: OdooUnderTest;
let client: OdooClient;
let dir: string;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.close());
beforeEach(() => {
  // reset() drops every user but admin: log in as a fresh Gateway user.
  odoo.double.reset();
  const user = odoo.double.addGatewayUser();
  client = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: user.login, password: user.password, timeoutMs: 2000 });
  dir = mkdtempSync(join(tmpdir(), 'wa-outbox-target-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** One queued outgoing message in Odoo, sent through a sender that throws `error`; the record after the pass. */
async function sendThrough(error: Error) {
  const [id] = odoo.double.seed('whatsapp.history', [{ phone: '120363025246125486@g.us', direction: 'out', state: 'queued', provider: 'meta', message: 'Info grup' }]);
  const sender: Sender = {
    provider: 'meta',
    send: async () => {
      throw error;
    },
  };
  const journal = openSendJournal(join(dir, 'outbox.db'));
  try {
    const worker = createOutboxWorker(
      {
        history: createHistoryRepository(client),
        journal,
        senders: { get: () => sender, whyDisabled: () => undefined },
        logger: pino({ level: 'silent' }),
        defaultCountry: 'ID',
      },
      { pollMs: 60_000, concurrency: 1, maxAttempts: 3, retryBaseMs: 5, retryMaxMs: 10, idempotencyTtlMs: 86_400_000 },
    );
    await worker.runOnce();
  } finally {
    journal.close();
  }
  return odoo.double.records('whatsapp.history').find((r) => r.id === id);
}

test('a recipient the provider cannot address fails the message with the reason', async () => {
  const record = await sendThrough(new UnsupportedTargetError('meta cannot send to a WhatsApp group'));
  expect(record).toMatchObject({ state: 'failed', error_message: 'meta cannot send to a WhatsApp group' });
});

test('any other exception of a sender leaves the outcome unknown: failed, saying it is not resent', async () => {
  const record = await sendThrough(new Error('socket hang up'));
  expect(record).toMatchObject({ state: 'failed', error_message: expect.stringContaining('not resent automatically') });
});

test.each([
  [new InvalidPhoneError('not an E.164 phone number: 0812'), 'invalid_phone'],
  [new UnsupportedTargetError('twilio cannot send to a WhatsApp group'), 'unsupported_target'],
])('the error handler answers %s with 400 %s', async (error, code) => {
  const app = Fastify();
  await app.register(errorHandler);
  app.get('/', async () => {
    throw error;
  });
  const response = await app.inject({ method: 'GET', url: '/' });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ ok: false, error: { code, message: error.message, details: [] } });
  await app.close();
});
