/**
 * The double's faults against faults captured from the real Odoo 13 (fixtures/odoo13-faults.json):
 * same faultCode, same chain of Python exceptions, same final exception line. The frames in
 * between differ (they are Odoo's source lines) and nothing reads them.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tracebackExceptions } from '../../src/odoo/fault-parser.js';
import captured from './fixtures/odoo13-faults.json' with { type: 'json' };
import { OdooException } from './python.js';
import { OdooDatabase } from './database.js';

const db = new OdooDatabase('odoo13');
beforeAll(() => {
  db.seed('whatsapp.history', [{ phone: '+1', direction: 'in', provider_message_id: 'fx-1', device: 'fixture' }]);
});
afterAll(() => db.reset());

const fault = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof OdooException) return error.fault();
    throw error;
  }
  throw new Error('expected a fault');
};
const call = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => () =>
  db.executeKw('odoo13', 2, 'admin', model, method, args, kwargs);

/** What a reader of the fault can rely on: code, exception chain, the last exception line, DETAIL lines. */
const shape = (f: { faultCode: number; faultString: string }) => {
  const chain = tracebackExceptions(f.faultString);
  return {
    faultCode: f.faultCode,
    chain: chain.map((e) => e.name),
    last: f.faultCode === 1 ? chain.at(-1)?.message : f.faultString,
    detail: chain.length > 1 ? chain[0]?.message.split('\n').find((l) => l.startsWith('DETAIL:  Key')) : undefined,
  };
};

test.each([
  ['unique', call('whatsapp.history', 'create', [{ phone: '+1', direction: 'in', provider_message_id: 'fx-1', device: 'fixture' }])],
  ['unique_lang', call('whatsapp.history', 'create', [{ phone: '+1', direction: 'in', provider_message_id: 'fx-1', device: 'fixture' }], { context: { lang: 'en_US' } })],
  ['not_null', call('whatsapp.history', 'create', [{ phone: '+1', device: 'fixture' }])],
  ['check_phone_or_user_id', call('whatsapp.history', 'create', [{ direction: 'in', device: 'fixture' }])],
  ['check', call('res.partner', 'create', [{ name: false }])],
  ['selection', call('whatsapp.history', 'create', [{ phone: '+1', direction: 'bogus' }])],
  ['missing', call('res.partner', 'write', [[999999], { name: 'x' }])],
] as const)('%s is shaped as the real Odoo 13 shapes it', (name, fn) => {
  expect(shape(fault(fn))).toEqual(shape(captured.faults[name]));
});
