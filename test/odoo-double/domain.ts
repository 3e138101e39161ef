/**
 * Odoo 13 domains (odoo/osv/expression.py) evaluated in memory with SQL's three-valued logic:
 * normalize_domain (implicit '&'), distribute_not (pushes '!' into the leaves, so
 * ['!', ('a','=',1)] means a != 1 — which, like Odoo, includes NULLs), and __leaf_to_sql's
 * NULL rules for =/!= False, in/not in with False, and the negative operators.
 */
import { parseNaive, formatNaive } from './dates.js';
import type { FieldDef, ModelDef, Row } from './models.js';
import { PyDateTime } from './xmlrpc.js';
import { PythonException, pyRepr, valueError, PyTuple } from './python.js';

type Tri = boolean | null; // SQL: TRUE, FALSE, NULL

export const TERM_OPERATORS = [
  '=',
  '!=',
  '<=',
  '<',
  '>',
  '>=',
  '=?',
  '=like',
  '=ilike',
  'like',
  'not like',
  'ilike',
  'not ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
] as const;

const NEGATIVE_TERM_OPERATORS = new Set(['!=', 'not like', 'not ilike', 'not in']);
const TERM_OPERATORS_NEGATION: Record<string, string> = {
  '<': '>=',
  '>': '<=',
  '<=': '>',
  '>=': '<',
  '=': '!=',
  '!=': '=',
  in: 'not in',
  like: 'not like',
  ilike: 'not ilike',
  'not in': 'in',
  'not like': 'like',
  'not ilike': 'ilike',
};

export type Leaf = [unknown, string, unknown];
export type Token = '&' | '|' | '!' | Leaf;

const isLeafLike = (t: unknown): t is unknown[] => Array.isArray(t) && t.length === 3;

/** repr() of a domain the way Python prints a list of lists/strings. */
const domainRepr = (domain: unknown[]) => pyRepr(domain);

/** normalize_domain: explicit '&' everywhere; [] → TRUE_DOMAIN. */
export function normalizeDomain(domain: unknown[]): Token[] {
  if (!Array.isArray(domain)) throw new PythonException('AssertionError', "Domains to normalize must have a 'domain' form: a list or tuple of domain components");
  if (domain.length === 0) return [[1, '=', 1]];
  const result: Token[] = [];
  let expected = 1;
  const arity: Record<string, number> = { '!': 1, '&': 2, '|': 2 };
  for (const token of domain) {
    if (expected === 0) {
      result.unshift('&');
      expected = 1;
    }
    if (Array.isArray(token)) {
      // (x, op, y) tuples arrive as lists over XML-RPC
      result.push(token as Leaf);
      expected -= 1;
    } else {
      result.push(token as Token);
      expected += (arity[token as string] ?? 0) - 1;
    }
  }
  if (expected !== 0) throw new PythonException('AssertionError', `This domain is syntactically not correct: ${domainRepr(domain)}`);
  return result;
}

/** distribute_not, verbatim. */
export function distributeNot(domain: Token[]): Token[] {
  const result: Token[] = [];
  const stack: boolean[] = [false];
  for (const token of domain) {
    const negate = stack.pop() ?? false;
    if (isLeafLike(token)) {
      const [left, operator, right] = token;
      if (negate) {
        const negated = TERM_OPERATORS_NEGATION[operator];
        if (negated) result.push([left, negated, right]);
        else result.push('!', token);
      } else result.push(token);
    } else if (token === '!') {
      stack.push(!negate);
    } else if (token === '&' || token === '|') {
      result.push(negate ? (token === '&' ? '|' : '&') : token);
      stack.push(negate, negate);
    } else {
      result.push(token);
    }
  }
  return result;
}

/** AND of domains (expression.AND), as read_group builds `__domain`. */
export function andDomains(domains: unknown[][]): unknown[] {
  const TRUE = JSON.stringify([[1, '=', 1]]);
  const FALSE = JSON.stringify([[0, '=', 1]]);
  if (domains.length === 1 && JSON.stringify(domains[0]) === TRUE) return domains[0] as unknown[];
  const result: unknown[] = [];
  let count = 0;
  for (const domain of domains) {
    const key = JSON.stringify(domain);
    if (key === TRUE) continue;
    if (key === FALSE) return domain;
    if (domain.length > 0) {
      result.push(...normalizeDomain(domain));
      count += 1;
    }
  }
  const ops = Array<string>(Math.max(0, count - 1)).fill('&');
  return result.length ? [...ops, ...result] : [[1, '=', 1]];
}

// ---------------------------------------------------------------- evaluation

