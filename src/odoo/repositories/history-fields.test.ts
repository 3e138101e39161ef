import { describe, expect, test } from 'vitest';
import type { MessageEvent } from '../../domain/message.js';
import {
  escapeLike,
  historyDomain,
  inboundMessageValues,
  many2one,
  odooToIso,
  toHistoryMessage,
  type OdooMessageRow,
} from './history-fields.js';

describe('inboundMessageValues', () => {
  const event: MessageEvent = {
    kind: 'message',
    provider: 'meta',
    providerMessageId: 'wamid.X1',
    direction: 'in',
    phone: '+6281299990000',
    contactName: 'Budi',
    device: '+6285700000001',
    messageType: 'image',
    text: 'foto paspor',
    media: { mediaId: '777', mimetype: 'image/jpeg' },
    timestamp: '2026-01-29T09:20:00.000Z',
    raw: { id: 'wamid.X1' },
  };

  test('maps every field the addon defines, incoming messages are "received"', () => {
    const values = inboundMessageValues({ event, partnerId: 42, mediaUrl: 'https://graph.example/777' });
    expect(values).toEqual({
      phone: '+6281299990000',
      contact_name: 'Budi',
      partner_id: 42,
      direction: 'in',
      message: 'foto paspor',
      message_type: 'image',
      media_url: 'https://graph.example/777',
      media_mimetype: 'image/jpeg',
      media_filename: false,
      provider: 'meta',
      provider_message_id: 'wamid.X1',
      device: '+6285700000001',
      state: 'received',
      error_message: false,
      timestamp: '2026-01-29 09:20:00',
      raw_payload: '{"id":"wamid.X1"}',
    });
  });

  test('the provider timestamp is sent as an Odoo UTC datetime, whatever its offset', () => {
    expect(inboundMessageValues({ event: { ...event, timestamp: '2026-01-29T17:20:00+08:00' }, partnerId: null, mediaUrl: null }).timestamp).toBe('2026-01-29 09:20:00');
  });

  test("what the provider said was wrong with a message (or what was not understood of it) is its error_message", () => {
    const values = inboundMessageValues({ event: { ...event, messageType: 'other', providerError: '131051: Message type unknown' }, partnerId: null, mediaUrl: null });
    expect(values).toMatchObject({ message_type: 'other', error_message: '131051: Message type unknown' });
  });

  test('absent values become False (Odoo clears them) rather than null (not marshallable)', () => {
    const values = inboundMessageValues({ event: { ...event, contactName: null, media: null, text: null, device: null }, partnerId: null, mediaUrl: null });
    expect(values).toMatchObject({ contact_name: false, partner_id: false, message: false, media_url: false, device: false });
  });
});

test.each([
  ['plain', 'plain'],
  ['100%', '100\\%'],
  ['a_b', 'a\\_b'],
  ['back\\slash', 'back\\\\slash'],
])('escapeLike(%s) = %s', (input, escaped) => {
  expect(escapeLike(input)).toBe(escaped);
});

