/**
 * What every caller of the gateway's HTTP surface notices regardless of provider: request ids,
 * liveness and readiness, and the error envelope for routes that do not exist.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, createUnreachableOdoo, TEST_SECRETS, type TestApp } from '../helpers/build.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createReadinessProbe } from '../../src/services/readiness.js';
import { SpoolCommitError } from '../../src/spool/committer.js';
import type { SpoolStats } from '../../src/spool/types.js';
import { captureLogs, drainSpool, expectError, formEncode, metaSignature, toFormParams, TWILIO_PATH, TWILIO_URL, twilioSignature } from './support.js';

const READ_TOKEN = 'readiness-read-token-6d1e8f2a';
const SEND_ONLY = 'readiness-send-token-0c9b7a3e';
const READ_TOKEN_ENTRY = `${READ_TOKEN}:read,${SEND_ONLY}:send`;
const READ = { authorization: `Bearer ${READ_TOKEN}` };

/** An Odoo that answers the readiness probe (search_count) and nothing else. */
function answeringOdoo(): OdooClient {
  return { ...createUnreachableOdoo(), searchCount: async () => 0 };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FONNTE_URL = `/api/wa/webhook?secret=${TEST_SECRETS.WEBHOOK_SECRET}`;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { API_TOKENS: READ_TOKEN_ENTRY } });
});
afterAll(() => t.close());
beforeEach(() => drainSpool(t.spool));

describe('X-Request-Id', () => {
  const webhook = (headers: Record<string, string>, url = FONNTE_URL) =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(loadFixture('fonnte', 'message-text')) });

  test.each([
    ['a webhook accepted', FONNTE_URL, 200],
    ['a webhook rejected', '/api/wa/webhook?secret=wrong', 401],
    ['an unknown route', '/api/wa/nowhere', 404],
  ])("the caller's id is echoed on %s", async (_name, url, status) => {
    const response = await webhook({ 'x-request-id': 'trace-2025.12_29-abc' }, url);
    expect(response.statusCode).toBe(status);
    expect(response.headers['x-request-id']).toBe('trace-2025.12_29-abc');
  });

  test('without one, each response gets its own fresh id', async () => {
    const [a, b] = await Promise.all([webhook({}), webhook({})]);
    expect(a?.headers['x-request-id']).toMatch(UUID);
    expect(b?.headers['x-request-id']).toMatch(UUID);
    expect(a?.headers['x-request-id']).not.toBe(b?.headers['x-request-id']);
  });

  // Regression: with `requestIdHeader: 'x-request-id'` Fastify took the header as-is and never called
  // genReqId, so any caller-chosen id (5,000 characters, markup) was echoed and written into every log line.
  test.each([
    ['with spaces and markup', 'a b<script>'],
    ['too long', 'x'.repeat(65)],
  ])('an unsafe id (%s) is replaced by a fresh one, not echoed', async (_name, id) => {
    const response = await webhook({ 'x-request-id': id });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  test('it is echoed on a body rejected before any route code runs (413)', async () => {
    const app = await buildTestApp({ config: { BODY_LIMIT_BYTES: '1024' } });
    try {
      const response = await app.app.inject({ method: 'POST', url: FONNTE_URL, headers: { 'x-request-id': 'big-1' }, payload: 'x'.repeat(2000) });
      expectError(response, 413, 'payload_too_large');
      expect(response.headers['x-request-id']).toBe('big-1');
    } finally {
      await app.close();
    }
  });
});

