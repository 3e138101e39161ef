/**
 * The history repository against the in-process Odoo 13 double, logged in as a WhatsApp / Gateway
 * user like the gateway: what each method stores and reads back, in domain terms.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { MessageEvent } from '../../src/domain/message.js';
import { isOdooError } from '../../src/odoo/errors.js';
import { createHistoryRepository, type HistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createPartnerRepository } from '../../src/odoo/repositories/partner-repository.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { startOdoo } from '../api/helpers.js';
import type { OdooDouble } from '../odoo-double/index.js';

let double: OdooDouble;
let history: HistoryRepository;
let close: () => Promise<void>;

beforeAll(async () => {
  const odoo = await startOdoo();
  double = odoo.double;
  close = odoo.close;
  history = createHistoryRepository(odoo.odoo);
});
afterAll(() => close());
beforeEach(() => {
  double.reset();
  history = createHistoryRepository(createOdooClient({ ...credentials(double.addGatewayUser()), url: double.url, db: double.db, timeoutMs: 2000 }));
});

const credentials = (user: { login: string; password: string }) => ({ username: user.login, password: user.password });

const event = (over: Partial<MessageEvent> = {}): MessageEvent => ({
  kind: 'message',
  provider: 'meta',
  providerMessageId: 'wamid.A',
  direction: 'in',
  phone: '+6281234567890',
  contactName: 'Budi',
  device: '+6285700000001',
  messageType: 'text',
  text: 'halo',
  media: null,
  timestamp: '2026-03-01T10:00:00.000Z',
  raw: {},
  ...over,
});

const row = (id: number) => double.records('whatsapp.history').find((r) => r.id === id);

describe('the writer’s calls', () => {
  test('created messages are found again by provider id, with their state and user id', async () => {
    const ids = await history.createInbound([
      { event: event(), partnerId: null, mediaUrl: null },
      { event: event({ providerMessageId: 'wamid.B', userId: 'US.13491208655302741918' }), partnerId: null, mediaUrl: 'https://x.test/m' },
    ]);
    expect(ids).toHaveLength(2);
    const found = await history.findByProviderIds('meta', ['wamid.A', 'wamid.B', 'wamid.B', 'wamid.none']);
    expect(found.sort((a, b) => a.id - b.id)).toEqual([
      { id: ids[0], providerMessageId: 'wamid.A', state: 'received', userId: null },
      { id: ids[1], providerMessageId: 'wamid.B', state: 'received', userId: 'US.13491208655302741918' },
    ]);
    expect(row(ids[1] as number)).toMatchObject({ media_url: 'https://x.test/m', phone: '+6281234567890', contact_name: 'Budi' });
    expect(await history.findByProviderIds('fonnte', ['wamid.A'])).toEqual([]);
  });

  test('setState: a failure carries its reason (or a generic one); other states leave the error alone', async () => {
    const [a, b, c] = await history.createInbound(
      ['o1', 'o2', 'o3'].map((id) => ({ event: event({ providerMessageId: id, direction: 'out' }), partnerId: null, mediaUrl: null })),
    );
    await history.setState([a as number], 'failed', 'number not on WhatsApp');
    await history.setState([b as number], 'failed', null);
    await history.setState([c as number], 'delivered', 'ignored');
    expect(row(a as number)).toMatchObject({ state: 'failed', error_message: 'number not on WhatsApp' });
    expect(row(b as number)).toMatchObject({ state: 'failed', error_message: 'The provider reported a failure' });
    expect(row(c as number)).toMatchObject({ state: 'delivered', error_message: null });
  });

  test('setUserId stores the contact’s user id', async () => {
    const [id] = await history.createInbound([{ event: event(), partnerId: null, mediaUrl: null }]);
    await history.setUserId(id as number, 'US.1');
    expect(row(id as number)?.whatsapp_user_id).toBe('US.1');
  });

  test('ping answers when Odoo does, and fails with an OdooError when it does not', async () => {
    await expect(history.ping()).resolves.toBeUndefined();
    const unreachable = createHistoryRepository(createOdooClient({ url: 'http://127.0.0.1:9', db: 'x', username: 'x', password: 'x', timeoutMs: 500 }));
    const error = await unreachable.ping().catch((e: unknown) => e);
    expect(isOdooError(error)).toBe(true);
  });
});

describe('the media worker’s calls', () => {
  test('attachmentState: missing, none, then attached once attach_media ran', async () => {
    expect(await history.attachmentState(999_999)).toBe('missing');
    const [id] = await history.createInbound([{ event: event({ messageType: 'image' }), partnerId: null, mediaUrl: 'https://x.test/m' }]);
    expect(await history.attachmentState(id as number)).toBe('none');
    await history.attachMedia(id as number, { name: 'photo.jpg', base64: Buffer.from('jpeg').toString('base64'), mimetype: 'image/jpeg', filename: null });
    expect(await history.attachmentState(id as number)).toBe('attached');
  });

  test('noteError sets the record’s error', async () => {
    const [id] = await history.createInbound([{ event: event(), partnerId: null, mediaUrl: null }]);
    await history.noteError(id as number, 'Media could not be downloaded: 404');
    expect(row(id as number)?.error_message).toBe('Media could not be downloaded: 404');
  });
});

describe('the outbox’s and send_message’s calls', () => {
  const queue = (over: { phone?: string | null; userId?: string | null; text?: string } = {}) =>
    history.createOutgoing({
      phone: over.phone === undefined ? '+6281234567890' : over.phone,
      userId: over.userId ?? null,
      provider: 'fonnte',
      text: over.text ?? 'halo',
      messageType: 'text',
      mediaUrl: null,
      filename: null,
      partnerId: null,
      timestamp: new Date('2026-03-01T10:00:00Z'),
    });

  test('a queued send by number or by user id is read back as the outbox needs it, oldest first', async () => {
    const byNumber = await queue();
    const byUserId = await queue({ phone: null, userId: 'US.13491208655302741918', text: 'hi' });
    expect(row(byUserId)).toMatchObject({ phone: null, whatsapp_user_id: 'US.13491208655302741918', state: 'queued', direction: 'out' });
    expect(await history.queuedSends({ excludeIds: [], excludePhones: [], limit: 10 })).toEqual([
      { id: byNumber, phone: '+6281234567890', userId: '', text: 'halo', mediaUrl: '', mediaFilename: '', provider: 'fonnte' },
      { id: byUserId, phone: '', userId: 'US.13491208655302741918', text: 'hi', mediaUrl: '', mediaFilename: '', provider: 'fonnte' },
    ]);
    expect(await history.oldestQueuedAt()).toBeInstanceOf(Date);
  });

  test('excluded records and numbers are left out; a record known by user id only passes the number exclusion', async () => {
    const a = await queue();
    const b = await queue({ phone: '+6281300000001' });
    const c = await queue({ phone: null, userId: 'US.1' });
    const ids = (query: { excludeIds: number[]; excludePhones: string[] }) => history.queuedSends({ ...query, limit: 10 }).then((rows) => rows.map((r) => r.id));
    expect(await ids({ excludeIds: [b], excludePhones: [] })).toEqual([a, c]);
    expect(await ids({ excludeIds: [], excludePhones: ['+6281234567890'] })).toEqual([b, c]);
    expect(await history.queuedSends({ excludeIds: [], excludePhones: [], limit: 1 })).toHaveLength(1);
  });

  test('recorded outcomes leave the queue', async () => {
    const sent = await queue();
    const failed = await queue();
    const taken = await queue();
    await history.recordSent(sent, 'wamid.S');
    await history.recordFailed(failed, 'refused');
    await history.recordSentWithTakenId(taken, 'Sent as wamid.S, an id another record already holds');
    expect(row(sent)).toMatchObject({ state: 'sent', provider_message_id: 'wamid.S', error_message: null });
    expect(row(failed)).toMatchObject({ state: 'failed', error_message: 'refused' });
    expect(row(taken)).toMatchObject({ state: 'sent', provider_message_id: null, error_message: 'Sent as wamid.S, an id another record already holds' });
    expect(await history.queuedSends({ excludeIds: [], excludePhones: [], limit: 10 })).toEqual([]);
    expect(await history.oldestQueuedAt()).toBeUndefined();
  });
});

describe('the REST reads', () => {
  test('page: filtered messages in API shape, and the total', async () => {
    await history.createInbound(
      ['m1', 'm2', 'm3'].map((id, i) => ({ event: event({ providerMessageId: id, timestamp: `2026-03-0${i + 1}T10:00:00.000Z` }), partnerId: null, mediaUrl: null })),
    );
    const { messages, total } = await history.page({ contact: { phones: ['+6281234567890'], userIds: [] } }, { limit: 2, offset: 0, order: 'desc' });
    expect(total).toBe(3);
    expect(messages.map((m) => m.provider_message_id)).toEqual(['m3', 'm2']);
    expect(messages[0]).toMatchObject({ phone: '+6281234567890', contact_name: 'Budi', direction: 'in', state: 'received', timestamp: '2026-03-03T10:00:00Z', media: null });
  });

  test('identity combinations and the contact label of a conversation', async () => {
    const partner = double.seed('res.partner', [{ name: 'Budi Santoso' }])[0] as number;
    await history.createInbound([
      { event: event({ providerMessageId: 'x1', userId: 'US.1', contactName: null }), partnerId: partner, mediaUrl: null },
      {
        event: event({ providerMessageId: 'x2', identityChange: { previousPhone: '+6281234567890', newPhone: '+6281399999999', previousUserId: null, newUserId: null } }),
        partnerId: null,
        mediaUrl: null,
      },
    ]);
    const combos = await history.identityCombinations({ phones: ['+6281234567890'], userIds: [] }, 80);
    expect(combos).toEqual(
      expect.arrayContaining([
        { phone: '+6281234567890', userId: 'US.1', previousPhone: null, previousUserId: null },
        { phone: '+6281399999999', userId: null, previousPhone: '+6281234567890', previousUserId: null },
      ]),
    );
    expect(await history.contactLabel({ phones: ['+6281234567890'], userIds: ['US.1'] }, 5)).toEqual({
      contactName: null,
      partner: { id: partner, name: 'Budi Santoso' },
    });
    // A change notice without a partner links nobody; with one, its new number is that partner's.
    expect(await history.partnersOfChangeNotices(['+6281399999999'], [], 4)).toEqual([]);
    await history.createInbound([
      {
        event: event({ providerMessageId: 'x3', identityChange: { previousPhone: '+6281234567890', newPhone: '+6281399999999', previousUserId: null, newUserId: null } }),
        partnerId: partner,
        mediaUrl: null,
      },
    ]);
    expect(await history.partnersOfChangeNotices(['+6281399999999'], ['US.nobody'], 4)).toEqual([{ phone: '+6281399999999', userId: null, partnerId: partner }]);
  });

  test('stats: counts per bucket, distinct numbers and distinct user ids without a number', async () => {
    await history.createInbound([
      { event: event({ providerMessageId: 's1' }), partnerId: null, mediaUrl: null },
      { event: event({ providerMessageId: 's2', phone: '+6281300000001' }), partnerId: null, mediaUrl: null },
      { event: event({ providerMessageId: 's3', phone: null, userId: 'US.9' }), partnerId: null, mediaUrl: null },
    ]);
    const window = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') };
    expect(await history.countByBucket(window, 'day')).toEqual([{ start: new Date('2026-03-01T00:00:00Z'), direction: 'in', state: 'received', count: 3 }]);
    expect(await history.distinctPhones(window)).toBe(2);
    expect(await history.distinctUserIdsWithoutPhone(window)).toBe(1);
  });
});

describe('the partner repository', () => {
  test('candidates by national digits or remembered user id, empty fields as null', async () => {
    const [wayan] = double.seed('res.partner', [{ name: 'Wayan', phone: '0812-3456-7890' }]);
    const partners = createPartnerRepository(
      createOdooClient({ ...credentials(double.addGatewayUser('lookup', 'lookup')), url: double.url, db: double.db, timeoutMs: 2000 }),
    );
    expect(await partners.findCandidates(['81234567890'], [])).toEqual([{ id: wayan, name: 'Wayan', phone: '0812-3456-7890', mobile: null, whatsappUserId: null }]);
    expect(await partners.findCandidates([], [])).toEqual([]);
  });
});
