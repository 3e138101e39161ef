/**
 * Fonnte webhooks → InboundEvents. One URL receives three kinds of body, told apart by their fields:
 * - incoming message: has `sender`;
 * - device connect/disconnect: `status` is `connect`|`disconnect` (and carries the device `token`,
 *   which never leaves this function: DeviceEvent has no raw, and `raw` elsewhere is redacted);
 * - message status: `id` and/or `stateid` with `status` and/or `state`.
 *
 * Ids. A message's id is `inboxid` when Fonnte sends a real one (inbox feature on). With the inbox
 * feature off — the common case — Fonnte sends `"inboxid": 0` (or `"0"`, `""`, `null`): that is no
 * id, or every message after the first would be dropped as a duplicate of message `0`. Such a
 * message, like one without `inboxid`, gets `h:` + a SHA-256 of what it says (device, sender,
 * member, timestamp, content): Fonnte retries a webhook up to 15 times with the same body, and every
 * retry must dedupe to one record. Without `timestamp` (older deliveries) two identical texts from
 * one sender collapse into one — the price of not duplicating every retry. The same holds for the
 * `id`/`stateid` of a status: 0 names no message.
 *
 * Buttons. `text` is the title of the button the contact pressed; on every other message Fonnte
 * puts its placeholder `"non-button message"` there, which is no button: the message is what
 * `message` says.
 *
 * Shapes. A field of an unexpected type (a `member` object, a numeric `message`) is left out with a
 * `not_understood` warning rather than losing the webhook; when it held the content (message, text,
 * url, location, poll…) the message is kept as type `other` with the reason in `providerError`. A
 * timestamp that is no date gives the receipt time (`timestamp_unreadable`). A body that is no
 * message, status or device event, or a message from a sender that is no number, group or linked id
 * (e.g. a channel), cannot become a record: `ok: false`, which the route keeps in quarantine.
 * A numeric `inboxid` beyond 2^53 was already rounded by JSON.parse, so neighbouring ids read equal
 * and the second message would be dropped as a duplicate of the first. Such an id is not used: the
 * message gets the content hash (stable across the 15 retries, so still one record), with the
 * rounded value mixed in (it only ever tells messages apart, never merges them), and an
 * `id_imprecise` warning. A 400 would lose the message: Fonnte resends the same lossy body 15 times.
 * Statuses cannot fall back to a hash (they must name a message we sent), so a rounded `id` or
 * `stateid` is dropped from the event with the same warning; with neither left, there is no event.
 *
 * Senders. A number becomes E.164; a group (`…@g.us`) or a contact shown only by its linked identity
 * (`…@lid`) is stored under its JID (lib/phone.ts). `status@broadcast` is someone's WhatsApp Status
 * (a story), not a conversation: 200, no event, a `status_broadcast_ignored` warning for the log.
 *
 * Statuses. `state` (WhatsApp receipt: sent/delivered/read) wins over `status` (Fonnte processing:
 * sent, or invalid/expired/url unreachable → failed with that reason). pending/waiting/processing and
 * unknown values move nothing forward: no event, a `status_ignored` warning for the log.
 */
import { createHash } from 'node:crypto';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { DeviceEvent, InboundEvent, MediaRef, MessageEvent, MessageType, StatusEvent } from '../../domain/message.js';
import { describePhoneRejection, normalizePhone } from '../../lib/phone.js';
import {
  ajv,
  expectObject,
  coordinates,
  fail,
  nonEmpty,
  leaveOutUnfit,
  readId,
  redactSecrets,
  renderLocation,
  textOf,
  toIsoTimestamp,
  type ParseContext,
  type ParseResult,
  type ParseWarning,
  type RejectedField,
} from '../common/parse.js';
import { extensionOf, fileNameOfUrl, mediaFromExtension } from '../common/media-types.js';

const id = { type: ['string', 'integer', 'null'], maxLength: 128 } as const;
const phone = { type: ['string', 'integer', 'null'], maxLength: 256 } as const;
const text = { type: ['string', 'null'] } as const;
const short = { type: ['string', 'null'], maxLength: 256 } as const;

// Loosely typed on purpose: every field is optional and most are [UNCONFIRMED] in shape.
const schema = {
  type: 'object',
  properties: {
    device: phone,
    sender: phone,
    member: phone,
    name: text,
    message: text,
    text,
    url: { type: ['string', 'null'], maxLength: 4096 },
    filename: { type: ['string', 'null'], maxLength: 1024 },
    extension: short,
    location: { type: ['string', 'object', 'null'] },
    pollname: text,
    choices: { type: ['string', 'array', 'null'], items: { type: ['string', 'number'] }, maxItems: 64 },
    timestamp: { type: ['string', 'number', 'null'], maxLength: 40 },
    inboxid: id,
    id,
    stateid: id,
    status: short,
    state: short,
    reason: text,
  },
} as const satisfies JSONSchema;

