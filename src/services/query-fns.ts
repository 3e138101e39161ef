/**
 * Pure helpers of the read API: API filters → Odoo domains, Odoo records → API records, and the
 * dates in between. No I/O here; table-tested in query-fns.test.ts.
 */
import type { Direction, MessageState } from '../domain/message.js';
import { BadRequestError } from '../errors.js';
import { canonicalContactId, describePhoneRejection, normalizeContactId, type CountryCode } from '../lib/phone.js';
import { parseOdooDatetime, toOdooDatetime } from '../odoo/datetime.js';
import type { Domain, DomainLeaf, DomainTerm } from '../odoo/types.js';

/** The fields the API reads. Never raw_payload: it is for auditors in Odoo, and heavy. */
export const MESSAGE_FIELDS = [
  'phone',
  'whatsapp_user_id',
  'whatsapp_username',
  'contact_name',
  'partner_id',
  'direction',
  'message',
  'message_type',
  'media_url',
  'media_mimetype',
  'media_filename',
  'attachment_id',
  'provider',
  'provider_message_id',
  'device',
  'state',
  'error_message',
  'timestamp',
] as const;

/** A problem with one request parameter, shaped like the error handler's validation details. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** One 400 naming every bad parameter, in the same shape as schema validation errors. */
export function validationError(problems: FieldProblem[]): BadRequestError {
  return new BadRequestError(
    problems.map((p) => `${p.field} ${p.message}`).join('; '),
    problems,
    'validation_error',
  );
}

const DAY_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * The instants the API accepts. Odoo 13 cannot hold a datetime after 9999-12-31 23:59:59 (Python's
 * datetime), and ISO 8601 has no four-digit form for one; nothing WhatsApp carries predates 1970.
 */
export const API_DATE_MIN = new Date(Date.UTC(1970, 0, 1));
export const API_DATE_MAX = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
const OUT_OF_RANGE = 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';

/**
 * An API date as an instant. A bare day is a whole UTC day: as a lower bound its start, as an upper
 * bound its end (so `date_to=2024-05-31` includes the 31st). Returns undefined when the text is not a
 * real date (2024-02-30, 25:00) — the schema has already checked the shape.
 */
export function parseApiDate(text: string, bound: 'from' | 'to'): Date | undefined {
  const day = DAY_ONLY.exec(text);
  if (day) {
    const [year, month, date] = day.slice(1).map(Number) as [number, number, number];
    const start = new Date(0);
    start.setUTCFullYear(year, month - 1, date); // Date.UTC would read 0050 as 1950
    if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== date) return undefined;
    // Odoo keeps whole seconds, so "the last second of the day" is exact.
    return bound === 'from' ? start : new Date(start.getTime() + DAY_MS - 1000);
  }
  // Date.parse accepts out-of-range parts by rolling over in some engines; re-check the calendar part.
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) return undefined;
  return new Date(ms);
}

export interface DateRange {
  from?: Date;
  to?: Date;
}

/** Parses date_from/date_to, collecting a problem for each bad one and for a reversed range. */
export function parseDateRange(
  query: { date_from?: string | undefined; date_to?: string | undefined },
  problems: FieldProblem[],
): DateRange {
  const range: DateRange = {};
  const parse = (text: string | undefined, bound: 'from' | 'to'): Date | undefined => {
    if (text === undefined) return undefined;
    const field = `querystring/date_${bound}`;
    const date = parseApiDate(text, bound);
    if (!date) problems.push({ field, message: 'is not a real date' });
    else if (date.getTime() < API_DATE_MIN.getTime() || date.getTime() > API_DATE_MAX.getTime()) problems.push({ field, message: OUT_OF_RANGE });
    else return date;
    return undefined;
  };
  const from = parse(query.date_from, 'from');
  if (from) range.from = from;
  const to = parse(query.date_to, 'to');
  if (to) range.to = to;
  if (range.from && range.to && range.from.getTime() > range.to.getTime()) {
    problems.push({ field: 'querystring/date_to', message: 'is before date_from' });
  }
  return range;
}

/**
 * Normalises a phone filter: a number in any usual form, a group or linked-id JID, or a WhatsApp user
 * id (`US.…`). A number nobody could have is a 400, not an empty page.
 */
export function parsePhoneFilter(
  input: string,
  defaultCountry: CountryCode,
  field: string,
  problems: FieldProblem[],
): string | undefined {
  const result = normalizeContactId(input, defaultCountry);
  if (!result.ok) {
    const text = describePhoneRejection(result.reason);
    problems.push({ field, message: result.reason === 'empty' ? text : `${text} nor a WhatsApp user id` });
    return undefined;
  }
  return canonicalContactId(result);
}

/**
 * Every identity one contact's conversation is stored under: numbers or JIDs (`phone`) and WhatsApp
 * user ids (`whatsapp_user_id`). See history-service's conversationIdentities.
 */
export interface ContactIdentities {
  phones: string[];
  userIds: string[];
}

