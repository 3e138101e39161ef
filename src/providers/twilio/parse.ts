/**
 * Twilio WhatsApp webhooks (form fields, already parsed) → InboundEvents.
 *
 * - A status callback has `MessageStatus` (other than `received`/`receiving`, which only describe
 *   inbound messages); anything else with a `MessageSid` is an inbound message.
 * - Status values: sent/delivered/read → themselves; failed, undelivered, canceled → failed with
 *   `ErrorCode: ErrorMessage|status`. queued/sending/accepted/scheduled → no event and a
 *   `status_ignored` warning: the gateway created the record as queued when it sent, so they move
 *   nothing forward.
 * - Media: WhatsApp delivers one attachment per message, but the form allows NumMedia up to 10. Each
 *   attachment becomes its own event so none is dropped: the first keeps the MessageSid (and the
 *   Body as caption), the others are `<MessageSid>#<N>` for MediaUrl<N>.
 * - Twilio dates nothing in these webhooks: timestamps are the receipt time.
 * - Senders with a WhatsApp username may come as a business-scoped user id (BSUID) instead of a
 *   number: `From=whatsapp:US.1349…` (also `ExternalUserId`). Such a message has `phone: null` and
 *   the BSUID as `userId`; a status names its recipient's BSUID (`To`, `ExternalUserId`) as
 *   `recipientUserId`.
 * - Shapes: a field of an unexpected form is left out with a `not_understood` warning, and when it
 *   held the content (Body, location, button, media) the message is kept as type `other` with the
 *   reason in `providerError`. Only a body without any MessageSid, or a message naming no sender
 *   (neither number nor BSUID), cannot become a record: `ok: false`, kept in quarantine by the route.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { InboundEvent, MediaRef, MessageEvent, StatusEvent } from '../../domain/message.js';
import { readBsuid } from '../../lib/bsuid.js';
import { describePhoneRejection, normalizePhone } from '../../lib/phone.js';
import {
  ajv,
  expectObject,
  coordinates,
  fail,
  leaveOutUnfit,
  nonEmpty,
  renderLocation,
  textOf,
  type ParseContext,
  type ParseResult,
  type ParseWarning,
  type RejectedField,
} from '../common/parse.js';
import { mediaFromMimetype } from '../common/media-types.js';

export type TwilioParams = Record<string, string | string[]>;

const MAX_MEDIA = 10;
const sid = { type: 'string', pattern: '^[A-Za-z0-9]{2,64}$' } as const;
const single = { type: 'string', maxLength: 4096 } as const;
const number = { type: 'string', pattern: '^\\s*-?[0-9]{1,3}(\\.[0-9]+)?\\s*$' } as const;

const schema = {
  type: 'object',
  properties: {
    MessageSid: sid,
    SmsMessageSid: sid,
    SmsSid: sid,
    AccountSid: single,
    From: { type: 'string', maxLength: 256 },
    To: { type: 'string', maxLength: 256 },
    Body: { type: 'string' },
    NumMedia: { type: 'string', pattern: '^[0-9]{1,2}$' },
    MessageStatus: { type: 'string', maxLength: 64 },
    ErrorCode: { type: 'string', maxLength: 64 },
    ErrorMessage: single,
    ProfileName: single,
    WaId: { type: 'string', maxLength: 64 },
    Latitude: number,
    Longitude: number,
    Address: single,
    Label: single,
    ButtonText: single,
    ButtonPayload: single,
    ListTitle: single,
  },
  // Unknown fields are fine (Twilio adds them without notice), but must look like form values.
  additionalProperties: { type: ['string', 'array'], items: { type: 'string' } },
} as const satisfies JSONSchema;

/** Twilio's parameters as validated: the type is derived from the schema that validates them, so the two cannot drift apart. */
type TwilioKnown = FromSchema<typeof schema>;

const validate = ajv.compile<TwilioKnown>(schema);

/** Fields whose loss loses what the message says: when one is not understood, the message is `other`. */
const CONTENT_FIELDS = /^(Body|Latitude|Longitude|Address|Label|ButtonText|ButtonPayload|ListTitle|NumMedia|MediaUrl\d+|MediaContentType\d+)$/;

const STATUS_MAP: Record<string, StatusEvent['state']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};
const INBOUND_STATUSES = new Set(['received', 'receiving']);

function str(value: unknown): string | null {
  return typeof value === 'string' ? nonEmpty(value) : null;
}

/** `whatsapp:+6281…` → `+6281…`; the prefix also marks the number as WhatsApp's own. */
function stripChannel(address: string): string {
  return address.replace(/^whatsapp:/i, '');
}

export function parseTwilio(body: unknown, ctx: ParseContext): ParseResult {
  const shape = expectObject(body, 'form fields (a Twilio webhook)');
  if (shape) return shape;
  const { value: params, rejected } = leaveOutUnfit(validate, body as Record<string, unknown>);
  const warnings: ParseWarning[] = rejected.map(({ field, message }) => ({ path: `/${field}`, code: 'not_understood', message: `${field} ${message}; left out` }));
  const messageSid = str(params.MessageSid) ?? str(params.SmsMessageSid) ?? str(params.SmsSid);
  if (messageSid === null) return fail('/MessageSid', 'is required (MessageSid, SmsMessageSid or SmsSid of the form Twilio uses)');
  // raw keeps every parameter as received, those left out included.
  const raw = body as TwilioParams;

  const status = str(params.MessageStatus)?.toLowerCase() ?? null;
  if (status !== null && !INBOUND_STATUSES.has(status)) return parseStatus(params, raw, messageSid, status, ctx, warnings);
  return parseMessage(params, raw, messageSid, ctx, warnings, rejected);
}

