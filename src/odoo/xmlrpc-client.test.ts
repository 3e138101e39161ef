/**
 * The client's own behaviour against the Odoo double: login caching and re-login, timeouts, Odoo
 * going away and coming back, proxies and broken answers, logging. (What Odoo answers is the
 * contract suite's business: test/contract.)
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startOdooDouble, type OdooDouble } from '../../test/odoo-double/index.js';
import { isOdooError, type OdooError } from './errors.js';
import { createOdooClient, type OdooClientLogger, type OdooClientOptions } from './xmlrpc-client.js';

let odoo: OdooDouble;
const PASSWORD = 'gateway-password-7f3e9a1c44';

beforeAll(async () => {
  odoo = await startOdooDouble();
});
afterAll(() => odoo.close());
afterEach(() => odoo.reset());

function gatewayClient(options: Partial<OdooClientOptions> = {}) {
  const user = odoo.addGatewayUser(undefined, PASSWORD);
  const client = createOdooClient({ url: odoo.url, db: odoo.db, username: user.login, password: PASSWORD, timeoutMs: 2000, ...options });
  return { client, user };
}

async function failure(promise: Promise<unknown>): Promise<OdooError> {
  try {
    await promise;
  } catch (error) {
    if (isOdooError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const calls = (method: string) => odoo.log.filter((e) => e.method === method || e.modelMethod === method).length;

describe('login', () => {
  test('logs in once and re-uses the uid', async () => {
    const { client, user } = gatewayClient();
    await client.searchCount('whatsapp.history', []);
    await client.searchCount('whatsapp.history', []);
    expect(await client.authenticate()).toBe(user.uid);
    expect(calls('authenticate')).toBe(1);
    expect(calls('search_count')).toBe(2);
  });

  test('concurrent first calls share one login', async () => {
    const { client } = gatewayClient();
    await Promise.all([1, 2, 3, 4].map(() => client.searchCount('whatsapp.history', [])));
    expect(calls('authenticate')).toBe(1);
  });

  test('"Access denied" on a cached session: logs in again and retries once', async () => {
    const { client, user } = gatewayClient();
    await client.authenticate();
    // The database was restored: the cached uid now belongs to another user, the login to a new uid.
    const old = odoo.database.users.get(user.uid);
    if (old) old.password = 'someone-else';
    const newUid = odoo.addUser({ login: `${user.login}-restored`, password: PASSWORD, groups: ['whatsapp_headless.group_whatsapp_gateway'] });
    if (old) old.login = 'someone-else';
    const restored = odoo.database.users.get(newUid);
    if (restored) restored.login = user.login;

    expect(await client.searchCount('whatsapp.history', [])).toBe(0);
    expect(client.uid).toBe(newUid);
    expect(odoo.log.filter((e) => e.modelMethod === 'search_count').map((e) => [e.uid, e.faultCode])).toEqual([
      [user.uid, 3],
      [newUid, undefined],
    ]);
  });

  test('a password changed in Odoo: one retry, then an authentication error (no loop)', async () => {
    const { client, user } = gatewayClient();
    await client.authenticate();
    const stored = odoo.database.users.get(user.uid);
    if (stored) stored.password = 'rotated';
    const error = await failure(client.searchCount('whatsapp.history', []));
    expect(error.kind).toBe('authentication');
    expect(calls('search_count')).toBe(1);
    expect(calls('authenticate')).toBe(2);
    expect(client.uid).toBeUndefined();
  });

  test('authenticate → False (wrong password) is a typed error, not odoo-await’s bare string', async () => {
    const client = createOdooClient({ url: odoo.url, db: odoo.db, username: 'admin', password: 'wrong' });
    const error = await failure(client.authenticate());
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain('"admin"');
  });
});

describe('timeouts', () => {
  test('a slow Odoo: the call fails as a retryable timeout after ODOO_TIMEOUT_MS', async () => {
    const { client } = gatewayClient({ timeoutMs: 150 });
    await client.authenticate();
    odoo.latencyMs = 1000;
    const started = Date.now();
    const error = await failure(client.searchCount('whatsapp.history', []));
    expect(error.kind).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
  });

  test('an Odoo that never answers: the login times out too', async () => {
    const { client } = gatewayClient({ timeoutMs: 150 });
    odoo.inject('hang');
    const error = await failure(client.authenticate());
    expect(error.kind).toBe('timeout');
    // the next call goes through
    expect(await client.authenticate()).toBeGreaterThan(0);
  });
});

describe('Odoo unreachable or misbehaving', () => {
  test('down: a retryable "unavailable"; back up on the same port: the same client works again', async () => {
    const { client } = gatewayClient();
    await client.authenticate();
    await odoo.stop();
    try {
      const error = await failure(client.searchCount('whatsapp.history', []));
      expect(error.kind).toBe('unavailable');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
    } finally {
      await odoo.restart();
    }
    expect(await client.searchCount('whatsapp.history', [])).toBe(0);
  });

  test.each([
    ['reset', 'unavailable'],
    ['truncate', 'unavailable'],
    ['http502', 'unavailable'],
    ['http503', 'unavailable'],
    ['html200', 'internal'],
  ] as const)('%s → %s, and the process carries on', async (injection, kind) => {
    const { client } = gatewayClient();
    await client.authenticate();
    odoo.inject(injection);
    const error = await failure(client.searchCount('whatsapp.history', []));
    expect(error.kind).toBe(kind);
    expect(await client.searchCount('whatsapp.history', [])).toBe(0);
  });

  test('an unknown host is unavailable', async () => {
    const client = createOdooClient({ url: 'http://odoo.invalid:8069', db: 'x', username: 'a', password: 'b', timeoutMs: 5000 });
    const error = await failure(client.version());
    expect(error.kind).toBe('unavailable');
  });
});

describe('ODOO_URL behind a reverse proxy with a path prefix', () => {
  let proxy: Server;
  let proxyUrl = '';
  const seenPaths: string[] = [];

  beforeAll(async () => {
    proxy = createServer((req, res) => {
      seenPaths.push(req.url ?? '');
      const target = new URL(odoo.url);
      const path = (req.url ?? '').replace(/^\/odoo/, '');
      if (path === req.url) {
        res.writeHead(404).end();
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, path, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  test.each(['/odoo', '/odoo/'])('prefix %s', async (prefix) => {
    seenPaths.length = 0;
    const client = createOdooClient({ url: `${proxyUrl}${prefix}`, db: odoo.db, username: 'admin', password: 'admin' });
    expect(await client.searchCount('res.partner', [])).toBe(0);
    expect(seenPaths).toEqual(['/odoo/xmlrpc/2/common', '/odoo/xmlrpc/2/object']);
  });

  test('without the prefix the proxy answers 404: a configuration error, not an outage', async () => {
    const client = createOdooClient({ url: proxyUrl, db: odoo.db, username: 'admin', password: 'admin' });
    const error = await failure(client.authenticate());
    expect(error.kind).toBe('internal');
    expect(error.message).toContain('check ODOO_URL');
  });
});

describe('what the client sends and logs', () => {
  test('a debug line per call with model, method and duration — never the password', async () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger: OdooClientLogger = {
      debug: (obj, msg) => lines.push({ obj, msg }),
      warn: (obj, msg) => lines.push({ obj, msg }),
    };
    const { client } = gatewayClient({ logger });
    await client.create('whatsapp.history', { phone: '+62811', direction: 'in', provider_message_id: 'p1' });
    await failure(client.create('whatsapp.history', { phone: '+62811', direction: 'in', provider_message_id: 'p1' }));
    const calls = lines.map((l) => l.obj.odoo as Record<string, unknown>);
    expect(calls.map((c) => [c.service ?? c.model, c.method, c.error])).toEqual([
      ['common', 'authenticate', undefined],
      ['whatsapp.history', 'create', undefined],
      ['whatsapp.history', 'create', 'unique'],
    ]);
    for (const c of calls) expect(typeof c.ms).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });

  test('errors do not carry the password in their message', async () => {
    const client = createOdooClient({ url: odoo.url, db: odoo.db, username: 'admin', password: PASSWORD });
    const error = await failure(client.searchCount('res.partner', []));
    expect(error.message).not.toContain(PASSWORD);
  });

  test('Dates in values and domains arrive as Odoo datetimes; the caller’s arrays are untouched', async () => {
    const { client } = gatewayClient();
    const values = [{ phone: '+62811', direction: 'in', timestamp: new Date('2024-01-02T03:04:05.999Z') }];
    const domain: [string, '>=', Date][] = [['timestamp', '>=', new Date('2024-01-02T00:00:00Z')]];
    const before = structuredClone({ values, domain });
    const [id] = await client.createMany('whatsapp.history', values);
    expect(odoo.records('whatsapp.history')[0]?.timestamp).toBe('2024-01-02 03:04:05');
    expect(await client.search('whatsapp.history', domain)).toEqual([id]);
    expect({ values, domain }).toEqual(before);
  });

  test('text that XML cannot carry is replaced, not refused forever', async () => {
    const { client } = gatewayClient();
    await client.create('whatsapp.history', { phone: '+62811', direction: 'in', message: 'bell\u0007 and < & >' });
    expect(odoo.records('whatsapp.history')[0]?.message).toBe('bell\uFFFD and < & >');
  });
});
