/**
 * What an integrator meets before any Odoo call: tokens and scopes, rate limits, parameter validation,
 * the envelope on every answer (404 and 5xx included), the OpenAPI document and /metrics.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loggerOptions } from '../../src/logger.js';
import Fastify from 'fastify';
import { createAuth } from '../../src/plugins/auth.js';
import { errorHandler } from '../../src/plugins/error-handler.js';
import { rateLimits, webhookRateLimit } from '../../src/plugins/rate-limit.js';
import { createSenders, whySendingDisabled } from '../../src/providers/registry.js';
import { createUnreachableOdoo, testConfig } from '../helpers/build.js';
import { bearer, buildApiApp, FULL_TOKEN, READ_TOKEN, SEND_TOKEN, type ApiTestApp } from './helpers.js';

let api: ApiTestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const sendBody = { phone: '081234567890', message: 'Halo' };

describe('tokens and scopes', () => {
  test.each([
    ['GET', '/api/wa/get_history'],
    ['GET', '/api/wa/conversation/081234567890'],
    ['GET', '/api/wa/conversations'],
    ['GET', '/api/wa/stats'],
    ['POST', '/api/wa/send_message'],
    ['GET', '/metrics'],
  ] as const)('%s %s without a token → 401 unauthorized', async (method, url) => {
    api = await buildApiApp();
    const res = await api.inject({ method, url, ...(method === 'POST' ? { payload: sendBody } : {}) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('Bearer'), details: [] } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });

  test.each([
    ['an unknown token', 'Bearer not-a-configured-token-at-all'],
    ['a prefix of a real token', `Bearer ${READ_TOKEN.slice(0, -1)}`],
    ['a real token plus a character', `Bearer ${READ_TOKEN}x`],
  ])('%s → 401 invalid_token', async (_what, authorization) => {
    api = await buildApiApp();
    const res = await api.get('/api/wa/get_history', { authorization });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('invalid_token');
  });

  test.each([
    ['Basic auth', `Basic ${Buffer.from(`x:${READ_TOKEN}`).toString('base64')}`],
    ['the bare token', READ_TOKEN],
  ])('%s is not a Bearer token → 401', async (_what, authorization) => {
    api = await buildApiApp();
    expect((await api.get('/api/wa/get_history', { authorization })).statusCode).toBe(401);
  });

  test('the scheme is case-insensitive', async () => {
    api = await buildApiApp();
    // Authenticated: the request reaches Odoo, which the default test app cannot reach.
    expect((await api.get('/api/wa/get_history', { authorization: `bearer ${READ_TOKEN}` })).statusCode).toBe(503);
  });

  test('a send-only token cannot read; a read-only token cannot send → 403 insufficient_scope', async () => {
    api = await buildApiApp();
    const read = await api.get('/api/wa/get_history', bearer(SEND_TOKEN));
    expect(read.statusCode).toBe(403);
    expect(read.json().error).toMatchObject({ code: 'insufficient_scope', message: 'This token lacks the read scope' });
    const send = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(READ_TOKEN), payload: sendBody });
    expect(send.statusCode).toBe(403);
    expect(send.json().error.code).toBe('insufficient_scope');
  });

  test('authentication comes before validation: no parameter feedback without a token', async () => {
    api = await buildApiApp();
    const res = await api.get('/api/wa/get_history?bogus=1', {});
    expect(res.statusCode).toBe(401);
  });

  test('no token, signature or password reaches the log', async () => {
    const lines: string[] = [];
    const logger = pino(
      { ...loggerOptions('debug') },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    api = await buildApiApp({ logger });
    await api.get('/api/wa/get_history', bearer(FULL_TOKEN));
    await api.get('/api/wa/get_history', { authorization: 'Bearer wrong-token-wrong-token-1234' });
    await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: { ...bearer(FULL_TOKEN), 'idempotency-key': 'key-secret-1' }, payload: sendBody });
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [FULL_TOKEN, 'wrong-token-wrong-token-1234', api.config.ODOO_PASSWORD, api.config.FONNTE_TOKEN]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('rate limits', () => {
  test('per token: over RATE_LIMIT_MAX → 429 with Retry-After and the envelope; other tokens unaffected', async () => {
    api = await buildApiApp({ config: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    for (let i = 0; i < 3; i++) expect((await api.get('/api/wa/get_history?q=', bearer(READ_TOKEN))).statusCode).toBe(400);
    const limited = await api.get('/api/wa/get_history', bearer(READ_TOKEN));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringMatching(/Too many requests.*retry in \d+ s/), details: [{ retry_after_seconds: expect.any(Number), limit: 3 }] },
    });
    // Another token has its own budget.
    expect((await api.get('/api/wa/get_history?q=', bearer(FULL_TOKEN))).statusCode).toBe(400);
  });

  test('without a valid token the limit is per IP, so inventing tokens buys nothing', async () => {
    api = await buildApiApp({ config: { RATE_LIMIT_MAX: '2' } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await api.get('/api/wa/get_history', { authorization: `Bearer invented-token-number-${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 429, 429]);
  });

  test('X-Forwarded-For from a client that is not a configured proxy does not buy a fresh per-IP budget', async () => {
    api = await buildApiApp({ config: { RATE_LIMIT_MAX: '2' } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await api.get('/api/wa/get_history', { authorization: `Bearer invented-token-number-${i}`, 'x-forwarded-for': `203.0.113.${i}` })).statusCode);
    }
    expect(codes).toEqual([401, 401, 429, 429]);
  });

  test('behind a configured proxy (TRUST_PROXY) each forwarded client has its own budget', async () => {
    api = await buildApiApp({ config: { RATE_LIMIT_MAX: '1', TRUST_PROXY: '127.0.0.1' } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await api.get('/api/wa/get_history', { authorization: 'Bearer invented-token-number-x', 'x-forwarded-for': `203.0.113.${i}` })).statusCode);
    }
    expect(codes).toEqual([401, 401, 401]);
  });

  test('health probes are never limited; webhooks have their own, higher budget', async () => {
    api = await buildApiApp({ config: { RATE_LIMIT_MAX: '1', WEBHOOK_RATE_LIMIT_MAX: '3' } });
    for (let i = 0; i < 5; i++) expect((await api.get('/healthz', {})).statusCode).toBe(200);
    const webhook = () =>
      api!.inject({ method: 'POST', url: `/api/wa/webhook?secret=${api!.config.WEBHOOK_SECRET}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await webhook()).statusCode);
    expect(codes.slice(0, 3).every((c) => c !== 429)).toBe(true);
    expect(codes[3]).toBe(429);
  });
});

test('webhookRateLimit(config) as route config gives a route the webhook budget, per IP', async () => {
  const app = Fastify();
  const config = testConfig({ RATE_LIMIT_MAX: '1', WEBHOOK_RATE_LIMIT_MAX: '2' });
  await app.register(errorHandler);
  await app.register(rateLimits, { config, auth: createAuth([]) });
  app.post('/hook', { config: webhookRateLimit(config) }, async () => ({ ok: true }));
  app.get('/other', async () => ({ ok: true }));
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await app.inject({ method: 'POST', url: '/hook' })).statusCode);
  expect(codes).toEqual([200, 200, 429]);
  expect((await app.inject({ method: 'POST', url: '/hook', remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
  // The REST budget is separate.
  expect((await app.inject({ method: 'GET', url: '/other' })).statusCode).toBe(200);
  expect((await app.inject({ method: 'GET', url: '/other' })).statusCode).toBe(429);
  await app.close();
});

describe('validation: unknown parameters and bad values → 400 naming each', () => {
  // One app for the whole table: validation leaves no state behind.
  let shared: ApiTestApp;
  beforeAll(async () => {
    shared = await buildApiApp();
  });
  afterAll(async () => {
    await shared.close();
  });
  test.each([
    ['/api/wa/get_history?limit=0', ['querystring/limit']],
    ['/api/wa/get_history?limit=501', ['querystring/limit']],
    ['/api/wa/get_history?limit=ten', ['querystring/limit']],
    ['/api/wa/get_history?offset=-1', ['querystring/offset']],
    ['/api/wa/get_history?offset=1.5', ['querystring/offset']],
    ['/api/wa/get_history?direction=sideways', ['querystring/direction']],
    ['/api/wa/get_history?state=lost', ['querystring/state']],
    ['/api/wa/get_history?order=random', ['querystring/order']],
    ['/api/wa/get_history?partner_id=0', ['querystring/partner_id']],
    ['/api/wa/get_history?partner_id=abc', ['querystring/partner_id']],
    // Past PostgreSQL's integer: Odoo cannot even parse the XML-RPC (`<int>1e+21</int>`) — a 400, not a 502.
    ['/api/wa/get_history?partner_id=1e21', ['querystring/partner_id']],
    ['/api/wa/get_history?partner_id=100000000000000000000000', ['querystring/partner_id']],
    ['/api/wa/get_history?partner_id=2147483648', ['querystring/partner_id']],
    ['/api/wa/get_history?q=', ['querystring/q']],
    ['/api/wa/get_history?date_from=yesterday', ['querystring/date_from']],
    ['/api/wa/get_history?date_from=2024-05-01T10:00:00', ['querystring/date_from']],
    ['/api/wa/get_history?date_to=2024-02-30', ['querystring/date_to']],
    ['/api/wa/get_history?date_from=2024-05-02&date_to=2024-05-01', ['querystring/date_to']],
    // Instants past 9999-12-31T23:59:59Z (Odoo cannot hold them) or before 1970.
    [`/api/wa/get_history?date_to=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`, ['querystring/date_to']],
    ['/api/wa/get_history?date_from=1969-12-31', ['querystring/date_from']],
    [`/api/wa/conversation/081234567890?date_from=${encodeURIComponent('9999-12-31T23:00:00-02:00')}`, ['querystring/date_from']],
    [`/api/wa/stats?date_from=9999-12-01&date_to=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`, ['querystring/date_to']],
    // A stats period may not end in the last day (week) of 9999: Odoo cannot count a bucket ending after it.
    ['/api/wa/stats?date_to=9999-12-31', ['querystring/date_to']],
    ['/api/wa/stats?date_from=9999-12-06&date_to=9999-12-27&granularity=week', ['querystring/date_to']],
    ['/api/wa/get_history?phone=08123', ['querystring/phone']],
    ['/api/wa/get_history?phone=budi', ['querystring/phone']],
    ['/api/wa/get_history?direction=in&direction=out', ['querystring/direction']],
    ['/api/wa/get_history?bogus=1&sort=asc', ['querystring/bogus', 'querystring/sort']],
    ['/api/wa/get_history?limit=0&direction=up&extra=1', ['querystring/limit', 'querystring/direction', 'querystring/extra']],
    ['/api/wa/conversation/08123', ['params/phone']],
    ['/api/wa/conversation/081234567890?direction=in', ['querystring/direction']],
    ['/api/wa/conversation/081234567890?limit=1000', ['querystring/limit']],
    ['/api/wa/stats?granularity=month', ['querystring/granularity']],
    ['/api/wa/stats?date_from=2024-13-01', ['querystring/date_from']],
    ['/api/wa/stats?date_from=2000-01-01&date_to=2024-01-01', ['querystring/date_from']],
    ['/api/wa/stats?phone=081234567890', ['querystring/phone']],
  ])('GET %s → 400 naming %j', async (url, fields) => {
    const res = await shared.get(url);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('validation_error');
    // One parameter may break several rules (a repeated `direction` is neither a string nor in the enum).
    expect([...new Set(body.error.details.map((d: { field: string }) => d.field))].sort()).toEqual([...fields].sort());
    for (const field of fields) expect(body.error.message).toContain(field);
  });

  test.each([
    ['no phone', { message: 'Halo' }, ['body/phone']],
    ['no message', { phone: '081234567890' }, ['body/message']],
    ['a message over 4096 characters', { phone: '081234567890', message: 'x'.repeat(4097) }, ['body/message']],
    ['a blank message without media', { phone: '081234567890', message: '   ' }, ['body/message']],
    ['an ftp media_url', { phone: '081234567890', message: 'Halo', media_url: 'ftp://files.example/a.jpg' }, ['body/media_url']],
    ['a filename without media', { phone: '081234567890', message: 'Halo', filename: 'a.pdf' }, ['body/filename']],
    ['an unknown field', { phone: '081234567890', message: 'Halo', to: 'x' }, ['body/to']],
    ['a too short number', { phone: '08123', message: 'Halo' }, ['body/phone']],
    ['words as the number', { phone: 'not a number', message: 'Halo' }, ['body/phone']],
    ['a numeric phone', { phone: 12345, message: 'Halo' }, ['body/phone']],
  ])('POST send_message with %s → 400 naming the field', async (_what, payload, fields) => {
    const res = await shared.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(SEND_TOKEN), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual(fields);
  });

  test('a group cannot be a target when the send provider cannot send to groups', async () => {
    api = await buildApiApp({ config: { SEND_PROVIDER: 'meta', META_ACCESS_TOKEN: 'meta-token-for-tests-1', META_PHONE_NUMBER_ID: '2000' } });
    const res = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(SEND_TOKEN), payload: { phone: '120363025246125486@g.us', message: 'Halo' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'body/phone', message: 'meta cannot send to a WhatsApp group' }]);
  });

  test('malformed JSON and a bad Idempotency-Key are 400s too', async () => {
    api = await buildApiApp();
    const bad = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: { ...bearer(SEND_TOKEN), 'content-type': 'application/json' }, payload: '{"phone":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const key = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: { ...bearer(SEND_TOKEN), 'idempotency-key': 'x'.repeat(256) }, payload: sendBody });
    expect(key.statusCode).toBe(400);
    expect(key.json().error.details[0].field).toBe('headers/idempotency-key');
  });
});

describe('the envelope everywhere', () => {
  test('404 for an unknown route', async () => {
    api = await buildApiApp();
    const res = await api.get('/api/wa/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'No route GET /api/wa/nope', details: [] } });
  });

  test('Odoo down → 503 odoo_unavailable, not a 500', async () => {
    api = await buildApiApp();
    for (const url of ['/api/wa/get_history', '/api/wa/conversation/081234567890', '/api/wa/stats']) {
      const res = await api.get(url);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ ok: false, error: { code: 'odoo_unavailable' } });
    }
  });

  test('an unexpected failure → 500 internal_error in the envelope, without internals', async () => {
    const broken = createUnreachableOdoo();
    broken.searchRead = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secret internals')");
    };
    api = await buildApiApp({ odoo: broken });
    const res = await api.get('/api/wa/get_history');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ ok: false, error: { code: 'internal_error', message: expect.stringMatching(/^Something went wrong/), details: [] } });
    expect(res.body).not.toContain('secret internals');
  });

  test('sending through a provider without credentials → 503 send_disabled naming the setting, nothing stored', async () => {
    api = await buildApiApp({ config: { FONNTE_TOKEN: '' } });
    const res = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(SEND_TOKEN), payload: sendBody });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'send_disabled', message: 'Sending is not configured: sending through fonnte is off: set FONNTE_TOKEN' });
    // The same words the outbox stores on a record it cannot send: one source.
    expect(res.json().error.message).toBe(`Sending is not configured: ${whySendingDisabled(api.config, 'fonnte')}`);
    const registry = createSenders(api.config);
    expect(registry.whyDisabled('fonnte')).toBe(whySendingDisabled(api.config, 'fonnte'));
    await registry.close();
  });
});

describe('OpenAPI', () => {
  test('/docs/json is a valid OpenAPI 3 document describing the REST routes from their schemas', async () => {
    api = await buildApiApp();
    const res = await api.get('/docs/json', {});
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/wa/get_history', '/api/wa/conversation/{phone}', '/api/wa/conversations', '/api/wa/stats', '/api/wa/send_message', '/metrics']),
    );
    const history = doc.paths['/api/wa/get_history'].get;
    expect(history.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['date_from', 'date_to', 'direction', 'limit', 'offset', 'order', 'partner_id', 'phone', 'q', 'state'].sort(),
    );
    expect(history.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/wa/send_message'].post.responses).toHaveProperty('202');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('/docs/json describes the provider webhooks too: bodies as modelled, authentication, answers', async () => {
    api = await buildApiApp();
    const doc = (await api.get('/docs/json', {})).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/wa/webhook', '/api/wa/webhook/fonnte', '/api/wa/webhook/meta', '/api/wa/webhook/twilio']),
    );
    const fonnte = doc.paths['/api/wa/webhook'].post;
    expect(fonnte.tags).toEqual(['webhooks']);
    expect(fonnte.security).toEqual([{ fonnteSecret: [] }, { fonnteSecretHeader: [] }]);
    expect(fonnte.requestBody.content['application/json'].schema.properties).toHaveProperty('inboxid');
    expect(Object.keys(fonnte.responses).sort()).toEqual(['200', '400', '401', '413', '429', '503']);
    expect(fonnte.responses['200'].content['application/json'].schema.properties.data.properties).toHaveProperty('quarantined');
    expect(fonnte.description).toContain('never refused for its shape');
    const meta = doc.paths['/api/wa/webhook/meta'];
    expect(meta.post.security).toEqual([{ metaSignature: [] }]);
    expect(meta.post.requestBody.content['application/json'].schema.properties.object.enum).toEqual(['whatsapp_business_account']);
    expect(meta.get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['hub.challenge', 'hub.mode', 'hub.verify_token']);
    const twilio = doc.paths['/api/wa/webhook/twilio'].post;
    expect(twilio.security).toEqual([{ twilioSignature: [] }]);
    expect(twilio.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
    expect(twilio.responses['200'].content).toHaveProperty('text/xml');
    expect(doc.components.securitySchemes).toMatchObject({
      fonnteSecret: { type: 'apiKey', in: 'query', name: 'secret' },
      metaSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256' },
      twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature' },
    });
  });

  test('the webhook schemas only document: a body of any shape is still read raw, never refused by Fastify', async () => {
    api = await buildApiApp();
    const odd = await api.inject({
      method: 'POST',
      url: `/api/wa/webhook?secret=${api.config.WEBHOOK_SECRET}`,
      headers: { 'content-type': 'text/plain' },
      payload: '{"sender": 6281299990000, "message": 42, "unexpected": {"deep": [1, 2]}}',
    });
    expect(odd.statusCode, odd.body).toBe(200);
    expect(odd.json()).toEqual({ ok: true, data: { accepted: 1, duplicates: 0, events: 1 } });
  });

  test('/docs serves the UI without a token', async () => {
    api = await buildApiApp();
    const res = await api.get('/docs/', {});
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('/metrics', () => {
  test('Prometheus text with request, spool and send series; needs a read token', async () => {
    api = await buildApiApp();
    await api.get('/api/wa/get_history?limit=0');
    await api.get('/api/wa/no-such-route');
    expect((await api.get('/metrics', {})).statusCode).toBe(401);
    const res = await api.get('/metrics', bearer(READ_TOKEN));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('http_requests_total{method="GET",route="/api/wa/get_history",status_code="400"} 1');
    expect(res.body).toContain('route="unmatched",status_code="404"');
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/wa\/get_history",status_code="400"\} \d/);
    expect(res.body).toContain('wa_spool_pending 0');
    expect(res.body).toContain('wa_spool_dead_letters 0');
    expect(res.body).toContain('# TYPE wa_sends_total counter');
    expect(res.body).toContain('# TYPE wa_odoo_call_duration_seconds histogram');
  });

  test('METRICS_REQUIRE_TOKEN=false opens it', async () => {
    api = await buildApiApp({ config: { METRICS_REQUIRE_TOKEN: 'false' } });
    expect((await api.get('/metrics', {})).statusCode).toBe(200);
  });
});
