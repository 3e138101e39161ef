/**
 * The models the double serves, mirroring Odoo 13 + the whatsapp_headless addon
 * (odoo-addon/whatsapp_headless/models/whatsapp_history.py, security/*). Keep them in step.
 */

import { AccessError, validationError } from './python.js';
import { PyFloat, type ResultValue } from './xmlrpc.js';

export type FieldType = 'integer' | 'float' | 'char' | 'text' | 'selection' | 'many2one' | 'datetime' | 'date' | 'boolean' | 'binary';

/** A row as stored: the column values PostgreSQL would hold (null = NULL). */
export type Row = Record<string, unknown> & { id: number };

export interface ComputeEnv {
  /** Reads another row (no access checks), e.g. a partner's parent. */
  row(model: string, id: number): Row | undefined;
  context: Record<string, unknown>;
  /** The caller is in Administration / Settings (ir.attachment forces text/plain for others). */
  userIsSystem: boolean;
}

export interface FieldDef {
  type: FieldType;
  /** The label Odoo shows (and puts in NOT NULL error messages). */
  string: string;
  required?: boolean;
  selection?: readonly (readonly [string, string])[];
  comodel?: string;
  /** Default for create when the key is absent. */
  default?: (env: ComputeEnv) => unknown;
  /** Non-stored computed field (read only). Searching it is ignored, as Odoo does for fields without a search method… */
  compute?: (row: Row, env: ComputeEnv) => unknown;
  /** …unless the addon gives it a search method the double does not implement: then searching fails loudly. */
  customSearch?: boolean;
  /** Stored computed field, recomputed on every create/write. */
  storedCompute?: (row: Row, env: ComputeEnv) => unknown;
  /** Group xml ids allowed to read/write it (Odoo's `groups=`). */
  groups?: readonly string[];
  /** Odoo's `group_operator` (sum for numbers). */
  groupOperator?: 'sum' | 'min' | 'max' | 'avg' | 'count';
}

export interface AccessLine {
  group: string | null;
  read: boolean;
  write: boolean;
  create: boolean;
  unlink: boolean;
}

export interface RecordRule {
  name: string;
  groups: readonly string[];
  /** An Odoo domain (evaluated with the double's domain engine). */
  domain: unknown[];
  perms: readonly ('read' | 'write' | 'create' | 'unlink')[];
}

export interface SqlConstraint {
  /** _sql_constraints key; the PostgreSQL name is `<table>_<key>`. */
  key: string;
  message: string;
  unique?: readonly string[];
  /** CHECK constraint over a row; returns false when violated. */
  check?: (row: Row) => boolean;
}

export interface ModelDef {
  name: string;
  description: string;
  order: string;
  recName: string;
  fields: Record<string, FieldDef>;
  constraints: readonly SqlConstraint[];
  access: readonly AccessLine[];
  rules: readonly RecordRule[];
  /**
   * write() on deleted ids: Odoo 13's flush() skips them silently (models.py flush → recs.exists()),
   * unless the model's write() reads the records first (res.partner) → MissingError.
   */
  writeReadsRecords?: boolean;
  /** name_get(); defaults to the rec_name field. */
  displayName?: (row: Row, env: ComputeEnv) => string;
  /** Rewrites create values, like a create() override. */
  prepareCreate?: (values: Record<string, unknown>, env: ComputeEnv) => void;
  /** Public model methods of the addon beyond the ORM's (e.g. whatsapp.gateway.lease.acquire). */
  methods?: Record<string, (env: MethodEnv, args: unknown[], kwargs: Record<string, unknown>) => ResultValue>;
}

/** What an addon method gets: the caller, and raw access to its model's rows (like the method's own SQL). */
export interface MethodEnv {
  uid: number;
  su: boolean;
  groups: ReadonlySet<string>;
  /** The database's clock (ms epoch): PostgreSQL's now(). */
  now(): number;
  /** This model's rows by id, without access checks. */
  rows(): ReadonlyMap<number, Row>;
  /** INSERT (magic columns filled in); returns the id. Rolled back with the call on error. */
  insert(values: Record<string, unknown>): number;
  /** UPDATE one row. Rolled back with the call on error. */
  update(id: number, changes: Record<string, unknown>): void;
}

