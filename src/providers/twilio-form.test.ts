import { describe, expect, test } from 'vitest';
import { formToTwilioParams, MAX_FORM_FIELDS, parseFormFields, TooManyFormFieldsError } from './twilio-form.js';

/** What the WHATWG form parser (URLSearchParams) reads from the same bytes, grouped by name. */
function reference(body: Buffer): [string, string[]][] {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return [...grouped];
}

const read = (body: string | Buffer) => [...parseFormFields(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'))];

describe('parseFormFields reads what URLSearchParams reads (the signature depends on it)', () => {
  test.each([
    ['a Twilio message', 'MessageSid=SM0a1b&From=whatsapp%3A%2B6281299990000&Body=Halo+apa+kabar%3F&NumMedia=0'],
    ['repeated names keep their order', 'Tag=b&Tag=a&Tag=b&X=1'],
    ['a name without =', 'flag&x=1'],
    ['an empty name', '=value&x='],
    ['= inside the value', 'a=b=c&d==='],
    ['empty fields between separators', '&&a=1&&&b=2&'],
    ['only separators', '&&&'],
    ['+ is a space, %2B a plus', 'q=a+b%2Bc&+n+=+'],
    ['non-ASCII, raw and escaped', 'Body=ñ 😀&Body2=%C3%B1%F0%9F%98%80'],
    ['escapes in lower and upper case', 'x=%c3%A9%2f'],
    ['broken escapes stay as they are', 'From=whatsapp%3A%2B62%ZZ&Body=%&t=%4&u=%%41&v=%G1'],
    ['an escape cut by the end of a field', 'a=%4&b=%'],
    ['escaped separators are data', 'a=%26b%3Dc&%3D=%26'],
    ['invalid UTF-8 becomes U+FFFD', 'a=%FF%FE&b=%C3&c=%E2%82'],
    ['a byte-order mark is kept', 'a=%EF%BB%BFx'],
    ['whitespace is data', '  \r\n'],
    ['names that are Object.prototype members', '__proto__=zz&constructor=c&toString=t&hasOwnProperty=h'],
    ['empty', ''],
  ])('%s', (_name, text) => {
    expect(read(text)).toEqual(reference(Buffer.from(text, 'utf8')));
  });

  test.each([
    ['alone', Buffer.concat([Buffer.from('a='), Buffer.from([0xff, 0xc3]), Buffer.from('&b=1')])],
    ['before an escape that would complete them', Buffer.concat([Buffer.from('a=x+'), Buffer.from([0xc3]), Buffer.from('%A9&b=%E2'), Buffer.from([0x82, 0xac])])],
  ])('raw bytes that are not UTF-8 are read as U+FFFD, as URLSearchParams on the decoded text does (%s)', (_name, body) => {
    expect(read(body)).toEqual(reference(body));
  });

  test('2,000 random bodies of the bytes that matter (separators, escapes, broken UTF-8) read alike', () => {
    // A fixed seed: the same bodies every run.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    // No raw non-ASCII characters: see the next test.
    const pieces = ['a', 'b', '=', '&', '+', '%', '2', 'B', 'c', '3', 'A', '9', 'F', ' ', '%C3', '%A9', '%2'].map((p) => Buffer.from(p));
    const rawBytes = [Buffer.from([0xc3]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82])];
    for (let n = 0; n < 2000; n += 1) {
      const parts: Buffer[] = [];
      const length = Math.floor(random() * 24);
      for (let i = 0; i < length; i += 1) {
        const pool = random() < 0.15 ? rawBytes : pieces;
        parts.push(pool[Math.floor(random() * pool.length)] as Buffer);
      }
      const body = Buffer.concat(parts);
      expect(read(body), body.toString('hex')).toEqual(reference(body));
    }
  });

  test("a raw non-ASCII character in a field with a broken escape: read as the standard says, where Node's URLSearchParams mangles it", () => {
    // Node falls back to querystring's decoder, which cuts é (U+00E9) to the byte E9. Twilio
    // percent-encodes every non-ASCII character, so its webhooks never meet this difference.
    expect(read('n=aé%A9')).toEqual([['n', ['aé\uFFFD']]]);
  });

  test('__proto__ is an ordinary field and touches no prototype', () => {
    const fields = parseFormFields(Buffer.from('__proto__=zz&__proto__=yy&a=1'));
    expect(fields.get('__proto__')).toEqual(['zz', 'yy']);
    const params = formToTwilioParams(fields, Buffer.from('x'));
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.keys(params)).toEqual(['__proto__', 'a']);
    expect(params['__proto__']).toEqual(['zz', 'yy']);
    expect(({} as Record<string, unknown>).zz).toBeUndefined();
  });
});

describe('the field cap', () => {
  const fields = (n: number, name = (i: number) => `f${i}`) => Array.from({ length: n }, (_, i) => `${name(i)}=`).join('&');

  test.each([
    ['distinct names', (n: number) => fields(n)],
    ['one name repeated', (n: number) => fields(n, () => 'a')],
    ['names without values', (n: number) => Array.from({ length: n }, () => 'a').join('&')],
  ])('%s: %i fields are read, one more is 413 too_many_fields', (_name, make) => {
    expect(parseFormFields(Buffer.from(make(MAX_FORM_FIELDS))).size).toBeGreaterThan(0);
    expect(() => parseFormFields(Buffer.from(make(MAX_FORM_FIELDS + 1)))).toThrow(TooManyFormFieldsError);
    try {
      parseFormFields(Buffer.from(make(MAX_FORM_FIELDS + 1)));
    } catch (error) {
      expect(error).toMatchObject({ statusCode: 413, code: 'too_many_fields' });
    }
  });

  test('empty fields do not count', () => {
    expect(read(`${'&'.repeat(MAX_FORM_FIELDS * 4)}a=1`)).toEqual([['a', ['1']]]);
  });

  test('a smaller cap can be given', () => {
    expect(() => parseFormFields(Buffer.from('a=1&b=2&c=3'), 2)).toThrow(TooManyFormFieldsError);
  });
});

describe('formToTwilioParams', () => {
  test('one value is a string, a repeated name an array', () => {
    const body = Buffer.from('MessageSid=SM1&Tag=a&Tag=b');
    expect({ ...formToTwilioParams(parseFormFields(body), body) }).toEqual({ MessageSid: 'SM1', Tag: ['a', 'b'] });
  });

  test.each([
    ['an empty body', '', 'The request body is empty'],
    ['whitespace only', '  \r\n', 'The request body is empty'],
    ['only separators', '&&&', 'no form parameters'],
  ])('%s → 400 invalid_form', (_name, text, message) => {
    const body = Buffer.from(text);
    expect(() => formToTwilioParams(parseFormFields(body), body)).toThrow(expect.objectContaining({ statusCode: 400, code: 'invalid_form', message: expect.stringContaining(message) }));
  });
});
