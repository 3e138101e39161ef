/**
 * Values on their way to Odoo over XML-RPC: deep-copied (odoo-await unshifts into the params it is
 * given, so a caller's array must never reach it), with Dates as Odoo datetime strings.
 */
import { toOdooDatetime } from './datetime.js';

// Tab, LF and CR are allowed; other C0 controls, U+FFFE/U+FFFF and unpaired surrogates are not.
// eslint-disable-next-line no-control-regex -- XML 1.0 forbids these control characters: finding them is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const toXmlSafeText = (text: string): string => text.replace(XML_INVALID, '\uFFFD');

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A deep copy of a value bound for Odoo, with every Date turned into Odoo's datetime string and
 * every Buffer/Uint8Array into base64 (what Odoo's binary fields take). Copying also means the
 * caller's arrays are never touched by odoo-await, which unshifts into the params it is given.
 * Keys whose value is `undefined` are dropped: XML-RPC has no undefined. Characters XML 1.0 cannot
 * carry (most C0 controls, lone surrogates) become U+FFFD: the XML-RPC serializer would otherwise
 * throw, and Odoo's parser would reject them anyway, making a message undeliverable forever.
 */
export function toOdooWire(value: unknown): unknown {
  if (typeof value === 'string') return toXmlSafeText(value);
  if (value instanceof Date) return toOdooDatetime(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  // undefined inside a list goes out as <nil/> (Python None); odoo-await would send an empty string.
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toOdooWire(item)));
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[toXmlSafeText(key)] = toOdooWire(item);
    }
    return copy;
  }
  return value;
}