/** What the evaluator needs from the database. */
export interface DomainHost {
  model(name: string): ModelDef;
  /** ids of `model` matching `domain` (no access rules, active_test off), for paths and name_search. */
  searchIds(model: string, domain: unknown[]): number[];
  /** name_search(name, operator) on `model` → ids (display name match). */
  nameSearch(model: string, name: unknown, operator: string): number[];
}

/** A compiled leaf: SQL-semantics predicate over a row. */
type Predicate = (row: Row) => Tri;

const and3 = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === null || b === null ? null : true);
const or3 = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === null || b === null ? null : false);
const not3 = (a: Tri): Tri => (a === null ? null : !a);

/** Compares in PostgreSQL's C collation: by code point. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  if (sa === sb) return 0;
  const ca = [...sa];
  const cb = [...sb];
  for (let i = 0; i < Math.min(ca.length, cb.length); i += 1) {
    const x = (ca[i] as string).codePointAt(0) as number;
    const y = (cb[i] as string).codePointAt(0) as number;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

/** SQL LIKE / ILIKE: % and _ are wildcards, backslash escapes. */
function likeRegExp(pattern: string, insensitive: boolean): RegExp {
  let re = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i] as string;
    if (ch === '\\' && i + 1 < chars.length) {
      i += 1;
      re += (chars[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, insensitive ? 'iu' : 'u');
}

/** The text PostgreSQL prints for a column cast to ::text. */
function columnText(value: unknown, field: FieldDef | undefined): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (field?.type === 'float' && typeof value === 'number') return String(value);
  return String(value);
}

/** pycompat.to_text(value) */
const pyText = (v: unknown): string => (v === false ? 'False' : v === true ? 'True' : v === null || v === undefined ? 'None' : String(v));

/** Python's `it != False` (0 == False in Python, '' != False). */
const isPyFalse = (v: unknown) => v === false || v === 0 || v === null;

/** field.convert_to_column(value, validate=False) for comparisons. */
function toColumn(value: unknown, field: FieldDef | undefined, fieldName: string): unknown {
  if (value instanceof PyDateTime) value = value.value;
  const type = fieldName === 'id' ? 'integer' : field?.type;
  switch (type) {
    case 'datetime':
    case 'date':
      if (typeof value === 'string') return normalizeTimestampText(value, type);
      return value;
    case 'integer':
    case 'many2one':
      if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
      if (typeof value === 'boolean') return Number(value);
      return value;
    case 'boolean':
      return typeof value === 'boolean' ? value : Boolean(value);
    case 'char':
    case 'text':
    case 'selection':
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      return typeof value === 'string' ? value : String(value);
    default:
      return value;
  }
}

/**
 * Stands for a literal past the year 9999: PostgreSQL reads one (up to 294276 AD for a timestamp), but
 * Odoo can never store one (Python's datetime stops at 9999), so it sorts after every stored value.
 */
const PAST_YEAR_9999 = '9999-12-31 23:59:59.9999999';
const MAX_PG_YEAR = { datetime: 294_276, date: 5_874_897 } as const;