export const table = (model: string) => model.replace(/\./g, '_');

export interface GroupDef {
  category: string | null;
  name: string;
  implied: readonly string[];
}

/** res.groups the double knows: xml id → (category, name, implied groups). */
export const GROUPS: Record<string, GroupDef> = {
  'base.group_user': { category: 'User types', name: 'Internal User', implied: [] },
  'base.group_portal': { category: 'User types', name: 'Portal', implied: [] },
  'base.group_public': { category: 'User types', name: 'Public', implied: [] },
  'base.group_system': { category: 'Administration', name: 'Settings', implied: ['base.group_user', 'base.group_erp_manager'] },
  'base.group_erp_manager': { category: 'Administration', name: 'Access Rights', implied: ['base.group_user'] },
  'base.group_partner_manager': { category: 'Extra Rights', name: 'Contact Creation', implied: [] },
  'base.group_no_one': { category: 'Extra Rights', name: 'Technical Features', implied: [] },
  'base.group_private_addresses': { category: null, name: 'Access to Private Addresses', implied: [] },
  'whatsapp_headless.group_whatsapp_user': { category: 'WhatsApp', name: 'User', implied: ['base.group_user'] },
  'whatsapp_headless.group_whatsapp_agent': { category: 'WhatsApp', name: 'Agent', implied: ['whatsapp_headless.group_whatsapp_user'] },
  'whatsapp_headless.group_whatsapp_manager': { category: 'WhatsApp', name: 'Manager', implied: ['whatsapp_headless.group_whatsapp_agent'] },
  'whatsapp_headless.group_whatsapp_gateway': { category: 'WhatsApp', name: 'Gateway', implied: [] },
};

export const GATEWAY_GROUP = 'whatsapp_headless.group_whatsapp_gateway';

const acl = (group: string | null, perms: string): AccessLine => ({
  group,
  read: perms.includes('r'),
  write: perms.includes('w'),
  create: perms.includes('c'),
  unlink: perms.includes('u'),
});

const nowUtc = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

/** Fields every model has (LOG_ACCESS_COLUMNS + id). display_name is added per model. */
const MAGIC_FIELDS: Record<string, FieldDef> = {
  id: { type: 'integer', string: 'ID' },
  create_date: { type: 'datetime', string: 'Created on' },
  create_uid: { type: 'many2one', string: 'Created by', comodel: 'res.users' },
  write_date: { type: 'datetime', string: 'Last Updated on' },
  write_uid: { type: 'many2one', string: 'Last Updated by', comodel: 'res.users' },
};

const withMagic = (fields: Record<string, FieldDef>): Record<string, FieldDef> => ({
  ...MAGIC_FIELDS,
  display_name: { type: 'char', string: 'Display Name', compute: () => undefined },
  __last_update: { type: 'datetime', string: 'Last Modified on', compute: (row) => row.write_date ?? row.create_date ?? false },
  ...fields,
});

// ---------------------------------------------------------------- whatsapp.history

export const DIRECTIONS = [
  ['in', 'Incoming'],
  ['out', 'Outgoing'],
] as const;
export const PROVIDERS = [
  ['fonnte', 'Fonnte'],
  ['meta', 'Meta Cloud API'],
  ['twilio', 'Twilio'],
] as const;
export const MESSAGE_TYPES = [
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
] as const;
export const STATES = [
  ['received', 'Received'],
  ['queued', 'Queued'],
  ['sent', 'Sent'],
  ['delivered', 'Delivered'],
  ['read', 'Read'],
  ['failed', 'Failed'],
] as const;

export const CONVERSATION_STATES = [
  ['open', 'Open'],
  ['done', 'Done'],
] as const;

const PREVIEW_LENGTH = 60;

