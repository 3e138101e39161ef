/**
 * Two gateways against one Odoo: only the holder of the outbox lease (kept in Odoo, whatsapp.gateway.lease)
 * sends, so a queued message goes out once. The Odoo 13 double over real XML-RPC, each gateway with its
 * own send journal, one fake Fonnte on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { createLease, type Lease } from '../../src/services/outbox/lease.js';
import { openSendJournal, type SendJournalFile } from '../../src/services/outbox/journal.js';
import { createOutboxWorker, type OutboxWorker } from '../../src/services/outbox/worker.js';
import { createSendAgent } from '../../src/providers/common/http.js';
import { createSenders } from '../../src/providers/registry.js';
import { testConfig } from '../helpers/build.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { createLeaseRepository } from '../../src/odoo/repositories/lease-repository.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

const silent = pino({ level: 'silent' });
const agent = createSendAgent({ timeoutMs: 500 });
let double: OdooDouble;
let fonnte: FakeProvider;
let dir: string;
/** The fake time of Odoo's database and of both gateways, moved forward to expire a lease. */
let skewMs = 0;
const clock = () => Date.now() + skewMs;

interface Instance {
  lease: Lease;
  worker: OutboxWorker;
  journal: SendJournalFile;
}
const instances: Instance[] = [];

