/**
 * Meta WhatsApp Cloud API webhooks → InboundEvents. One POST may batch several `entry[]`, each
 * with several `changes[]`; a `messages` change carries `messages[]` (+ `contacts[]`), `statuses[]`
 * and/or `errors[]`. The whole body is accepted or rejected as one (no partial writes).
 *
 * - Every message type becomes a MessageEvent: text; image/video/audio/document/sticker (media by
 *   Meta media id); location; contacts; interactive button/list replies and template quick replies
 *   → `button`; reaction (emoji, or null when removed); anything else (`unsupported`, `unknown`,
 *   `system`, `order`…) → `other`, with Meta's error text or system text.
 * - `statuses[]` → StatusEvents (sent/delivered/read/failed; failed carries `code: title — details`);
 *   other statuses (`deleted`, `warning`…) → a `status_ignored` warning.
 * - `value.errors[]` are about the webhook itself, not a message: returned as `provider_error`
 *   warnings for the log. Non-`messages` changes (templates, account updates…) → `change_ignored`.
 * - `raw` of a message is `{ wabaId, metadata, contact, message }`; of a status `{ wabaId, metadata, status }`.
 */
import type { JSONSchemaType } from 'ajv';
import type { InboundEvent, MediaRef, MessageEvent, MessageType, StatusEvent } from '../domain/message.js';
import { describePhoneRejection, normalizePhone } from '../lib/phone.js';
import {
  ajv,
  check,
  expectObject,
  fail,
  nonEmpty,
  renderLocation,
  textOf,
  toIsoTimestamp,
  type FieldError,
  type ParseContext,
  type ParseResult,
  type ParseWarning,
} from './common.js';

type Loose = Record<string, unknown>;

interface MetaError extends Loose {
  code?: number;
  title?: string;
  message?: string;
  error_data?: { details?: string } & Loose;
}

interface MetaMedia extends Loose {
  id: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
}

interface MetaMessage extends Loose {
  from: string;
  id: string;
  timestamp: string | number;
  type: string;
  text?: { body: string } & Loose;
  image?: MetaMedia;
  video?: MetaMedia;
  audio?: MetaMedia;
  document?: MetaMedia;
  sticker?: MetaMedia;
  location?: { latitude: number; longitude: number; name?: string; address?: string } & Loose;
  contacts?: ({ name?: { formatted_name?: string } & Loose; phones?: ({ phone?: string } & Loose)[] } & Loose)[];
  interactive?: {
    type: string;
    button_reply?: { id?: string; title?: string } & Loose;
    list_reply?: { id?: string; title?: string; description?: string } & Loose;
    nfm_reply?: { name?: string; body?: string } & Loose;
  } & Loose;
  button?: { payload?: string; text?: string } & Loose;
  reaction?: { message_id?: string; emoji?: string } & Loose;
  system?: { body?: string } & Loose;
  errors?: MetaError[];
}

interface MetaStatus extends Loose {
  id: string;
  status: string;
  timestamp: string | number;
  recipient_id?: string;
  errors?: MetaError[];
}

interface MetaContact extends Loose {
  wa_id?: string;
  profile?: { name?: string } & Loose;
}

interface MetaMessagesValue extends Loose {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string } & Loose;
  contacts?: MetaContact[];
  messages?: MetaMessage[];
  statuses?: MetaStatus[];
  errors?: MetaError[];
}

interface MetaEnvelope extends Loose {
  object: string;
  entry: ({ id?: string; changes: ({ field?: string; value: Loose } & Loose)[] } & Loose)[];
}

const str = { type: 'string' } as const;
const idString = { type: 'string', minLength: 1, maxLength: 256 } as const;
const timestamp = { type: ['string', 'integer'], pattern: '^[0-9]{1,13}$' } as const;
const error = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    title: str,
    message: str,
    error_data: { type: 'object', properties: { details: str } },
  },
} as const;
const media = {
  type: 'object',
  required: ['id'],
  properties: { id: idString, mime_type: str, sha256: str, caption: str, filename: str, voice: { type: 'boolean' } },
} as const;