/** `%` and `_` are LIKE wildcards and Odoo 13 passes them through; escape them so `q` is literal. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface HistoryFilters {
  /** Canonical: E.164 or a group JID. */
  phone?: string;
  /** A conversation stored under several identities (a number and its user id, an old and a new number). */
  contact?: ContactIdentities;
  direction?: Direction;
  state?: MessageState;
  from?: Date;
  to?: Date;
  q?: string;
  partnerId?: number;
}

/**
 * Filters → an Odoo domain (implicit AND). `phone =` on the canonical value rides the addon's
 * (phone, timestamp) index; `q` becomes `=ilike %…%` with wildcards escaped (the addon's trigram
 * index serves it); `timestamp` bounds use Odoo's UTC string form.
 */
export function historyDomain(filters: HistoryFilters): Domain {
  const domain: DomainTerm[] = [];
  if (filters.phone !== undefined) domain.push(['phone', '=', filters.phone]);
  if (filters.contact !== undefined) domain.push(...contactDomain(filters.contact));
  if (filters.direction !== undefined) domain.push(['direction', '=', filters.direction]);
  if (filters.state !== undefined) domain.push(['state', '=', filters.state]);
  if (filters.from !== undefined) domain.push(['timestamp', '>=', toOdooDatetime(filters.from)]);
  if (filters.to !== undefined) domain.push(['timestamp', '<=', toOdooDatetime(filters.to)]);
  if (filters.q !== undefined) domain.push(['message', '=ilike', `%${escapeLike(filters.q)}%`]);
  if (filters.partnerId !== undefined) domain.push(['partner_id', '=', filters.partnerId]);
  return domain;
}

/**
 * Records of any of the identities: `=` for one value (the index's favourite), `in` for several, OR
 * between number and user id. A user id's messages in a group belong to the group's conversation, not
 * to the person's: matched by user id only where the record is not a group's.
 */
export function contactDomain(contact: ContactIdentities): Domain {
  const leaf = (field: string, values: string[]): DomainLeaf => (values.length === 1 ? [field, '=', values[0]] : [field, 'in', values]);
  const byPhone: Domain = contact.phones.length > 0 ? [leaf('phone', contact.phones)] : [];
  const byUserId: Domain =
    contact.userIds.length > 0 ? ['&', leaf('whatsapp_user_id', contact.userIds), '|', ['phone', '=', false], ['phone', 'not like', '@g.us']] : [];
  if (byPhone.length > 0 && byUserId.length > 0) return ['|', ...byPhone, ...byUserId];
  if (byPhone.length > 0 || byUserId.length > 0) return [...byPhone, ...byUserId];
  return [['id', '=', 0]]; // nobody: no record
}

/** Odoo order clause; `id` breaks ties between messages of the same second, so pages never overlap. */
export function timestampOrder(order: 'asc' | 'desc'): string {
  return `timestamp ${order}, id ${order}`;
}

/** Odoo's UTC `YYYY-MM-DD HH:MM:SS` → ISO 8601 with Z. */
export function odooToIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const date = parseOdooDatetime(value);
  return date ? date.toISOString().replace('.000Z', 'Z') : null;
}

/** An Odoo record as read by search_read: `false` stands for "empty" in every field type. */
export type OdooMessageRow = { id: number } & Record<(typeof MESSAGE_FIELDS)[number], unknown>;

export interface ApiPartner {
  id: number;
  name: string;
}

export interface ApiMessage {
  id: number;
  /** Null when WhatsApp showed only the contact's user id. */
  phone: string | null;
  /** The contact's WhatsApp user id (BSUID), when known. */
  user_id: string | null;
  username: string | null;
  contact_name: string | null;
  partner: ApiPartner | null;
  direction: Direction;
  message: string | null;
  message_type: string | null;
  media: { url: string | null; mimetype: string | null; filename: string | null; attachment_id: number | null } | null;
  provider: string;
  provider_message_id: string | null;
  device: string | null;
  state: MessageState;
  error: string | null;
  timestamp: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A many2one as Odoo returns it: `[id, display_name]` or `false`. */
export function many2one(value: unknown): ApiPartner | null {
  if (!Array.isArray(value) || typeof value[0] !== 'number') return null;
  return { id: value[0], name: typeof value[1] === 'string' ? value[1] : '' };
}

export function toApiMessage(row: OdooMessageRow): ApiMessage {
  const attachment = many2one(row.attachment_id);
  const media = {
    url: text(row.media_url),
    mimetype: text(row.media_mimetype),
    filename: text(row.media_filename),
    attachment_id: attachment?.id ?? null,
  };
  const hasMedia = Object.values(media).some((v) => v !== null);
  return {
    id: row.id,
    phone: text(row.phone),
    user_id: text(row.whatsapp_user_id),
    username: text(row.whatsapp_username),
    contact_name: text(row.contact_name),
    partner: many2one(row.partner_id),
    direction: row.direction as Direction,
    message: text(row.message),
    message_type: text(row.message_type),
    media: hasMedia ? media : null,
    provider: text(row.provider) ?? '',
    provider_message_id: text(row.provider_message_id),
    device: text(row.device),
    state: row.state as MessageState,
    error: text(row.error_message),
    // `timestamp` is required in the addon; a record without one would be a broken database.
    timestamp: odooToIso(row.timestamp) ?? '',
  };
}
