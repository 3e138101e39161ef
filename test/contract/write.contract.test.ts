/**
 * Contract: write — values and datetimes, one transaction per call, constraints on update, and what
 * Odoo 13 does with deleted records (whatsapp.history: silently skipped; res.partner: MissingError).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { HISTORY, historyValues, newId, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

const readOne = async <T extends Record<string, unknown>>(model: string, id: number, fields: string[]) =>
  (await env.admin.searchRead<T>(model, [['id', '=', id]], { fields, context: { active_test: false } }))[0];

describe('write', () => {
  test('updates the given records and answers true', async () => {
    const ids = await env.gateway.createMany(HISTORY, [historyValues(env), historyValues(env)]);
    expect(await env.gateway.write(HISTORY, ids, { state: 'failed', error_message: 'provider said no' })).toBe(true);
    const rows = await env.gateway.searchRead(HISTORY, [['id', 'in', ids]], { fields: ['state', 'error_message'] });
    expect(rows.map(({ state, error_message }) => ({ state, error_message }))).toEqual([
      { state: 'failed', error_message: 'provider said no' },
      { state: 'failed', error_message: 'provider said no' },
    ]);
  });

  test('False empties a field', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out', error_message: 'x', media_url: 'https://example.test/a.jpg' }));
    await env.gateway.write(HISTORY, [id], { error_message: false, media_url: false });
    expect(await readOne(HISTORY, id, ['error_message', 'media_url'])).toEqual({ id, error_message: false, media_url: false });
  });

  test('a Date is written as Odoo’s UTC datetime', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out' }));
    await env.gateway.write(HISTORY, [id], { timestamp: new Date('2024-07-08T09:10:11.500Z') });
    expect(await readOne(HISTORY, id, ['timestamp'])).toEqual({ id, timestamp: '2024-07-08 09:10:11' });
  });

  test('no ids: nothing to do, true', async () => {
    expect(await env.gateway.write(HISTORY, [], { state: 'sent' })).toBe(true);
  });

  test('taking another message’s provider id is a unique violation, and nothing is written', async () => {
    const taken = `${env.tag}-taken-${newId()}`;
    await env.gateway.create(HISTORY, historyValues(env, { provider_message_id: taken }));
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out', provider_message_id: false }));
    const error = await odooError(() => env.gateway.write(HISTORY, [id], { provider_message_id: taken, state: 'sent' }));
    expect(error.kind).toBe('unique');
    expect(await readOne(HISTORY, id, ['provider_message_id', 'state'])).toEqual({ id, provider_message_id: false, state: 'queued' });
  });

  test('emptying a required field is a validation error', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out' }));
    const error = await odooError(() => env.gateway.write(HISTORY, [id], { direction: false }));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('Field: Direction (direction)');
  });

  test('the number may be emptied only while a WhatsApp user id names the contact', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out' }));
    const error = await odooError(() => env.gateway.write(HISTORY, [id], { phone: false }));
    expect(error.message).toContain('whatsapp_history_phone_or_user_id');
    expect(await env.gateway.write(HISTORY, [id], { phone: false, whatsapp_user_id: 'US.13491208655302741918' })).toBe(true);
  });

  test('a received message: the Gateway records state, error and user id on it, but what the customer wrote cannot change', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { message: 'Halo' }));
    expect(await env.gateway.write(HISTORY, [id], { state: 'failed', error_message: 'media refused', whatsapp_user_id: 'US.13491208655302741918' })).toBe(true);
    const error = await odooError(() => env.gateway.write(HISTORY, [id], { message: 'edited' }));
    expect(error.kind).toBe('access');
    expect(error.message).toContain('A received WhatsApp message cannot be changed');
    const [row] = await env.admin.searchRead(HISTORY, [['id', '=', id]], { fields: ['message', 'state'] });
    expect(row).toMatchObject({ message: 'Halo', state: 'failed' });
  });

  test('an unknown field is refused', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out' }));
    const error = await odooError(() => env.gateway.write(HISTORY, [id], { no_such_field: 1 }));
    expect(error.kind).toBe('internal');
    expect(error.message).toBe("KeyError: 'no_such_field'");
  });
});

describe('deleted records', () => {
  test('whatsapp.history: Odoo 13 skips deleted ids silently and writes the others', async () => {
    const [kept, deleted] = await env.gateway.createMany(HISTORY, [historyValues(env), historyValues(env)]);
    await env.admin.call(HISTORY, 'unlink', [[deleted]]);
    expect(await env.gateway.write(HISTORY, [kept as number, deleted as number], { state: 'delivered' })).toBe(true);
    expect(await readOne(HISTORY, kept as number, ['state'])).toEqual({ id: kept, state: 'delivered' });
    expect(await env.admin.search(HISTORY, [['id', '=', deleted as number]])).toEqual([]);
  });

  test('res.partner: a deleted record is a MissingError (its write() reads the records)', async () => {
    const id = await env.admin.create(PARTNER, { name: `Gone ${env.tag}`, email: `${env.tag}@example.test` });
    await env.admin.call(PARTNER, 'unlink', [[id]]);
    const error = await odooError(() => env.admin.write(PARTNER, [id], { phone: '+62811' }));
    expect(error.kind).toBe('missing');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^Record does not exist or has been deleted\.\n\(Record: res\.partner\(\d+,\), User: \d+\)$/);
  });

  test('reading a deleted record gives nothing back, no error', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env));
    await env.admin.call(HISTORY, 'unlink', [[id]]);
    expect(await env.gateway.call(HISTORY, 'read', [[id]], { fields: ['phone'] })).toEqual([]);
  });
});
