/**
 * The double as an HTTP server and as a test fixture; what it answers per model is held to the real
 * Odoo by the contract suite (test/contract), and its faults by faults.test.ts.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOdooDouble, type OdooDouble } from './index.js';

const { serializeMethodCall } = createRequire(import.meta.url)('xmlrpc/lib/serializer') as {
  serializeMethodCall(method: string, params: unknown[]): string;
};

let odoo: OdooDouble;
beforeAll(async () => {
  odoo = await startOdooDouble();
});
afterAll(() => odoo.close());

const post = (path: string, method: string, params: unknown[]) =>
  fetch(`${odoo.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: serializeMethodCall(method, params) });

describe('HTTP', () => {
  test('answers like werkzeug under Odoo 13: text/xml, one request per connection', async () => {
    const res = await post('/xmlrpc/2/common', 'version', []);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.text()).toContain('<name>server_serie</name>\n<value><string>13.0</string></value>');
  });

  test('other paths are 404, GET is 405', async () => {
    expect((await post('/jsonrpc', 'x', [])).status).toBe(404);
    expect((await fetch(`${odoo.url}/xmlrpc/2/object`)).status).toBe(405);
  });

  test('common.login and the legacy object.execute work too', async () => {
    expect(await (await post('/xmlrpc/2/common', 'login', [odoo.db, 'admin', 'admin'])).text()).toContain('<int>2</int>');
    expect(await (await post('/xmlrpc/2/object', 'execute', [odoo.db, 2, 'admin', 'res.partner', 'search_count', []])).text()).toContain('<int>0</int>');
  });

  test('an unknown common method is a traceback fault, as in Odoo', async () => {
    expect(await (await post('/xmlrpc/2/common', 'nosuch', [])).text()).toContain('Exception: Method not found: nosuch');
  });
});

describe('as a fixture', () => {
  test('seed() goes through defaults and constraints; records() shows the stored columns', async () => {
    odoo.reset();
    const [id] = odoo.seed('whatsapp.history', [{ phone: '+62811', direction: 'out', timestamp: '2024-01-01 00:00:00' }]);
    expect(odoo.records('whatsapp.history')).toEqual([
      expect.objectContaining({ id, phone: '+62811', direction: 'out', state: 'queued', provider: 'fonnte', message: null, create_uid: 1 }),
    ]);
    expect(() => odoo.seed('whatsapp.history', [{ phone: '+62811' }])).toThrow(/mandatory field/);
    expect(() => odoo.seed('whatsapp.history', [{ direction: 'in' }])).toThrow(/whatsapp_history_phone_or_user_id/);
    expect(odoo.records('whatsapp.history')).toHaveLength(1);
  });

  test('reset() empties the models, keeps admin/admin, clears the log', async () => {
    odoo.seed('res.partner', [{ name: 'x' }]);
    await post('/xmlrpc/2/common', 'version', []);
    odoo.reset();
    expect(odoo.records('res.partner')).toEqual([]);
    expect(odoo.log).toEqual([]);
    expect(odoo.database.authenticate(odoo.db, 'admin', 'admin')).toBe(2);
  });

  test('the log records each call with its model, method, uid and fault code', async () => {
    odoo.reset();
    await post('/xmlrpc/2/object', 'execute_kw', [odoo.db, 2, 'wrong', 'res.partner', 'search', [[]]]);
    expect(odoo.log).toEqual([{ service: 'object', method: 'execute_kw', model: 'res.partner', modelMethod: 'search', uid: 2, faultCode: 3 }]);
  });

  test('latency delays every answer', async () => {
    odoo.latencyMs = 120;
    const started = Date.now();
    await post('/xmlrpc/2/common', 'version', []);
    odoo.latencyMs = 0;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  test('inject(…, times) misbehaves exactly that many times', async () => {
    odoo.inject('http503', 2);
    expect((await post('/xmlrpc/2/common', 'version', [])).status).toBe(503);
    expect((await post('/xmlrpc/2/common', 'version', [])).status).toBe(503);
    expect((await post('/xmlrpc/2/common', 'version', [])).status).toBe(200);
  });

  test('stop() refuses connections; restart() comes back on the same port with the same data', async () => {
    odoo.reset();
    odoo.seed('res.partner', [{ name: 'kept' }]);
    const port = odoo.port;
    await odoo.stop();
    await expect(post('/xmlrpc/2/common', 'version', [])).rejects.toThrow();
    await odoo.restart();
    expect(odoo.port).toBe(port);
    expect(await (await post('/xmlrpc/2/object', 'execute_kw', [odoo.db, 2, 'admin', 'res.partner', 'search_count', [[]]])).text()).toContain('<int>1</int>');
  });
});