/** _compute_message_preview of the addon. */
function messagePreview(row: Row): string | false {
  let text = String(row.message ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
  if ([...text].length > PREVIEW_LENGTH) text = [...text].slice(0, PREVIEW_LENGTH - 1).join('').trimEnd() + '…';
  if (!text && row.message_type) {
    const label = MESSAGE_TYPES.find(([key]) => key === row.message_type)?.[1] ?? String(row.message_type);
    text = `[${label}]`;
  }
  return text || false;
}

const whatsappHistory: ModelDef = {
  name: 'whatsapp.history',
  description: 'WhatsApp Message',
  order: 'timestamp desc, id desc',
  recName: 'phone',
  fields: withMagic({
    phone: { type: 'char', string: 'Number' },
    whatsapp_user_id: { type: 'char', string: 'WhatsApp User ID' },
    whatsapp_parent_user_id: { type: 'char', string: 'WhatsApp Parent User ID' },
    whatsapp_username: { type: 'char', string: 'WhatsApp Username' },
    previous_phone: { type: 'char', string: 'Previous Number' },
    previous_whatsapp_user_id: { type: 'char', string: 'Previous WhatsApp User ID' },
    contact_name: { type: 'char', string: 'Contact' },
    partner_id: { type: 'many2one', string: 'Partner', comodel: 'res.partner' },
    direction: { type: 'selection', string: 'Direction', required: true, selection: DIRECTIONS },
    message: { type: 'text', string: 'Message' },
    message_type: { type: 'selection', string: 'Type', selection: MESSAGE_TYPES, default: () => 'text' },
    media_url: { type: 'char', string: 'Media URL' },
    media_mimetype: { type: 'char', string: 'Media MIME Type' },
    media_filename: { type: 'char', string: 'Media File Name' },
    attachment_id: { type: 'many2one', string: 'Attachment', comodel: 'ir.attachment' },
    provider: { type: 'selection', string: 'Provider', required: true, selection: PROVIDERS, default: () => 'fonnte' },
    provider_message_id: { type: 'char', string: 'Provider Message ID' },
    device: { type: 'char', string: 'Device' },
    state: {
      type: 'selection',
      string: 'State',
      required: true,
      selection: STATES,
      default: (env) => (env.context.default_direction === 'out' ? 'queued' : 'received'),
    },
    error_message: { type: 'text', string: 'Error' },
    timestamp: { type: 'datetime', string: 'Time', required: true, default: nowUtc },
    raw_payload: {
      type: 'text',
      string: 'Raw Payload',
      groups: ['whatsapp_headless.group_whatsapp_manager', 'whatsapp_headless.group_whatsapp_gateway'],
    },
    message_preview: { type: 'char', string: 'Preview', compute: (row) => messagePreview(row) },
    phone_search: { type: 'char', string: 'Number (any form)', compute: (row) => row.phone ?? false, customSearch: true },
  }),
  constraints: [
    {
      key: 'provider_message_uniq',
      message: 'This provider message is already stored (same provider and provider message id).',
      unique: ['provider', 'provider_message_id'],
    },
    {
      key: 'phone_or_user_id',
      message: 'A WhatsApp message needs a number, a group id or a WhatsApp user id.',
      // CHECK(coalesce(phone, '') <> '' OR coalesce(whatsapp_user_id, '') <> '')
      check: (row) => (row.phone ?? '') !== '' || (row.whatsapp_user_id ?? '') !== '',
    },
  ],
  access: [
    acl('whatsapp_headless.group_whatsapp_user', 'r'),
    acl('whatsapp_headless.group_whatsapp_manager', 'rwc'),
    acl('base.group_system', 'rwcu'),
    acl('whatsapp_headless.group_whatsapp_gateway', 'rwc'),
  ],
  rules: [],
  displayName: (row) => {
    const preview = messagePreview(row);
    const contact = String(row.phone ?? row.whatsapp_user_id ?? '');
    return preview ? `${contact} – ${preview}` : contact;
  },
  prepareCreate: (values) => {
    // The addon's create(): state follows the direction when not given.
    if (!values.state) values.state = values.direction === 'out' ? 'queued' : 'received';
  },
};

// ---------------------------------------------------------------- res.partner

const PARTNER_TYPES = [
  ['contact', 'Contact'],
  ['invoice', 'Invoice Address'],
  ['delivery', 'Delivery Address'],
  ['other', 'Other Address'],
  ['private', 'Private Address'],
] as const;

function partnerName(row: Row, env: ComputeEnv): string {
  let name = typeof row.name === 'string' ? row.name : '';
  const parent = typeof row.parent_id === 'number' ? env.row('res.partner', row.parent_id) : undefined;
  if (parent) {
    if (!name && ['invoice', 'delivery', 'other'].includes(String(row.type))) {
      name = PARTNER_TYPES.find(([key]) => key === row.type)?.[1] ?? name;
    }
    if (!row.is_company) name = `${String(parent.name ?? '')}, ${name}`;
  }
  return name;
}

const resPartner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  order: 'display_name',
  recName: 'display_name',
  fields: withMagic({
    name: { type: 'char', string: 'Name' },
    display_name: { type: 'char', string: 'Display Name', storedCompute: partnerName },
    phone: { type: 'char', string: 'Phone' },
    mobile: { type: 'char', string: 'Mobile' },
    email: { type: 'char', string: 'Email' },
    type: { type: 'selection', string: 'Address Type', selection: PARTNER_TYPES, default: () => 'contact' },
    is_company: { type: 'boolean', string: 'Is a Company', default: () => false },
    parent_id: { type: 'many2one', string: 'Related Company', comodel: 'res.partner' },
    active: { type: 'boolean', string: 'Active', default: () => true },
    color: { type: 'integer', string: 'Color Index', default: () => 0, groupOperator: 'sum' },
    whatsapp_user_id: { type: 'char', string: 'WhatsApp User ID', groups: ['whatsapp_headless.group_whatsapp_user'] },
  }),
  constraints: [
    {
      key: 'check_name',
      message: 'Contacts require a name',
      // CHECK( (type='contact' AND name IS NOT NULL) or (type!='contact') ): NULL type passes
      check: (row) => !(row.type === 'contact' && row.name === null),
    },
  ],
  access: [
    acl('base.group_partner_manager', 'rwcu'),
    acl('base.group_user', 'r'),
    acl('base.group_portal', 'r'),
    acl('base.group_public', 'r'),
    // No line for the Gateway group: it finds contacts through whatsapp_headless_find_partners only.
  ],
  rules: [
    // base: employees see private addresses only with "Access to Private Addresses" (read only)
    {
      name: 'res.partner.rule.private.employee',
      groups: ['base.group_user'],
      domain: ['|', ['type', '!=', 'private'], ['type', '=', false]],
      perms: ['read'],
    },
    {
      name: 'res.partner.rule.private.group',
      groups: ['base.group_private_addresses'],
      domain: [['type', '=', 'private']],
      perms: ['read'],
    },
    {
      name: 'res.partner: WhatsApp gateway reads no private addresses',
      groups: ['whatsapp_headless.group_whatsapp_gateway'],
      domain: ['|', ['type', '!=', 'private'], ['type', '=', false]],
      perms: ['read', 'write', 'create', 'unlink'],
    },
  ],
  displayName: (row) => String(row.display_name ?? ''),
  writeReadsRecords: true,
};