/** A literal with a year of five or more digits, as PostgreSQL reads it. */
function normalizeYearPast9999(text: string, type: 'datetime' | 'date'): string | undefined {
  const m = /^(\d{5,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[];
  // Leap years repeat every 400 years: check the calendar on a year JavaScript can hold.
  const check = new Date(Date.UTC(2000 + ((year as number) % 400), (month as number) - 1, day));
  const real = check.getUTCMonth() === (month as number) - 1 && check.getUTCDate() === day && (hour as number) < 24 && (minute as number) < 60 && (second as number) < 60;
  const kind = type === 'date' ? 'date' : 'timestamp';
  if (!real) throw new PythonException('psycopg2.errors.DatetimeFieldOverflow', `date/time field value out of range: ${JSON.stringify(text)}\n`);
  if ((year as number) > MAX_PG_YEAR[type]) throw new PythonException('psycopg2.errors.DatetimeFieldOverflow', `${kind} out of range: ${JSON.stringify(text)}\n`);
  return PAST_YEAR_9999;
}

/** PostgreSQL reading a text literal as timestamp: 'T' or ' ', optional zone (ignored for naive). */
function normalizeTimestampText(text: string, type: 'datetime' | 'date'): string {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text.trim()); // xmlrpc DateTime
  const source = compact ? `${compact[1]}-${compact[2]}-${compact[3]} ${compact[4]}:${compact[5]}:${compact[6]}` : text;
  const past9999 = normalizeYearPast9999(source, type);
  if (past9999 !== undefined) return past9999;
  try {
    const d = parseNaive(source.trim());
    const fraction = /:\d{2}\.(\d+)/.exec(source)?.[1];
    const base = formatNaive(d);
    if (type === 'date') return base.slice(0, 10);
    return fraction ? `${base}.${fraction}` : base;
  } catch {
    throw new PythonException('psycopg2.errors.InvalidDatetimeFormat', `invalid input syntax for type ${type === 'date' ? 'date' : 'timestamp'}: ${JSON.stringify(text)}\n`);
  }
}

export interface CompileOptions {
  host: DomainHost;
  modelName: string;
  /**
   * A path (`partner_id.name`) or a many2one compared with names searches the comodel as the caller
   * (`_search` / `_name_search` check read access): throws when the caller may not read it.
   */
  checkComodelRead?: (comodel: string) => void;
}

function invalidField(left: unknown, leaf: Leaf, model: ModelDef): PythonException {
  const leafText = pyRepr(new PyTuple(...leaf));
  return valueError(`Invalid field ${pyRepr(left)} in leaf "<osv.ExtendedLeaf: ${leafText} on ${model.name.replace(/\./g, '_')} (ctx: )>"`);
}

function compileLeaf(leaf: Leaf, opts: CompileOptions): Predicate {
  const left = leaf[0];
  let [, operator, right] = leaf;
  const model = opts.host.model(opts.modelName);
  operator = String(operator).toLowerCase();
  if (operator === '<>') operator = '!=';
  if (operator === '==') operator = '=';

  // TRUE_LEAF / FALSE_LEAF
  if (left === 1 && operator === '=' && right === 1) return () => true;
  if (left === 0 && operator === '=' && right === 1) return () => false;

  if (!(TERM_OPERATORS as readonly string[]).includes(operator)) {
    throw valueError(`Invalid leaf ${pyRepr(leaf)}`);
  }
  if (typeof left !== 'string') throw valueError(`Invalid leaf ${pyRepr(leaf)}`);

  const path = left.split('.');
  const fieldName = path[0] as string;
  const field = fieldName === 'id' ? ({ type: 'integer', string: 'ID' } as FieldDef) : model.fields[fieldName];
  if (!field) throw invalidField(left, leaf, model);

  if (operator === 'child_of' || operator === 'parent_of') {
    throw new PythonException('NotImplementedError', `the Odoo double does not implement ${operator}`);
  }

  // many2one path: partner_id.phone → partner_id in (ids of partners whose phone matches)
  if (path.length > 1) {
    if (field.type !== 'many2one' || !field.comodel) throw invalidField(left, leaf, model);
    opts.checkComodelRead?.(field.comodel);
    const ids = opts.host.searchIds(field.comodel, [[path.slice(1).join('.'), operator, right]]);
    return compileLeaf([fieldName, 'in', ids], opts);
  }

  if (field.compute) {
    if (field.customSearch) {
      throw new PythonException('NotImplementedError', `the Odoo double does not implement searching ${model.name}.${fieldName}`);
    }
    // A non-stored field without a search method is ignored by Odoo (logged as an error).
    return () => true;
  }

  // many2one compared with names: resolved through name_search on the comodel
  if (
    field.type === 'many2one' &&
    field.comodel &&
    (typeof right === 'string' || (Array.isArray(right) && right.length > 0 && right.every((r) => typeof r === 'string')))
  ) {
    let op = ['<', '>', '<=', '>='].includes(operator) ? 'in' : operator;
    const dictOp: Record<string, string> = { 'not in': '!=', in: '=', '=': 'in', '!=': 'not in' };
    if (!Array.isArray(right) && (op === 'in' || op === 'not in')) op = dictOp[op] as string;
    else if (Array.isArray(right) && (op === '=' || op === '!=')) op = dictOp[op] as string;
    opts.checkComodelRead?.(field.comodel);
    const ids: unknown[] = opts.host.nameSearch(field.comodel, right, op);
    if (NEGATIVE_TERM_OPERATORS.has(op)) ids.push(false);
    return compileLeaf([fieldName, 'in', ids], opts);
  }

  // datetime compared with a date: the time part is filled in
  if (field.type === 'datetime' && typeof right === 'string' && right.length === 10) {
    right = right + (operator === '>' || operator === '<=' ? ' 23:59:59' : ' 00:00:00');
  }

  const col = (row: Row): unknown => (fieldName === 'id' ? row.id : row[fieldName] ?? null);

  if (operator === 'in' || operator === 'not in') {
    if (typeof right === 'boolean') {
      const wantNotNull = (operator === 'in' && right) || (operator === 'not in' && !right);
      return (row) => (wantNotNull ? col(row) !== null : col(row) === null);
    }
    if (!Array.isArray(right)) throw valueError(`Invalid domain term ${pyRepr(leaf)}`);
    const params = right.filter((it) => !isPyFalse(it)).map((it) => toColumn(it, field, fieldName));
    const checkNull = params.length < right.length;
    // Strings, numbers and booleans are equal exactly when compareValues says 0 and their types
    // match, which is what a Set lookup checks: O(1) per row instead of O(list) (the writer's
    // dedupe searches send 200 ids at a time).
    const primitive = params.every((p) => typeof p === 'string' || typeof p === 'boolean' || (typeof p === 'number' && !Number.isNaN(p)));
    const paramSet = primitive ? new Set<unknown>(params) : undefined;
    const inList = (row: Row): Tri => {
      if (params.length === 0) return operator === 'in' ? false : true;
      const v = col(row);
      if (v === null) return null;
      const found = paramSet ? paramSet.has(v) : params.some((p) => compareValues(v, p) === 0 && typeof p === typeof v);
      return operator === 'in' ? found : !found;
    };
    if ((operator === 'in' && checkNull) || (operator === 'not in' && !checkNull)) return (row) => or3(inList(row), col(row) === null);
    if (operator === 'not in' && checkNull) return (row) => and3(inList(row), col(row) !== null);
    return inList;
  }

  if (field.type === 'boolean' && ((operator === '=' && right === false) || (operator === '!=' && right === true))) {
    return (row) => col(row) === null || col(row) === false;
  }
  if ((right === false || right === null) && operator === '=') return (row) => col(row) === null;
  if (field.type === 'boolean' && operator === '!=' && right === false) return (row) => col(row) !== null && col(row) !== false;
  if ((right === false || right === null) && operator === '!=') return (row) => col(row) !== null;

  if (operator === '=?') {
    if (right === false || right === null) return () => true;
    return compileLeaf([left, '=', right], opts);
  }

  const needWildcard = ['like', 'ilike', 'not like', 'not ilike'].includes(operator);
  const sqlOperator = operator === '=like' ? 'like' : operator === '=ilike' ? 'ilike' : operator;
  let base: Predicate;
  if (sqlOperator.endsWith('like')) {
    // '%%%s%%' % to_text(right): False becomes '%False%'; the NULL clause below adds the empties.
    const pattern = needWildcard ? `%${pyText(right)}%` : String(toColumn(right, field, fieldName));
    const re = likeRegExp(pattern, sqlOperator.includes('ilike'));
    const negative = sqlOperator.startsWith('not');
    base = (row) => {
      const v = col(row);
      if (v === null) return null;
      const hit = re.test(columnText(v, field));
      return negative ? !hit : hit;
    };
  } else {
    const param = toColumn(right, field, fieldName);
    base = (row) => {
      const v = col(row);
      if (v === null || param === null) return null;
      const c = compareValues(v, param);
      switch (sqlOperator) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
        default:
          throw valueError(`Invalid operator ${pyRepr(operator)} in domain term ${pyRepr(leaf)}`);
      }
    };
  }
  const rightFalsy = right === false || right === null || right === '' || right === 0 || (Array.isArray(right) && right.length === 0);
  if ((needWildcard && rightFalsy) || (!rightFalsy && NEGATIVE_TERM_OPERATORS.has(operator))) {
    return (row) => or3(base(row), col(row) === null);
  }
  return base;
}

/** Compiles a domain into a row predicate (true = the row matches). */
export function compileDomain(domain: unknown[], opts: CompileOptions): (row: Row) => boolean {
  const tokens = distributeNot(normalizeDomain(domain));
  // Evaluate right to left with a stack, like expression.to_sql.
  const compiled: ('&' | '|' | '!' | Predicate)[] = tokens.map((t) => (typeof t === 'string' ? t : compileLeaf(t, opts)));
  return (row) => {
    const stack: Tri[] = [];
    for (let i = compiled.length - 1; i >= 0; i -= 1) {
      const item = compiled[i] as '&' | '|' | '!' | Predicate;
      if (item === '!') stack.push(not3(stack.pop() ?? null));
      else if (item === '&' || item === '|') {
        const a = stack.pop() ?? null;
        const b = stack.pop() ?? null;
        stack.push(item === '&' ? and3(a, b) : or3(a, b));
      } else stack.push(item(row));
    }
    return stack[0] === true;
  };
}

/** Whether a domain has a leaf on `field` (Odoo's active_test check looks at item[0]). */
export const domainMentions = (domain: unknown[], field: string) => domain.some((t) => Array.isArray(t) && t[0] === field);