const envelopeSchema = {
  type: 'object',
  required: ['object', 'entry'],
  properties: {
    object: { const: 'whatsapp_business_account' },
    entry: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['changes'],
        properties: {
          id: str,
          changes: {
            type: 'array',
            maxItems: 1000,
            items: { type: 'object', required: ['value'], properties: { field: str, value: { type: 'object' } } },
          },
        },
      },
    },
  },
} as unknown as JSONSchemaType<MetaEnvelope>;

const valueSchema = {
  type: 'object',
  properties: {
    messaging_product: str,
    metadata: { type: 'object', properties: { display_phone_number: str, phone_number_id: str } },
    contacts: {
      type: 'array',
      items: { type: 'object', properties: { wa_id: str, profile: { type: 'object', properties: { name: str } } } },
    },
    messages: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['from', 'id', 'timestamp', 'type'],
        properties: {
          from: { type: 'string', maxLength: 64 },
          id: idString,
          timestamp,
          type: { type: 'string', maxLength: 64 },
          text: { type: 'object', required: ['body'], properties: { body: str } },
          image: media,
          video: media,
          audio: media,
          document: media,
          sticker: media,
          location: {
            type: 'object',
            required: ['latitude', 'longitude'],
            properties: {
              latitude: { type: 'number', minimum: -90, maximum: 90 },
              longitude: { type: 'number', minimum: -180, maximum: 180 },
              name: str,
              address: str,
            },
          },
          contacts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'object', properties: { formatted_name: str } },
                phones: { type: 'array', items: { type: 'object', properties: { phone: str } } },
              },
            },
          },
          interactive: {
            type: 'object',
            required: ['type'],
            properties: {
              type: str,
              button_reply: { type: 'object', properties: { id: str, title: str } },
              list_reply: { type: 'object', properties: { id: str, title: str, description: str } },
              nfm_reply: { type: 'object', properties: { name: str, body: str } },
            },
          },
          button: { type: 'object', properties: { payload: str, text: str } },
          reaction: { type: 'object', properties: { message_id: str, emoji: str } },
          system: { type: 'object', properties: { body: str } },
          errors: { type: 'array', items: error },
        },
      },
    },
    statuses: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['id', 'status', 'timestamp'],
        properties: {
          id: idString,
          status: { type: 'string', maxLength: 64 },
          timestamp,
          recipient_id: str,
          errors: { type: 'array', items: error },
        },
      },
    },
    errors: { type: 'array', items: error },
  },
} as unknown as JSONSchemaType<MetaMessagesValue>;

const validateEnvelope = ajv.compile<MetaEnvelope>(envelopeSchema);
const validateValue = ajv.compile<MetaMessagesValue>(valueSchema);

/** The object a message type keeps its content in, which must be there for these types. */
const PAYLOAD_REQUIRED = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction'] as const;

/** `131047: Re-engagement message — More than 24 hours have passed…` */
export function describeMetaError(error: MetaError): string {
  const head = [error.code, error.title ?? error.message].filter((p) => p !== undefined && p !== '').join(': ');
  const details = nonEmpty(error.error_data?.details);
  return [head || 'unknown error', details].filter((p) => p !== null && p !== '').join(' — ');
}

interface Batch {
  wabaId: string | null;
  value: MetaMessagesValue;
  path: string;
  device: string | null;
}

