import { describe, expect, test } from 'vitest';
import { formToTwilioParams, MAX_FORM_FIELDS, parseFormFields, TooManyFormFieldsError } from './form.js';

const read = (body: string | Buffer) => [...parseFormFields(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'))];

describe('parseFormFields', () => {
  test.each([
    ['a Twilio message', 'MessageSid=SM0a1b&From=whatsapp%3A%2B6281299990000&Body=Halo+apa+kabar%3F&NumMedia=0', [['MessageSid', ['SM0a1b']], ['From', ['whatsapp:+6281299990000']], ['Body', ['Halo apa kabar?']], ['NumMedia', ['0']]]],
    ['repeated names keep their order', 'Tag=b&Tag=a&Tag=b&X=1', [['Tag', ['b', 'a', 'b']], ['X', ['1']]]],
    ['a name without =', 'flag&x=1', [['flag', ['']], ['x', ['1']]]],
    ['= inside the value', 'a=b=c', [['a', ['b=c']]]],
    ['empty fields between separators', '&&a=1&&&b=2&', [['a', ['1']], ['b', ['2']]]],
    ['+ is a space, %2B a plus', 'q=a+b%2Bc', [['q', ['a b+c']]]],
    ['escaped non-ASCII', 'Body=%C3%B1%F0%9F%98%80', [['Body', ['ñ😀']]]],
    ['empty', '', []],
  ])('%s', (_name, text, expected) => {
    expect(read(text)).toEqual(expected);
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

  test('separators are counted before anything is decoded: a body of nothing but separators is refused too', () => {
    expect(() => parseFormFields(Buffer.from(`${'&'.repeat(MAX_FORM_FIELDS * 4)}a=1`))).toThrow(TooManyFormFieldsError);
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
