/**
 * Phone numbers and WhatsApp ids → one canonical form.
 *
 * Canonical value of `whatsapp.history.phone`:
 * - a person: E.164 (`+6281234567890`), whatever form the provider or a user typed;
 * - a group chat: its JID, lower-cased (`120363025246125486@g.us`). A group has no phone number, but
 *   it *is* the conversation: history and statistics group by it, and Fonnte sends to it as a target.
 * - a contact WhatsApp shows only by a "linked identity" (`123456789012345@lid`, sent instead of the
 *   number for some contacts and group members): its JID, lower-cased, without a `:device` suffix.
 *   The digits are an opaque id, not a phone number, so it is kept as is, like a group: it is that
 *   contact's conversation, never linked to a partner, and Fonnte may send to it as a target.
 * A JID can never collide with an E.164 value (no `+`, always `@…`), so they live in one field
 * without ambiguity, and partner linking simply skips JIDs.
 *
 * `status@broadcast` (WhatsApp Status, i.e. stories) is no conversation: it is refused with its own
 * reason, so a webhook adapter can acknowledge and skip it, and the REST API answers a clear 400.
 */
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { InvalidPhoneError, UnsupportedTargetError } from '../domain/errors.js';
import type { Provider } from '../domain/message.js';

export type { CountryCode };

export type PhoneRejectReason =
  /** Nothing but whitespace. */
  | 'empty'
  /** Longer than any phone number or JID could be; not parsed at all. */
  | 'too_long'
  /** Letters or other characters a phone number does not contain. */
  | 'not_a_number'
  /** Looks like a number, but no country's numbering plan accepts it. */
  | 'invalid_number'
  /** `status@broadcast`: WhatsApp Status updates (stories), not a conversation. */
  | 'status_broadcast'
  /** Any other WhatsApp JID: not a person (`@s.whatsapp.net`, `@c.us`, `@lid`) nor a group (`@g.us`), e.g. `@newsletter`. */
  | 'unsupported_jid';

export type PhoneResult =
  | { ok: true; kind: 'phone'; e164: string }
  | { ok: true; kind: 'group'; jid: string }
  /** A contact known only by a linked identity: the conversation is the JID, there is no number. */
  | { ok: true; kind: 'lid'; jid: string }
  | { ok: false; reason: PhoneRejectReason };

export interface NormalizeOptions {
  /**
   * The input comes from WhatsApp itself (Meta `from`/`wa_id`, Fonnte `sender`/`device`, Twilio
   * `From`): bare digits are already international (`6281…`, `1555…`), never national, and a number
   * libphonenumber only calls *possible* is accepted — WhatsApp has proven the account exists, and
   * bundled metadata lags behind newly opened ranges (and Meta's `+1 555…` test numbers).
   */
  whatsappId?: boolean;
}

/** Longest input worth parsing: `+62 (0)812-3456-7890` or an old-style `<creator>-<time>@g.us` JID fit easily. */
const MAX_INPUT_LENGTH = 64;
/** Digits, whitespace, and the punctuation people put in phone numbers (incl. Unicode dashes). */
const PHONE_CHARS = /^\+?[0-9\s().\-\u2010-\u2015\u2212]+$/;
const GROUP_JID = /^(\d{5,25}(?:-\d{1,15})?)@g\.us$/;
const PERSON_JID = /^(\d{5,20})(?::\d{1,3})?@(?:s\.whatsapp\.net|c\.us)$/;
/** A linked identity; like a person JID it may carry a `:device` suffix, which is not part of the contact. */
const LID_INPUT = /^(\d{5,25})(?::\d{1,3})?@lid$/;
const LID_JID = /^\d{5,25}@lid$/;
const STATUS_BROADCAST = 'status@broadcast';

function fromParsed(parsed: PhoneNumber | undefined, acceptPossible: boolean): string | null {
  if (!parsed) return null;
  if (parsed.isValid() || (acceptPossible && parsed.isPossible())) return parsed.number;
  return null;
}

/**
 * Normalises a phone number or WhatsApp id. Accepts `0812-3456-7890`, `081234567890`, `6281234567890`,
 * `+62 812 3456 7890`, `+62 (0)812…`, `0062 812…`, `whatsapp:+62…`, `628…@s.whatsapp.net`
 * (also with a `:device` suffix), `628…@c.us`, group JIDs `…@g.us` and linked identities `…@lid`.
 * Never throws.
 */
