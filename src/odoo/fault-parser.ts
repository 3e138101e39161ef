/**
 * Turns an Odoo 13 XML-RPC fault into an error kind and a human message.
 *
 * How Odoo 13 shapes faults (odoo/service/wsgi_server.py, xmlrpc_handle_exception_int):
 *   UserError                  → faultCode 2, faultString = the message
 *   MissingError               → faultCode 2, faultString = str(e) = "('message', None)"
 *   AccessError                → faultCode 4, faultString = "('message', None)"
 *   AccessDenied (bad login)   → faultCode 3, faultString = "Access denied"
 *   anything else              → faultCode 1, faultString = the full Python traceback, whose last
 *                                exception line is e.g. "odoo.exceptions.ValidationError: ('msg', None)"
 * A `_sql_constraints` UNIQUE violation arrives as a ValidationError (faultCode 1) raised while
 * handling psycopg2's UniqueViolation (odoo/service/model.py, check()), so the traceback holds both.
 */
import type { OdooErrorKind } from './errors.js';

export interface ParsedFault {
  kind: OdooErrorKind;
  message: string;
  /** Python exception class, e.g. `odoo.exceptions.ValidationError`. */
  exceptionName?: string;
  /** For unique violations: the PostgreSQL constraint name when the traceback names it. */
  constraint?: string;
}

/** Decodes a Python string literal body (the text between the quotes) with its escapes. */
function decodePythonEscapes(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\\'"nrtabfv0])/g, (_, esc: string) => {
    switch (esc[0]) {
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(parseInt(esc.slice(1), 16));
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      default:
        return esc;
    }
  });
}

// str(except_orm) is the repr of its args tuple: ('message', None) or ("it's", None); the value is
// None for Access/Missing/ValidationError and '' for UserError.
const ARGS_TUPLE = /^\((['"])((?:\\.|(?!\1)[^\\])*)\1, (None|''|""|\d+)\)$/s;

/** `('message', None)` → `message`; any other text is returned unchanged. */
export function unwrapExceptionArgs(text: string): string {
  const m = ARGS_TUPLE.exec(text.trim());
  return m ? decodePythonEscapes(m[2] ?? '') : text;
}

const isArgsTuple = (text: string): boolean => ARGS_TUPLE.test(text.trim());

interface PythonException {
  name: string;
  message: string;
}

/**
 * The exceptions of a Python traceback, outermost (the one that reached the RPC layer) last.
 * Chained exceptions ("During handling of the above exception…") come before it.
 */
export function tracebackExceptions(traceback: string): PythonException[] {
  const lines = traceback.replace(/\r\n/g, '\n').split('\n');
  const found: PythonException[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.startsWith('Traceback (most recent call last):')) {
      i += 1;
      continue;
    }
    // Skip the frames (indented lines); the first line at column 0 names the exception.
    i += 1;
    while (i < lines.length && (lines[i]!.startsWith(' ') || lines[i]!.startsWith('\t'))) i += 1;
    const head = lines[i];
    if (head === undefined) break;
    const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(head);
    if (!m) {
      i += 1;
      continue;
    }
    // The message runs on until the next traceback block (psycopg2 adds DETAIL:/LINE lines).
    const rest: string[] = [m[2] ?? ''];
    i += 1;
    while (
      i < lines.length &&
      !lines[i]!.startsWith('Traceback (most recent call last):') &&
      !lines[i]!.startsWith('During handling of the above exception') &&
      !lines[i]!.startsWith('The above exception was the direct cause')
    ) {
      rest.push(lines[i]!);
      i += 1;
    }
    found.push({ name: m[1]!, message: rest.join('\n').trim() });
  }
  return found;
}

// psycopg2 ≥ 2.8 names the class (locale independent); older builds print IntegrityError + the
// server's (possibly translated) message, so the English text is only a fallback.
const UNIQUE_CAUSE = /^psycopg2\.(?:errors\.UniqueViolation|IntegrityError)$/;
const UNIQUE_TEXT = /duplicate key value violates unique constraint "([^"]+)"/;
// PostgreSQL quotes the constraint's name in every language: the first quoted identifier.
const CONSTRAINT_NAME_TEXT = /"([A-Za-z0-9_$]+)"/;
// Without a `lang` in the context, Odoo 13 raises ValidationError(<constraint name>) itself
// (service/model.py: tr() returns the key untranslated).
const CONSTRAINT_IDENTIFIER = /^[a-z0-9_]+_(?:uniq|unique|key)$/;