// ---------------------------------------------------------------- ir.attachment

const EXTENSION_MIMETYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  html: 'text/html',
  svg: 'image/svg+xml',
};

const irAttachment: ModelDef = {
  name: 'ir.attachment',
  description: 'Attachment',
  order: 'id desc',
  recName: 'name',
  fields: withMagic({
    name: { type: 'char', string: 'Name', required: true },
    datas: { type: 'binary', string: 'File Content' },
    mimetype: { type: 'char', string: 'Mime Type' },
    res_model: { type: 'char', string: 'Resource Model' },
    res_id: { type: 'integer', string: 'Resource ID', groupOperator: 'sum' },
    res_field: { type: 'char', string: 'Resource Field' },
    type: {
      type: 'selection',
      string: 'Type',
      required: true,
      default: () => 'binary',
      selection: [
        ['url', 'URL'],
        ['binary', 'File'],
      ],
    },
    public: { type: 'boolean', string: 'Is public document' },
    file_size: {
      type: 'integer',
      string: 'File Size',
      groupOperator: 'sum',
      storedCompute: (row) => (typeof row.datas === 'string' ? Buffer.from(row.datas, 'base64').length : 0),
    },
  }),
  constraints: [],
  // The gateway may create media but read no attachment, not even its own: with read on contacts,
  // ir.attachment.check() would otherwise let it read every contact's files.
  access: [acl('base.group_user', 'rwcu'), acl('whatsapp_headless.group_whatsapp_gateway', 'c')],
  rules: [
    {
      name: 'ir.attachment: WhatsApp gateway creates media of WhatsApp messages only',
      groups: ['whatsapp_headless.group_whatsapp_gateway'],
      domain: [['res_model', '=', 'whatsapp.history'], ['res_id', '>', 0], ['public', '=', false]],
      perms: ['create'],
    },
  ],
  prepareCreate: (values, env) => {
    // ir.attachment._check_contents: the given mimetype, else guessed from the name; HTML/XML-like
    // types become text/plain unless the user is a system administrator.
    if (!values.mimetype) {
      const ext = String(values.name ?? '').split('.').pop()?.toLowerCase() ?? '';
      values.mimetype = EXTENSION_MIMETYPES[ext] ?? 'application/octet-stream';
    }
    const mimetype = String(values.mimetype);
    if ((mimetype.includes('ht') || mimetype.includes('xml')) && !env.userIsSystem) values.mimetype = 'text/plain';
  },
};

