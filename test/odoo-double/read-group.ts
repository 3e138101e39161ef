/**
 * read_group as Odoo 13 computes it (models.py _read_group_raw / _read_group_format_result):
 * grouping, aggregates ('field', 'field:func', 'name:func(field)'), `<field>_count` when lazy and
 * `__count` when not, date buckets truncated in the context's tz with en_US labels and UTC bounds
 * in `__domain`, ordering by groupby values or aggregates, offset applied only with a limit.
 */
import {
  addInterval,
  dateTrunc,
  formatNaive,
  formatNaiveDate,
  GRANULARITIES,
  groupLabel,
  isValidTimeZone,
  localizeOffset,
  parseNaive,
  utcToWall,
  type Granularity,
} from './dates.js';
import { andDomains, compareValues } from './domain.js';
import type { FieldDef, ModelDef, Row } from './models.js';
import { compareNullable, orderComparator, type OrderHost } from './order.js';
import { keyError, PythonException, pyRepr, UserError } from './python.js';
import { PyFloat, type ResultValue } from './xmlrpc.js';

const VALID_AGGREGATE_FUNCTIONS = new Set(['array_agg', 'count', 'count_distinct', 'bool_and', 'bool_or', 'max', 'min', 'avg', 'sum']);
const REGEX_FIELD_AGG = /^(\w+)(?::(\w+)(?:\((\w+)\))?)?/;
const REGEX_ORDER = /^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\s+(desc|asc))?\s*(,|$))+(?<!,)$/i;

interface AnnotatedGroupby {
  field: string;
  groupby: string;
  def: FieldDef;
  granularity: Granularity | undefined;
  tz: string | undefined;
}

interface Aggregate {
  name: string;
  func: string;
  fname: string;
}

export interface ReadGroupHost extends OrderHost {
  /** display_name of a record, read as superuser (lazy_name_get(records.sudo())). */
  displayName(model: string, id: number): string;
}

export interface ReadGroupArgs {
  model: ModelDef;
  rows: Row[];
  domain: unknown[];
  fields: unknown;
  groupby: unknown;
  offset: number;
  limit: number | false | null;
  orderby: string | false | null;
  lazy: boolean;
  context: Record<string, unknown>;
}

const isStored = (def: FieldDef | undefined): def is FieldDef => def !== undefined && !def.compute;

function annotate(model: ModelDef, gb: string, context: Record<string, unknown>): AnnotatedGroupby {
  const split = gb.split(':');
  const name = split[0] as string;
  const def = model.fields[name];
  if (!def) throw keyError(name);
  if (!isStored(def)) {
    throw new PythonException(
      'AssertionError',
      "Fields in 'groupby' must be regular database-persisted fields (no function or related fields), or function fields with store=True",
    );
  }
  const temporal = def.type === 'date' || def.type === 'datetime';
  let granularity: Granularity | undefined;
  if (temporal) {
    const fn = split.length === 2 ? (split[1] as string) : 'month';
    if (!(GRANULARITIES as readonly string[]).includes(fn)) throw keyError(fn);
    granularity = fn as Granularity;
  }
  const tz = def.type === 'datetime' && isValidTimeZone(context.tz) ? (context.tz) : undefined;
  return { field: name, groupby: gb, def, granularity, tz };
}

function parseAggregates(model: ModelDef, fields: unknown, groupbyFields: string[]): Aggregate[] {
  const specs: string[] =
    Array.isArray(fields) && fields.length > 0
      ? fields.map(String)
      : Object.entries(model.fields)
          .filter(([, def]) => isStored(def))
          .map(([name]) => name);
  const out: Aggregate[] = [];
  for (const fspec of specs) {
    if (fspec === 'sequence') continue;
    const m = REGEX_FIELD_AGG.exec(fspec);
    if (!m) throw new UserError(`Invalid field specification ${pyRepr(fspec)}.`);
    const name = m[1] as string;
    let func = m[2];
    let fname = m[3];
    if (func) {
      fname = fname ?? name;
      const def = model.fields[fname];
      if (!def) throw keyError(fname);
      if (!isStored(def)) throw new UserError(`Cannot aggregate field ${pyRepr(fname)}.`);
      if (!VALID_AGGREGATE_FUNCTIONS.has(func)) throw new UserError(`Invalid aggregation function ${pyRepr(func)}.`);
    } else {
      const def = model.fields[name];
      if (!isStored(def) || !def.groupOperator) continue;
      func = def.groupOperator;
      fname = name;
    }
    if (groupbyFields.includes(fname)) continue;
    if (out.some((a) => a.name === name)) throw new UserError(`Output name ${pyRepr(name)} is used twice.`);
    out.push({ name, func: func.toLowerCase(), fname });
  }
  return out;
}

