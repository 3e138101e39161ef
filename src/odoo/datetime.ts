/**
 * Odoo 13 stores and returns datetimes as naive UTC strings `YYYY-MM-DD HH:MM:SS`.
 * odoo-await would send a JS Date as `dateTime.iso8601`, which Odoo 13's Datetime fields reject
 * ("object of type 'DateTime' has no len()"), so every Date leaving the gateway goes through here.
 */

const ODOO_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A Date as Odoo's UTC datetime string. Milliseconds are dropped (Odoo keeps whole seconds). */
export function toOdooDatetime(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid Date cannot be sent to Odoo');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** Odoo's `YYYY-MM-DD HH:MM:SS` (UTC) as a Date; undefined when the text is not in that shape. */
export function parseOdooDatetime(text: string): Date | undefined {
  const m = ODOO_DATETIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Reject 2024-02-30 and friends instead of silently rolling over.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return date;
}