/** A `whatsapp:US.…` address or `ExternalUserId`: the contact's business-scoped user id, or null. */
function userIdOf(address: string | null, params: TwilioKnown): string | null {
  return readBsuid(address) ?? readBsuid(str(params.ExternalUserId));
}

function parseStatus(params: TwilioKnown, raw: TwilioParams, messageSid: string, status: string, ctx: ParseContext, warnings: ParseWarning[]): ParseResult {
  const state = STATUS_MAP[status];
  if (state === undefined) {
    return {
      ok: true,
      events: [],
      warnings: [...warnings, { path: '/MessageStatus', code: 'status_ignored', message: `Twilio status ${JSON.stringify(status)} moves nothing forward` }],
    };
  }
  const code = str(params.ErrorCode);
  const detail = str(params.ErrorMessage) ?? status;
  // On a status callback `To` is the recipient of the message the business sent.
  const recipientUserId = userIdOf(str(params.To), params);
  const event: StatusEvent = {
    kind: 'status',
    provider: 'twilio',
    providerMessageId: messageSid,
    aliasId: null,
    state,
    error: state === 'failed' ? (code ? `${code}: ${detail}` : detail) : null,
    ...(recipientUserId !== null ? { recipientUserId } : {}),
    timestamp: ctx.receivedAt.toISOString(),
    raw,
  };
  return { ok: true, events: [event], warnings };
}

function parseMessage(
  params: TwilioKnown,
  raw: TwilioParams,
  messageSid: string,
  ctx: ParseContext,
  warnings: ParseWarning[],
  rejected: RejectedField[],
): ParseResult {
  const fromText = str(params.From);
  const userId = userIdOf(fromText, params);
  let phone: string | null = null;
  if (fromText !== null && readBsuid(fromText) === null) {
    const from = normalizePhone(stripChannel(fromText), ctx.defaultCountry, { whatsappId: true });
    if (from.ok) phone = from.kind === 'phone' ? from.e164 : from.jid;
    else if (userId === null) return fail('/From', `From ${describePhoneRejection(from.reason)}`);
    else warnings.push({ path: '/From', code: 'identity_unrecognised', message: `From ${describePhoneRejection(from.reason)}; the message is kept by its user id` });
  }
  if (phone === null && userId === null) return fail('/From', 'is required (a WhatsApp number or user id)');

  let device: string | null = null;
  const toText = str(params.To);
  if (toText !== null) {
    const to = normalizePhone(stripChannel(toText), ctx.defaultCountry, { whatsappId: true });
    if (to.ok && to.kind === 'phone') device = to.e164;
    else warnings.push({ path: '/To', code: 'device_unrecognised', message: `To ${JSON.stringify(toText.slice(0, 64))} is not a phone number; kept as null` });
  }

  const lost = rejected.filter((r) => CONTENT_FIELDS.test(r.field)).map((r) => `${r.field} ${r.message}`);
  const numMedia = Number(str(params.NumMedia) ?? '0');
  if (numMedia > MAX_MEDIA) {
    lost.push(`NumMedia ${numMedia} is more than ${MAX_MEDIA}; attachments from MediaUrl${MAX_MEDIA} on are left out`);
    warnings.push({ path: '/NumMedia', code: 'not_understood', message: `NumMedia ${numMedia} is more than ${MAX_MEDIA}; the first ${MAX_MEDIA} are kept` });
  }
  const media: MediaRef[] = [];
  for (let n = 0; n < Math.min(numMedia, MAX_MEDIA); n += 1) {
    const url = str(params[`MediaUrl${n}`]);
    if (url === null || !/^https?:\/\//i.test(url)) {
      lost.push(`MediaUrl${n} is not an http(s) URL (NumMedia is ${numMedia})`);
      warnings.push({ path: `/MediaUrl${n}`, code: 'media_url_ignored', message: `MediaUrl${n} is not an http(s) URL (NumMedia is ${numMedia}); left out` });
      continue;
    }
    const ref: MediaRef = { url };
    const mimetype = str(params[`MediaContentType${n}`]);
    if (mimetype) ref.mimetype = mimetype;
    media.push(ref);
  }
  // Content in a form we do not know: the message is kept, and says what was not understood.
  const providerError = lost.length > 0 ? `not understood: ${lost.join('; ')} (every parameter is in raw_payload)` : null;

  const body = typeof params.Body === 'string' ? textOf(params.Body) : null;
  const base: Omit<MessageEvent, 'providerMessageId' | 'messageType' | 'text' | 'media'> = {
    kind: 'message',
    provider: 'twilio',
    direction: 'in',
    phone,
    ...(userId !== null ? { userId } : {}),
    contactName: str(params.ProfileName),
    device,
    timestamp: ctx.receivedAt.toISOString(),
    ...(providerError !== null ? { providerError } : {}),
    raw,
  };

  if (media.length > 0) {
    const events: InboundEvent[] = media.map((ref, n) => ({
      ...base,
      providerMessageId: n === 0 ? messageSid : `${messageSid}#${n}`,
      messageType: mediaFromMimetype(ref.mimetype ?? null),
      text: n === 0 ? body : null,
      media: ref,
    }));
    return { ok: true, events, warnings };
  }

  const one = (messageType: MessageEvent['messageType'], text: string | null): ParseResult => ({
    ok: true,
    events: [{ ...base, providerMessageId: messageSid, messageType: providerError !== null ? 'other' : messageType, text, media: null }],
    warnings,
  });
  const point = coordinates(str(params.Latitude), str(params.Longitude));
  if (point) return one('location', renderLocation(point.latitude, point.longitude, str(params.Label), str(params.Address)));
  const button = str(params.ButtonText) ?? str(params.ListTitle);
  if (button !== null) return one('button', button);
  return one(body === null ? 'other' : 'text', body);
}
