/**
 * Meta WhatsApp Cloud API webhooks → InboundEvents. One POST may batch several `entry[]`, each
 * with several `changes[]`; a `messages` change carries `messages[]` (+ `contacts[]`), `statuses[]`
 * and/or `errors[]`.
 *
 * Every message Meta sends is kept with its meaning, read item by item, so one item we cannot read
 * never costs the others:
 * - text; image/video/audio/document/sticker (media by Meta media id, or the URL when no id);
 *   location; contacts; interactive button/list replies, flow replies (`nfm_reply`, its `body`) and
 *   template quick replies → `button`; reaction (the emoji; `(reaction removed)` when taken back) → `reaction`.
 * - Types the record has no type for → `other` with a rendering in the text: `edit` (the new text,
 *   `(edited) …`), `revoke` (`(deleted) <id>`), `order` (a summary of its items), `request_welcome`,
 *   `unsupported`/`unknown` (Meta's error in `providerError`), `system` (its body; a changed number
 *   or user id also as `identityChange`). Edits, deletions, reactions and replies name the message
 *   they refer to in `relatesTo`.
 * - A message whose type's object is missing or unreadable (Meta's own "Unsupported webhook payload":
 *   `type: "interactive"` without `interactive`, with `errors` on the message or on the value), or
 *   of a type not listed here → `other`, the reason in `providerError`, and a `not_understood`
 *   warning.
 * - Senders: `from` (a number) and/or, for users with a username, a business-scoped user id (BSUID)
 *   in `from_user_id` (+ `from_parent_user_id`), `contacts[].user_id`, `parent_user_id` and
 *   `profile.username`. A message with a user id and no number has `phone: null`. A message naming
 *   no sender at all cannot become a record: reported in `notUnderstood` (quarantined by the route).
 * - `statuses[]` → StatusEvents (sent/delivered/read/failed; failed carries `code: title — details`;
 *   `recipient_user_id` as `recipientUserId`); other statuses (`deleted`, `played`…) → a
 *   `status_ignored` warning. A status without an id or state → `notUnderstood`.
 * - `value.errors[]` are about the webhook itself: `provider_error` warnings for the log (and the
 *   reason of a message that came with them but without its content). Non-`messages` changes
 *   (templates, account updates, echoes, calls…) → `change_ignored`.
 * - A timestamp that is no date → the receipt time, with a `timestamp_unreadable` warning.
 * - A body that is not a WhatsApp Business Account webhook at all (`object`, `entry[]`) → `ok: false`.
 * - `raw` of a message is `{ wabaId, metadata, contact, message }`; of a status `{ wabaId, metadata, status }`.
 */
import type { IdentityChange, InboundEvent, MediaRef, MessageEvent, MessageType, StatusEvent } from '../../domain/message.js';
import { readBsuid, readParentBsuid } from '../../lib/bsuid.js';
import { describePhoneRejection, normalizePhone } from '../../lib/phone.js';
import {
  coordinates,
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
} from '../common/parse.js';

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown): Loose | null => (isObject(value) ? value : null);
const stringAt = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** `131047: Re-engagement message — More than 24 hours have passed…` */
export function describeMetaError(error: unknown): string {
  const e = objectAt(error) ?? {};
  const code = typeof e.code === 'number' || typeof e.code === 'string' ? String(e.code) : null;
  const head = [code, nonEmpty(e.title) ?? nonEmpty(e.message)].filter((p) => p !== null && p !== '').join(': ');
  const details = nonEmpty(objectAt(e.error_data)?.details);
  return [head || 'unknown error', details].filter((p) => p !== null && p !== '').join(' — ');
}

function describeErrors(errors: unknown): string | null {
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors.slice(0, 5).map(describeMetaError).join('; ');
}

/** An id Meta gave (wamid, media id): a non-empty string or number of sane length. */
function idOf(value: unknown): string | null {
  const id = nonEmpty(value);
  return id !== null && id.length <= 256 ? id : null;
}

interface Batch {
  wabaId: string | null;
  metadata: Loose | null;
  contacts: Loose[];
  /** value.errors, described: the reason of a message that came without its content. */
  valueError: string | null;
  path: string;
  device: string | null;
}

type ItemResult<E> = { event: E | null; warnings: ParseWarning[] } | { notUnderstood: FieldError };

