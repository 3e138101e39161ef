/**
 * Rows for the 1,000,000-message database of the queries benchmark: a pure function of the row's
 * index (so a seeding run can resume where it stopped), spread over the year before `anchorMs`,
 * mostly in Bali business hours (WITA = UTC+8).
 */
import { toOdooDatetime } from '../../src/odoo/datetime.js';
import { BUSINESS_DEVICE, contactNameOf, contactOf, messageText, phoneOf, rng } from './corpus.js';

export const SEED_ID_PREFIX = 'seed-';
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;
const WITA_OFFSET_H = 8;

const TYPES: [type: string, share: number][] = [
  ['text', 0.88],
  ['image', 0.06],
  ['document', 0.02],
  ['location', 0.015],
  ['audio', 0.015],
  ['sticker', 0.01],
];

function messageType(r: () => number): string {
  let x = r();
  for (const [type, share] of TYPES) {
    if (x < share) return type;
    x -= share;
  }
  return 'text';
}

/** whatsapp.history values of seeded message i. */
export function seedRow(i: number, anchorMs: number): Record<string, unknown> {
  const r = rng(0x27d4eb2f ^ i);
  const contact = contactOf(r);
  const phone = phoneOf(contact);
  const direction = r() < 0.55 ? 'in' : 'out';
  const type = messageType(r);
  const text = type === 'text' || type === 'image' || type === 'document' ? messageText(r, direction) : null;
  const day = Math.floor(r() * YEAR_DAYS);
  // 85 % between 08:00 and 22:00 WITA, the rest at any hour.
  const localHour = r() < 0.85 ? 8 + Math.floor(r() * 14) : Math.floor(r() * 24);
  const secondOfHour = Math.floor(r() * 3600);
  const dayStart = Math.floor(anchorMs / DAY_MS) * DAY_MS - (day + 1) * DAY_MS;
  const at = new Date(dayStart + ((localHour - WITA_OFFSET_H + 24) % 24) * 3_600_000 + secondOfHour * 1000);
  const provider = r() < 0.85 ? 'fonnte' : 'meta';
  const providerMessageId = `${SEED_ID_PREFIX}${i}`;
  const stateRoll = r();
  const state =
    direction === 'in' ? 'received' : stateRoll < 0.02 ? 'failed' : stateRoll < 0.1 ? 'sent' : stateRoll < 0.35 ? 'delivered' : 'read';
  const name = direction === 'in' ? contactNameOf(contact) : null;
  const media = type === 'image' || type === 'document' || type === 'audio' || type === 'sticker';
  const raw =
    direction === 'in'
      ? JSON.stringify({
          device: BUSINESS_DEVICE,
          sender: phone.slice(1),
          message: text ?? '',
          name: name ?? '',
          timestamp: Math.floor(at.getTime() / 1000),
          inboxid: providerMessageId,
        })
      : false;
  return {
    phone,
    contact_name: name ?? false,
    direction,
    message: text ?? false,
    message_type: type,
    media_url: media ? `https://api.fonnte.com/media/${providerMessageId}` : false,
    media_mimetype: type === 'image' ? 'image/jpeg' : type === 'document' ? 'application/pdf' : type === 'audio' ? 'audio/ogg' : false,
    provider,
    provider_message_id: providerMessageId,
    device: BUSINESS_DEVICE,
    state,
    error_message: state === 'failed' ? 'invalid number' : false,
    timestamp: toOdooDatetime(at),
    raw_payload: raw,
  };
}
