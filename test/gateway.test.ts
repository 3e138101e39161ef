/**
 * The composition root as the server runs it (createGateway + startWorkers, delivery in its own
 * thread), against the Odoo double
 * and a fake Fonnte: a webhook reaches Odoo, a send goes out and is recorded, its receipt is applied,
 * readiness and metrics see it all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { startFakeProvider, type FakeProvider } from './api/fake-provider.js';
import { startOdooDouble, type OdooDouble } from './odoo-double/index.js';

const READ_SEND = 'gateway-test-token-read-send-1';
const SECRET = 'gateway-test-webhook-secret-1';

let double: OdooDouble;
let fonnte: FakeProvider;
let gateway: Gateway;
let dir: string;

beforeAll(async () => {
  double = await startOdooDouble();
  const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
  fonnte = await startFakeProvider({ status: 200, json: { status: true, id: ['80367170'], target: ['6281299990000'], detail: 'success! message in queue' } });
  dir = mkdtempSync(join(tmpdir(), 'gateway-'));
  const config = loadConfig(
    {
      ODOO_URL: double.url,
      ODOO_DB: double.db,
      ODOO_USERNAME: user.login,
      ODOO_PASSWORD: user.password,
      SPOOL_PATH: join(dir, 'spool.db'),
      SEND_JOURNAL_PATH: join(dir, 'outbox.db'),
      API_TOKENS: `${READ_SEND}:read+send`,
      WEBHOOK_SECRET: SECRET,
      FONNTE_TOKEN: 'fonnte-device-token-xyz',
      FONNTE_BASE_URL: fonnte.url,
      OUTBOX_POLL_MS: '100',
      LOG_LEVEL: 'silent',
    },
    {},
  );
  gateway = await createGateway(config, pino({ level: 'silent' }));
  gateway.startWorkers();
});

afterAll(async () => {
  await gateway?.close();
  await fonnte?.close();
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const auth = { authorization: `Bearer ${READ_SEND}` };

test('ready once Odoo answers; a webhook reaches Odoo; a send goes out, is recorded, and its receipt applied', async () => {
  const ready = await gateway.app.inject({ method: 'GET', url: '/readyz', headers: auth });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toMatchObject({ data: { delivery: { running: true, restarts: 0, stalled: false } } });
  // The outbox lease is taken at start: this instance sends.
  await eventually(() => gateway.lease?.status().held || undefined, 'the outbox lease');
  const withLease = (await gateway.app.inject({ method: 'GET', url: '/readyz', headers: auth })).json() as { data: { outbox: { lease: { held: boolean; holder: string; instanceId: string } } } };
  expect(withLease.data.outbox.lease).toMatchObject({ held: true });
  expect(withLease.data.outbox.lease.holder).toBe(withLease.data.outbox.lease.instanceId);
  expect(double.records('whatsapp.gateway.lease')).toEqual([expect.objectContaining({ name: 'outbox', holder: withLease.data.outbox.lease.instanceId })]);

  const hook = await gateway.app.inject({
    method: 'POST',
    url: `/api/wa/webhook?secret=${SECRET}`,
    payload: { device: '6285700000001', sender: '081299990000', message: 'Halo', name: 'Budi', timestamp: 1767000000, inboxid: 9001 },
  });
  expect(hook.statusCode).toBe(200);
  await eventually(() => double.records('whatsapp.history').find((r) => r.provider_message_id === '9001'), 'the webhook in Odoo');

  const sent = await gateway.app.inject({ method: 'POST', url: '/api/wa/send_message', headers: auth, payload: { phone: '0812-9999-0000', message: 'Terima kasih!' } });
  expect(sent.statusCode).toBe(202);
  const id = (sent.json() as { data: { id: number } }).data.id;
  const record = await eventually(() => double.records('whatsapp.history').find((r) => r.id === id && r.state === 'sent'), 'the send recorded');
  expect(record).toMatchObject({ direction: 'out', phone: '+6281299990000', provider: 'fonnte', provider_message_id: '80367170' });
  expect(fonnte.requests[0]?.headers.authorization).toBe('fonnte-device-token-xyz');

  const receipt = await gateway.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${SECRET}`, payload: { device: '6285700000001', id: '80367170', stateid: 'S1', status: 'sent', state: 'delivered' } });
  expect(receipt.statusCode).toBe(200);
  await eventually(() => double.records('whatsapp.history').find((r) => r.id === id && r.state === 'delivered'), 'the receipt applied');

  const history = await gateway.app.inject({ method: 'GET', url: '/api/wa/get_history?phone=%2B62%20812%209999%200000', headers: auth });
  expect(history.json()).toMatchObject({ ok: true, meta: { total: 2 } });

  const metrics = await gateway.app.inject({ method: 'GET', url: '/metrics', headers: auth });
  expect(metrics.body).toMatch(/outcome="sent"/);
  // The writer runs in the delivery thread; its Odoo calls still reach this /metrics.
  expect(metrics.body).toMatch(/wa_odoo_call_duration_seconds_count\{[^}]*method="create_many"[^}]*\} [1-9]/);
  expect(metrics.body).toMatch(/^wa_delivery_running 1$/m);
  expect(metrics.body).toMatch(/^wa_delivery_thread_restarts_total 0$/m);
  expect(metrics.body).toMatch(/^wa_outbox_lease_held 1$/m);
  // As the outbox last looked: the message just sent may still be its oldest queued one for a poll or so.
  const queuedAge = Number(/^wa_outbox_oldest_queued_age_seconds (\S+)$/m.exec(metrics.body)?.[1]);
  expect(queuedAge).toBeGreaterThanOrEqual(0);
  expect(queuedAge).toBeLessThan(5);
  expect(metrics.body).toMatch(/^wa_spool_oldest_pending_age_seconds 0$/m);
});