const TRANSIENT_DB_ERRORS = new Set([
  'psycopg2.OperationalError',
  'psycopg2.InterfaceError',
  'psycopg2.errors.SerializationFailure',
  'psycopg2.errors.LockNotAvailable',
  'psycopg2.errors.DeadlockDetected',
  'psycopg2.errors.QueryCanceled',
  'psycopg2.errors.AdminShutdown',
  'psycopg2.errors.CannotConnectNow',
  'psycopg2.pool.PoolError',
]);

const NONE_MARSHAL = 'cannot marshal None unless allow_none is enabled';

/**
 * True when the fault only says the method returned None: Odoo 13 marshals responses with
 * allow_none=False, after the method ran and committed. The call succeeded.
 */
export function isNoneResultFault(faultCode: unknown, faultString: string): boolean {
  if (Number(faultCode) !== 1) return false;
  const last = tracebackExceptions(faultString).at(-1);
  return last !== undefined && last.name === 'TypeError' && last.message.startsWith(NONE_MARSHAL);
}

function classifyTraceback(traceback: string): ParsedFault {
  const chain = tracebackExceptions(traceback);
  const last = chain.at(-1);
  if (!last) return { kind: 'internal', message: firstLine(traceback) };
  const message = unwrapExceptionArgs(last.message);
  const exceptionName = last.name;
  switch (exceptionName) {
    case 'odoo.exceptions.ValidationError': {
      const cause = chain.at(-2);
      const uniqueText = cause ? UNIQUE_TEXT.exec(cause.message) : null;
      if (cause && UNIQUE_CAUSE.test(cause.name) && (cause.name.endsWith('UniqueViolation') || uniqueText)) {
        const constraint = uniqueText?.[1] ?? CONSTRAINT_NAME_TEXT.exec(cause.message)?.[1];
        return { kind: 'unique', message, exceptionName, ...(constraint ? { constraint } : {}) };
      }
      if (!cause && CONSTRAINT_IDENTIFIER.test(message)) {
        return { kind: 'unique', message, exceptionName, constraint: message };
      }
      return { kind: 'validation', message, exceptionName };
    }
    case 'odoo.exceptions.UserError':
    case 'odoo.exceptions.Warning':
    case 'odoo.exceptions.RedirectWarning':
      return { kind: 'user', message, exceptionName };
    case 'odoo.exceptions.MissingError':
      return { kind: 'missing', message, exceptionName };
    case 'odoo.exceptions.AccessError':
      return { kind: 'access', message, exceptionName };
    case 'odoo.exceptions.AccessDenied':
      return { kind: 'authentication', message, exceptionName };
    default:
      // Not outages: ODOO_DB names no database; or Odoo 13 used a cursor after closing it (it does
      // for read_group on a many2one, see test/contract/read-group) — trying again cannot help.
      if (exceptionName === 'psycopg2.OperationalError' && /database ".*" does not exist|closed cursor/.test(message)) {
        return { kind: 'internal', message: `${exceptionName}: ${firstLine(message)}`, exceptionName };
      }
      if (TRANSIENT_DB_ERRORS.has(exceptionName)) return { kind: 'unavailable', message: `${exceptionName}: ${firstLine(message)}`, exceptionName };
      // A bare Python error (ValueError, KeyError…): its class says as much as its text.
      return { kind: 'internal', message: firstLine(message) ? `${exceptionName}: ${firstLine(message)}` : exceptionName, exceptionName };
  }
}

const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 500) ?? '';

/** Classifies one XML-RPC fault from Odoo 13's `/xmlrpc/2/*` endpoints. */
export function parseOdooFault(faultCode: unknown, faultString: unknown): ParsedFault {
  const text = faultString == null ? '' : typeof faultString === 'string' ? faultString : JSON.stringify(faultString);
  switch (Number(faultCode)) {
    case 3:
      return { kind: 'authentication', message: text || 'Access denied', exceptionName: 'odoo.exceptions.AccessDenied' };
    case 4:
      return { kind: 'access', message: unwrapExceptionArgs(text), exceptionName: 'odoo.exceptions.AccessError' };
    case 2:
      // UserError sends its bare message; MissingError sends str(e), the args tuple.
      return isArgsTuple(text)
        ? { kind: 'missing', message: unwrapExceptionArgs(text), exceptionName: 'odoo.exceptions.MissingError' }
        : { kind: 'user', message: text, exceptionName: 'odoo.exceptions.UserError' };
    default:
      return classifyTraceback(text);
  }
}
