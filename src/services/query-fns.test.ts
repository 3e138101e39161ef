import { describe, expect, test } from 'vitest';
import {
  escapeLike,
  historyDomain,
  many2one,
  odooToIso,
  parseApiDate,
  parseDateRange,
  parsePhoneFilter,
  toApiMessage,
  type FieldProblem,
  type OdooMessageRow,
} from './query-fns.js';

describe('parseApiDate', () => {
  test.each([
    ['2024-05-01', 'from', '2024-05-01T00:00:00.000Z'],
    ['2024-05-31', 'to', '2024-05-31T23:59:59.000Z'],
    ['2024-02-29', 'to', '2024-02-29T23:59:59.000Z'],
    ['2024-05-01T08:00:00+08:00', 'from', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T08:00:00+0800', 'to', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:15Z', 'from', '2024-05-01T10:15:00.000Z'],
    ['2024-05-01T10:15:30.250Z', 'from', '2024-05-01T10:15:30.250Z'],
    ['2023-12-31T23:00:00-01:00', 'from', '2024-01-01T00:00:00.000Z'],
  ] as const)('%s as %s bound → %s', (text, bound, iso) => {
    expect(parseApiDate(text, bound)?.toISOString()).toBe(iso);
  });

  test.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31T10:00:00Z', '2024-05-01T25:00:00Z', '2024-05-01T10:60:00Z'])(
    '%s is not a real date',
    (text) => {
      expect(parseApiDate(text, 'from')).toBeUndefined();
    },
  );
});

describe('parseDateRange', () => {
  test('collects each bad bound and a reversed range', () => {
    const problems: FieldProblem[] = [];
    parseDateRange({ date_from: '2024-02-30', date_to: '2024-13-01' }, problems);
    expect(problems).toEqual([
      { field: 'querystring/date_from', message: 'is not a real date' },
      { field: 'querystring/date_to', message: 'is not a real date' },
    ]);
    const reversed: FieldProblem[] = [];
    parseDateRange({ date_from: '2024-05-02', date_to: '2024-05-01' }, reversed);
    expect(reversed).toEqual([{ field: 'querystring/date_to', message: 'is before date_from' }]);
  });

  test.each([
    ['date_to', '9999-12-31T23:59:59-14:00'],
    ['date_to', '9999-12-31T23:59:59.500Z'],
    ['date_from', '1969-12-31T23:59:59Z'],
    ['date_from', '1970-01-01T07:59:59+08:00'],
    ['date_from', '1969-12-31'],
    ['date_from', '0050-01-01'],
  ] as const)('%s=%s is outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z', (field, text) => {
    const problems: FieldProblem[] = [];
    expect(parseDateRange({ [field]: text }, problems)).toEqual({});
    expect(problems).toEqual([{ field: `querystring/${field}`, message: 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z' }]);
  });

  test('the first and the last second of the range are accepted', () => {
    const problems: FieldProblem[] = [];
    const range = parseDateRange({ date_from: '1970-01-01', date_to: '9999-12-31' }, problems);
    expect(problems).toEqual([]);
    expect(range.from?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(range.to?.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(parseDateRange({ date_to: '9999-12-31T23:59:59Z', date_from: '1970-01-01T08:00:00+08:00' }, problems)).toBeDefined();
    expect(problems).toEqual([]);
  });

  test('one day as both bounds is that whole day', () => {
    const problems: FieldProblem[] = [];
    const range = parseDateRange({ date_from: '2024-05-01', date_to: '2024-05-01' }, problems);
    expect(problems).toEqual([]);
    expect(range.from?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(range.to?.toISOString()).toBe('2024-05-01T23:59:59.000Z');
  });
});

describe('parsePhoneFilter', () => {
  test.each([
    ['0812-3456-7890', '+6281234567890'],
    ['6281234567890', '+6281234567890'],
    ['+62 812 3456 7890', '+6281234567890'],
    ['120363025246125486@g.us', '120363025246125486@g.us'],
    ['US.13491208655302741918', 'US.13491208655302741918'],
    [' us.13491208655302741918 ', 'US.13491208655302741918'],
    ['whatsapp:US.13491208655302741918', 'US.13491208655302741918'],
  ])('%s → %s', (input, canonical) => {
    const problems: FieldProblem[] = [];
    expect(parsePhoneFilter(input, 'ID', 'querystring/phone', problems)).toBe(canonical);
    expect(problems).toEqual([]);
  });

  test.each([
    ['08123', 'is not a valid phone number nor a WhatsApp user id'],
    ['abc', 'is not a phone number nor a WhatsApp user id'],
    ['US.1349-1208', 'is not a phone number nor a WhatsApp user id'],
    ['US.ENT.1349', 'is not a phone number nor a WhatsApp user id'],
    ['  ', 'is empty'],
  ])('%s is refused: %s', (input, message) => {
    const problems: FieldProblem[] = [];
    expect(parsePhoneFilter(input, 'ID', 'querystring/phone', problems)).toBeUndefined();
    expect(problems).toEqual([{ field: 'querystring/phone', message }]);
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

describe('toApiMessage', () => {
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
    expect(toApiMessage(row)).toEqual({
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
    const media = toApiMessage({ ...row, media_url: 'https://files.example/a.jpg', attachment_id: [9, 'a.jpg'], message: false });
    expect(media.media).toEqual({ url: 'https://files.example/a.jpg', mimetype: null, filename: null, attachment_id: 9 });
    expect(media.message).toBeNull();
  });

  test('a contact known only by user id has no number, and shows its user id and username', () => {
    const message = toApiMessage({ ...row, phone: false, whatsapp_user_id: 'US.13491208655302741918', whatsapp_username: 'budi.bali' });
    expect(message.phone).toBeNull();
    expect(message.user_id).toBe('US.13491208655302741918');
    expect(message.username).toBe('budi.bali');
  });

  test('a failed outgoing message carries its error', () => {
    const failed = toApiMessage({ ...row, direction: 'out', state: 'failed', error_message: 'Fonnte: target invalid', partner_id: false });
    expect(failed.error).toBe('Fonnte: target invalid');
    expect(failed.partner).toBeNull();
  });
});