describe('historyDomain', () => {
  test.each([
    [{}, []],
    [{ phone: '+6281234567890' }, [['phone', '=', '+6281234567890']]],
    [{ direction: 'in' as const }, [['direction', '=', 'in']]],
    [{ state: 'failed' as const }, [['state', '=', 'failed']]],
    [{ from: new Date('2024-05-01T00:00:00Z') }, [['timestamp', '>=', '2024-05-01 00:00:00']]],
    [{ to: new Date('2024-05-31T23:59:59Z') }, [['timestamp', '<=', '2024-05-31 23:59:59']]],
    [{ q: '50%_off' }, [['message', '=ilike', '%50\\%\\_off%']]],
    [{ partnerId: 7 }, [['partner_id', '=', 7]]],
    [{ contact: { phones: ['+6281234567890'], userIds: [] } }, [['phone', '=', '+6281234567890']]],
    [
      { contact: { phones: ['+6281234567890', '+6281300000001'], userIds: ['US.1349'] } },
      [
        '|',
        ['phone', 'in', ['+6281234567890', '+6281300000001']],
        '&',
        ['whatsapp_user_id', '=', 'US.1349'],
        '|',
        ['phone', '=', false],
        ['phone', 'not like', '@g.us'],
      ],
    ],
    [
      { contact: { phones: [], userIds: ['US.1349', 'US.2'] } },
      ['&', ['whatsapp_user_id', 'in', ['US.1349', 'US.2']], '|', ['phone', '=', false], ['phone', 'not like', '@g.us']],
    ],
    [
      { phone: '+6281234567890', direction: 'out' as const, q: 'halo' },
      [
        ['phone', '=', '+6281234567890'],
        ['direction', '=', 'out'],
        ['message', '=ilike', '%halo%'],
      ],
    ],
  ])('%j → %j', (filters, domain) => {
    expect(historyDomain(filters)).toEqual(domain);
  });
});

test.each([
  ['2024-05-01 08:30:00', '2024-05-01T08:30:00Z'],
  ['2024-02-30 08:30:00', null],
  [false, null],
  ['2024-05-01T08:30:00Z', null],
])('odooToIso(%j) = %j', (value, iso) => {
  expect(odooToIso(value)).toBe(iso);
});

test.each([
  [[7, 'Budi Santoso'], { id: 7, name: 'Budi Santoso' }],
  [false, null],
  [[], null],
])('many2one(%j) = %j', (value, partner) => {
  expect(many2one(value)).toEqual(partner);
});

describe('toHistoryMessage', () => {
  const row: OdooMessageRow = {
    id: 42,
    phone: '+6281234567890',
    whatsapp_user_id: false,
    whatsapp_username: false,
    contact_name: 'Budi',
    partner_id: [7, 'Budi Santoso'],
    direction: 'in',
    message: 'Halo',
    message_type: 'text',
    media_url: false,
    media_mimetype: false,
    media_filename: false,
    attachment_id: false,
    provider: 'fonnte',
    provider_message_id: '4412',
    device: '6285700000001',
    state: 'received',
    error_message: false,
    timestamp: '2024-05-01 08:30:00',
  };

  test('maps Odoo falses to nulls, the partner pair to an object, the time to ISO', () => {
    expect(toHistoryMessage(row)).toEqual({
      id: 42,
      phone: '+6281234567890',
      user_id: null,
      username: null,
      contact_name: 'Budi',
      partner: { id: 7, name: 'Budi Santoso' },
      direction: 'in',
      message: 'Halo',
      message_type: 'text',
      media: null,
      provider: 'fonnte',
      provider_message_id: '4412',
      device: '6285700000001',
      state: 'received',
      error: null,
      timestamp: '2024-05-01T08:30:00Z',
    });
  });

  test('media is an object as soon as one media field is set', () => {
    const media = toHistoryMessage({ ...row, media_url: 'https://files.example/a.jpg', attachment_id: [9, 'a.jpg'], message: false });
    expect(media.media).toEqual({ url: 'https://files.example/a.jpg', mimetype: null, filename: null, attachment_id: 9 });
    expect(media.message).toBeNull();
  });

  test('a contact known only by user id has no number, and shows its user id and username', () => {
    const message = toHistoryMessage({ ...row, phone: false, whatsapp_user_id: 'US.13491208655302741918', whatsapp_username: 'budi.bali' });
    expect(message.phone).toBeNull();
    expect(message.user_id).toBe('US.13491208655302741918');
    expect(message.username).toBe('budi.bali');
  });

  test('a failed outgoing message carries its error', () => {
    const failed = toHistoryMessage({ ...row, direction: 'out', state: 'failed', error_message: 'Fonnte: target invalid', partner_id: false });
    expect(failed.error).toBe('Fonnte: target invalid');
    expect(failed.partner).toBeNull();
  });
});
