/** fields_get of the double: each field's description, as Odoo 13 answers it (the parts the gateway reads). */
import type { ModelDef } from './models.js';
import type { ResultValue } from './xmlrpc.js';

/**
 * fields_get(allfields, attributes): each field's description (type, string, required, selection…),
 * only the fields and attributes asked for when given. Like Odoo 13, it needs no access right.
 */
export function fieldsGet(model: ModelDef, allfields: unknown, attributes: unknown): Record<string, Record<string, ResultValue>> {
  const wanted = Array.isArray(allfields) && allfields.length > 0 ? new Set(allfields.map(String)) : undefined;
  const keep = Array.isArray(attributes) && attributes.length > 0 ? new Set(attributes.map(String)) : undefined;
  const out: Record<string, Record<string, ResultValue>> = {};
  for (const [name, field] of Object.entries(model.fields)) {
    if (wanted && !wanted.has(name)) continue;
    const description: Record<string, ResultValue> = {
      type: field.type,
      string: field.string,
      required: Boolean(field.required),
      ...(field.selection ? { selection: field.selection.map(([key, label]) => [key, label]) } : {}),
    };
    out[name] = keep ? Object.fromEntries(Object.entries(description).filter(([key]) => keep.has(key))) : description;
  }
  return out;
}