// ---------------------------------------------------------------- whatsapp.gateway.lease

const LEASE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const LEASE_HOLDER_MAX = 128;
const LEASE_TTL = { min: 5, max: 3600 } as const;
/** Exact expiry (ms) beside the stored datetime, like PostgreSQL's microsecond timestamps. */
const EXPIRES_MS = '__expires_ms';

const odooDatetime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Positional or keyword argument `index`/`name` of an addon method call. */
const argument = (args: unknown[], kwargs: Record<string, unknown>, index: number, name: string): unknown => (index < args.length ? args[index] : kwargs[name]);

function checkLeaseCaller(env: MethodEnv): void {
  // Administrators may edit lease rows anyway, so they may call the methods too.
  if (!env.su && !env.groups.has(GATEWAY_GROUP) && !env.groups.has('base.group_system')) {
    throw new AccessError("Only the WhatsApp gateway's integration user may take or release a gateway lease.");
  }
}

function checkLeaseArguments(name: unknown, holder: unknown): asserts name is string {
  if (typeof name !== 'string' || !LEASE_NAME.test(name)) throw validationError("A lease name is 1-64 lower-case letters, digits, '_', '.' or '-'.");
  if (typeof holder !== 'string' || holder.trim() === '' || holder.length > LEASE_HOLDER_MAX) {
    throw validationError(`A lease holder is a non-empty instance id of at most ${LEASE_HOLDER_MAX} characters.`);
  }
}

function leaseState(env: MethodEnv, name: string): { row: Row | undefined; holder: string | false; expiresIn: number } {
  const row = [...env.rows().values()].find((r) => r.name === name);
  const remaining = row ? (Number(row[EXPIRES_MS] ?? 0) - env.now()) / 1000 : 0;
  return { row, holder: typeof row?.holder === 'string' ? row.holder : false, expiresIn: Math.max(0, remaining) };
}

