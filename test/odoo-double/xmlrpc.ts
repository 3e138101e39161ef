/**
 * XML-RPC as Odoo 13 speaks it: requests parsed the way Python's xmlrpc.client.loads reads them,
 * responses written byte for byte the way xmlrpc.client.dumps writes them (methodresponse=1,
 * allow_none=False — a None anywhere in the result is an error, see PyNoneError).
 */

/** `<base64>`: Python gives an xmlrpc.client.Binary, not bytes. */
export class PyBinary {
  constructor(readonly data: Buffer) {}
}

/** `<dateTime.iso8601>`: Python gives an xmlrpc.client.DateTime, which Odoo's fields do not accept. */
export class PyDateTime {
  constructor(readonly value: string) {}
}

export type PyValue =
  | string
  | number
  | boolean
  | null
  | PyBinary
  | PyDateTime
  | PyValue[]
  | { [key: string]: PyValue };

export interface MethodCall {
  methodName: string;
  params: PyValue[];
}

export class XmlRpcParseError extends Error {}

// ---------------------------------------------------------------- parsing

interface XmlElement {
  name: string;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = ENTITIES[ref];
    if (named === undefined) throw new XmlRpcParseError(`undefined entity ${whole}`);
    return named;
  });
}

/** A small, strict XML reader: elements, text, CDATA, comments, the declaration. No attributes used. */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [] };
  const stack: XmlElement[] = [root];
  let i = 0;
  const top = () => stack[stack.length - 1] as XmlElement;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) {
      top().children.push(decodeEntities(xml.slice(i)));
      break;
    }
    if (lt > i) top().children.push(decodeEntities(xml.slice(i, lt)));
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt);
      if (end === -1) throw new XmlRpcParseError('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end === -1) throw new XmlRpcParseError('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt);
      if (end === -1) throw new XmlRpcParseError('unterminated CDATA');
      top().children.push(xml.slice(lt + 9, end));
      i = end + 3;
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt);
      const name = xml.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlRpcParseError(`mismatched tag </${name}>`);
      i = end + 1;
    } else {
      const end = xml.indexOf('>', lt);
      if (end === -1) throw new XmlRpcParseError('unterminated tag');
      let inner = xml.slice(lt + 1, end);
      const selfClosing = inner.endsWith('/');
      if (selfClosing) inner = inner.slice(0, -1);
      const name = inner.trim().split(/\s+/)[0] ?? '';
      const element: XmlElement = { name, children: [] };
      top().children.push(element);
      if (!selfClosing) stack.push(element);
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new XmlRpcParseError(`unclosed <${top().name}>`);
  const elements = root.children.filter((c): c is XmlElement => typeof c !== 'string');
  if (elements.length !== 1) throw new XmlRpcParseError('expected one root element');
  return elements[0] as XmlElement;
}

const childElements = (el: XmlElement) => el.children.filter((c): c is XmlElement => typeof c !== 'string');
const textOf = (el: XmlElement) => el.children.filter((c): c is string => typeof c === 'string').join('');

function parseValue(valueEl: XmlElement): PyValue {
  const [typed] = childElements(valueEl);
  if (!typed) return textOf(valueEl); // <value>text</value> is a string
  const text = textOf(typed);
  switch (typed.name) {
    case 'string':
      return text;
    case 'int':
    case 'i4':
    case 'i8':
    case 'i1':
    case 'i2':
    case 'biginteger': {
      if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new XmlRpcParseError(`invalid literal for int() with base 10: '${text}'`);
      return Number.parseInt(text, 10);
    }
    case 'double':
    case 'float':
      return Number.parseFloat(text);
    case 'boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw new XmlRpcParseError('bad boolean value');
    case 'nil':
      return null;
    case 'base64':
      return new PyBinary(Buffer.from(text, 'base64'));
    case 'dateTime.iso8601':
      return new PyDateTime(text.trim());
    case 'array': {
      const data = childElements(typed).find((c) => c.name === 'data');
      return data ? childElements(data).filter((c) => c.name === 'value').map(parseValue) : [];
    }
    case 'struct': {
      const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>;
      for (const member of childElements(typed).filter((c) => c.name === 'member')) {
        const nameEl = childElements(member).find((c) => c.name === 'name');
        const valEl = childElements(member).find((c) => c.name === 'value');
        if (!nameEl || !valEl) throw new XmlRpcParseError('bad struct member');
        out[textOf(nameEl)] = parseValue(valEl);
      }
      return out;
    }
    default:
      throw new XmlRpcParseError(`unknown tag <${typed.name}>`);
  }
}

