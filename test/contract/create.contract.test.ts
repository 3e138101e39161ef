/**
 * Contract: create (one dict, a list in one transaction), the unique (provider, provider_message_id)
 * constraint, required fields, selection values, foreign keys, datetimes — as the Gateway user.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { toOdooDatetime } from '../../src/odoo/datetime.js';
import { HISTORY, historyValues, newId, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

const stored = (pmids: string[]) =>
  env.admin.searchRead<{ id: number; provider_message_id: string }>(HISTORY, [['provider_message_id', 'in', pmids]], {
    fields: ['provider_message_id'],
  });

describe('create one record', () => {
  test('returns its id, and Odoo fills the defaults', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { message: 'Halo', provider: 'meta' }));
    expect(Number.isInteger(id)).toBe(true);
    const [row] = await env.gateway.searchRead(HISTORY, [['id', '=', id]], {
      fields: ['phone', 'direction', 'message', 'provider', 'state', 'message_type', 'display_name'],
    });
    expect(row).toEqual({
      id,
      phone: '+6281234567890',
      direction: 'in',
      message: 'Halo',
      provider: 'meta',
      state: 'received',
      message_type: 'text',
      display_name: '+6281234567890 – Halo',
    });
  });

  test('an outgoing message without a state is queued', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { direction: 'out', provider_message_id: false }));
    const [row] = await env.gateway.searchRead<{ state: string }>(HISTORY, [['id', '=', id]], { fields: ['state'] });
    expect(row?.state).toBe('queued');
  });

  test('the gateway may store the raw payload (manager-only for people)', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { raw_payload: '{"event":"x"}' }));
    const [row] = await env.gateway.searchRead<{ raw_payload: string }>(HISTORY, [['id', '=', id]], { fields: ['raw_payload'] });
    expect(row?.raw_payload).toBe('{"event":"x"}');
  });
});

describe('create a list', () => {
  test('returns the ids in the order of the values', async () => {
    const values = [0, 1, 2].map((i) => historyValues(env, { message: `batch ${i}` }));
    const ids = await env.gateway.createMany(HISTORY, values);
    expect(ids).toHaveLength(3);
    const rows = await env.gateway.searchRead<{ id: number; message: string }>(HISTORY, [['id', 'in', ids]], { fields: ['message'] });
    expect(ids.map((id) => rows.find((r) => r.id === id)?.message)).toEqual(['batch 0', 'batch 1', 'batch 2']);
  });

  test('leaves the caller’s values untouched', async () => {
    const values = [historyValues(env, { timestamp: new Date('2024-03-01T08:00:00Z') })];
    const snapshot = structuredClone(values);
    await env.gateway.createMany(HISTORY, values);
    expect(values).toEqual(snapshot);
  });

  test('an empty list creates nothing', async () => {
    expect(await env.gateway.createMany(HISTORY, [])).toEqual([]);
  });
});

describe('unique (provider, provider_message_id)', () => {
  test('a duplicate inside a batch fails the whole batch as a unique violation', async () => {
    const dup = `${env.tag}-dup-${newId()}`;
    const other = `${env.tag}-other-${newId()}`;
    const error = await odooError(() =>
      env.gateway.createMany(HISTORY, [
        historyValues(env, { provider_message_id: other }),
        historyValues(env, { provider_message_id: dup }),
        historyValues(env, { provider_message_id: dup }),
      ]),
    );
    expect(error.kind).toBe('unique');
    expect(error.retryable).toBe(false);
    expect(error.constraint).toBe('whatsapp_history_provider_message_uniq');
    expect(await stored([dup, other])).toEqual([]);
  });

  test('a batch repeating a stored message stores none of it', async () => {
    const existing = `${env.tag}-existing-${newId()}`;
    const fresh = `${env.tag}-fresh-${newId()}`;
    await env.gateway.create(HISTORY, historyValues(env, { provider_message_id: existing }));
    const error = await odooError(() =>
      env.gateway.createMany(HISTORY, [historyValues(env, { provider_message_id: fresh }), historyValues(env, { provider_message_id: existing })]),
    );
    expect(error.kind).toBe('unique');
    expect((await stored([existing, fresh])).map((r) => r.provider_message_id)).toEqual([existing]);
  });

  test('with a language in the context the message is the addon’s text, still a unique violation', async () => {
    const pmid = `${env.tag}-lang-${newId()}`;
    await env.gateway.create(HISTORY, historyValues(env, { provider_message_id: pmid }));
    const error = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { provider_message_id: pmid }), { lang: 'en_US' }));
    expect(error.kind).toBe('unique');
    expect(error.message).toBe('This provider message is already stored (same provider and provider message id).');
  });

  test('the same id from another provider is a different message', async () => {
    const pmid = `${env.tag}-shared-${newId()}`;
    const ids = await env.gateway.createMany(HISTORY, [
      historyValues(env, { provider: 'fonnte', provider_message_id: pmid }),
      historyValues(env, { provider: 'meta', provider_message_id: pmid }),
    ]);
    expect(ids).toHaveLength(2);
  });

  test('messages without a provider id (not sent yet) never collide', async () => {
    const ids = await env.gateway.createMany(HISTORY, [
      historyValues(env, { direction: 'out', provider_message_id: false }),
      historyValues(env, { direction: 'out', provider_message_id: false }),
    ]);
    expect(ids).toHaveLength(2);
  });
});

describe('invalid values', () => {
  test('a missing required field is a validation error naming the field, not a unique violation', async () => {
    const values = historyValues(env);
    delete values.direction;
    const error = await odooError(() => env.gateway.create(HISTORY, values));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('Field: Direction (direction)');
  });

  test('a message needs a number or a WhatsApp user id: neither is a CHECK violation, either one is enough', async () => {
    const values = historyValues(env);
    delete values.phone;
    const error = await odooError(() => env.gateway.create(HISTORY, values));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('whatsapp_history_phone_or_user_id');
    const empty = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { phone: '', whatsapp_user_id: '' })));
    expect(empty.message).toContain('whatsapp_history_phone_or_user_id');
    const byUserId = await env.gateway.create(HISTORY, historyValues(env, { phone: false, whatsapp_user_id: 'US.13491208655302741918', whatsapp_username: 'budi.bali' }));
    const [row] = await env.gateway.searchRead(HISTORY, [['id', '=', byUserId]], { fields: ['phone', 'whatsapp_user_id', 'whatsapp_username', 'display_name'] });
    expect(row).toMatchObject({ phone: false, whatsapp_user_id: 'US.13491208655302741918', whatsapp_username: 'budi.bali' });
    expect(String(row?.display_name)).toMatch(/^US\.13491208655302741918/);
  });

  test('a required field set to False is the same validation error', async () => {
    const error = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { direction: false })));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('(direction)');
  });

  test('a value outside a selection is refused by Odoo', async () => {
    const error = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { direction: 'sideways' })));
    expect(error.kind).toBe('internal');
    expect(error.message).toBe("ValueError: Wrong value for whatsapp.history.direction: 'sideways'");
  });

  test('a partner that does not exist violates the foreign key', async () => {
    const error = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { partner_id: 2_000_000_000 })));
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('whatsapp_history_partner_id_fkey');
  });

  test('a check constraint (res.partner needs a name) is a validation error, not a unique one', async () => {
    const error = await odooError(() => env.admin.create(PARTNER, { name: false, email: `${env.tag}@example.test` }));
    expect(error.kind).toBe('validation');
    expect(error.message).toBe('res_partner_check_name');
  });
});

describe('datetimes', () => {
  test('a Date goes in as UTC and comes back as Odoo’s "YYYY-MM-DD HH:MM:SS"', async () => {
    const when = new Date('2024-05-06T07:08:09.987Z');
    const id = await env.gateway.create(HISTORY, historyValues(env, { timestamp: when }));
    const [row] = await env.gateway.searchRead<{ timestamp: string }>(HISTORY, [['id', '=', id]], { fields: ['timestamp'] });
    expect(row?.timestamp).toBe('2024-05-06 07:08:09');
    expect(row?.timestamp).toBe(toOdooDatetime(when));
    // …and a Date in a domain finds it again
    const found = await env.gateway.search(HISTORY, [
      ['device', '=', env.tag],
      ['timestamp', '=', new Date('2024-05-06T07:08:09Z')],
    ]);
    expect(found).toEqual([id]);
  });

  test('a bare date means midnight', async () => {
    const id = await env.gateway.create(HISTORY, historyValues(env, { timestamp: '2024-05-07' }));
    const [row] = await env.gateway.searchRead<{ timestamp: string }>(HISTORY, [['id', '=', id]], { fields: ['timestamp'] });
    expect(row?.timestamp).toBe('2024-05-07 00:00:00');
  });

  test('an ISO string with a T is not Odoo’s format and is refused', async () => {
    const error = await odooError(() => env.gateway.create(HISTORY, historyValues(env, { timestamp: '2024-05-06T07:08:09' })));
    expect(error.kind).toBe('internal');
    expect(error.message).toContain("does not match format '%Y-%m-%d %H:%M:%S'");
  });

  test('a missing timestamp defaults to now', async () => {
    const before = Date.now();
    const values = historyValues(env);
    delete values.timestamp;
    const id = await env.gateway.create(HISTORY, values);
    const [row] = await env.gateway.searchRead<{ timestamp: string }>(HISTORY, [['id', '=', id]], { fields: ['timestamp'] });
    const stamp = Date.parse(`${row?.timestamp.replace(' ', 'T')}Z`);
    // Odoo's clock and ours may differ a little; whole seconds are stored.
    expect(Math.abs(stamp - before)).toBeLessThan(120_000);
  });
});
