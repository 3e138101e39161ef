/**
 * ORDER BY as Odoo 13 builds it (models.py _generate_order_by_inner): a comma-separated list of
 * fields with optional asc/desc; many2one fields sort by the comodel's _order; booleans through
 * COALESCE(x, false); PostgreSQL puts NULLs last ascending and first descending; strings compare
 * in the C collation (Odoo creates its databases with LC_COLLATE 'C').
 */
import { compareValues } from './domain.js';
import type { ModelDef, Row } from './models.js';
import { keyError, PythonException, UserError } from './python.js';

// models.py regex_order
const REGEX_ORDER = /^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\s+(desc|asc))?\s*(,|$))+(?<!,)$/i;

export interface OrderHost {
  model(name: string): ModelDef;
  row(model: string, id: number): Row | undefined;
}

type SortKey = (row: Row) => { value: unknown; desc: boolean }[];

/** _flush_search reads every order part's first word as a field name: unknown → KeyError. */
export function checkOrderFields(model: ModelDef, spec: string): void {
  for (const part of spec.split(',')) {
    const name = part.split(/\s+/).filter(Boolean)[0];
    if (name === undefined) throw new PythonException('IndexError', 'list index out of range');
    if (!(name in model.fields)) throw keyError(name);
  }
}

function buildKey(host: OrderHost, model: ModelDef, spec: string, reverse: boolean, seen: Set<string>): SortKey {
  if (!REGEX_ORDER.test(spec)) {
    throw new UserError(
      'Invalid "order" specified. A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)',
    );
  }
  const parts: SortKey[] = [];
  for (const part of spec.split(',')) {
    const [rawName = '', rawDir = ''] = part.trim().split(/\s+/);
    const name = rawName.replace(/"/g, '');
    let desc = rawDir.toUpperCase() === 'DESC';
    if (reverse) desc = !desc;
    const field = model.fields[name];
    if (!field) throw new UserError(`Sorting field ${name} not found on model ${model.name}`);
    if (name === 'id') {
      parts.push((row) => [{ value: row.id, desc }]);
    } else if (field.type === 'many2one' && field.comodel && !field.compute) {
      const seenKey = `${model.name}.${name}`;
      if (seen.has(seenKey)) continue;
      seen.add(seenKey);
      const comodel = host.model(field.comodel);
      const comodelOrder = REGEX_ORDER.test(comodel.order) ? comodel.order : comodel.recName;
      const inner = buildKey(host, comodel, comodelOrder, desc, seen);
      // LEFT JOIN: a NULL many2one yields NULL in every joined column.
      const width = inner({ id: 0 }).length;
      parts.push((row) => {
        const id = row[name];
        const target = typeof id === 'number' ? host.row(comodel.name, id) : undefined;
        if (!target) return inner({ id: 0 }).map((k) => ({ ...k, value: null })).slice(0, width);
        return inner(target);
      });
    } else if (!field.compute) {
      parts.push((row) => {
        let value = row[name] ?? null;
        if (field.type === 'boolean' && value === null) value = false;
        return [{ value, desc }];
      });
    }
    // Non-stored fields are skipped ("cannot be sorted on field (not a column)").
  }
  return (row) => parts.flatMap((p) => p(row));
}

/** A comparator for rows of `model` ordered by `spec` (Odoo's default: the model's _order). */
export function orderComparator(host: OrderHost, model: ModelDef, spec: string | undefined): (a: Row, b: Row) => number {
  const order = spec && spec.trim() ? spec : model.order;
  checkOrderFields(model, order);
  const key = buildKey(host, model, order, false, new Set());
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i += 1) {
      const x = ka[i] as { value: unknown; desc: boolean };
      const y = kb[i] as { value: unknown; desc: boolean };
      const c = compareNullable(x.value, y.value);
      if (c !== 0) return x.desc ? -c : c;
    }
    return a.id - b.id; // PostgreSQL leaves ties unordered; the double keeps them stable
  };
}

/** NULL sorts after every value (so: last ascending, first descending). */
export function compareNullable(a: unknown, b: unknown): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareValues(a, b);
}