export function normalizePhone(
  input: string,
  defaultCountry: CountryCode,
  options: NormalizeOptions = {},
): PhoneResult {
  if (typeof input !== 'string') return { ok: false, reason: 'not_a_number' };
  let text = input.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (text.length > MAX_INPUT_LENGTH) return { ok: false, reason: 'too_long' };

  text = text.toLowerCase();
  if (text.startsWith('whatsapp:')) text = text.slice('whatsapp:'.length).trim();

  if (text.includes('@')) {
    const group = GROUP_JID.exec(text);
    if (group) return { ok: true, kind: 'group', jid: `${group[1]}@g.us` };
    const lid = LID_INPUT.exec(text);
    if (lid) return { ok: true, kind: 'lid', jid: `${lid[1]}@lid` };
    if (text === STATUS_BROADCAST) return { ok: false, reason: 'status_broadcast' };
    const person = PERSON_JID.exec(text);
    if (!person) return { ok: false, reason: 'unsupported_jid' };
    // A JID's user part is always the international number without '+'.
    const e164 = fromParsed(parsePhoneNumberFromString(`+${person[1]}`), true);
    return e164 ? { ok: true, kind: 'phone', e164 } : { ok: false, reason: 'invalid_number' };
  }

  if (!PHONE_CHARS.test(text)) return { ok: false, reason: 'not_a_number' };
  // `00` is the international call prefix almost everywhere (Indonesia's 001/007/008 carriers
  // aside); libphonenumber would read `0062…` as a national number with default country ID.
  if (/^00[1-9]/.test(text)) text = `+${text.slice(2)}`;

  const bareInternational = options.whatsappId === true && /^[1-9]/.test(text);
  const e164 = bareInternational
    ? fromParsed(parsePhoneNumberFromString(`+${text}`, { extract: false }), true)
    : (fromParsed(parsePhoneNumberFromString(text, { defaultCountry, extract: false }), options.whatsappId === true) ??
      // `4477…` typed without '+' by someone abroad: try it as international before giving up.
      (/^[1-9]/.test(text) ? fromParsed(parsePhoneNumberFromString(`+${text}`, { extract: false }), false) : null));
  return e164 ? { ok: true, kind: 'phone', e164 } : { ok: false, reason: 'invalid_number' };
}

const REASON_TEXT: Record<PhoneRejectReason, string> = {
  empty: 'is empty',
  too_long: 'is too long to be a phone number',
  not_a_number: 'is not a phone number',
  invalid_number: 'is not a valid phone number',
  status_broadcast: "is WhatsApp's Status (stories) feed, not a conversation",
  unsupported_jid: 'is a WhatsApp id that is neither a person nor a group',
};

/** A sentence fragment for a rejected number, e.g. for a validation error `sender is not a valid phone number`. */
export function describePhoneRejection(reason: PhoneRejectReason): string {
  return REASON_TEXT[reason];
}

/**
 * A business-scoped WhatsApp user id (BSUID): ISO country code, a dot, up to 128 letters or digits
 * (`US.13491208655302741918`). Meta sends it for users who adopted a username, possibly without any
 * number; it names one user for one business and survives a change of number.
 */
const WHATSAPP_USER_ID = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;

/** Is `text` (as given, trimmed by the caller) a WhatsApp user id? */
export function isWhatsappUserId(text: unknown): boolean {
  return typeof text === 'string' && WHATSAPP_USER_ID.test(text);
}

/**
 * The ways a conversation is named where the API takes "a number": a phone number or JID (see
 * normalizePhone), or a WhatsApp user id (`whatsapp:US.…` as Twilio writes it, too). The user id's
 * country part is upper-cased; the rest is kept as is (it is an opaque, case-sensitive id).
 */
export type ContactIdResult = PhoneResult | { ok: true; kind: 'user'; userId: string };

