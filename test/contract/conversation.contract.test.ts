/**
 * Contract: whatsapp.conversation as the gateway reads it (src/odoo/repositories/conversation-repository.ts).
 * The Gateway user reads every field the repository asks for (many2ones as [id, name], though it may
 * read neither users nor contacts), the inbox order is the model's own `_order`, the list's filters
 * and a contact's lookup select what they say, and the gateway may not change a conversation.
 *
 * Conversations are created as admin with the values the addon's upkeep would leave, on both targets.
 * Against a real Odoo, one more test stores messages as the gateway and reads the conversation the
 * addon made from them (the double does not imitate the upkeep).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConversationFilters } from '../../src/domain/conversation.js';
import {
  CONVERSATION_FIELDS,
  conversationContactDomain,
  conversationDomain,
  INBOX_ORDER,
  toConversationSummary,
  type OdooConversationRow,
} from '../../src/odoo/repositories/conversation-repository.js';
import type { Domain } from '../../src/odoo/types.js';
import { CONVERSATION, historyValues, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

type Key = 'waitingOld' | 'waitingNew' | 'answered' | 'done' | 'userOnly' | 'group';
const ids = {} as Record<Key, number>;
const keyOf = (id: number) => (Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `?${id}`) as Key;
let adminUid = 0;
let partnerId = 0;

const BSUID = 'US.13491208655302741918';
const GROUP = '120363025246125486@g.us';

beforeAll(async () => {
  adminUid = await env.admin.authenticate();
  partnerId = await env.admin.create(PARTNER, { name: `Budi ${env.tag}`, email: `${env.tag}-budi@example.test` });
  const rows: [Key, Record<string, unknown>][] = [
    ['waitingOld', { identity_key: '+6281100000001', phone: '+6281100000001', whatsapp_name: 'Budi', partner_id: partnerId, waiting_since: '2024-01-01 10:00:00', last_message_at: '2024-01-01 10:05:00', last_direction: 'in', last_message_preview: 'Halo', unread_count: 2, user_id: adminUid }],
    ['waitingNew', { identity_key: '+6281100000002', phone: '+6281100000002', whatsapp_name: 'Sari', waiting_since: '2024-01-02 10:00:00', last_message_at: '2024-01-02 10:00:00', last_direction: 'in', unread_count: 1 }],
    ['answered', { identity_key: '+6281100000003', phone: '+6281100000003', last_message_at: '2024-01-05 10:00:00', last_direction: 'out', unread_count: 0, user_id: adminUid }],
    ['done', { identity_key: '+6281100000004', phone: '+6281100000004', state: 'done', waiting_since: '2024-01-03 10:00:00', last_message_at: '2024-01-03 10:00:00', last_direction: 'in', unread_count: 0 }],
    ['userOnly', { identity_key: `user:${BSUID}`, whatsapp_user_id: BSUID, last_message_at: '2024-01-04 10:00:00', last_direction: 'out', unread_count: 0 }],
    // A group whose conversation also holds a member's user id: never that member's conversation.
    ['group', { identity_key: GROUP, phone: GROUP, whatsapp_user_id: BSUID, last_message_at: '2023-12-01 10:00:00', last_direction: 'in', unread_count: 0 }],
  ];
  for (const [key, values] of rows) {
    ids[key] = await env.admin.create(CONVERSATION, { device: env.tag, state: 'open', ...values });
  }
});

const tagged = (domain: Domain): Domain => [['device', '=', env.tag], ...domain];
const read = (domain: Domain, order?: string) =>
  env.gateway.searchRead<OdooConversationRow>(CONVERSATION, tagged(domain), { fields: [...CONVERSATION_FIELDS], ...(order ? { order } : {}) });

describe('the Gateway user reads conversations', () => {
  test('every field the repository reads; many2ones as [id, name] though it cannot read users or contacts', async () => {
    const [row] = await read([['id', '=', ids.waitingOld]]);
    expect(row).toBeDefined();
    const summary = toConversationSummary(row as OdooConversationRow);
    expect(summary).toMatchObject({
      id: ids.waitingOld,
      name: `Budi ${env.tag}`,
      phone: '+6281100000001',
      user_id: null,
      device: env.tag,
      contact_name: 'Budi',
      partner: { id: partnerId, name: `Budi ${env.tag}` },
      state: 'open',
      waiting: true,
      waiting_since: '2024-01-01T10:00:00Z',
      unread_count: 2,
      last_message_at: '2024-01-01T10:05:00Z',
      last_direction: 'in',
      last_message_preview: 'Halo',
    });
    expect(summary.assigned_user?.id).toBe(adminUid);
    expect(summary.assigned_user?.name).toMatch(/\S/);
  });

  test('is_waiting is stored from waiting_since and state: a done conversation is never waiting', async () => {
    const rows = await read([['id', 'in', [ids.done, ids.answered]]]);
    for (const row of rows) expect(row.is_waiting).toBe(false);
  });

  test('the inbox order is the model\'s _order: waiting first, then the latest activity', async () => {
    const expected: Key[] = ['waitingNew', 'waitingOld', 'answered', 'userOnly', 'done', 'group'];
    expect((await read([], INBOX_ORDER)).map((r) => keyOf(r.id))).toEqual(expected);
    // No order given: Odoo's default, the model's _order.
    expect((await env.gateway.search(CONVERSATION, tagged([])))).toEqual(expected.map((k) => ids[k]));
    // Pages do not overlap.
    const pages = await Promise.all([0, 2, 4].map((offset) => env.gateway.search(CONVERSATION, tagged([]), { order: INBOX_ORDER, limit: 2, offset })));
    expect(pages.flat()).toEqual(expected.map((k) => ids[k]));
  });

  test.each<[string, ConversationFilters, Key[]]>([
    ['waiting', { waiting: true }, ['waitingNew', 'waitingOld']],
    ['not waiting', { waiting: false }, ['answered', 'userOnly', 'done', 'group']],
    ['unread', { unread: true }, ['waitingNew', 'waitingOld']],
    ['all read', { unread: false }, ['answered', 'userOnly', 'done', 'group']],
    ['unassigned', { assigned: 'none' }, ['waitingNew', 'userOnly', 'done', 'group']],
    ['done', { state: 'done' }, ['done']],
    ['open and read', { state: 'open', unread: false }, ['answered', 'userOnly', 'group']],
  ])('filter: %s', async (_name, filters, expected) => {
    expect((await read(conversationDomain(filters), INBOX_ORDER)).map((r) => keyOf(r.id))).toEqual(expected);
    expect(await env.gateway.searchCount(CONVERSATION, tagged(conversationDomain(filters)))).toBe(expected.length);
  });

  test('filter: assigned to a user id', async () => {
    expect((await read(conversationDomain({ assigned: adminUid }), INBOX_ORDER)).map((r) => keyOf(r.id))).toEqual(['waitingOld', 'answered']);
  });

  test("a contact's conversations: by number, by user id (not the group's through a member), by group id", async () => {
    const keys = async (phones: string[], userIds: string[]) => (await read(conversationContactDomain({ phones, userIds }), INBOX_ORDER)).map((r) => keyOf(r.id));
    expect(await keys(['+6281100000001'], [])).toEqual(['waitingOld']);
    expect(await keys([], [BSUID])).toEqual(['userOnly']);
    expect(await keys([GROUP], [])).toEqual(['group']);
    expect(await keys(['+6281100000003'], [BSUID])).toEqual(['answered', 'userOnly']);
    expect(await keys([], [])).toEqual([]);
  });
});

describe('the Gateway user changes no conversation', () => {
  test('no write, no create, no delete', async () => {
    const refusals = [
      // A field agents may change (the addon refuses the upkeep's fields earlier, with its own message).
      () => env.gateway.write(CONVERSATION, [ids.waitingOld], { state: 'done' }),
      () => env.gateway.create(CONVERSATION, { identity_key: '+6281100000009', device: env.tag }),
      () => env.gateway.call(CONVERSATION, 'unlink', [[ids.waitingOld]]),
    ];
    for (const refused of refusals) {
      const error = await odooError(refused);
      expect(error.kind).toBe('access');
      expect(error.message).toMatch(/^Sorry, you are not allowed to (modify|create|delete) documents of type 'WhatsApp Conversation' \(whatsapp\.conversation\)\./);
    }
  });

  test('a user without groups cannot read conversations', async () => {
    const error = await odooError(() => env.noRights.searchCount(CONVERSATION, []));
    expect(error.kind).toBe('access');
  });
});

describe('the addon keeps conversations from the messages the gateway stores', () => {
  // The double does not imitate the addon's upkeep; this holds the repository's reading of it to the real one.
  test.skipIf(env.mode === 'double')('an incoming message makes a waiting, unread conversation; the reply ends the wait', async () => {
    const phone = '+6281100000077';
    const device = `${env.tag}-upkeep`;
    await env.gateway.createMany('whatsapp.history', [
      historyValues(env, { phone, device, direction: 'in', message: 'Halo, ada kamar?', contact_name: 'Ketut', timestamp: '2024-03-01 08:00:00' }),
      historyValues(env, { phone, device, direction: 'in', message: 'Untuk dua orang', contact_name: 'Ketut', timestamp: '2024-03-01 08:01:00' }),
    ]);
    const [made] = await env.gateway.searchRead<OdooConversationRow>(CONVERSATION, [['device', '=', device], ...conversationContactDomain({ phones: [phone], userIds: [] })], {
      fields: [...CONVERSATION_FIELDS],
    });
    expect(made).toBeDefined();
    expect(toConversationSummary(made as OdooConversationRow)).toMatchObject({
      phone,
      device,
      contact_name: 'Ketut',
      name: 'Ketut',
      state: 'open',
      waiting: true,
      waiting_since: '2024-03-01T08:00:00Z',
      unread_count: 2,
      assigned_user: null,
      last_message_at: '2024-03-01T08:01:00Z',
      last_direction: 'in',
      last_message_preview: 'Untuk dua orang',
    });
    await env.gateway.create('whatsapp.history', historyValues(env, { phone, device, direction: 'out', state: 'sent', message: 'Ada, silakan', timestamp: '2024-03-01 08:05:00' }));
    const [answered] = await env.gateway.searchRead<OdooConversationRow>(CONVERSATION, [['id', '=', (made as OdooConversationRow).id]], { fields: [...CONVERSATION_FIELDS] });
    expect(toConversationSummary(answered as OdooConversationRow)).toMatchObject({ waiting: false, waiting_since: null, last_direction: 'out', last_message_at: '2024-03-01T08:05:00Z' });
  });
});
