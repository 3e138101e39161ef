import { describe, expect, test } from 'vitest';
import type { MessageEvent, MessageState, StatusEvent } from '../domain/message.js';
import { messageValues, nextState } from './history-values.js';

describe('nextState (forward only)', () => {
  test.each<[MessageState, StatusEvent['state'], MessageState | null]>([
    ['queued', 'sent', 'sent'],
    ['sent', 'delivered', 'delivered'],
    ['delivered', 'read', 'read'],
    ['queued', 'read', 'read'],
    ['read', 'delivered', null],
    ['delivered', 'sent', null],
    ['sent', 'sent', null],
    ['sent', 'failed', 'failed'],
    ['queued', 'failed', 'failed'],
    ['delivered', 'failed', null],
    ['read', 'failed', null],
    ['failed', 'delivered', null],
    ['received', 'read', null],
  ])('%s + %s → %s', (current, incoming, expected) => expect(nextState(current, incoming)).toBe(expected));
});

describe('messageValues', () => {
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
    const values = messageValues(event, 42, (m) => `https://graph.example/${m.mediaId}`);
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
    expect(messageValues({ ...event, timestamp: '2026-01-29T17:20:00+08:00' }, null, () => null).timestamp).toBe('2026-01-29 09:20:00');
  });

  test("what the provider said was wrong with a message (or what was not understood of it) is its error_message", () => {
    const values = messageValues({ ...event, messageType: 'other', providerError: '131051: Message type unknown' }, null, () => null);
    expect(values).toMatchObject({ message_type: 'other', error_message: '131051: Message type unknown' });
  });

  test('absent values become False (Odoo clears them) rather than null (not marshallable)', () => {
    const values = messageValues({ ...event, contactName: null, media: null, text: null, device: null }, null, () => null);
    expect(values).toMatchObject({ contact_name: false, partner_id: false, message: false, media_url: false, device: false });
  });
});