function aggregate(func: string, values: unknown[]): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  switch (func) {
    case 'count':
      return present.length;
    case 'count_distinct':
      return new Set(present.map((v) => JSON.stringify(v))).size;
    case 'sum':
      return present.length ? present.reduce((s: number, v) => s + Number(v), 0) : null;
    case 'avg':
      return present.length ? new PyFloat(present.reduce((s: number, v) => s + Number(v), 0) / present.length) : null;
    case 'min':
      return present.length ? present.reduce((a, b) => (compareValues(a, b) <= 0 ? a : b)) : null;
    case 'max':
      return present.length ? present.reduce((a, b) => (compareValues(a, b) >= 0 ? a : b)) : null;
    case 'bool_and':
      return present.length ? present.every(Boolean) : null;
    case 'bool_or':
      return present.length ? present.some(Boolean) : null;
    case 'array_agg':
      return values.map((v) => v ?? null);
    default:
      throw new UserError(`Invalid aggregation function ${pyRepr(func)}.`);
  }
}

/** The bucket a row falls in for one groupby (the SQL expression's value). */
function bucketOf(gb: AnnotatedGroupby, row: Row): unknown {
  const raw = row[gb.field] ?? null;
  if (gb.granularity) {
    if (raw === null) return null;
    let wall = parseNaive(String(raw));
    if (gb.tz) wall = utcToWall(wall, gb.tz);
    return formatNaive(dateTrunc(gb.granularity, wall));
  }
  if (gb.def.type === 'boolean') return raw ?? false;
  return raw;
}

interface Group {
  id: number;
  rows: Row[];
  buckets: unknown[];
  aggregates: Map<string, unknown>;
}

