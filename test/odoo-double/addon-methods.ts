/**
 * The whatsapp_headless addon's own methods as the double runs them (odoo-addon/whatsapp_headless/
 * models/res_partner.py and whatsapp_history.py), over the double's ORM (database.ts). The lease's
 * methods are declared with its model (models.ts).
 */
import type { CallEnv, OdooDatabase } from './database.js';
import { GATEWAY_GROUP, type ModelDef } from './models.js';
import { AccessError, MissingError, PythonException, validationError } from './python.js';
import type { ResultValue } from './xmlrpc.js';

/**
 * res.partner.whatsapp_headless_find_partners (odoo-addon/.../models/res_partner.py): the gateway's
 * only view of contacts. Gateway group or read access on res.partner; checked, bounded input; as
 * superuser inside, active non-private partners only; id, name, phone, mobile, whatsapp_user_id.
 */
export function findWhatsappPartners(db: OdooDatabase, env: CallEnv, nationalNumbers: unknown, userIds: unknown): ResultValue {
  const partnerModel = db.model('res.partner');
  if (!env.groups.has(GATEWAY_GROUP)) {
    try {
      db.checkAccess(env, partnerModel, 'read'); // check_access_rights('read', raise_exception=False)
    } catch {
      throw new AccessError('You are not allowed to look up WhatsApp contacts.');
    }
  }
  const checked = (values: unknown, pattern: RegExp, argument: string): string[] => {
    if (values === null || values === false || values === undefined) return [];
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' && pattern.test(v))) {
      throw validationError(`${argument} must be a list of values of the form ${pattern.source.slice(1, -1)}.`);
    }
    return [...new Set(values as string[])].sort();
  };
  const numbers = checked(nationalNumbers, /^[0-9]{4,17}$/, 'national_numbers');
  const waIds = checked(userIds, /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/, 'user_ids');
  if (numbers.length + waIds.length > 100) throw validationError('At most 100 numbers and user ids per lookup.');
  const terms: unknown[][] = [];
  for (const digits of numbers) {
    const pattern = `%${digits.split('').join('%')}%`;
    terms.push([['phone', '=like', pattern]], [['mobile', '=like', pattern]]);
  }
  if (waIds.length > 0) terms.push([['whatsapp_user_id', 'in', waIds]]);
  if (terms.length === 0) return [];
  const domain = [
    '&',
    ...Array<string>(terms.length - 1).fill('|'),
    ...terms.flat(),
    '|',
    ['type', '!=', 'private'],
    ['type', '=', false],
  ];
  const rows = db.searchRows(db.superEnv(), 'res.partner', domain, { order: 'id', limit: 1000 });
  return rows.map((row) => ({
    id: row.id,
    name: (row.name as string | null) ?? false,
    phone: (row.phone as string | null) ?? false,
    mobile: (row.mobile as string | null) ?? false,
    whatsapp_user_id: (row.whatsapp_user_id as string | null) ?? false,
  }));
}

/** whatsapp.history._remember_user_id_on_partner: a linked partner keeps the first user id, or follows a change notice. */
export function rememberUserIdOnPartner(db: OdooDatabase, ids: number[]): void {
  const partners = db.model('res.partner');
  for (const id of ids) {
    const row = db.row('whatsapp.history', id);
    if (!row || typeof row.partner_id !== 'number' || !row.whatsapp_user_id) continue;
    const partner = db.row('res.partner', row.partner_id);
    if (!partner || partner.whatsapp_user_id === row.whatsapp_user_id) continue;
    if (!partner.whatsapp_user_id || partner.whatsapp_user_id === row.previous_whatsapp_user_id) {
      db.updateRow(partners, partner.id, { whatsapp_user_id: row.whatsapp_user_id });
    }
  }
}

/** whatsapp.history.attach_media (the addon's): create and link the attachment in one transaction, once. */
export function attachMedia(db: OdooDatabase, env: CallEnv, model: ModelDef, ids: number[], a: Record<string, unknown>): number {
  // ensure_one()
  if (ids.length !== 1) throw new PythonException('ValueError', `Expected singleton: ${model.name}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`);
  const id = ids[0] as number;
  // self.attachment_id reads the record: read rights, and MissingError once it is gone
  const [row] = db.read(env, model, ids, ['attachment_id']) as { attachment_id?: unknown }[];
  if (!row) throw new MissingError(`Record does not exist or has been deleted.\n(Record: ${model.name}(${id},), User: ${env.uid})`);
  if (Array.isArray(row.attachment_id)) return row.attachment_id[0] as number;
  const values: Record<string, unknown> = { name: a.name, datas: a.datas, res_model: model.name, res_id: id };
  if (a.mimetype) values.mimetype = a.mimetype;
  const [attachmentId] = db.create(env, db.model('ir.attachment'), [values]);
  const links: Record<string, unknown> = { attachment_id: attachmentId };
  if (a.mimetype) links.media_mimetype = a.mimetype;
  if (a.filename) links.media_filename = a.filename;
  db.write(env, model, ids, links);
  return attachmentId as number;
}
