import { describe, expect, test } from 'vitest';
import { toOdooWire, toXmlSafeText } from './wire.js';

describe('toOdooWire', () => {
  test('turns Dates into Odoo datetimes wherever they are: values, domains, nested lists', () => {
    const when = new Date('2024-01-02T03:04:05.678Z');
    expect(toOdooWire({ timestamp: when })).toEqual({ timestamp: '2024-01-02 03:04:05' });
    expect(toOdooWire([['timestamp', '>=', when], '|', ['id', 'in', [1, 2]]])).toEqual([['timestamp', '>=', '2024-01-02 03:04:05'], '|', ['id', 'in', [1, 2]]]);
    expect(toOdooWire([[0, 0, { when }]])).toEqual([[0, 0, { when: '2024-01-02 03:04:05' }]]);
  });

  test('returns copies: the caller’s arrays and objects are never shared or changed', () => {
    const domain = [['phone', '=', 'x']];
    const copy = toOdooWire(domain) as unknown[][];
    expect(copy).toEqual(domain);
    expect(copy).not.toBe(domain);
    expect(copy[0]).not.toBe(domain[0]);
    copy.unshift(['db', 'uid']);
    expect(domain).toEqual([['phone', '=', 'x']]);
  });

  test('bytes become base64, as Odoo binary fields expect', () => {
    expect(toOdooWire({ datas: Buffer.from('hi') })).toEqual({ datas: 'aGk=' });
    expect(toOdooWire({ datas: new Uint8Array([104, 105]) })).toEqual({ datas: 'aGk=' });
  });

  test('undefined: dropped from objects, None (null) inside lists', () => {
    expect(toOdooWire({ a: 1, b: undefined })).toEqual({ a: 1 });
    expect(toOdooWire([1, undefined])).toEqual([1, null]);
  });

  test.each([
    [true, true],
    [0, 0],
    [null, null],
    ['text', 'text'],
  ])('%j passes through', (value, expected) => {
    expect(toOdooWire(value)).toEqual(expected);
  });
});

describe('toXmlSafeText', () => {
  test.each([
    ['tab\tnewline\ncr\r', 'tab\tnewline\ncr\r'],
    ['bell\u0007 nul\u0000', 'bell\uFFFD nul\uFFFD'],
    ['emoji 😀 kept', 'emoji 😀 kept'],
    ['lone \uD83D surrogate', 'lone \uFFFD surrogate'],
    ['\uDE00 trailing half', '\uFFFD trailing half'],
    ['\uFFFE', '\uFFFD'],
  ])('%j', (text, expected) => {
    expect(toXmlSafeText(text)).toBe(expected);
  });
});