/** A Fonnte body as validated: the type is derived from the schema that validates it, so the two cannot drift apart. */
export type FonnteBody = FromSchema<typeof schema>;

const validate = ajv.compile<FonnteBody>(schema);

/** Fields whose loss loses what the message says: when one is not understood, the message is `other`. */
const CONTENT_FIELDS = new Set(['message', 'text', 'url', 'filename', 'extension', 'location', 'pollname', 'choices']);

/** Fonnte's placeholder in `text` for "no button was pressed". */
const NON_BUTTON = 'non-button message';

const RECEIPT_STATES = new Set(['sent', 'delivered', 'read']);
const FAILED_STATUSES = new Set(['invalid', 'expired', 'url unreachable', 'failed']);

export function parseFonnte(body: unknown, ctx: ParseContext): ParseResult {
  const shape = expectObject(body, 'a JSON object (a Fonnte webhook)');
  if (shape) return shape;
  const { value: fonnte, rejected } = leaveOutUnfit(validate, body as Record<string, unknown>);
  const warnings: ParseWarning[] = rejected.map(({ field, message }) => ({
    path: `/${field}`,
    code: 'not_understood',
    message: `${field} ${message}; left out`,
  }));

  // raw keeps the body as received, fields we left out included.
  const raw = redactSecrets(body as Record<string, unknown>);
  if (nonEmpty(fonnte.sender) !== null) return parseMessage(fonnte, raw, ctx, warnings, rejected);
  const status = nonEmpty(fonnte.status)?.toLowerCase() ?? null;
  const hasIds = isId(fonnte.id) || isId(fonnte.stateid);
  if ((status === 'connect' || status === 'disconnect') && !hasIds) return parseDevice(fonnte, status, ctx, warnings);
  if (hasIds && (status !== null || nonEmpty(fonnte.state) !== null)) return parseStatus(fonnte, raw, ctx, warnings);
  const sender = rejected.find((r) => r.field === 'sender');
  if (sender) return fail('/sender', `sender ${sender.message}`);
  return fail(
    '',
    'is not a Fonnte webhook: expected `sender` (message), `id`/`stateid` with `status`/`state` (message status) or `status` connect|disconnect (device)',
  );
}

/** Fonnte's "no id": absent, empty, or zero (what it sends with the inbox feature off). */
function isNoId(value: unknown): boolean {
  const id = nonEmpty(value);
  return id === null || /^0+$/.test(id);
}

function isId(value: unknown): boolean {
  return !isNoId(value);
}

/** The event time: Fonnte's `timestamp`, or the receipt time when there is none or it is no date. */
function timestampOf(fonnte: FonnteBody, ctx: ParseContext, warnings: ParseWarning[]): string {
  const timestamp = toIsoTimestamp(fonnte.timestamp, ctx.receivedAt);
  if (timestamp !== null) return timestamp;
  warnings.push({
    path: '/timestamp',
    code: 'timestamp_unreadable',
    message: `timestamp ${JSON.stringify(String(fonnte.timestamp).slice(0, 64))} ${BAD_TIMESTAMP}; the receipt time is used`,
  });
  return ctx.receivedAt.toISOString();
}

const BAD_TIMESTAMP = 'is not Unix seconds or milliseconds, nor an ISO date, between 2000 and 2100';

function deviceOf(fonnte: FonnteBody, ctx: ParseContext, warnings: ParseWarning[]): string | null {
  const raw = nonEmpty(fonnte.device);
  if (raw === null) return null;
  const device = normalizePhone(raw, ctx.defaultCountry, { whatsappId: true });
  if (device.ok && device.kind === 'phone') return device.e164;
  warnings.push({ path: '/device', code: 'device_unrecognised', message: `device ${JSON.stringify(raw.slice(0, 64))} is not a phone number; kept as null` });
  return null;
}

function parseDevice(fonnte: FonnteBody, status: 'connect' | 'disconnect', ctx: ParseContext, warnings: ParseWarning[]): ParseResult {
  const timestamp = timestampOf(fonnte, ctx, warnings);
  const event: DeviceEvent = {
    kind: 'device',
    provider: 'fonnte',
    device: deviceOf(fonnte, ctx, warnings),
    status,
    reason: nonEmpty(fonnte.reason),
    timestamp,
  };
  return { ok: true, events: [event], warnings };
}