/** models/whatsapp_gateway_lease.py: one holder per name; the Gateway group only calls acquire/release. */
const whatsappGatewayLease: ModelDef = {
  name: 'whatsapp.gateway.lease',
  description: 'WhatsApp Gateway Lease',
  order: 'name',
  recName: 'name',
  fields: withMagic({
    name: { type: 'char', string: 'Name', required: true },
    holder: { type: 'char', string: 'Holder' },
    expires_at: { type: 'datetime', string: 'Expires At' },
  }),
  constraints: [{ key: 'name_uniq', message: 'There is one lease per name.', unique: ['name'] }],
  access: [acl('whatsapp_headless.group_whatsapp_manager', 'r'), acl('base.group_system', 'rwcu')],
  rules: [],
  methods: {
    acquire(env, args, kwargs) {
      checkLeaseCaller(env);
      const name = argument(args, kwargs, 0, 'name');
      const holder = argument(args, kwargs, 1, 'holder');
      const ttl = argument(args, kwargs, 2, 'ttl_seconds');
      checkLeaseArguments(name, holder);
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < LEASE_TTL.min || ttl > LEASE_TTL.max) {
        throw validationError(`A lease lasts ${LEASE_TTL.min} to ${LEASE_TTL.max} seconds.`);
      }
      const expiresMs = env.now() + ttl * 1000;
      const values = { holder, expires_at: odooDatetime(expiresMs), [EXPIRES_MS]: expiresMs };
      const { row } = leaseState(env, name);
      let acquired = true;
      if (!row) env.insert({ name, ...values });
      else if (row.holder === holder || Number(row[EXPIRES_MS] ?? 0) <= env.now()) env.update(row.id, values);
      else acquired = false;
      const state = leaseState(env, name);
      return { acquired, holder: state.holder, expires_in: new PyFloat(state.expiresIn) };
    },
    release(env, args, kwargs) {
      checkLeaseCaller(env);
      const name = argument(args, kwargs, 0, 'name');
      const holder = argument(args, kwargs, 1, 'holder');
      checkLeaseArguments(name, holder);
      const { row } = leaseState(env, name);
      if (!row || row.holder !== holder || Number(row[EXPIRES_MS] ?? 0) <= env.now()) return false;
      env.update(row.id, { expires_at: odooDatetime(env.now()), [EXPIRES_MS]: env.now() });
      return true;
    },
  },
};

// ---------------------------------------------------------------- whatsapp.conversation

/**
 * models/whatsapp_conversation.py, as far as the gateway reads it. The addon's upkeep (conversations
 * made and updated by whatsapp.history.create) is not imitated: tests seed conversations directly.
 */
const whatsappConversation: ModelDef = {
  name: 'whatsapp.conversation',
  description: 'WhatsApp Conversation',
  order: 'is_waiting desc, last_message_at desc, id desc',
  recName: 'name',
  fields: withMagic({
    name: {
      type: 'char',
      string: 'Name',
      // _compute_name: the partner's name, else the WhatsApp name, the number, the user id, the identity.
      storedCompute: (row, env) => {
        const partner = typeof row.partner_id === 'number' ? env.row('res.partner', row.partner_id) : undefined;
        for (const value of [partner?.name, row.whatsapp_name, row.phone, row.whatsapp_user_id, row.identity_key]) {
          if (typeof value === 'string' && value !== '') return value;
        }
        return null;
      },
    },
    identity_key: { type: 'char', string: 'Contact Identity', required: true },
    device: { type: 'char', string: 'Business Number' },
    phone: { type: 'char', string: 'Number' },
    whatsapp_user_id: { type: 'char', string: 'WhatsApp User ID' },
    partner_id: { type: 'many2one', string: 'Partner', comodel: 'res.partner' },
    whatsapp_name: { type: 'char', string: 'WhatsApp Name' },
    last_message_id: { type: 'many2one', string: 'Last Message', comodel: 'whatsapp.history' },
    last_message_at: { type: 'datetime', string: 'Last Activity' },
    last_direction: { type: 'selection', string: 'Last Direction', selection: DIRECTIONS },
    last_message_preview: { type: 'char', string: 'Last Message Text' },
    waiting_since: { type: 'datetime', string: 'Waiting Since' },
    // _compute_is_waiting (stored): somebody waits and the conversation is open.
    is_waiting: { type: 'boolean', string: 'Waiting', storedCompute: (row) => Boolean(row.waiting_since) && row.state === 'open' },
    unread_count: { type: 'integer', string: 'Unread', default: () => 0 },
    user_id: { type: 'many2one', string: 'Agent', comodel: 'res.users' },
    state: { type: 'selection', string: 'State', required: true, selection: CONVERSATION_STATES, default: () => 'open' },
    first_response_seconds: { type: 'integer', string: 'First Response (s)', groupOperator: 'avg' },
  }),
  constraints: [],
  access: [
    acl('whatsapp_headless.group_whatsapp_user', 'r'),
    acl('whatsapp_headless.group_whatsapp_agent', 'rw'),
    acl('base.group_system', 'rwcu'),
    acl('whatsapp_headless.group_whatsapp_gateway', 'r'),
  ],
  rules: [],
};

export const MODELS: readonly ModelDef[] = [whatsappHistory, whatsappConversation, resPartner, irAttachment, whatsappGatewayLease];