export function parseMeta(body: unknown, ctx: ParseContext): ParseResult {
  const shape = expectObject(body, 'a JSON object (a WhatsApp Cloud API webhook)');
  if (shape) return shape;
  const envelope = check(validateEnvelope, body);
  if (!envelope.ok) return envelope;

  const warnings: ParseWarning[] = [];
  const errors: FieldError[] = [];
  const events: InboundEvent[] = [];

  envelope.value.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      const path = `/entry/${e}/changes/${c}`;
      if (change.field !== undefined && change.field !== 'messages') {
        warnings.push({ path: `${path}/field`, code: 'change_ignored', message: `change field ${JSON.stringify(change.field.slice(0, 64))} is not about messages` });
        return;
      }
      const value = check(validateValue, change.value, `${path}/value`);
      if (!value.ok) {
        errors.push(...value.errors);
        return;
      }
      const batch: Batch = {
        wabaId: nonEmpty(entry.id),
        value: value.value,
        path: `${path}/value`,
        device: deviceOf(value.value, ctx, `${path}/value`, warnings),
      };
      batch.value.messages?.forEach((message, m) => {
        const parsed = parseMessage(message, m, batch, ctx);
        if ('errors' in parsed) errors.push(...parsed.errors);
        else events.push(parsed.event);
      });
      batch.value.statuses?.forEach((status, s) => {
        const parsed = parseStatus(status, s, batch, ctx);
        if ('errors' in parsed) errors.push(...parsed.errors);
        else if (parsed.event) events.push(parsed.event);
        else warnings.push(parsed.warning);
      });
      batch.value.errors?.forEach((error, i) => {
        warnings.push({ path: `${batch.path}/errors/${i}`, code: 'provider_error', message: describeMetaError(error) });
      });
    });
  });

  if (errors.length > 0) return { ok: false, errors: errors.slice(0, 20) };
  return { ok: true, events, warnings };
}

function deviceOf(value: MetaMessagesValue, ctx: ParseContext, path: string, warnings: ParseWarning[]): string | null {
  const display = nonEmpty(value.metadata?.display_phone_number);
  if (display === null) return null;
  const device = normalizePhone(display, ctx.defaultCountry, { whatsappId: true });
  if (device.ok && device.kind === 'phone') return device.e164;
  warnings.push({
    path: `${path}/metadata/display_phone_number`,
    code: 'device_unrecognised',
    message: `display_phone_number ${JSON.stringify(display.slice(0, 64))} is not a phone number; kept as null`,
  });
  return null;
}

const BAD_TIMESTAMP = 'must be Unix seconds between 2000 and 2100';

function contactFor(message: MetaMessage, contacts: MetaContact[] | undefined): MetaContact | null {
  if (!contacts || contacts.length === 0) return null;
  // wa_id may differ from the number the user dialled with; a lone contact is the sender anyway.
  return contacts.find((c) => c.wa_id === message.from) ?? (contacts.length === 1 ? (contacts[0] ?? null) : null);
}

interface Content {
  messageType: MessageType;
  text: string | null;
  media: MediaRef | null;
}

function mediaContent(type: MessageType, item: MetaMedia): Content {
  const media: MediaRef = { mediaId: item.id };
  if (item.mime_type) media.mimetype = item.mime_type;
  if (item.filename) media.filename = item.filename;
  return { messageType: type, text: textOf(item.caption), media };
}