function parseStatus(fonnte: FonnteBody, raw: Record<string, unknown>, ctx: ParseContext, warnings: ParseWarning[]): ParseResult {
  const timestamp = timestampOf(fonnte, ctx, warnings);
  const state = nonEmpty(fonnte.state)?.toLowerCase() ?? null;
  const status = nonEmpty(fonnte.status)?.toLowerCase() ?? null;

  let mapped: StatusEvent['state'] | null = null;
  let error: string | null = null;
  if (state !== null && RECEIPT_STATES.has(state)) {
    mapped = state as StatusEvent['state'];
  } else if (state === 'failed' || state === 'error') {
    mapped = 'failed';
    error = nonEmpty(fonnte.reason) ?? state;
  } else if (status === 'sent') {
    mapped = 'sent';
  } else if (status !== null && FAILED_STATUSES.has(status)) {
    mapped = 'failed';
    error = nonEmpty(fonnte.reason) ? `${status}: ${nonEmpty(fonnte.reason)}` : status;
  }
  if (mapped === null) {
    warnings.push({
      path: state !== null ? '/state' : '/status',
      code: 'status_ignored',
      message: `Fonnte status=${status ?? '-'} state=${state ?? '-'} moves nothing forward`,
    });
    return { ok: true, events: [], warnings };
  }
  const providerMessageId = exactIdOf(fonnte.id, '/id', warnings);
  const aliasId = exactIdOf(fonnte.stateid, '/stateid', warnings);
  // Only rounded ids: no way to tell which message this is about.
  if (providerMessageId === null && aliasId === null) return { ok: true, events: [], warnings };
  const event: StatusEvent = {
    kind: 'status',
    provider: 'fonnte',
    providerMessageId,
    aliasId,
    state: mapped,
    error,
    timestamp,
    raw,
  };
  return { ok: true, events: [event], warnings };
}

const IMPRECISE = 'is beyond 2^53 and was rounded when read as JSON, so it may name another message';

/** An id field's exact value; null when absent, zero or rounded (with an `id_imprecise` warning). */
function exactIdOf(value: unknown, path: string, warnings: ParseWarning[]): string | null {
  if (isNoId(value)) return null;
  const id = readId(value);
  if (id.kind === 'exact') return id.id;
  if (id.kind === 'imprecise') {
    warnings.push({ path, code: 'id_imprecise', message: `${path.slice(1)} ${id.approx} ${IMPRECISE}; not used` });
  }
  return null;
}

interface Content {
  messageType: MessageType;
  text: string | null;
  media: MediaRef | null;
}

function locationText(location: FonnteBody['location']): string | null {
  if (typeof location === 'string') {
    const pair = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(location);
    const point = pair ? coordinates(pair[1], pair[2]) : null;
    return point ? renderLocation(point.latitude, point.longitude) : nonEmpty(location);
  }
  if (location && typeof location === 'object') {
    const point = coordinates(location.latitude ?? location.lat, location.longitude ?? location.long ?? location.lng ?? location.lon);
    const labels = [location.name, location.address].map((v) => (typeof v === 'string' ? v : null));
    if (point) return renderLocation(point.latitude, point.longitude, ...labels);
    const label = labels.map((l) => nonEmpty(l)).filter((l) => l !== null);
    return label.length > 0 ? label.join(', ') : null;
  }
  return null;
}

function choicesText(choices: FonnteBody['choices']): string | null {
  if (Array.isArray(choices)) return nonEmpty(choices.map(String).join(', '));
  return nonEmpty(choices);
}

function contentOf(fonnte: FonnteBody, warnings: ParseWarning[]): Content {
  const message = textOf(fonnte.message);
  const url = nonEmpty(fonnte.url);
  if (url !== null && !/^https?:\/\//i.test(url)) {
    warnings.push({ path: '/url', code: 'media_url_ignored', message: 'attachment url is not http(s); message kept without media' });
  }
  if (url !== null && /^https?:\/\//i.test(url)) {
    const filename = nonEmpty(fonnte.filename) ?? fileNameOfUrl(url);
    const extension = nonEmpty(fonnte.extension)?.replace(/^\./, '').toLowerCase() ?? extensionOf(filename) ?? extensionOf(url);
    const { type, mimetype } = mediaFromExtension(extension);
    const media: MediaRef = { url };
    if (mimetype) media.mimetype = mimetype;
    if (filename) media.filename = filename;
    return { messageType: type, text: message, media };
  }
  const location = locationText(fonnte.location);
  if (location !== null) {
    return { messageType: 'location', text: message && message !== location ? `${location}\n${message}` : location, media: null };
  }
  const pollname = nonEmpty(fonnte.pollname);
  if (pollname !== null) {
    const choices = choicesText(fonnte.choices);
    return { messageType: 'poll', text: choices ? `${pollname}: ${choices}` : pollname, media: null };
  }
  const button = textOf(fonnte.text);
  if (button !== null && button.trim().toLowerCase() !== NON_BUTTON) return { messageType: 'button', text: button, media: null };
  if (message !== null) return { messageType: 'text', text: message, media: null };
  // A sender and nothing we understand (e.g. media on a package without attachments).
  return { messageType: 'other', text: null, media: null };
}

