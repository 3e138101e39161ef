/**
 * The Python side of Odoo's error texts: repr() of values and the exceptions the RPC layer turns
 * into XML-RPC faults (odoo/service/wsgi_server.py, xmlrpc_handle_exception_int).
 */

// Characters str.isprintable() rejects (other than the space): controls, format, separators…
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

/** Python's repr() of a str. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (NON_PRINTABLE.test(ch)) {
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** repr() of the Python values that appear in Odoo's messages (None, bools, ints, str, lists, tuples). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (value instanceof PyTuple) {
    const items = value.items.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

export class PyTuple {
  readonly items: unknown[];
  constructor(...items: unknown[]) {
    this.items = items;
  }
}

/** str(except_orm(msg)) — the repr of its args tuple `(msg, None)`. */
export const exceptOrmStr = (message: string, value: unknown = null): string => pyRepr(new PyTuple(message, value));

// ---------------------------------------------------------------- exceptions → faults

/** Frames every execute_kw traceback starts with (paths of the Odoo 13 that the contract suite runs against). */
const RPC_FRAMES = [
  ['/opt/odoo/odoo/addons/base/controllers/rpc.py', 63, 'xmlrpc_2', 'response = self._xmlrpc(service)'],
  ['/opt/odoo/odoo/addons/base/controllers/rpc.py', 43, '_xmlrpc', 'result = dispatch_rpc(service, method, params)'],
  ['/opt/odoo/odoo/http.py', 138, 'dispatch_rpc', 'result = dispatch(method, params)'],
  ['/opt/odoo/odoo/service/model.py', 40, 'dispatch', 'res = fn(db, uid, *params)'],
  ['/opt/odoo/odoo/service/model.py', 168, 'execute_kw', 'return execute(db, uid, obj, method, *args, **kw or {})'],
] as const;

const MODEL_FRAMES = [
  ['/opt/odoo/odoo/service/model.py', 93, 'wrapper', 'return f(dbname, *args, **kwargs)'],
  ['/opt/odoo/odoo/service/model.py', 175, 'execute', 'res = execute_cr(cr, uid, obj, method, *args, **kw)'],
  ['/opt/odoo/odoo/service/model.py', 164, 'execute_cr', 'return odoo.api.call_kw(recs, method, args, kw)'],
] as const;

const SQL_FRAMES = [
  ['/opt/odoo/odoo/sql_db.py', 163, 'wrapper', 'return f(self, *args, **kwargs)'],
  ['/opt/odoo/odoo/sql_db.py', 240, 'execute', 'res = self._obj.execute(query, params)'],
] as const;

type Frame = readonly [file: string, line: number, fn: string, code: string];

const formatFrames = (frames: readonly Frame[]) =>
  frames.map(([file, line, fn, code]) => `  File "${file}", line ${line}, in ${fn}\n    ${code}\n`).join('');

/** An exception raised inside Odoo; `fault()` is what the XML-RPC layer sends for it. */
export abstract class OdooException extends Error {
  abstract fault(): { faultCode: number; faultString: string };
}

/** odoo.exceptions.AccessDenied: faultCode 3, "Access denied". */
export class AccessDenied extends OdooException {
  constructor(message = 'Access denied') {
    super(message);
  }
  fault() {
    return { faultCode: 3, faultString: this.message };
  }
}

/** odoo.exceptions.AccessError: faultCode 4, str(e). */
export class AccessError extends OdooException {
  fault() {
    return { faultCode: 4, faultString: exceptOrmStr(this.message) };
  }
}

/** odoo.exceptions.MissingError: faultCode 2, str(e). */
export class MissingError extends OdooException {
  fault() {
    return { faultCode: 2, faultString: exceptOrmStr(this.message) };
  }
}

/** odoo.exceptions.UserError: faultCode 2, e.name (the bare message). */
export class UserError extends OdooException {
  fault() {
    return { faultCode: 2, faultString: this.message };
  }
}