export function readGroup(host: ReadGroupHost, args: ReadGroupArgs): ResultValue[] {
  const { model, context } = args;
  const rawGroupby = typeof args.groupby === 'string' ? [args.groupby] : Array.isArray(args.groupby) ? args.groupby.map(String) : [];
  const groupby = [...new Set(rawGroupby)];
  const groupbyList = args.lazy ? groupby.slice(0, 1) : groupby;
  const annotated = groupbyList.map((gb) => annotate(model, gb, context));
  const groupbyFields = annotated.map((a) => a.field);
  const order = args.orderby || groupbyList.join(',');
  const aggregates = parseAggregates(model, args.fields, groupbyFields);

  const countField =
    (args.lazy && (groupbyFields.length >= 2 || !context.group_by_no_leaf) ? (groupbyFields[0] ?? '_') : '_') + '_count';

  // GROUP BY
  const groups = new Map<string, Group>();
  const rows = [...args.rows].sort((a, b) => a.id - b.id);
  for (const row of rows) {
    const buckets = annotated.map((gb) => bucketOf(gb, row));
    const key = JSON.stringify(buckets);
    let group = groups.get(key);
    if (!group) {
      group = { id: row.id, rows: [], buckets, aggregates: new Map() };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  if (annotated.length === 0 && groups.size === 0) groups.set('[]', { id: 0, rows: [], buckets: [], aggregates: new Map() });
  const list = [...groups.values()];
  for (const group of list) {
    for (const agg of aggregates) {
      group.aggregates.set(agg.name, aggregate(agg.func, group.rows.map((r) => (agg.fname === 'id' ? r.id : r[agg.fname] ?? null))));
    }
  }

  if (annotated.length === 0) {
    // No groupby: Odoo returns the raw SQL row (min id, __count, aggregates), Nones included.
    return list.map((g) => {
      const out: Record<string, ResultValue> = { id: g.rows.length ? g.id : null, [countField]: g.rows.length };
      for (const [name, value] of g.aggregates) out[name] = value as ResultValue;
      return out;
    });
  }

  // ORDER BY
  if (!REGEX_ORDER.test(order)) {
    throw new UserError(
      'Invalid "order" specified. A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)',
    );
  }
  const byName = new Map<string, number>();
  annotated.forEach((gb, i) => {
    byName.set(gb.field, i);
    byName.set(gb.groupby, i);
  });
  const comparators: ((a: Group, b: Group) => number)[] = [];
  for (const part of order.split(',')) {
    const [fieldName = '', dir = ''] = part.trim().split(/\s+/);
    const desc = dir.toUpperCase() === 'DESC';
    const index = byName.get(fieldName);
    if (fieldName === 'id') {
      comparators.push((a, b) => (desc ? -1 : 1) * (a.id - b.id));
    } else if (index !== undefined) {
      const gb = annotated[index] as AnnotatedGroupby;
      if (gb.def.type === 'many2one' && gb.def.comodel) {
        const comodel = host.model(gb.def.comodel);
        const cmp = orderComparator(host, comodel, desc ? reverseOrder(comodel.order) : comodel.order);
        comparators.push((a, b) => {
          const ra = typeof a.buckets[index] === 'number' ? host.row(comodel.name, a.buckets[index]) : undefined;
          const rb = typeof b.buckets[index] === 'number' ? host.row(comodel.name, b.buckets[index]) : undefined;
          if (!ra || !rb) return ra === rb ? 0 : (ra ? -1 : 1) * (desc ? -1 : 1);
          return cmp(ra, rb);
        });
      } else {
        comparators.push((a, b) => (desc ? -1 : 1) * compareNullable(a.buckets[index] ?? null, b.buckets[index] ?? null));
      }
    } else if (aggregates.some((agg) => agg.name === fieldName)) {
      comparators.push((a, b) => {
        const x = a.aggregates.get(fieldName);
        const y = b.aggregates.get(fieldName);
        const vx = x instanceof PyFloat ? x.value : (x ?? null);
        const vy = y instanceof PyFloat ? y.value : (y ?? null);
        return (desc ? -1 : 1) * compareNullable(vx, vy);
      });
    }
    // anything else: "read_group order by … ignored, cannot sort on empty columns"
  }
  list.sort((a, b) => {
    for (const cmp of comparators) {
      const c = cmp(a, b);
      if (c !== 0) return c;
    }
    return 0;
  });

  const limit = typeof args.limit === 'number' && args.limit > 0 ? args.limit : undefined;
  const pageGroups = limit !== undefined ? list.slice(Math.max(args.offset, 0), Math.max(args.offset, 0) + limit) : list;
  // Odoo 13 (this 2019 build) names many2one groups with lazy_name_get(), evaluated only while
  // rpc.py marshals the answer — after the cursor closed. Any named group fails the whole call.
  if (annotated.some((gb, i) => gb.def.type === 'many2one' && pageGroups.some((g) => typeof g.buckets[i] === 'number'))) {
    throw closedCursorError();
  }
  return pageGroups.map((group) => {
    const out: Record<string, ResultValue> = { [countField]: group.rows.length };
    for (const [name, value] of group.aggregates) out[name] = (value ?? false) as ResultValue;
    const sections: unknown[][] = [];
    annotated.forEach((gb, i) => {
      const bucket = group.buckets[i] ?? null;
      if (bucket === null || bucket === false) {
        out[gb.groupby] = false;
        sections.push([[gb.field, '=', false]]);
      } else if (gb.granularity) {
        const start = parseNaive(String(bucket));
        const end = addInterval(gb.granularity, start);
        // `value + interval` in Python: no datetime past 9999 (relativedelta days/hours and timedelta
        // overflow; relativedelta months/years fail in replace(year=10000)).
        if (end.getUTCFullYear() > 9999) {
          throw ['hour', 'day', 'week'].includes(gb.granularity)
            ? new PythonException('OverflowError', 'date value out of range')
            : new PythonException('ValueError', `year ${end.getUTCFullYear()} is out of range`);
        }
        // pytz: the bucket start is localized; the end keeps that same offset (no normalize()).
        const offset = gb.tz ? localizeOffset(start, gb.tz) : 0;
        const fmt = gb.def.type === 'date' ? formatNaiveDate : formatNaive;
        const rangeStart = fmt(new Date(start.getTime() - offset));
        const rangeEnd = fmt(new Date(end.getTime() - offset));
        out[gb.groupby] = groupLabel(gb.granularity, start);
        sections.push(['&', [gb.field, '>=', rangeStart], [gb.field, '<', rangeEnd]]);
      } else if (gb.def.type === 'many2one' && gb.def.comodel) {
        out[gb.groupby] = [bucket as number, host.displayName(gb.def.comodel, bucket as number)];
        sections.push([[gb.field, '=', bucket]]);
      } else {
        out[gb.groupby] = bucket as ResultValue;
        sections.push([[gb.field, '=', bucket]]);
      }
    });
    sections.push(args.domain);
    out.__domain = andDomains(sections) as ResultValue;
    if (groupby.length - annotated.length >= 1) out.__context = { group_by: groupby.slice(annotated.length) };
    return out;
  });
}

function closedCursorError(): PythonException {
  return new PythonException('psycopg2.OperationalError', 'Unable to use a closed cursor.', {
    frames: [
      ['/opt/odoo/odoo/addons/base/controllers/rpc.py', 63, 'xmlrpc_2', 'response = self._xmlrpc(service)'],
      ['/opt/odoo/odoo/addons/base/controllers/rpc.py', 44, '_xmlrpc', 'return dumps((result,), methodresponse=1, allow_none=False)'],
      ['/opt/odoo/odoo/models.py', 6097, '<lambda>', 'names = tools.lazy(lambda: dict(self.name_get()))'],
      ['/opt/odoo/odoo/sql_db.py', 162, 'wrapper', 'raise psycopg2.OperationalError(msg)'],
    ],
  });
}

/** tools.reverse_order */
function reverseOrder(order: string): string {
  return order
    .split(',')
    .map((part) => {
      const [name = '', dir = ''] = part.trim().split(/\s+/);
      return `${name} ${dir.toLowerCase() === 'desc' ? 'asc' : 'desc'}`;
    })
    .join(', ');
}

