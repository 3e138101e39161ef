/**
 * The message model's selections — directions, providers, message types, states — defined once, with
 * the labels Odoo shows. The addon (odoo-addon/whatsapp_headless/models/whatsapp_history.py) and the
 * test double (test/odoo-double/models.ts) hold their own copies, as they must; selections.test.ts
 * and the live contract suite (test/contract/selections.contract.test.ts) hold all three to this one.
 */
type Selection = readonly (readonly [key: string, label: string])[];
const keysOf = <S extends Selection>(selection: S) => selection.map(([key]) => key) as { [I in keyof S]: S[I][0] };

export const DIRECTION_SELECTION = [
  ['in', 'Incoming'],
  ['out', 'Outgoing'],
] as const satisfies Selection;

export const PROVIDER_SELECTION = [
  ['fonnte', 'Fonnte'],
  ['meta', 'Meta Cloud API'],
  ['twilio', 'Twilio'],
] as const satisfies Selection;

export const MESSAGE_TYPE_SELECTION = [
  ['text', 'Text'],
  ['image', 'Image'],
  ['video', 'Video'],
  ['audio', 'Audio'],
  ['document', 'Document'],
  ['sticker', 'Sticker'],
  ['location', 'Location'],
  ['contact', 'Contact'],
  ['poll', 'Poll'],
  ['reaction', 'Reaction'],
  ['button', 'Button'],
  ['other', 'Other'],
] as const satisfies Selection;

export const MESSAGE_STATE_SELECTION = [
  ['received', 'Received'],
  ['queued', 'Queued'],
  ['sent', 'Sent'],
  ['delivered', 'Delivered'],
  ['read', 'Read'],
  ['failed', 'Failed'],
] as const satisfies Selection;

export const DIRECTIONS = keysOf(DIRECTION_SELECTION);
export type Direction = (typeof DIRECTIONS)[number];

export const PROVIDERS = keysOf(PROVIDER_SELECTION);
export type Provider = (typeof PROVIDERS)[number];

export const MESSAGE_TYPES = keysOf(MESSAGE_TYPE_SELECTION);
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_STATES = keysOf(MESSAGE_STATE_SELECTION);
export type MessageState = (typeof MESSAGE_STATES)[number];

/** Each selection field of `whatsapp.history`, by field name, as the addon declares it. */
export const HISTORY_SELECTIONS = {
  direction: DIRECTION_SELECTION,
  provider: PROVIDER_SELECTION,
  message_type: MESSAGE_TYPE_SELECTION,
  state: MESSAGE_STATE_SELECTION,
} as const;
