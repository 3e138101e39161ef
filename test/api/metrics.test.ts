/**
 * /metrics reports what an operator needs: Odoo call latency and errors (through instrumentOdooClient),
 * spool depth and dead letters read at scrape time.
 */
import { afterEach, expect, test } from 'vitest';
import type { MessageEvent } from '../../src/domain/message.js';
import { instrumentOdooClient } from '../../src/metrics/odoo-calls.js';
import { createMetrics, odooCallObserver } from '../../src/metrics/registry.js';
import { bearer, buildApiApp, READ_TOKEN, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';

let odoo: OdooUnderTest | undefined;
let api: ApiTestApp | undefined;
afterEach(async () => {
  await api?.close();
  await odoo?.close();
  api = undefined;
  odoo = undefined;
});

const scrape = async (app: ApiTestApp) => (await app.get('/metrics', bearer(READ_TOKEN))).body;

/** The value of one series in Prometheus text, e.g. line('wa_spool_pending') or with labels. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('Odoo calls are timed by method and counted when they fail, by kind', async () => {
  odoo = await startOdoo();
  const metrics = createMetrics();
  api = await buildApiApp({ odoo: instrumentOdooClient(odoo.odoo, odooCallObserver(metrics)) });
  // buildApiApp made its own registry for the app; scrape the one the client reports to.
  expect((await api.get('/api/wa/get_history')).statusCode).toBe(200);
  let text = await metrics.registry.metrics();
  expect(value(text, 'wa_odoo_call_duration_seconds_count{method="search_read",outcome="ok"}')).toBe(1);
  expect(value(text, 'wa_odoo_call_duration_seconds_count{method="search_count",outcome="ok"}')).toBe(1);

  await odoo.double.stop();
  expect((await api.get('/api/wa/stats')).statusCode).toBe(503);
  text = await metrics.registry.metrics();
  // The stats' three read_groups (counts, distinct numbers, distinct user ids without a number).
  expect(value(text, 'wa_odoo_call_errors_total{method="read_group",kind="unavailable"}')).toBe(3);
  expect(value(text, 'wa_odoo_call_duration_seconds_count{method="read_group",outcome="error"}')).toBe(3);
});

test('spool depth and dead letters are read from the spool at each scrape', async () => {
  api = await buildApiApp();
  const event = (id: string): MessageEvent => ({
    kind: 'message',
    provider: 'fonnte',
    providerMessageId: id,
    direction: 'in',
    phone: '+6281234567890',
    contactName: 'Budi',
    device: null,
    messageType: 'text',
    text: 'Halo',
    media: null,
    timestamp: '2024-05-01T08:00:00.000Z',
    raw: {},
  });
  expect(value(await scrape(api), 'wa_spool_pending')).toBe(0);
  api.spool.enqueue([event('a'), event('b'), event('c')]);
  const [first] = api.spool.takeDue('message', 1);
  api.spool.deadLetter(first!.id, 'rejected by Odoo');
  const text = await scrape(api);
  expect(value(text, 'wa_spool_pending')).toBe(2);
  expect(value(text, 'wa_spool_dead_letters')).toBe(1);
  expect(value(text, 'wa_spool_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
  expect(value(text, 'wa_spool_wal_bytes')).toBeGreaterThan(0); // WAL mode: the commits above are in the log
});

test('quarantined webhook bodies are counted at each scrape', async () => {
  api = await buildApiApp();
  expect(value(await scrape(api), 'wa_spool_quarantined')).toBe(0);
  api.spool.enqueue([], { provider: 'meta', body: '{"object":"page"}', input: null, reason: '/object …', receivedAt: '2024-05-01T08:00:00.000Z' });
  expect(value(await scrape(api), 'wa_spool_quarantined')).toBe(1);
});

test('downloaded media waiting for Odoo is counted in bytes, in /metrics and /readyz (capped by MEDIA_SPOOL_MAX_BYTES)', async () => {
  api = await buildApiApp();
  api.spool.enqueue([
    {
      kind: 'message',
      provider: 'fonnte',
      providerMessageId: 'img-1',
      direction: 'in',
      phone: '+6281234567890',
      contactName: 'Budi',
      device: null,
      messageType: 'image',
      text: null,
      media: { url: 'https://api.fonnte.com/files/a.jpg' },
      timestamp: '2024-05-01T08:00:00.000Z',
      raw: {},
    },
  ]);
  expect(value(await scrape(api), 'wa_spool_media_bytes')).toBe(0);
  const [job] = api.spool.takeMediaToFetch(1);
  api.spool.saveMedia(job!.id, { data: Buffer.alloc(600), mimetype: 'image/jpeg', filename: 'a.jpg' });
  expect(value(await scrape(api), 'wa_spool_media_bytes')).toBe(600);
  expect((await api.get('/readyz', bearer(READ_TOKEN))).body).toContain('"mediaBytes":600');
});
