/**
 * Run as a separate process by send.test.ts: one outbox pass against the Odoo double and the fake
 * provider, so the test can kill -9 it while a provider call is in flight. Settings come from the
 * environment (see the test).
 */
import { pino } from 'pino';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { openSendJournal } from '../../src/services/outbox/journal.js';
import { createOutboxWorker } from '../../src/services/outbox/worker.js';
import { createSenders } from '../../src/providers/registry.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const journal = openSendJournal(env('SEND_JOURNAL_PATH'));
const worker = createOutboxWorker(
  {
    history: createHistoryRepository(createOdooClient({ url: env('ODOO_URL'), db: env('ODOO_DB'), username: env('ODOO_USERNAME'), password: env('ODOO_PASSWORD') })),
    journal,
    senders: createSenders({
      FONNTE_TOKEN: 'fonnte-device-token-3f9a1c',
      FONNTE_BASE_URL: env('FONNTE_BASE_URL'),
      META_ACCESS_TOKEN: '',
      META_PHONE_NUMBER_ID: '',
      META_GRAPH_URL: 'http://127.0.0.1:9',
      TWILIO_ACCOUNT_SID: '',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_FROM: '',
      TWILIO_BASE_URL: 'http://127.0.0.1:9',
      PUBLIC_URL: '',
      SEND_TIMEOUT_MS: 60_000,
    }),
    logger: pino({ level: 'silent' }),
    defaultCountry: 'ID',
  },
  { pollMs: 60_000, concurrency: 1, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20, idempotencyTtlMs: 86_400_000 },
);
process.stdout.write('ready\n');
await worker.runOnce();
process.stdout.write('pass finished\n');