/** A database error that a ValidationError was raised while handling (chained in the traceback). */
export interface PgCause {
  /** e.g. psycopg2.errors.UniqueViolation */
  name: string;
  /** pgerror text, e.g. 'duplicate key value violates unique constraint "x"\nDETAIL:  Key (a)=(b) already exists.\n' */
  pgerror: string;
}

/**
 * Any other exception: faultCode 1 and the whole traceback. `pyName` is the qualified class
 * (odoo.exceptions.ValidationError, ValueError, KeyError…), `pyStr` is str(e).
 */
export class PythonException extends OdooException {
  constructor(
    readonly pyName: string,
    readonly pyStr: string,
    readonly opts: { frames?: readonly Frame[]; cause?: PgCause; service?: 'object' | 'common' } = {},
  ) {
    super(`${pyName}: ${pyStr}`);
  }

  fault() {
    const head = 'Traceback (most recent call last):\n';
    let text = '';
    if (this.opts.cause) {
      text +=
        head +
        formatFrames([...MODEL_FRAMES, ...SQL_FRAMES]) +
        `${this.opts.cause.name}: ${this.opts.cause.pgerror}\n` +
        '\nDuring handling of the above exception, another exception occurred:\n\n';
    }
    const frames: readonly Frame[] =
      this.opts.frames ??
      (this.opts.cause
        ? [...RPC_FRAMES, ['/opt/odoo/odoo/service/model.py', 115, 'wrapper', "raise ValidationError(tr(key, 'sql_constraint') or inst.pgerror)"]]
        : [...RPC_FRAMES, ...MODEL_FRAMES]);
    text += head + formatFrames(frames) + `${this.pyName}: ${this.pyStr}\n`;
    return { faultCode: 1, faultString: text };
  }
}

/** odoo.exceptions.ValidationError (faultCode 1 + traceback), optionally chained to a database error. */
export const validationError = (message: string, cause?: PgCause) =>
  new PythonException('odoo.exceptions.ValidationError', exceptOrmStr(message), cause ? { cause } : {});

export const valueError = (message: string) => new PythonException('ValueError', message);
export const keyError = (key: string) => new PythonException('KeyError', pyStrRepr(key));
export const typeError = (message: string) => new PythonException('TypeError', message);

/** What rpc.py raises when the result holds None: the method ran (and committed) first. */
export const noneMarshalError = () =>
  new PythonException('TypeError', 'cannot marshal None unless allow_none is enabled', {
    frames: [
      RPC_FRAMES[0],
      ['/opt/odoo/odoo/addons/base/controllers/rpc.py', 44, '_xmlrpc', 'return dumps((result,), methodresponse=1, allow_none=False)'],
      ['/usr/lib/python3.9/xmlrpc/client.py', 975, 'dumps', 'data = m.dumps(params)'],
      ['/usr/lib/python3.9/xmlrpc/client.py', 508, 'dumps', 'dump(v, write)'],
      ['/usr/lib/python3.9/xmlrpc/client.py', 530, '__dump', 'f(self, value, write)'],
      ['/usr/lib/python3.9/xmlrpc/client.py', 534, 'dump_nil', 'raise TypeError("cannot marshal None unless allow_none is enabled")'],
    ],
  });

/** psycopg2 cannot reach the database named in the call. */
export const unknownDatabase = (db: string) =>
  new PythonException('psycopg2.OperationalError', `FATAL:  database ${JSON.stringify(db)} does not exist\n`, {
    frames: [
      ...RPC_FRAMES.slice(0, 4),
      ['/opt/odoo/odoo/sql_db.py', 598, 'borrow', 'result = psycopg2.connect('],
      ['/usr/lib/python3/dist-packages/psycopg2/__init__.py', 127, 'connect', 'conn = _connect(dsn, connection_factory=connection_factory, **kwasync)'],
    ],
  });
