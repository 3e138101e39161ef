/**
 * Pure helpers of the read API: its dates, phone filters and validation errors. (Filters → Odoo
 * domains and records → API records: src/odoo/repositories/history-fields.ts.) No I/O here; table-tested in query-fns.test.ts.
 */
import { BadRequestError } from '../errors.js';
import { canonicalContactId, describePhoneRejection, normalizeContactId, type CountryCode } from '../lib/phone.js';

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

/** A stored message and its partner as the API shows them (src/domain/history.ts). */
export type { HistoryMessage as ApiMessage, HistoryPartner as ApiPartner } from '../domain/history.js';