describe('health', () => {
  test('/healthz answers 200 while Odoo is down', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { status: 'alive' } });
  });

  test('/readyz answers 503 not_ready naming Odoo as the reason when Odoo is unreachable', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz', headers: READ });
    const error = expectError(response, 503, 'not_ready');
    expect(error.message).toMatch(/^Odoo: unavailable: /);
    expect(error.message).not.toContain('Spool');
    expect(error.details).toEqual([
      expect.objectContaining({
        ready: false,
        checks: { odoo: { ok: false, error: expect.stringContaining('ECONNREFUSED') }, spool: { ok: true }, delivery: { ok: true } },
        spool: expect.objectContaining({ pending: 0, deadLetters: 0 }),
      }),
    ]);
  });

  test('/readyz counts what is waiting for Odoo', async () => {
    await t.app.inject({ method: 'POST', url: FONNTE_URL, payload: JSON.stringify(loadFixture('fonnte', 'message-text')) });
    const error = expectError(await t.app.inject({ method: 'GET', url: '/readyz', headers: READ }), 503, 'not_ready');
    expect(error.details).toEqual([expect.objectContaining({ spool: expect.objectContaining({ pending: 1, messagesPending: 1, oldestPendingAgeSeconds: expect.any(Number) }) })]);
  });

  test('/readyz counts the webhook bodies kept in quarantine (informative: they do not make it unready)', async () => {
    const response = await t.app.inject({ method: 'POST', url: FONNTE_URL, payload: JSON.stringify({ device: '6285700000001', message: 'Halo' }) });
    expect(response.json()).toMatchObject({ ok: true, data: { quarantined: 1 } });
    const error = expectError(await t.app.inject({ method: 'GET', url: '/readyz', headers: READ }), 503, 'not_ready');
    expect(error.message).not.toContain('Spool');
    expect(error.details).toEqual([expect.objectContaining({ checks: expect.objectContaining({ spool: { ok: true } }), spool: expect.objectContaining({ quarantined: 1 }) })]);
  });

  test('/readyz names the spool too when it cannot be written', async () => {
    const app = await buildTestApp({
      config: { API_TOKENS: READ_TOKEN_ENTRY },
      odoo: createUnreachableOdoo(),
      wrapSpool: (spool) => ({
        ...spool,
        probe: () => {
          throw new Error('SQLITE_READONLY: attempt to write a readonly database');
        },
      }),
    });
    try {
      const error = expectError(await app.app.inject({ method: 'GET', url: '/readyz', headers: READ }), 503, 'not_ready');
      expect(error.message).toContain('Odoo: unavailable');
      expect(error.message).toContain('Spool: SQLITE_READONLY');
    } finally {
      await app.close();
    }
  });

  // Regression: anyone could read Odoo's URL, database and login (in its error text) and the counts.
  test.each([
    ['no token', {}],
    ['an unknown token', { authorization: 'Bearer not-a-configured-token-at-all' }],
    ['a send-only token', { authorization: `Bearer ${SEND_ONLY}` }],
  ])('/readyz with %s tells the status only, nothing about Odoo or the spool', async (_name, headers) => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz', headers });
    const error = expectError(response, 503, 'not_ready');
    expect(error.message).toBe('Not ready: odoo (details with a read-scope token)');
    expect(error.details).toEqual([{ failing: ['odoo'] }]);
    for (const secret of ['odoo.invalid', t.config.ODOO_DB, t.config.ODOO_USERNAME, 'ECONNREFUSED', 'pending']) expect(response.body).not.toContain(secret);
  });

  test('/readyz answers a ready gateway with the status only, without a read token', async () => {
    const app = await buildTestApp({ odoo: answeringOdoo() });
    try {
      const response = await app.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ok: true, data: { ready: true } });
    } finally {
      await app.close();
    }
  });

  // Regression: /readyz had no rate limit, and each call scanned the spool three times.
  test('/readyz is rate limited per IP (READYZ_RATE_LIMIT_MAX); /healthz is not', async () => {
    const app = await buildTestApp({ config: { READYZ_RATE_LIMIT_MAX: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.app.inject({ method: 'GET', url: '/readyz' })).statusCode);
      expect(statuses).toEqual([503, 503, 503, 429, 429]);
      expectError(await app.app.inject({ method: 'GET', url: '/readyz' }), 429, 'rate_limited');
      for (let i = 0; i < 10; i++) expect((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      // Another client is not affected.
      expect((await app.app.inject({ method: 'GET', url: '/readyz', remoteAddress: '10.0.0.9' })).statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});

describe('stalled delivery', () => {
  const hour = 3_600_000;
  const stats = (over: Partial<SpoolStats>): SpoolStats => ({
    pending: 0,
    messagesPending: 0,
    parked: 0,
    deadLetters: 0,
    quarantined: 0,
    mediaPending: 0,
    mediaBytes: 0,
    oldestPendingAt: null,
    lastMessageDeliveredAt: null,
    walBytes: 0,
    ...over,
  });
  const NOON = Date.parse('2026-03-01T12:00:00Z');
  /** A probe made (the gateway started) `startedMsAgo` before noon, read at noon. */
  const probe = (spoolStats: SpoolStats | (() => SpoolStats), odoo = answeringOdoo(), startedMsAgo = 2 * hour) => {
    let clock = NOON - startedMsAgo;
    const readiness = createReadinessProbe(
      { history: createHistoryRepository(odoo), spool: { ...t.spool, stats: typeof spoolStats === 'function' ? spoolStats : () => spoolStats, probe: () => undefined }, stallAfterMs: 300_000, now: () => clock },
      0,
    );
    clock = NOON;
    return readiness;
  };
  const at = (msAgo: number) => new Date(Date.parse('2026-03-01T12:00:00Z') - msAgo).toISOString();

  test('messages waiting while Odoo answers and none delivered for longer than DELIVERY_STALL_SECONDS: not ready, saying why', async () => {
    const report = await probe(stats({ pending: 40, messagesPending: 40, oldestPendingAt: at(hour), lastMessageDeliveredAt: at(hour + 60_000) }))();
    expect(report.ready).toBe(false);
    expect(report.checks.delivery).toEqual({ ok: false, error: expect.stringMatching(/^stalled: 40 message\(s\) wait, Odoo answers, but none has reached Odoo for 3600 s/) });
    expect(report.delivery).toMatchObject({ stalled: true });
    expect(report.spool?.oldestPendingAgeSeconds).toBe(3600);
  });

  test.each([
    ['a big backlog that is moving', stats({ pending: 9000, messagesPending: 9000, oldestPendingAt: at(hour), lastMessageDeliveredAt: at(1000) })],
    ['messages that arrived after a quiet night', stats({ pending: 3, messagesPending: 3, oldestPendingAt: at(60_000), lastMessageDeliveredAt: at(10 * hour) })],
    ['only receipts waiting for their message', stats({ pending: 5, parked: 5, lastMessageDeliveredAt: at(10 * hour) })],
    ['an empty queue', stats({ lastMessageDeliveredAt: at(10 * hour) })],
  ])('%s is not a stall', async (_name, spoolStats) => {
    const report = await probe(spoolStats)();
    expect(report.checks.delivery).toEqual({ ok: true });
    expect(report.ready).toBe(true);
  });

  test('a gateway that just started (after a stop longer than DELIVERY_STALL_SECONDS) is not stalled yet: it has not tried', async () => {
    const waiting = stats({ pending: 40, messagesPending: 40, oldestPendingAt: at(hour), lastMessageDeliveredAt: at(hour + 60_000) });
    const report = await probe(waiting, answeringOdoo(), 10_000)();
    expect(report.checks.delivery).toEqual({ ok: true });
    expect(report.ready).toBe(true);
  });

  test('an Odoo that just came back after a long outage: the stall clock starts when it answers again', async () => {
    const waiting = stats({ pending: 40, messagesPending: 40, oldestPendingAt: at(hour), lastMessageDeliveredAt: at(hour + 60_000) });
    let up = false;
    const odoo = answeringOdoo();
    const flaky = { ...odoo, searchCount: (...args: Parameters<typeof odoo.searchCount>) => (up ? odoo.searchCount(...args) : Promise.reject(new Error('connect ECONNREFUSED'))) };
    const readiness = probe(waiting, flaky);
    expect((await readiness()).checks).toMatchObject({ odoo: { ok: false }, delivery: { ok: true } });
    up = true;
    const report = await readiness();
    expect(report.checks).toMatchObject({ odoo: { ok: true }, delivery: { ok: true } });
    expect(report.ready).toBe(true);
  });

  test('while Odoo is down the queue waits for Odoo, not for delivery: only the Odoo check fails', async () => {
    const report = await probe(stats({ pending: 40, messagesPending: 40, oldestPendingAt: at(hour) }), createUnreachableOdoo())();
    expect(report.checks).toMatchObject({ odoo: { ok: false }, delivery: { ok: true } });
  });
});

describe('routes that do not exist', () => {
  test.each([
    ['GET', '/api/wa/webhook'],
    ['GET', '/api/wa/webhook/twilio'],
    ['PUT', '/api/wa/webhook/meta'],
    ['POST', '/api/wa/webhook/telegram'],
  ])('%s %s → 404 not_found in the usual envelope, without the query', async (method, url) => {
    const response = await t.app.inject({ method: method as 'GET', url: `${url}?secret=${TEST_SECRETS.WEBHOOK_SECRET}` });
    const error = expectError(response, 404, 'not_found');
    expect(error.message).not.toContain(TEST_SECRETS.WEBHOOK_SECRET);
  });
});

test('a flood of /readyz writes to the disk at most once per cache period', async () => {
  let probes = 0;
  const app = await buildTestApp({ wrapSpool: (spool) => ({ ...spool, probe: () => { probes++; spool.probe(); } }) });
  try {
    for (let i = 0; i < 50; i++) await app.app.inject({ method: 'GET', url: '/readyz' });
    expect(probes).toBe(1);
  } finally {
    await app.close();
  }
});

describe('acknowledgement through the spool committer thread (how the gateway commits)', () => {
  const requests = () => {
    const meta = JSON.stringify(loadFixture('meta', 'batch'));
    const twilio = toFormParams(loadFixture('twilio', 'text'));
    return [
      { method: 'POST' as const, url: FONNTE_URL, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(loadFixture('fonnte', 'message-text')) },
      { method: 'POST' as const, url: '/api/wa/webhook/meta', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(meta) }, payload: meta },
      {
        method: 'POST' as const,
        url: TWILIO_PATH,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_URL, twilio) },
        payload: formEncode(twilio),
      },
    ];
  };

  test('each provider is answered 2xx only with its events in the spool file; a retry is counted as a duplicate', async () => {
    const app = await buildTestApp({ committer: true });
    try {
      for (const request of requests()) {
        const before = app.spool.stats().pending;
        const response = await app.app.inject(request);
        expect(response.statusCode).toBe(200);
        // The test's own connection reads the file: the committer thread had committed before the answer.
        expect(app.spool.stats().pending).toBeGreaterThan(before);
        const retry = await app.app.inject(request);
        expect(retry.statusCode).toBe(200);
        if (request.url === FONNTE_URL) expect(retry.json()).toMatchObject({ data: { accepted: 0, duplicates: 1 } });
      }
    } finally {
      await app.close();
    }
  });

  test('a body that cannot become a record is committed to the quarantine by the committer thread before the 2xx', async () => {
    const app = await buildTestApp({ committer: true });
    try {
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { messages: [{ id: 'wamid.X', type: 'text', text: { body: '?' } }] } }] }] });
      const response = await app.app.inject({ method: 'POST', url: '/api/wa/webhook/meta', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) }, payload: body });
      expect(response.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 0, events: 0, quarantined: 1 } });
      // The test's own connection reads the file: the committer thread had committed before the answer.
      expect(app.spool.quarantined()).toEqual([expect.objectContaining({ provider: 'meta', body })]);
    } finally {
      await app.close();
    }
  });

  test('when the commit fails (committer thread down, disk stalled): 503 spool_unavailable for every provider, never a 2xx', async () => {
    const app = await buildTestApp({
      commitEvents: () => Promise.reject(new SpoolCommitError('the spool committer thread stopped')),
    });
    try {
      for (const request of requests()) expectError(await app.app.inject(request), 503, 'spool_unavailable');
      expect(app.spool.stats().pending).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('access log', () => {
  test('one line per request, when it completes: method, masked URL, status and duration; no arrival line', async () => {
    const { logger, lines } = captureLogs();
    const app = await buildTestApp({ logger });
    try {
      const payload = JSON.stringify(loadFixture('fonnte', 'message-text'));
      for (const [url, status, id] of [
        [FONNTE_URL, 200, 'acc-ok'],
        ['/api/wa/webhook?secret=wrong-one', 401, 'acc-401'],
      ] as const) {
        const response = await app.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'x-request-id': id }, payload });
        expect(response.statusCode).toBe(status);
        const mine = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === id);
        const access = mine.filter((line) => line.msg === 'request completed');
        expect(access).toHaveLength(1);
        expect(access[0]).toMatchObject({ level: 30, req: { method: 'POST', url: url.replace(/secret=[^&]*/, 'secret=***') }, res: { statusCode: status } });
        expect(typeof access[0]?.responseTime).toBe('number');
        expect(mine.some((line) => line.msg === 'incoming request')).toBe(false);
      }
      expect(lines.join('\n')).not.toContain(TEST_SECRETS.WEBHOOK_SECRET);
    } finally {
      await app.close();
    }
  });
});