export function parseMeta(body: unknown, ctx: ParseContext): ParseResult {
  const shape = expectObject(body, 'a JSON object (a WhatsApp Cloud API webhook)');
  if (shape) return shape;
  const envelope = body as Loose;
  if (envelope.object !== 'whatsapp_business_account') {
    return fail('/object', `must be "whatsapp_business_account" (a WhatsApp Business Account webhook), not ${JSON.stringify(envelope.object ?? 'absent').slice(0, 80)}`);
  }
  if (!Array.isArray(envelope.entry)) return fail('/entry', 'must be an array of entries');

  const warnings: ParseWarning[] = [];
  const notUnderstood: FieldError[] = [];
  const events: InboundEvent[] = [];

  envelope.entry.forEach((entry: unknown, e) => {
    const changes = objectAt(entry)?.changes;
    if (!Array.isArray(changes)) {
      notUnderstood.push({ path: `/entry/${e}/changes`, message: 'must be an array of changes' });
      return;
    }
    changes.forEach((change: unknown, c) => {
      const path = `/entry/${e}/changes/${c}`;
      const field = objectAt(change)?.field;
      if (typeof field === 'string' && field !== 'messages') {
        warnings.push({ path: `${path}/field`, code: 'change_ignored', message: `change field ${JSON.stringify(field.slice(0, 64))} is not about messages` });
        return;
      }
      const value = objectAt(objectAt(change)?.value);
      if (value === null) {
        notUnderstood.push({ path: `${path}/value`, message: 'must be an object' });
        return;
      }
      const batch: Batch = {
        wabaId: idOf(objectAt(entry)?.id),
        metadata: objectAt(value.metadata),
        contacts: Array.isArray(value.contacts) ? value.contacts.filter(isObject) : [],
        valueError: describeErrors(value.errors),
        path: `${path}/value`,
        device: null,
      };
      batch.device = deviceOf(batch, ctx, warnings);
      const collect = (result: ItemResult<InboundEvent>) => {
        if ('notUnderstood' in result) {
          notUnderstood.push(result.notUnderstood);
          return;
        }
        warnings.push(...result.warnings);
        if (result.event) events.push(result.event);
      };
      for (const [key, parse] of [
        ['messages', parseMessage],
        ['statuses', parseStatus],
      ] as const) {
        const items = value[key];
        if (items === undefined || items === null) continue;
        if (!Array.isArray(items)) {
          notUnderstood.push({ path: `${batch.path}/${key}`, message: 'must be an array' });
          continue;
        }
        items.forEach((item: unknown, i) => collect(parse(item, i, batch, ctx)));
      }
      if (Array.isArray(value.errors)) {
        value.errors.forEach((error: unknown, i) => {
          warnings.push({ path: `${batch.path}/errors/${i}`, code: 'provider_error', message: describeMetaError(error) });
        });
      }
    });
  });

  return { ok: true, events, warnings, ...(notUnderstood.length > 0 ? { notUnderstood: notUnderstood.slice(0, 20) } : {}) };
}

function deviceOf(batch: Batch, ctx: ParseContext, warnings: ParseWarning[]): string | null {
  const display = nonEmpty(batch.metadata?.display_phone_number);
  if (display === null) return null;
  const device = normalizePhone(display, ctx.defaultCountry, { whatsappId: true });
  if (device.ok && device.kind === 'phone') return device.e164;
  warnings.push({
    path: `${batch.path}/metadata/display_phone_number`,
    code: 'device_unrecognised',
    message: `display_phone_number ${JSON.stringify(display.slice(0, 64))} is not a phone number; kept as null`,
  });
  return null;
}

const BAD_TIMESTAMP = 'is not Unix seconds between 2000 and 2100; the receipt time is used';

function timestampOf(value: unknown, path: string, ctx: ParseContext, warnings: ParseWarning[]): string {
  const timestamp = typeof value === 'string' || typeof value === 'number' ? toIsoTimestamp(value, ctx.receivedAt) : value == null ? ctx.receivedAt.toISOString() : null;
  if (timestamp !== null) return timestamp;
  warnings.push({ path, code: 'timestamp_unreadable', message: `timestamp ${JSON.stringify(String(value)).slice(0, 66)} ${BAD_TIMESTAMP}` });
  return ctx.receivedAt.toISOString();
}