export function parseMethodCall(xml: string): MethodCall {
  const root = parseXml(xml);
  if (root.name !== 'methodCall') throw new XmlRpcParseError('not a methodCall');
  const nameEl = childElements(root).find((c) => c.name === 'methodName');
  if (!nameEl) throw new XmlRpcParseError('no methodName');
  const paramsEl = childElements(root).find((c) => c.name === 'params');
  const params = paramsEl
    ? childElements(paramsEl)
        .filter((c) => c.name === 'param')
        .map((param) => {
          const valueEl = childElements(param).find((c) => c.name === 'value');
          if (!valueEl) throw new XmlRpcParseError('param without value');
          return parseValue(valueEl);
        })
    : [];
  return { methodName: textOf(nameEl).trim(), params };
}

// ---------------------------------------------------------------- writing

/** Raised while marshalling a result that contains None (Odoo marshals with allow_none=False). */
export class PyNoneError extends Error {}
/** Raised while marshalling an int beyond XML-RPC's 32-bit range. */
export class PyOverflowError extends Error {}

// xmlrpc.client.escape: &, <, > only.
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

/** Python's repr() of a float, for the values JS can tell apart from ints. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  const s = String(n);
  return s.includes('e') ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

/** A float an Odoo field returns (Float fields), so the response says <double> even for 0.0. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type ResultValue = PyValue | PyFloat | undefined | ResultValue[] | { [key: string]: ResultValue };

function dumpValue(value: ResultValue, out: string[]): void {
  if (value === null || value === undefined) throw new PyNoneError('cannot marshal None unless allow_none is enabled');
  if (typeof value === 'boolean') {
    out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>\n`);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      if (value > MAXINT || value < MININT) throw new PyOverflowError('int exceeds XML-RPC limits');
      out.push(`<value><int>${value}</int></value>\n`);
    } else {
      out.push(`<value><double>${pyFloatRepr(value)}</double></value>\n`);
    }
  } else if (typeof value === 'string') {
    out.push(`<value><string>${escapeXml(value)}</string></value>\n`);
  } else if (value instanceof PyFloat) {
    out.push(`<value><double>${pyFloatRepr(value.value)}</double></value>\n`);
  } else if (value instanceof PyBinary) {
    out.push(`<value><base64>\n${value.data.toString('base64')}\n</base64></value>\n`);
  } else if (value instanceof PyDateTime) {
    out.push(`<value><dateTime.iso8601>${value.value}</dateTime.iso8601></value>\n`);
  } else if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const item of value) dumpValue(item, out);
    out.push('</data></array></value>\n');
  } else {
    out.push('<value><struct>\n');
    for (const [key, item] of Object.entries(value)) {
      out.push(`<member>\n<name>${escapeXml(key)}</name>\n`);
      dumpValue(item, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  }
}

/** dumps((result,), methodresponse=1, allow_none=False). Throws PyNoneError / PyOverflowError. */
export function dumpResponse(result: ResultValue): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"];
  dumpValue(result, out);
  out.push('</param>\n</params>\n</methodResponse>\n');
  return out.join('');
}

/** dumps(Fault(code, string)), exactly as wsgi_server.xmlrpc_handle_exception_int sends it. */
export function dumpFault(faultCode: number, faultString: string): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"];
  dumpValue({ faultCode, faultString }, out);
  out.push('</fault>\n</methodResponse>\n');
  return out.join('');
}
