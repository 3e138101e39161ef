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
 */
import type { JSONSchemaType } from 'ajv';
import type { InboundEvent, MediaRef, MessageEvent, StatusEvent } from '../domain/message.js';
import { describePhoneRejection, normalizePhone } from '../lib/phone.js';
import {
  ajv,
  check,
  expectObject,
  coordinates,
  fail,
  mediaFromMimetype,
  nonEmpty,
  renderLocation,
  textOf,
  type ParseContext,
  type ParseResult,
  type ParseWarning,
} from './common.js';

export type TwilioParams = Record<string, string | string[]>;

interface TwilioKnown {
  [key: string]: string | string[] | undefined;
  MessageSid?: string;
  SmsMessageSid?: string;
  SmsSid?: string;
  AccountSid?: string;
  From?: string;
  To?: string;
  Body?: string;
  NumMedia?: string;
  MessageStatus?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
  ProfileName?: string;
  WaId?: string;
  Latitude?: string;
  Longitude?: string;
  Address?: string;
  Label?: string;
  ButtonText?: string;
  ButtonPayload?: string;
  ListTitle?: string;
}

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
} as unknown as JSONSchemaType<TwilioKnown>;

const validate = ajv.compile<TwilioKnown>(schema);

const STATUS_MAP: Record<string, StatusEvent['state']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};
const INBOUND_STATUSES = new Set(['received', 'receiving']);

function str(value: string | string[] | undefined): string | null {
  return typeof value === 'string' ? nonEmpty(value) : null;
}

/** `whatsapp:+6281…` → `+6281…`; the prefix also marks the number as WhatsApp's own. */
function stripChannel(address: string): string {
  return address.replace(/^whatsapp:/i, '');
}

export function parseTwilio(body: unknown, ctx: ParseContext): ParseResult {
  const shape = expectObject(body, 'form fields (a Twilio webhook)');
  if (shape) return shape;
  const checked = check(validate, body);
  if (!checked.ok) return checked;
  const params = checked.value;
  const messageSid = str(params.MessageSid) ?? str(params.SmsMessageSid) ?? str(params.SmsSid);
  if (messageSid === null) return fail('/MessageSid', 'is required');

  const status = str(params.MessageStatus)?.toLowerCase() ?? null;
  if (status !== null && !INBOUND_STATUSES.has(status)) return parseStatus(params, messageSid, status, ctx);
  return parseMessage(params, messageSid, ctx);
}

function parseStatus(params: TwilioKnown, messageSid: string, status: string, ctx: ParseContext): ParseResult {
  const state = STATUS_MAP[status];
  if (state === undefined) {
    return {
      ok: true,
      events: [],
      warnings: [{ path: '/MessageStatus', code: 'status_ignored', message: `Twilio status ${JSON.stringify(status)} moves nothing forward` }],
    };
  }
  const code = str(params.ErrorCode);
  const detail = str(params.ErrorMessage) ?? status;
  const event: StatusEvent = {
    kind: 'status',
    provider: 'twilio',
    providerMessageId: messageSid,
    aliasId: null,
    state,
    error: state === 'failed' ? (code ? `${code}: ${detail}` : detail) : null,
    timestamp: ctx.receivedAt.toISOString(),
    raw: params,
  };
  return { ok: true, events: [event], warnings: [] };
}

function parseMessage(params: TwilioKnown, messageSid: string, ctx: ParseContext): ParseResult {
  const fromText = str(params.From);
  if (fromText === null) return fail('/From', 'is required');
  const from = normalizePhone(stripChannel(fromText), ctx.defaultCountry, { whatsappId: true });
  if (!from.ok) return fail('/From', `From ${describePhoneRejection(from.reason)}`);

  const warnings: ParseWarning[] = [];
  let device: string | null = null;
  const toText = str(params.To);
  if (toText !== null) {
    const to = normalizePhone(stripChannel(toText), ctx.defaultCountry, { whatsappId: true });
    if (to.ok && to.kind === 'phone') device = to.e164;
    else warnings.push({ path: '/To', code: 'device_unrecognised', message: `To ${JSON.stringify(toText.slice(0, 64))} is not a phone number; kept as null` });
  }

  const numMedia = Number(str(params.NumMedia) ?? '0');
  if (numMedia > MAX_MEDIA) return fail('/NumMedia', `must be at most ${MAX_MEDIA}`);
  const media: MediaRef[] = [];
  for (let n = 0; n < numMedia; n += 1) {
    const url = str(params[`MediaUrl${n}`]);
    if (url === null || !/^https?:\/\//i.test(url)) return fail(`/MediaUrl${n}`, `must be an http(s) URL (NumMedia is ${numMedia})`);
    const ref: MediaRef = { url };
    const mimetype = str(params[`MediaContentType${n}`]);
    if (mimetype) ref.mimetype = mimetype;
    media.push(ref);
  }

  const body = typeof params.Body === 'string' ? textOf(params.Body) : null;
  const base: Omit<MessageEvent, 'providerMessageId' | 'messageType' | 'text' | 'media'> = {
    kind: 'message',
    provider: 'twilio',
    direction: 'in',
    phone: from.kind === 'phone' ? from.e164 : from.jid,
    contactName: str(params.ProfileName),
    device,
    timestamp: ctx.receivedAt.toISOString(),
    raw: params,
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

  const point = coordinates(str(params.Latitude), str(params.Longitude));
  if (point) {
    const text = renderLocation(point.latitude, point.longitude, str(params.Label), str(params.Address));
    return { ok: true, events: [{ ...base, providerMessageId: messageSid, messageType: 'location', text, media: null }], warnings };
  }
  const button = str(params.ButtonText) ?? str(params.ListTitle);
  if (button !== null) {
    return { ok: true, events: [{ ...base, providerMessageId: messageSid, messageType: 'button', text: button, media: null }], warnings };
  }
  return {
    ok: true,
    events: [{ ...base, providerMessageId: messageSid, messageType: body === null ? 'other' : 'text', text: body, media: null }],
    warnings,
  };
}