// ------------------------------------------------------------------------------------------ senders

interface Sender {
  phone: string | null;
  userId: string | null;
  parentUserId: string | null;
  username: string | null;
  contactName: string | null;
  contact: Loose | null;
}

/**
 * The contact entry describing this message's sender: the one whose wa_id is `from` or whose user_id
 * is `from_user_id`; else a lone contact (wa_id may differ from `from`, e.g. Brazil's extra 9, and a
 * username user may show no number at all). With several and none matching, none.
 */
function contactFor(contacts: Loose[], from: string | null, fromUserId: string | null): { contact: Loose | null; matched: boolean } {
  const exact = contacts.find((c) => (from !== null && c.wa_id === from) || (fromUserId !== null && c.user_id === fromUserId));
  if (exact) return { contact: exact, matched: true };
  return { contact: contacts.length === 1 ? (contacts[0] ?? null) : null, matched: false };
}

function senderOf(message: Loose, batch: Batch, path: string, ctx: ParseContext, warnings: ParseWarning[]): Sender {
  const fromText = nonEmpty(message.from);
  let phone: string | null = null;
  let fromUnreadable = false;
  if (fromText !== null) {
    const from = normalizePhone(fromText, ctx.defaultCountry, { whatsappId: true });
    if (from.ok) phone = from.kind === 'phone' ? from.e164 : from.jid;
    else {
      fromUnreadable = true;
      warnings.push({
        path: `${path}/from`,
        code: 'identity_unrecognised',
        message: `from ${JSON.stringify(fromText.slice(0, 64))} ${describePhoneRejection(from.reason)}; left out`,
      });
    }
  }
  const fromUserId = readBsuid(message.from_user_id);
  if (fromUserId === null && nonEmpty(message.from_user_id) !== null) {
    warnings.push({ path: `${path}/from_user_id`, code: 'identity_unrecognised', message: 'from_user_id is not a business-scoped user id (CC.…); left out' });
  }
  const { contact, matched } = contactFor(batch.contacts, fromText, fromUserId);
  // A contact entry we could not tie to an unreadable `from` says nothing sure about the sender.
  const trusted = contact !== null && (matched || !fromUnreadable);
  if (trusted && phone === null && fromText === null) {
    const waId = nonEmpty(contact.wa_id);
    const viaContact = waId === null ? null : normalizePhone(waId, ctx.defaultCountry, { whatsappId: true });
    if (viaContact?.ok && viaContact.kind === 'phone') phone = viaContact.e164;
  }
  const profile = objectAt(contact?.profile);
  return {
    phone,
    userId: fromUserId ?? (trusted ? readBsuid(contact.user_id) : null),
    parentUserId: readParentBsuid(message.from_parent_user_id) ?? (trusted ? readParentBsuid(contact.parent_user_id) : null),
    username: trusted ? nonEmpty(profile?.username) : null,
    contactName: nonEmpty(profile?.name),
    contact,
  };
}

// ------------------------------------------------------------------------------------------ content

interface Content {
  messageType: MessageType;
  text: string | null;
  media: MediaRef | null;
  relatesTo?: string | null;
  identityChange?: IdentityChange | null;
  /** Set when the content could not be understood: the message is then `other`. */
  notUnderstood?: string;
}

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
type MediaType = (typeof MEDIA_TYPES)[number];
const isMediaType = (type: string): type is MediaType => (MEDIA_TYPES as readonly string[]).includes(type);