function gatewayInstance(name: string, login: string, password: string): Instance {
  const odoo = createOdooClient({ url: double.url, db: double.db, username: login, password, timeoutMs: 2000 });
  const journal = openSendJournal(join(dir, `${name}-outbox.db`));
  const lease = createLease({ leases: createLeaseRepository(odoo), logger: silent }, { ttlMs: 60_000, sendBudgetMs: 10_000, instanceId: name, now: clock });
  const config = testConfig({ FONNTE_TOKEN: 'fonnte-device-token-3f9a1c', FONNTE_BASE_URL: fonnte.url });
  const worker = createOutboxWorker(
    { history: createHistoryRepository(odoo), journal, senders: createSenders(config, agent), logger: silent, defaultCountry: 'ID', mayStartSend: () => lease.mayStartSend() },
    { pollMs: 60_000, concurrency: 2, maxAttempts: 3, retryBaseMs: 5, retryMaxMs: 10, idempotencyTtlMs: 86_400_000, now: clock },
  );
  const instance = { lease, worker, journal };
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  double = await startOdooDouble();
  fonnte = await startFakeProvider({ status: 200, json: { status: true, id: ['1'] } });
});
afterAll(async () => {
  await fonnte.close();
  await double.close();
  await agent.close();
});
beforeEach(() => {
  double.reset();
  skewMs = 0;
  double.database.clockOffsetMs = 0;
  fonnte.requests.length = 0;
  let next = 80_000_000;
  fonnte.decide = () => ({ status: 200, json: { status: true, id: [String(next++)] } });
  dir = mkdtempSync(join(tmpdir(), 'wa-lease-test-'));
});
afterEach(async () => {
  for (const instance of instances.splice(0)) {
    await instance.worker.stop();
    await instance.lease.stop();
    instance.journal.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

function queue(count: number, prefix: string): number[] {
  return double.seed(
    'whatsapp.history',
    Array.from({ length: count }, (_, i) => ({ phone: `+62812345678${String(i).padStart(2, '0')}`, direction: 'out', provider: 'fonnte', state: 'queued', message: `${prefix}-${i}` })),
  );
}

const sentTexts = () => fonnte.requests.map((r) => String(r.body.message)).sort();

describe('two gateways against one Odoo', () => {
  test('only the lease holder sends: every queued message goes out once (regression: both sent each one)', async () => {
    const a = double.addGatewayUser('gateway-a', 'gateway-a-password');
    const b = double.addGatewayUser('gateway-b', 'gateway-b-password');
    const first = gatewayInstance('gateway-a', a.login, a.password);
    const second = gatewayInstance('gateway-b', b.login, b.password);
    await first.lease.renew();
    await second.lease.renew();
    expect(first.lease.status()).toMatchObject({ held: true, holder: 'gateway-a' });
    expect(second.lease.status()).toMatchObject({ held: false, holder: 'gateway-a' });

    queue(6, 'order');
    await Promise.all([first.worker.runOnce(), second.worker.runOnce(), first.worker.runOnce(), second.worker.runOnce()]);
    expect(sentTexts()).toEqual(['order-0', 'order-1', 'order-2', 'order-3', 'order-4', 'order-5']);
    expect(double.records('whatsapp.history').every((r) => r.state === 'sent')).toBe(true);
    expect(second.journal.get(1)).toBeUndefined();
  });

  test('a clean shutdown releases the lease: the other instance takes over at once', async () => {
    const a = double.addGatewayUser('gateway-a', 'gateway-a-password');
    const b = double.addGatewayUser('gateway-b', 'gateway-b-password');
    const first = gatewayInstance('gateway-a', a.login, a.password);
    const second = gatewayInstance('gateway-b', b.login, b.password);
    await first.lease.renew();
    await second.lease.renew();
    await first.worker.stop();
    await first.lease.stop();
    expect(first.lease.status().held).toBe(false);
    await second.lease.renew();
    expect(second.lease.status()).toMatchObject({ held: true, holder: 'gateway-b' });
    queue(2, 'after');
    await second.worker.runOnce();
    expect(sentTexts()).toEqual(['after-0', 'after-1']);
  });

  test('a holder that stops renewing stops sending before its lease expires; the other takes over after it', async () => {
    const a = double.addGatewayUser('gateway-a', 'gateway-a-password');
    const b = double.addGatewayUser('gateway-b', 'gateway-b-password');
    const first = gatewayInstance('gateway-a', a.login, a.password);
    const second = gatewayInstance('gateway-b', b.login, b.password);
    await first.lease.renew();
    // 55 s later (no renewal meanwhile): less than the 10 s a send may take is left.
    skewMs = 55_000;
    double.database.clockOffsetMs = skewMs;
    expect(first.lease.mayStartSend()).toBe(false);
    queue(1, 'late');
    await first.worker.runOnce();
    expect(fonnte.requests).toHaveLength(0);
    await second.lease.renew();
    expect(second.lease.status().held).toBe(false); // not expired yet in Odoo
    skewMs = 61_000;
    double.database.clockOffsetMs = skewMs;
    await second.lease.renew();
    expect(second.lease.status()).toMatchObject({ held: true, holder: 'gateway-b' });
    await second.worker.runOnce();
    expect(sentTexts()).toEqual(['late-0']);
    // The old holder learns it lost the lease at its next renewal.
    await first.lease.renew();
    expect(first.lease.status()).toMatchObject({ held: false, holder: 'gateway-b' });
  });

  test('the lease holder reports how long the oldest queued send has waited; the other instance reports nothing', async () => {
    const a = double.addGatewayUser('gateway-a', 'gateway-a-password');
    const b = double.addGatewayUser('gateway-b', 'gateway-b-password');
    const first = gatewayInstance('gateway-a', a.login, a.password);
    const second = gatewayInstance('gateway-b', b.login, b.password);
    await first.lease.renew();
    await second.lease.renew();
    const hourAgo = new Date(Date.now() - 3_600_000);
    double.seed('whatsapp.history', [
      { phone: '+6281234567800', direction: 'out', provider: 'fonnte', state: 'queued', message: 'stuck', write_date: hourAgo.toISOString().slice(0, 19).replace('T', ' ') },
      { phone: '+6281234567801', direction: 'out', provider: 'fonnte', state: 'queued', message: 'fresh' },
    ]);
    fonnte.decide = () => ({ status: 429, text: 'slow down' }); // both stay queued
    await Promise.all([first.worker.runOnce(), second.worker.runOnce()]);
    expect(Date.parse(first.worker.queueStatus().oldestQueuedAt ?? '')).toBe(Math.floor(hourAgo.getTime() / 1000) * 1000);
    expect(second.worker.queueStatus()).toEqual({ oldestQueuedAt: null, checkedAt: null });
  });

  test('an Odoo without the lease model (addon not upgraded): nothing is sent, and the status says what to do', async () => {
    const a = double.addGatewayUser('gateway-a', 'gateway-a-password');
    const instance = gatewayInstance('gateway-a', a.login, a.password);
    const models = double.database.models;
    const leaseModel = models.get('whatsapp.gateway.lease');
    models.delete('whatsapp.gateway.lease');
    try {
      await instance.lease.renew();
    } finally {
      if (leaseModel) models.set('whatsapp.gateway.lease', leaseModel);
    }
    expect(instance.lease.status()).toMatchObject({ held: false, error: expect.stringContaining('upgrade whatsapp_headless') });
    queue(1, 'x');
    await instance.worker.runOnce();
    expect(fonnte.requests).toHaveLength(0);
  });
});
