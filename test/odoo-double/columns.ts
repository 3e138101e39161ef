/**
 * What the double stores for a value written to a field: Odoo 13's conversions to a column (char,
 * selection, integer, many2one, datetime…), failing the way Odoo and PostgreSQL do for bad input.
 */
import type { FieldDef, ModelDef } from './models.js';
import { PythonException, pyRepr, typeError, valueError } from './python.js';
import { PyBinary, PyDateTime } from './xmlrpc.js';

/** Field.convert_to_column, with the errors Odoo 13 raises for bad values. */
export function toColumn(model: ModelDef, name: string, def: FieldDef, value: unknown): unknown {
  if (value instanceof PyDateTime && def.type !== 'datetime' && def.type !== 'date') value = value.value;
  switch (def.type) {
    case 'char':
    case 'text':
      if (value === false || value === null || value === undefined) return null;
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      if (typeof value === 'object') return pyRepr(value);
      return String(value);
    case 'selection': {
      if (value === false || value === null || value === undefined || value === '') return null;
      if (!def.selection?.some(([key]) => key === value)) throw valueError(`Wrong value for ${model.name}.${name}: ${pyRepr(value)}`);
      return value;
    }
    case 'integer':
      if (value === false || value === null || value === undefined) return 0;
      if (typeof value === 'number') return Math.trunc(value);
      if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
      if (typeof value === 'boolean') return Number(value);
      throw valueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
    case 'float':
      if (value === false || value === null || value === undefined) return 0;
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'many2one':
      if (value === false || value === null || value === undefined || value === 0) return null;
      if (typeof value !== 'number') throw new PythonException('psycopg2.ProgrammingError', `can't adapt type ${pyRepr(typeof value === 'object' ? 'list' : typeof value)}`);
      return value;
    case 'datetime':
    case 'date':
      return toDateColumn(def.type, value);
    case 'binary':
      if (value === false || value === null || value === undefined) return null;
      if (value instanceof PyBinary) throw typeError("argument should be a bytes-like object or ASCII string, not 'Binary'");
      return String(value);
  }
}

/** Datetime/Date: 'YYYY-MM-DD HH:MM:SS' (a bare date is midnight); anything else fails like Odoo 13. */
export function toDateColumn(type: 'datetime' | 'date', value: unknown): string | null {
  if (value === false || value === null || value === undefined || value === '') return null;
  if (value instanceof PyDateTime) throw typeError("object of type 'DateTime' has no len()");
  if (typeof value !== 'string') {
    throw new PythonException('psycopg2.errors.InvalidDatetimeFormat', `invalid input syntax for type ${type === 'date' ? 'date' : 'timestamp'}: "${String(value)}"\n`);
  }
  const format = type === 'date' ? '%Y-%m-%d' : '%Y-%m-%d %H:%M:%S';
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const full = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(.*)$/.exec(value);
  const valid = (y: string, m: string, d: string, h = '0', mi = '0', s = '0') => {
    const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h), Number(mi), Number(s)));
    return t.getUTCMonth() === Number(m) - 1 && t.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60;
  };
  if (date && valid(date[1] as string, date[2] as string, date[3] as string)) return type === 'date' ? value : `${value} 00:00:00`;
  if (type === 'datetime' && full && valid(full[1] as string, full[2] as string, full[3] as string, full[4], full[5], full[6])) {
    if (full[7]) throw valueError(`unconverted data remains: ${full[7]}`);
    return value;
  }
  throw valueError(`time data ${pyRepr(value)} does not match format ${pyRepr(format)}`);
}
