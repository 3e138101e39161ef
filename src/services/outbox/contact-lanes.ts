/**
 * Sending order: messages to one contact go out one after the other, in record order, while several
 * contacts are served at once. Knows nothing of Odoo or providers.
 */
import { isWhatsappUserId, normalizePhone, type CountryCode } from '../../lib/phone.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Messages to one contact go out one after the other, in record order; this names the contact: its
 * number, or its WhatsApp user id when the record has no number.
 */
export function contactKey(phone: unknown, defaultCountry: CountryCode, userId?: unknown): string {
  if (str(phone) === '' && isWhatsappUserId(userId)) return str(userId);
  const normalized = normalizePhone(str(phone), defaultCountry);
  if (!normalized.ok) return `raw:${str(phone)}`;
  return normalized.kind === 'phone' ? normalized.e164 : normalized.jid;
}

export interface LaneOptions<Row> {
  /** Contacts served at once. */
  concurrency: number;
  /** The contact a row goes to (contactKey). */
  contactOf: (row: Row) => string;
  /** Checked before each row: false stops every lane (stopping, or the outbox lease lost). */
  mayGoOn: () => boolean;
  /** After a row: true when the contact's later rows must wait (it waits for a retry and must not be overtaken). */
  holdsContact: (row: Row) => boolean;
}

/**
 * Runs the rows with at most `concurrency` contacts at a time; each contact's rows one after the
 * other, in record order, so a contact receives messages in the order they were queued.
 */
export async function runByContact<Row>(rows: Row[], options: LaneOptions<Row>, work: (row: Row) => Promise<unknown>): Promise<void> {
  const byContact = new Map<string, Row[]>();
  for (const row of rows) {
    const key = options.contactOf(row);
    const list = byContact.get(key);
    if (list) list.push(row);
    else byContact.set(key, [row]);
  }
  const queues = [...byContact.values()];
  let next = 0;
  const lanes = Array.from({ length: Math.min(options.concurrency, queues.length) }, async () => {
    while (next < queues.length && options.mayGoOn()) {
      const queue = queues[next++] as Row[];
      for (const row of queue) {
        if (!options.mayGoOn()) return;
        await work(row);
        // Waiting for a retry: the contact's next messages must not overtake this one.
        if (options.holdsContact(row)) break;
      }
    }
  });
  await Promise.all(lanes);
}