/**
 * The id of a message Fonnte gave no usable `inboxid`: equal bodies (retries) hash equal.
 * `roundedInboxId` (an inboxid JSON.parse rounded) is mixed in when given, so it can only tell
 * messages apart; hashes of messages without one stay as they always were.
 */
export function fonnteContentHash(fonnte: FonnteBody, roundedInboxId?: string): string {
  // A value of a shape Fonnte does not usually send (an object where a string was expected) is
  // hashed as its JSON, so such messages still differ by what they say. Bodies are at most 32 deep.
  const value = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : nonEmpty(v));
  const fields = [
    value(fonnte.device),
    value(fonnte.sender),
    value(fonnte.member),
    value(fonnte.timestamp),
    value(fonnte.message),
    value(fonnte.text),
    value(fonnte.url),
    value(fonnte.filename),
    locationText(fonnte.location),
    nonEmpty(fonnte.pollname),
    choicesText(fonnte.choices),
  ];
  if (roundedInboxId !== undefined) fields.push(`inboxid~${roundedInboxId}`);
  return `h:${createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex').slice(0, 40)}`;
}

/**
 * `inboxid` when a real, exact id, else the content hash (see the header). The hash is over the body
 * as received (`raw`), so content in a shape that was left out still tells messages apart.
 */
function messageIdOf(fonnte: FonnteBody, raw: FonnteBody, warnings: ParseWarning[]): string {
  if (isNoId(fonnte.inboxid)) return fonnteContentHash(raw);
  const inboxid = readId(fonnte.inboxid);
  if (inboxid.kind === 'exact') return inboxid.id;
  if (inboxid.kind === 'absent') return fonnteContentHash(raw);
  warnings.push({ path: '/inboxid', code: 'id_imprecise', message: `inboxid ${inboxid.approx} ${IMPRECISE}; the content hash is the id instead` });
  return fonnteContentHash(raw, inboxid.approx);
}

function parseMessage(
  fonnte: FonnteBody,
  raw: Record<string, unknown>,
  ctx: ParseContext,
  warnings: ParseWarning[],
  rejected: RejectedField[],
): ParseResult {
  const senderText = nonEmpty(fonnte.sender) ?? '';
  const sender = normalizePhone(senderText, ctx.defaultCountry, { whatsappId: true });
  if (!sender.ok && sender.reason === 'status_broadcast') {
    // Someone's Status (story) seen by the device: no conversation to store it in. Answered 200,
    // or Fonnte would resend it 15 times; logged through the warning.
    return {
      ok: true,
      events: [],
      warnings: [
        ...warnings,
        { path: '/sender', code: 'status_broadcast_ignored', message: 'a WhatsApp Status (story) update from status@broadcast is not a conversation; not stored' },
      ],
    };
  }
  if (!sender.ok) return fail('/sender', `sender ${describePhoneRejection(sender.reason)}`);
  const timestamp = timestampOf(fonnte, ctx, warnings);

  let content = contentOf(fonnte, warnings);
  // Content in a shape we do not know: keep the message, say what was not understood.
  const lost = rejected.filter((r) => CONTENT_FIELDS.has(r.field));
  const providerError =
    lost.length > 0 ? `not understood: ${lost.map((r) => `${r.field} ${r.message}`).join('; ')} (the whole body is in raw_payload)` : null;
  if (providerError !== null) content = { ...content, messageType: 'other' };
  const event: MessageEvent = {
    kind: 'message',
    provider: 'fonnte',
    providerMessageId: messageIdOf(fonnte, raw, warnings),
    direction: 'in',
    // A group chat's or a linked identity's JID (see lib/phone.ts); in a group, who wrote stays in raw.member.
    phone: sender.kind === 'phone' ? sender.e164 : sender.jid,
    contactName: nonEmpty(fonnte.name),
    device: deviceOf(fonnte, ctx, warnings),
    messageType: content.messageType,
    text: content.text,
    media: content.media,
    timestamp,
    ...(providerError !== null ? { providerError } : {}),
    raw,
  };
  const events: InboundEvent[] = [event];
  return { ok: true, events, warnings };
}