export function normalizeContactId(input: string, defaultCountry: CountryCode): ContactIdResult {
  if (typeof input === 'string') {
    let text = input.trim();
    if (text.toLowerCase().startsWith('whatsapp:')) text = text.slice('whatsapp:'.length).trim();
    const candidate = `${text.slice(0, 2).toUpperCase()}${text.slice(2)}`;
    if (isWhatsappUserId(candidate)) return { ok: true, kind: 'user', userId: candidate };
  }
  return normalizePhone(input, defaultCountry);
}

/** The canonical text of an accepted contact id: E.164, the JID, or the user id. */
export function canonicalContactId(result: Extract<ContactIdResult, { ok: true }>): string {
  return result.kind === 'phone' ? result.e164 : result.kind === 'user' ? result.userId : result.jid;
}

/** A user id can be too long for MAX_INPUT_LENGTH of a number; the API's own limit is this. */
export const MAX_CONTACT_ID_LENGTH = 140;

function nationalDigits(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || !/^\+\d{6,15}$/.test(e164)) throw new TypeError(`not an E.164 number: ${e164}`);
  return parsed.nationalNumber;
}

/**
 * An SQL LIKE pattern (for Odoo's `=like`, which passes it through untouched) that matches the
 * number however it was typed into a partner: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`,
 * `(0812) 3456 7890 WA`. It is the national significant number's digits with `%` around and between
 * them, so any prefix (`0`, `62`, `+62 (0)`) and any separators match. It also matches unrelated
 * numbers that happen to contain those digits in order, so callers must confirm each candidate with
 * `partnerPhoneMatches`.
 */
export function phoneSearchPattern(e164: string): string {
  return `%${nationalDigits(e164).split('').join('%')}%`;
}

/** The national significant number's digits (`81234567890` for `+6281234567890`): what the addon's partner lookup takes. */
export function nationalSignificantDigits(e164: string): string {
  return nationalDigits(e164);
}

/**
 * Does a partner's free-text phone field hold this number? Tolerates what people type into Odoo:
 * several numbers in one field (`0812… / 0361…`), notes (`0812… (WA)`), any formatting.
 */
export function partnerPhoneMatches(stored: unknown, e164: string, defaultCountry: CountryCode): boolean {
  if (typeof stored !== 'string' || stored.length > 256) return false;
  for (const piece of stored.split(/[,;/|]|\bor\b|\batau\b/i)) {
    const cleaned = piece.replace(/[^0-9+\s().-]/g, ' ').trim();
    if (cleaned === '') continue;
    const result = normalizePhone(cleaned, defaultCountry);
    if (result.ok && result.kind === 'phone' && result.e164 === e164) return true;
  }
  return false;
}

/**
 * The recipient as each provider's send API wants it: Fonnte digits (`6281…`; a group or linked-id
 * JID as is), Meta digits, Twilio `whatsapp:+6281…`. Meta and Twilio address people by phone number
 * only: they cannot send to groups nor to a contact known only by a linked identity. A WhatsApp user
 * id (BSUID) is returned as is for Meta (which takes it as `recipient`) and refused for the others.
 */
/** Providers that can address a contact by WhatsApp user id alone (Meta's `recipient`). */
export function canSendToUserId(provider: Provider): boolean {
  return provider === 'meta';
}

/** Why `provider` cannot send to a contact known only by a WhatsApp user id, as a sentence. */
export function userIdTargetRefusal(provider: Provider): string {
  return `${provider} cannot send to a WhatsApp user id (BSUID) without a phone number; only Meta can`;
}

export function toProviderTarget(phone: string, provider: Provider): string {
  if (isWhatsappUserId(phone)) {
    if (canSendToUserId(provider)) return phone;
    throw new UnsupportedTargetError(userIdTargetRefusal(provider));
  }
  const chat = GROUP_JID.test(phone) ? 'a WhatsApp group' : LID_JID.test(phone) ? 'a WhatsApp linked id (…@lid), which is not a phone number' : null;
  if (chat !== null) {
    if (provider === 'fonnte') return phone;
    throw new UnsupportedTargetError(`${provider} cannot send to ${chat}`);
  }
  if (!/^\+[1-9]\d{5,14}$/.test(phone)) {
    throw new InvalidPhoneError(`not an E.164 phone number: ${phone}`);
  }
  switch (provider) {
    case 'fonnte':
    case 'meta':
      return phone.slice(1);
    case 'twilio':
      return `whatsapp:${phone}`;
  }
}
