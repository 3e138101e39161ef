/**
 * Date arithmetic for read_group on datetimes, as Odoo 13 does it: PostgreSQL's date_trunc in the
 * context's `tz`, pytz for the UTC bounds in `__domain`, and babel (2.8, locale en_US) for labels.
 * Wall times are handled as naive "UTC-shaped" Dates: only their UTC fields are meaningful.
 */

export type Granularity = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export const GRANULARITIES: readonly Granularity[] = ['hour', 'day', 'week', 'month', 'quarter', 'year'];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 'YYYY-MM-DD HH:MM:SS' (naive) → Date whose UTC fields carry the wall time. */
export function parseNaive(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?/.exec(text);
  if (!m) throw new RangeError(`not a datetime: ${text}`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

export const formatNaive = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

export const formatNaiveDate = (d: Date): string => formatNaive(d).slice(0, 10);

/** PostgreSQL date_trunc(unit, ts) on a naive timestamp (weeks start on Monday). */
export function dateTrunc(unit: Granularity, d: Date): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case 'hour':
      return new Date(Date.UTC(y, m, d.getUTCDate(), d.getUTCHours()));
    case 'day':
      return new Date(Date.UTC(y, m, d.getUTCDate()));
    case 'week': {
      const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
      return new Date(Date.UTC(y, m, d.getUTCDate() - dow));
    }
    case 'month':
      return new Date(Date.UTC(y, m, 1));
    case 'quarter':
      return new Date(Date.UTC(y, m - (m % 3), 1));
    case 'year':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** value + the interval Odoo uses for the granularity (relativedelta / timedelta). */
export function addInterval(unit: Granularity, d: Date): Date {
  const r = new Date(d.getTime());
  switch (unit) {
    case 'hour':
      r.setUTCHours(r.getUTCHours() + 1);
      break;
    case 'day':
      r.setUTCDate(r.getUTCDate() + 1);
      break;
    case 'week':
      r.setUTCDate(r.getUTCDate() + 7);
      break;
    case 'month':
      r.setUTCMonth(r.getUTCMonth() + 1);
      break;
    case 'quarter':
      r.setUTCMonth(r.getUTCMonth() + 3);
      break;
    case 'year':
      r.setUTCFullYear(r.getUTCFullYear() + 1);
      break;
  }
  return r;
}

// ---------------------------------------------------------------- babel 2.8, en_US

/** babel's DateTimeFormat.get_week_number for en_US (first_week_day Sunday, min_week_days 1). */
function babelWeekNumber(dayOfPeriod: number, dayOfWeek: number): number {
  const FIRST_WEEK_DAY = 6; // Python weekday() numbering: Monday 0 … Sunday 6
  const MIN_WEEK_DAYS = 1;
  let firstDay = (((dayOfWeek - FIRST_WEEK_DAY - dayOfPeriod + 1) % 7) + 7) % 7;
  if (firstDay < 0) firstDay += 7;
  let week = Math.floor((dayOfPeriod + firstDay - 1) / 7);
  if (7 - firstDay >= MIN_WEEK_DAYS) week += 1;
  return week;
}

const dayOfYear = (d: Date) => Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
const pyWeekday = (d: Date) => (d.getUTCDay() + 6) % 7;

function babelWeekOfYear(d: Date): number {
  const doy = dayOfYear(d);
  let week = babelWeekNumber(doy, pyWeekday(d));
  if (week === 0) {
    const prev = new Date(d.getTime() - doy * 86_400_000);
    week = babelWeekNumber(dayOfYear(prev), pyWeekday(prev));
  }
  return week;
}

function babelWeekYear(d: Date): number {
  return babelWeekNumber(dayOfYear(d), pyWeekday(d)) === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
}

/** The group label Odoo 13 shows for a date(time) bucket starting at wall time `d` (locale en_US). */
export function groupLabel(unit: Granularity, d: Date): string {
  const year = pad(d.getUTCFullYear(), 4);
  const month = MONTHS[d.getUTCMonth()] as string;
  switch (unit) {
    case 'hour': {
      // 'hh:00 dd MMM' — hh is the 12-hour clock, 01…12
      const h12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
      return `${pad(h12)}:00 ${pad(d.getUTCDate())} ${month.slice(0, 3)}`;
    }
    case 'day':
      return `${pad(d.getUTCDate())} ${month.slice(0, 3)} ${year}`; // 'dd MMM yyyy'
    case 'week':
      return `W${babelWeekOfYear(d)} ${pad(babelWeekYear(d), 4)}`; // "'W'w YYYY"
    case 'month':
      return `${month} ${year}`; // 'MMMM yyyy'
    case 'quarter':
      return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${year}`; // 'QQQ yyyy'
    case 'year':
      return year;
  }
}

// ---------------------------------------------------------------- time zones (pytz semantics)

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `tz` is a zone name pytz knows (checked through the ICU database Node ships). */
export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    zoneFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall time in `tz` at the UTC instant `utc`. */
export function utcToWall(utc: Date, tz: string): Date {
  const parts = Object.fromEntries(zoneFormatter(tz).formatToParts(utc).map((p) => [p.type, p.value]));
  return new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second)));
}

const offsetAt = (utc: Date, tz: string) => utcToWall(utc, tz).getTime() - Math.floor(utc.getTime() / 1000) * 1000;

/**
 * pytz's tz.localize(wall) (is_dst=False) → its UTC offset in ms. Ambiguous or non-existent wall
 * times take the standard-time (smaller) offset, as pytz does with is_dst=False.
 */
export function localizeOffset(wall: Date, tz: string): number {
  const candidates = new Set<number>();
  for (const shift of [-36, -12, 0, 12, 36]) candidates.add(offsetAt(new Date(wall.getTime() + shift * 3_600_000), tz));
  const valid = [...candidates].filter((offset) => offsetAt(new Date(wall.getTime() - offset), tz) === offset);
  const pool = valid.length === 1 ? valid : valid.length > 1 ? valid : [...candidates];
  return Math.min(...pool);
}