function mediaContent(type: MediaType, item: Loose): Content | null {
  const mediaId = idOf(item.id);
  const url = stringAt(item.url);
  const media: MediaRef = {};
  // The id is what the media worker resolves with the access token; a URL only when there is no id.
  if (mediaId !== null) media.mediaId = mediaId;
  else if (url !== null && /^https?:\/\//i.test(url)) media.url = url;
  else return null;
  const mimetype = nonEmpty(item.mime_type);
  const filename = nonEmpty(item.filename);
  if (mimetype) media.mimetype = mimetype;
  if (filename) media.filename = filename;
  return { messageType: type, text: textOf(item.caption), media };
}

function contactsText(cards: unknown): string | null {
  if (!Array.isArray(cards)) return null;
  const lines = cards.filter(isObject).map((card) => {
    const phones = (Array.isArray(card.phones) ? card.phones : []).map((p: unknown) => nonEmpty(objectAt(p)?.phone)).filter((p) => p !== null);
    const name = nonEmpty(objectAt(card.name)?.formatted_name) ?? 'contact';
    return phones.length > 0 ? `${name}: ${phones.join(', ')}` : name;
  });
  return lines.length > 0 ? lines.join('\n') : null;
}

/** `(order) 3 × HAMBURGER at 30 ILS, 2 × SODA at 10 ILS; total 110 ILS` and the note the buyer wrote. */
function orderText(order: Loose): string | null {
  const items = (Array.isArray(order.product_items) ? order.product_items : []).filter(isObject);
  const totals = new Map<string, number>();
  const lines = items.map((item) => {
    const product = nonEmpty(item.product_retailer_id) ?? 'item';
    const quantity = typeof item.quantity === 'number' ? item.quantity : Number(nonEmpty(item.quantity) ?? Number.NaN);
    const price = typeof item.item_price === 'number' ? item.item_price : Number(nonEmpty(item.item_price) ?? Number.NaN);
    const currency = nonEmpty(item.currency) ?? '';
    if (Number.isFinite(quantity) && Number.isFinite(price)) totals.set(currency, (totals.get(currency) ?? 0) + quantity * price);
    const count = Number.isFinite(quantity) ? `${quantity} × ` : '';
    const each = Number.isFinite(price) ? ` at ${price}${currency ? ` ${currency}` : ''}` : '';
    return `${count}${product}${each}`;
  });
  if (lines.length === 0 && textOf(order.text) === null) return null;
  const total = [...totals].map(([currency, sum]) => `${Math.round(sum * 100) / 100}${currency ? ` ${currency}` : ''}`).join(' + ');
  const summary = `(order) ${lines.length > 0 ? lines.join(', ') : 'no items'}${total ? `; total ${total}` : ''}`;
  const note = textOf(order.text);
  return note === null ? summary : `${summary}\n${note}`;
}

/** The text of an edited message's new version: its body or caption. */
function editedText(edit: Loose): string | null {
  const inner = objectAt(edit.message);
  if (inner === null) return null;
  const type = stringAt(inner.type);
  const item = objectAt(type === null ? undefined : inner[type]);
  return textOf(item?.body) ?? textOf(item?.caption) ?? textOf(objectAt(inner.text)?.body);
}

function phoneOf(value: unknown, ctx: ParseContext): string | null {
  const text = nonEmpty(value);
  if (text === null) return null;
  const result = normalizePhone(text, ctx.defaultCountry, { whatsappId: true });
  return result.ok && result.kind === 'phone' ? result.e164 : null;
}

/**
 * `user_changed_number` (the new number in `system.wa_id`) and `user_changed_user_id` (the old BSUID
 * in `system.previous_user_id`, the new one in `system.user_id` or `from_user_id`). Fields Meta does
 * not give are read from the body's "changed from X to Y" when they are numbers or BSUIDs there.
 */
function identityChangeOf(message: Loose, system: Loose, senderPhone: string | null, ctx: ParseContext): IdentityChange | null {
  const type = stringAt(system.type);
  if (type !== 'user_changed_number' && type !== 'user_changed_user_id') return null;
  const body = stringAt(system.body) ?? '';
  const change = /changed from\s+(\S+)\s+to\s+(\S+?)[.\s]*$/i.exec(body);
  const previousUserId = readBsuid(system.previous_user_id) ?? readBsuid(change?.[1]);
  const fromUserId = readBsuid(message.from_user_id);
  const newUserId = readBsuid(system.user_id) ?? (fromUserId !== previousUserId ? fromUserId : null) ?? readBsuid(change?.[2]);
  const newPhone = phoneOf(system.wa_id ?? system.new_wa_id, ctx) ?? (type === 'user_changed_number' ? phoneOf(change?.[2], ctx) : null);
  const previousPhone = senderPhone ?? (type === 'user_changed_number' ? phoneOf(change?.[1], ctx) : null);
  return {
    previousPhone,
    newPhone: newPhone ?? (type === 'user_changed_user_id' ? previousPhone : null),
    previousUserId,
    newUserId,
  };
}

function contentOf(message: Loose, type: string, sender: Sender, ctx: ParseContext): Content | null {
  const item = objectAt(message[type]);
  if (isMediaType(type)) return item ? mediaContent(type, item) : null;
  switch (type) {
    case 'text': {
      const body = stringAt(item?.body);
      return body === null ? null : { messageType: 'text', text: textOf(body), media: null };
    }
    case 'location': {
      if (!item) return null;
      const point = coordinates(item.latitude, item.longitude);
      const labels = [stringAt(item.name), stringAt(item.address)];
      const text = point ? renderLocation(point.latitude, point.longitude, ...labels) : nonEmpty(labels.filter(Boolean).join(', '));
      return text === null ? null : { messageType: 'location', text, media: null };
    }
    case 'contacts':
      // `contacts` here is the list of shared contact cards (not value.contacts).
      return Array.isArray(message.contacts) ? { messageType: 'contact', text: contactsText(message.contacts), media: null } : null;
    case 'interactive': {
      if (!item) return null;
      const subtype = stringAt(item.type);
      const reply = objectAt(item.button_reply) ?? objectAt(item.list_reply);
      if (reply) return { messageType: 'button', text: nonEmpty(reply.title) ?? nonEmpty(reply.id), media: null };
      const flow = objectAt(item.nfm_reply);
      // A WhatsApp Flow completed: what the user saw is `body` ("Sent"); the answers stay in raw.
      if (flow) return { messageType: 'button', text: nonEmpty(flow.body) ?? nonEmpty(flow.name), media: null };
      const payload = objectAt(subtype === null ? undefined : item[subtype]);
      const said = nonEmpty(payload?.title) ?? nonEmpty(payload?.body) ?? nonEmpty(payload?.response) ?? nonEmpty(payload?.text);
      return { messageType: 'other', text: `(interactive ${subtype ?? 'reply'})${said ? ` ${said}` : ''}`, media: null };
    }
    case 'button':
      return item ? { messageType: 'button', text: nonEmpty(item.text) ?? nonEmpty(item.payload), media: null } : null;
    case 'reaction':
      // No emoji (absent or ''): the user took their reaction back.
      return item ? { messageType: 'reaction', text: nonEmpty(item.emoji) ?? '(reaction removed)', media: null, relatesTo: idOf(item.message_id) } : null;
    case 'edit': {
      if (!item) return null;
      const text = editedText(item);
      return { messageType: 'other', text: `(edited)${text === null ? '' : ` ${text}`}`, media: null, relatesTo: idOf(item.original_message_id) };
    }
    case 'revoke': {
      const original = idOf(item?.original_message_id);
      return { messageType: 'other', text: `(deleted)${original === null ? '' : ` ${original}`}`, media: null, relatesTo: original };
    }
    case 'order':
      return item ? { messageType: 'other', text: orderText(item), media: null } : null;
    case 'system': {
      if (!item) return null;
      const kind = nonEmpty(item.type);
      return {
        messageType: 'other',
        text: nonEmpty(item.body) ?? `(system${kind ? `: ${kind}` : ''})`,
        media: null,
        identityChange: identityChangeOf(message, item, sender.phone, ctx),
      };
    }
    case 'request_welcome':
      return { messageType: 'other', text: '(opened the chat: request_welcome)', media: null };
    case 'unsupported':
    case 'unknown': {
      const what = nonEmpty(item?.type);
      return { messageType: 'other', text: `(unsupported message${what ? `: ${what}` : ''})`, media: null };
    }
    default:
      return { messageType: 'other', text: null, media: null, notUnderstood: `message type ${JSON.stringify(type.slice(0, 64))} is not one the gateway knows` };
  }
}

// ------------------------------------------------------------------------------------------ items

function parseMessage(raw: unknown, index: number, batch: Batch, ctx: ParseContext): ItemResult<MessageEvent> {
  const path = `${batch.path}/messages/${index}`;
  const message = objectAt(raw);
  if (message === null) return { notUnderstood: { path, message: 'must be an object (a message)' } };
  const id = idOf(message.id);
  if (id === null) return { notUnderstood: { path: `${path}/id`, message: 'is required (a message id); without it the message cannot be stored once' } };

  const warnings: ParseWarning[] = [];
  const sender = senderOf(message, batch, path, ctx, warnings);
  const type = stringAt(message.type) ?? '';

  let content = type === '' ? null : contentOf(message, type, sender, ctx);
  if (content === null) {
    content = {
      messageType: 'other',
      text: null,
      media: null,
      notUnderstood: type === '' ? 'the message has no type' : `the ${type} object is missing or unreadable`,
    };
  } else if (!content.notUnderstood) {
    // A reply names what it answers.
    content.relatesTo ??= idOf(objectAt(message.context)?.id);
  }
  const errors = describeErrors(message.errors);
  const providerError = content.notUnderstood !== undefined ? (errors ?? batch.valueError ?? content.notUnderstood) : errors;
  if (content.notUnderstood !== undefined) {
    warnings.push({ path: type === '' ? `${path}/type` : `${path}/${type}`, code: 'not_understood', message: `${content.notUnderstood}; kept as type other${providerError !== content.notUnderstood ? ` (${providerError})` : ''}` });
  }

  // A system message names the contact by its old or new identity when `from` is gone.
  const change = content.identityChange ?? null;
  const userId = sender.userId ?? change?.newUserId ?? change?.previousUserId ?? null;
  const phone = sender.phone ?? (userId === null ? (change?.previousPhone ?? change?.newPhone ?? null) : null);
  if (phone === null && userId === null) {
    const what = nonEmpty(message.from) === null ? 'names no sender' : `from ${JSON.stringify(String(message.from).slice(0, 64))} is no number, group or linked id`;
    return { notUnderstood: { path: `${path}/from`, message: `${what}, and there is no user id (from_user_id, contacts[].user_id) to tell who sent it` } };
  }

  const event: MessageEvent = {
    kind: 'message',
    provider: 'meta',
    providerMessageId: id,
    direction: 'in',
    phone,
    ...(userId !== null ? { userId } : {}),
    ...(sender.parentUserId !== null ? { parentUserId: sender.parentUserId } : {}),
    ...(sender.username !== null ? { username: sender.username } : {}),
    ...(change !== null ? { identityChange: change } : {}),
    contactName: sender.contactName,
    device: batch.device,
    messageType: content.messageType,
    text: content.text,
    media: content.media,
    timestamp: timestampOf(message.timestamp, `${path}/timestamp`, ctx, warnings),
    ...(providerError !== null ? { providerError } : {}),
    ...(content.relatesTo ? { relatesTo: content.relatesTo } : {}),
    raw: { wabaId: batch.wabaId, metadata: batch.metadata, contact: sender.contact, message },
  };
  return { event, warnings };
}

const STATUS_STATES = new Set(['sent', 'delivered', 'read', 'failed']);

function parseStatus(raw: unknown, index: number, batch: Batch, ctx: ParseContext): ItemResult<StatusEvent> {
  const path = `${batch.path}/statuses/${index}`;
  const status = objectAt(raw);
  if (status === null) return { notUnderstood: { path, message: 'must be an object (a status)' } };
  const id = idOf(status.id);
  if (id === null) return { notUnderstood: { path: `${path}/id`, message: 'is required (the id of the message sent)' } };
  const stateText = nonEmpty(status.status);
  if (stateText === null) return { notUnderstood: { path: `${path}/status`, message: 'is required (sent, delivered, read, failed…)' } };
  const state = stateText.toLowerCase();
  if (!STATUS_STATES.has(state)) {
    return {
      event: null,
      warnings: [{ path: `${path}/status`, code: 'status_ignored', message: `Meta status ${JSON.stringify(state.slice(0, 64))} moves nothing forward` }],
    };
  }
  const warnings: ParseWarning[] = [];
  const recipientUserId = readBsuid(status.recipient_user_id);
  const event: StatusEvent = {
    kind: 'status',
    provider: 'meta',
    providerMessageId: id,
    aliasId: null,
    state: state as StatusEvent['state'],
    error: state === 'failed' ? (describeErrors(status.errors) ?? 'failed') : null,
    ...(recipientUserId !== null ? { recipientUserId } : {}),
    timestamp: timestampOf(status.timestamp, `${path}/timestamp`, ctx, warnings),
    raw: { wabaId: batch.wabaId, metadata: batch.metadata, status },
  };
  return { event, warnings };
}