function contentOf(message: MetaMessage): Content {
  switch (message.type) {
    case 'text':
      return { messageType: 'text', text: textOf(message.text?.body), media: null };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const item = message[message.type];
      // Presence is checked before; the fallback only satisfies the type checker.
      return item ? mediaContent(message.type, item) : { messageType: 'other', text: null, media: null };
    }
    case 'location': {
      const l = message.location;
      return { messageType: 'location', text: l ? renderLocation(l.latitude, l.longitude, l.name, l.address) : null, media: null };
    }
    case 'contacts': {
      const cards = (message.contacts ?? []).map((card) => {
        const phones = (card.phones ?? []).map((p) => nonEmpty(p.phone)).filter((p) => p !== null);
        const name = nonEmpty(card.name?.formatted_name) ?? 'contact';
        return phones.length > 0 ? `${name}: ${phones.join(', ')}` : name;
      });
      return { messageType: 'contact', text: nonEmpty(cards.join('\n')), media: null };
    }
    case 'interactive': {
      const i = message.interactive;
      const reply = i?.button_reply ?? i?.list_reply;
      const text = reply
        ? nonEmpty(reply.title) ?? nonEmpty(reply.id)
        : nonEmpty(i?.nfm_reply?.body) ?? nonEmpty(i?.nfm_reply?.name);
      return { messageType: 'button', text, media: null };
    }
    case 'button':
      return { messageType: 'button', text: nonEmpty(message.button?.text) ?? nonEmpty(message.button?.payload), media: null };
    case 'reaction':
      // No emoji: the user took their reaction back.
      return { messageType: 'reaction', text: nonEmpty(message.reaction?.emoji), media: null };
    default: {
      const firstError = message.errors?.[0];
      const text = firstError ? describeMetaError(firstError) : nonEmpty(message.system?.body);
      return { messageType: 'other', text, media: null };
    }
  }
}

function parseMessage(
  message: MetaMessage,
  index: number,
  batch: Batch,
  ctx: ParseContext,
): { event: MessageEvent } | { errors: FieldError[] } {
  const path = `${batch.path}/messages/${index}`;
  const payloadKey = PAYLOAD_REQUIRED.find((key) => key === message.type);
  if (payloadKey !== undefined && message[payloadKey] === undefined) {
    return { errors: [{ path: `${path}/${payloadKey}`, message: `is required for a ${payloadKey} message` }] };
  }
  const from = normalizePhone(message.from, ctx.defaultCountry, { whatsappId: true });
  if (!from.ok) return { errors: [{ path: `${path}/from`, message: `from ${describePhoneRejection(from.reason)}` }] };
  const timestamp = toIsoTimestamp(message.timestamp, ctx.receivedAt);
  if (timestamp === null) return { errors: [{ path: `${path}/timestamp`, message: BAD_TIMESTAMP }] };

  const contact = contactFor(message, batch.value.contacts);
  const content = contentOf(message);
  return {
    event: {
      kind: 'message',
      provider: 'meta',
      providerMessageId: message.id,
      direction: 'in',
      phone: from.kind === 'phone' ? from.e164 : from.jid,
      contactName: nonEmpty(contact?.profile?.name),
      device: batch.device,
      messageType: content.messageType,
      text: content.text,
      media: content.media,
      timestamp,
      raw: { wabaId: batch.wabaId, metadata: batch.value.metadata ?? null, contact, message },
    },
  };
}

const STATUS_STATES = new Set(['sent', 'delivered', 'read', 'failed']);

function parseStatus(
  status: MetaStatus,
  index: number,
  batch: Batch,
  ctx: ParseContext,
): { event: StatusEvent } | { event: null; warning: ParseWarning } | { errors: FieldError[] } {
  const path = `${batch.path}/statuses/${index}`;
  const timestamp = toIsoTimestamp(status.timestamp, ctx.receivedAt);
  if (timestamp === null) return { errors: [{ path: `${path}/timestamp`, message: BAD_TIMESTAMP }] };
  const state = status.status.toLowerCase();
  if (!STATUS_STATES.has(state)) {
    return {
      event: null,
      warning: { path: `${path}/status`, code: 'status_ignored', message: `Meta status ${JSON.stringify(state.slice(0, 64))} moves nothing forward` },
    };
  }
  const failed = state === 'failed';
  return {
    event: {
      kind: 'status',
      provider: 'meta',
      providerMessageId: status.id,
      aliasId: null,
      state: state as StatusEvent['state'],
      error: failed ? (status.errors?.length ? status.errors.map(describeMetaError).join('; ') : 'failed') : null,
      timestamp,
      raw: { wabaId: batch.wabaId, metadata: batch.value.metadata ?? null, status },
    },
  };
}
