/**
 * The double's ORM: one Odoo 13 database in memory. Each execute_kw is one transaction (an undo
 * log rolls back everything on error, like PostgreSQL; sequences are not rolled back, like
 * PostgreSQL's). Access rights (ir.model.access), record rules, field groups, NOT NULL, CHECK,
 * UNIQUE and FOREIGN KEY constraints fail the way Odoo reports them (see python.ts).
 */
import { compileDomain, domainMentions, normalizeDomain, type DomainHost } from './domain.js';
import { GROUPS, MODELS, table, type ComputeEnv, type FieldDef, type MethodEnv, type ModelDef, type Row } from './models.js';
import { orderComparator } from './order.js';
import {
  AccessDenied,
  AccessError,
  MissingError,
  PythonException,
  UserError,
  keyError,
  pyRepr,
  typeError,
  unknownDatabase,
  validationError,
  valueError,
  type PgCause,
} from './python.js';
import { attachMedia, findWhatsappPartners, rememberUserIdOnPartner } from './addon-methods.js';
import { toColumn } from './columns.js';
import { fieldsGet } from './fields-get.js';
import { readGroup } from './read-group.js';
import { PyFloat, type PyValue, type ResultValue } from './xmlrpc.js';

export interface DoubleUser {
  id: number;
  login: string;
  password: string;
  name: string;
  /** Group xml ids given explicitly (implied groups are added). */
  groups: string[];
  active: boolean;
}

export interface NewUser {
  login: string;
  password: string;
  name?: string;
  groups?: string[];
}

export interface CallEnv {
  uid: number;
  user: DoubleUser;
  su: boolean;
  context: Record<string, unknown>;
  groups: Set<string>;
}

export type Mode = 'read' | 'write' | 'create' | 'unlink';

const SUPERUSER_ID = 1;
const ADMIN_ID = 2;
const LOG_ACCESS = ['create_uid', 'create_date', 'write_uid', 'write_date'];

const nowUtc = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

/** Python-like signature binding: positional args, then keywords, with Python's TypeErrors. */
function bind(method: string, params: [string, unknown][], args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  if (args.length > params.length) {
    throw typeError(`${method}() takes from 1 to ${params.length + 1} positional arguments but ${args.length + 1} were given`);
  }
  const out: Record<string, unknown> = {};
  params.forEach(([name], i) => {
    if (i < args.length) out[name] = args[i];
  });
  for (const [key, value] of Object.entries(kwargs)) {
    if (!params.some(([name]) => name === key)) throw typeError(`${method}() got an unexpected keyword argument ${pyRepr(key)}`);
    if (key in out) throw typeError(`${method}() got multiple values for argument ${pyRepr(key)}`);
    out[key] = value;
  }
  for (const [name, fallback] of params) {
    if (!(name in out)) {
      if (fallback === REQUIRED) throw typeError(`${method}() missing 1 required positional argument: ${pyRepr(name)}`);
      out[name] = fallback;
    }
  }
  return out;
}
const REQUIRED = Symbol('required');


/** The fields the Gateway may still write on a received message (addon: RECEIVED_WRITABLE_FIELDS). */
const RECEIVED_WRITABLE_FIELDS = new Set([
  'state',
  'partner_id',
  'attachment_id',
  'media_mimetype',
  'media_filename',
  'error_message',
  'conversation_id',
  'whatsapp_user_id',
]);

export class OdooDatabase implements DomainHost {
  readonly models = new Map<string, ModelDef>();
  private tables = new Map<string, Map<number, Row>>();
  private sequences = new Map<string, number>();
  readonly users = new Map<number, DoubleUser>();
  private nextUid = 3;
  private undo: (() => void)[] | undefined;

  constructor(
    readonly name: string,
    models: readonly ModelDef[] = MODELS,
  ) {
    for (const model of models) this.models.set(model.name, model);
    this.reset();
  }

  /** Empties every table and restores the default users (__system__ and admin/admin). */
  reset(): void {
    this.tables = new Map([...this.models.keys()].map((name) => [name, new Map<number, Row>()]));
    this.sequences = new Map();
    this.users.clear();
    this.users.set(SUPERUSER_ID, { id: SUPERUSER_ID, login: '__system__', password: '', name: 'OdooBot', groups: ['base.group_system'], active: false });
    this.users.set(ADMIN_ID, {
      id: ADMIN_ID,
      login: 'admin',
      password: 'admin',
      name: 'Mitchell Admin',
      groups: ['base.group_system', 'base.group_partner_manager', 'base.group_no_one', 'whatsapp_headless.group_whatsapp_manager'],
      active: true,
    });
    this.nextUid = 3;
  }

  addUser(user: NewUser): number {
    if ([...this.users.values()].some((u) => u.login === user.login)) throw new Error(`login ${user.login} already exists`);
    const id = this.nextUid++;
    this.users.set(id, { id, login: user.login, password: user.password, name: user.name ?? user.login, groups: [...(user.groups ?? [])], active: true });
    return id;
  }

  removeUser(uid: number): void {
    this.users.delete(uid);
  }

  // ---------------------------------------------------------------- DomainHost / helpers

  model(name: string): ModelDef {
    const model = this.models.get(name);
    if (!model) throw new UserError(`Object ${name} doesn't exist`);
    return model;
  }

  row(model: string, id: number): Row | undefined {
    if (model === 'res.users') {
      const user = this.users.get(id);
      return user ? ({ id, name: user.name, login: user.login }) : undefined;
    }
    return this.tables.get(model)?.get(id);
  }

  private tableOf(model: string): Map<number, Row> {
    const rows = this.tables.get(model);
    if (!rows) throw new UserError(`Object ${model} doesn't exist`);
    return rows;
  }

  /** All rows of a model, in id order (copies). */
  records(model: string): Row[] {
    return [...this.tableOf(model).values()].sort((a, b) => a.id - b.id).map((r) => ({ ...r }));
  }

  searchIds(model: string, domain: unknown[]): number[] {
    const env = this.superEnv({ active_test: false });
    return this.searchRows(env, model, domain, {}).map((r) => r.id);
  }

  /** name_search as the ORM resolves many2one criteria: the rec_name compared with `operator`. */
  nameSearch(model: string, name: unknown, operator: string): number[] {
    const def = this.model(model);
    const env = this.superEnv({ active_test: false });
    const names = Array.isArray(name) ? name : [name];
    const ids = new Set<number>();
    for (const n of names) for (const row of this.searchRows(env, model, [[def.recName, operator, n]], {})) ids.add(row.id);
    return [...ids];
  }

  displayName(model: string, id: number): string {
    const row = this.row(model, id);
    if (!row) return '';
    if (model === 'res.users') return String(row.name);
    const def = this.model(model);
    if (def.displayName) return def.displayName(row, this.computeEnv({}));
    return String(row[def.recName] ?? '');
  }

  private computeEnv(context: Record<string, unknown>): ComputeEnv {
    return { row: (model, id) => this.row(model, id), context, userIsSystem: false };
  }

  /** Internal to the double (addon-methods.ts uses it). */
  superEnv(context: Record<string, unknown> = {}): CallEnv {
    const user = this.users.get(SUPERUSER_ID) as DoubleUser;
    return { uid: SUPERUSER_ID, user, su: true, context, groups: this.groupClosure(user.groups) };
  }

  private groupClosure(groups: readonly string[]): Set<string> {
    const out = new Set<string>();
    const visit = (g: string) => {
      if (out.has(g)) return;
      out.add(g);
      for (const implied of GROUPS[g]?.implied ?? []) visit(implied);
    };
    groups.forEach(visit);
    return out;
  }

  // ---------------------------------------------------------------- common service

  authenticate(db: unknown, login: unknown, password: unknown): number | false {
    this.checkDb(db);
    const user = [...this.users.values()].find((u) => u.login === login && u.active);
    if (!user || !password || user.password !== password) return false;
    return user.id;
  }

  private checkDb(db: unknown): void {
    if (db !== this.name) throw unknownDatabase(String(db));
  }

  /** security.check(db, uid, password) */
  private checkCredentials(db: unknown, uid: unknown, password: unknown): DoubleUser {
    this.checkDb(db);
    const id = Number(uid);
    const user = this.users.get(id);
    if (!user) {
      // res.users._check_credentials fetches the hash of a user that does not exist
      throw new PythonException('TypeError', 'cannot unpack non-iterable NoneType object');
    }
    if (!password || user.password !== password) throw new AccessDenied();
    return user;
  }

  // ---------------------------------------------------------------- object service

  /** execute_kw(db, uid, password, model, method, args, kwargs): one transaction. */
  executeKw(db: unknown, uid: unknown, password: unknown, modelName: unknown, method: unknown, args: unknown, kwargs: unknown): ResultValue {
    const user = this.checkCredentials(db, uid, password);
    const name = String(method);
    const kw: Record<string, unknown> = { ...((kwargs ?? {}) as Record<string, unknown>) };
    const context = (kw.context && typeof kw.context === 'object' ? kw.context : {}) as Record<string, unknown>;
    delete kw.context;
    const env: CallEnv = { uid: user.id, user, su: user.id === SUPERUSER_ID, context, groups: this.groupClosure(user.groups) };
    const positional = Array.isArray(args) ? [...args] : [];

    if (name.startsWith('_')) throw new AccessError(`Private methods (such as ${name}) cannot be called remotely.`);
    const model = this.model(String(modelName));

    this.undo = [];
    try {
      const result = this.dispatch(env, model, name, positional, kw);
      this.undo = undefined;
      return result;
    } catch (error) {
      for (const step of (this.undo ?? []).reverse()) step();
      this.undo = undefined;
      throw error;
    }
  }

  private dispatch(env: CallEnv, model: ModelDef, method: string, args: unknown[], kw: Record<string, unknown>): ResultValue {
    const recordIds = () => {
      const ids = args.shift();
      return (Array.isArray(ids) ? ids : ids === undefined || ids === false || ids === null ? [] : [ids]).map(Number);
    };
    switch (method) {
      case 'create': {
        const { vals_list } = bind('create', [['vals_list', REQUIRED]], args, kw);
        if (Array.isArray(vals_list)) return this.create(env, model, vals_list as Record<string, unknown>[]);
        return this.create(env, model, [vals_list as Record<string, unknown>])[0];
      }
      case 'search': {
        const a = bind('search', [['args', REQUIRED], ['offset', 0], ['limit', null], ['order', null], ['count', false]], args, kw);
        if (a.count) return this.searchRows(env, model.name, a.args as unknown[], {}, 'read').length;
        return this.searchRows(env, model.name, a.args as unknown[], a, 'read').map((r) => r.id);
      }
      case 'search_count': {
        const a = bind('search_count', [['args', REQUIRED]], args, kw);
        return this.searchRows(env, model.name, a.args as unknown[], {}, 'read').length;
      }
      case 'search_read': {
        const a = bind('search_read', [['domain', null], ['fields', null], ['offset', 0], ['limit', null], ['order', null]], args, kw);
        const rows = this.searchRows(env, model.name, (a.domain ?? []) as unknown[], a, 'read');
        if (rows.length === 0) return [];
        const fields = a.fields as unknown[] | null;
        if (Array.isArray(fields) && fields.length === 1 && fields[0] === 'id') return rows.map((r) => ({ id: r.id }));
        return this.read(env, model, rows.map((r) => r.id), fields);
      }
      case 'read': {
        const ids = recordIds();
        const a = bind('read', [['fields', null], ['load', '_classic_read']], args, kw);
        return this.read(env, model, ids, a.fields as unknown[] | null);
      }
      case 'read_group': {
        const a = bind(
          'read_group',
          [['domain', REQUIRED], ['fields', REQUIRED], ['groupby', REQUIRED], ['offset', 0], ['limit', null], ['orderby', false], ['lazy', true]],
          args,
          kw,
        );
        this.checkAccess(env, model, 'read');
        const domain = (a.domain ?? []) as unknown[];
        const rows = this.searchRows(env, model.name, domain, {}, 'read', false);
        return readGroup(this, {
          model,
          rows,
          domain,
          fields: a.fields,
          groupby: a.groupby,
          offset: Number(a.offset) || 0,
          limit: (a.limit as number | false | null) ?? null,
          orderby: (a.orderby as string | false | null) ?? null,
          lazy: Boolean(a.lazy),
          context: env.context,
        });
      }
      case 'write': {
        const ids = recordIds();
        const { vals } = bind('write', [['vals', REQUIRED]], args, kw);
        return this.write(env, model, ids, vals as Record<string, unknown>);
      }
      case 'unlink': {
        const ids = recordIds();
        bind('unlink', [], args, kw);
        return this.unlink(env, model, ids);
      }
      case 'name_get': {
        const ids = recordIds();
        bind('name_get', [], args, kw);
        this.checkAccess(env, model, 'read');
        return ids.filter((id) => this.tableOf(model.name).has(id)).map((id) => [id, this.displayName(model.name, id)]);
      }
      case 'name_search': {
        const a = bind('name_search', [['name', ''], ['args', null], ['operator', 'ilike'], ['limit', 100]], args, kw);
        this.checkAccess(env, model, 'read');
        const allowed = new Set(this.searchRows(env, model.name, (a.args ?? []) as unknown[], {}, 'read').map((r) => r.id));
        const ids = a.name ? this.nameSearch(model.name, a.name, String(a.operator)) : [...allowed];
        const limit = typeof a.limit === 'number' && a.limit > 0 ? a.limit : undefined;
        return ids
          .filter((id) => allowed.has(id))
          .slice(0, limit)
          .map((id) => [id, this.displayName(model.name, id)]);
      }
      case 'fields_get': {
        const a = bind('fields_get', [['allfields', null], ['attributes', null]], args, kw);
        return fieldsGet(model, a.allfields, a.attributes);
      }
      case 'whatsapp_headless_find_partners': {
        if (model.name !== 'res.partner') break;
        const a = bind(method, [['national_numbers', null], ['user_ids', null]], args, kw);
        return findWhatsappPartners(this, env, a.national_numbers, a.user_ids);
      }
      case 'flush': {
        recordIds();
        bind('flush', [['fnames', null], ['records', null]], args, kw);
        return undefined; // returns None: rpc.py then fails to marshal it
      }
      case 'attach_media': {
        if (model.name !== 'whatsapp.history') break;
        const ids = recordIds();
        const a = bind('attach_media', [['name', REQUIRED], ['datas', REQUIRED], ['mimetype', false], ['filename', false]], args, kw);
        return attachMedia(this, env, model, ids, a);
      }
      default: {
        // Methods of the addon's own models (e.g. the outbox lease), declared with the model.
        const addonMethod = model.methods?.[method];
        if (addonMethod) return addonMethod(this.methodEnv(env, model), args, kw);
      }
    }
    throw new PythonException('AttributeError', `type object ${pyRepr(model.name)} has no attribute ${pyRepr(method)}`, {
      frames: [
        ['/opt/odoo/odoo/service/model.py', 164, 'execute_cr', 'return odoo.api.call_kw(recs, method, args, kw)'],
        ['/opt/odoo/odoo/api.py', 403, 'call_kw', 'method = getattr(type(model), name)'],
      ],
    });
  }

  // ---------------------------------------------------------------- addon methods' environment (see addon-methods.ts)

  /** The database's clock (ms epoch), PostgreSQL's now(): tests move it forward (e.g. to expire a lease). */
  clockOffsetMs = 0;

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private methodEnv(env: CallEnv, model: ModelDef): MethodEnv {
    return {
      uid: env.uid,
      su: env.su,
      groups: env.groups,
      now: () => this.now(),
      rows: () => this.tableOf(model.name),
      insert: (values) => {
        const id = this.nextId(model);
        const at = nowUtc();
        this.insertRow(model, { ...values, id, create_uid: env.uid, write_uid: env.uid, create_date: at, write_date: at });
        return id;
      },
      update: (id, changes) => this.updateRow(model, id, { ...changes, write_uid: env.uid, write_date: nowUtc() }),
    };
  }

  // ---------------------------------------------------------------- access

  /** Internal to the double (addon-methods.ts uses it). */
  checkAccess(env: CallEnv, model: ModelDef, mode: Mode): void {
    if (env.su) return;
    const specific = model.access.filter((line) => line.group !== null && env.groups.has(line.group));
    const lines = specific.length ? specific : model.access.filter((line) => line.group === null);
    if (lines.some((line) => line[mode])) return;
    const allowed = model.access
      .filter((line) => line.group !== null && line[mode])
      .map((line) => {
        const g = GROUPS[line.group as string];
        return g ? { category: g.category, name: g.name } : { category: null, name: line.group as string };
      })
      .sort((a, b) => (a.category ?? '\uffff').localeCompare(b.category ?? '\uffff') || a.name.localeCompare(b.name))
      .map((g) => (g.category ? `${g.category}/${g.name}` : g.name));
    const heads: Record<Mode, string> = {
      read: 'Sorry, you are not allowed to access documents of type',
      write: 'Sorry, you are not allowed to modify documents of type',
      create: 'Sorry, you are not allowed to create documents of type',
      unlink: 'Sorry, you are not allowed to delete documents of type',
    };
    const tail = allowed.length
      ? `This operation is allowed for the groups:\n${allowed.map((g) => `\t- ${g}`).join('\n')}`
      : 'No group currently allows this operation.';
    throw new AccessError(`${heads[mode]} '${model.description}' (${model.name}). ${tail} - (Operation: ${mode}, User: ${env.uid})`);
  }

  /** The record-rule domain for this user and mode (group rules OR'ed), or undefined. */
  private ruleDomain(env: CallEnv, model: ModelDef, mode: Mode): unknown[] | undefined {
    if (env.su) return undefined;
    const domains = model.rules.filter((r) => r.perms.includes(mode) && r.groups.some((g) => env.groups.has(g))).map((r) => r.domain);
    if (domains.length === 0) return undefined;
    return [...Array<string>(domains.length - 1).fill('|'), ...domains.flatMap((d) => normalizeDomain(d))];
  }

  private ruleError(env: CallEnv, model: ModelDef, mode: Mode): AccessError {
    return new AccessError(
      `The requested operation cannot be completed due to security restrictions. Please contact your system administrator.\n\n(Document type: "${model.description}" (${model.name}), Operation: ${mode})`,
    );
  }

  /** Records among `ids` that rules hide from this user for `mode`. */
  private forbidden(env: CallEnv, model: ModelDef, ids: number[], mode: Mode): number[] {
    const rule = this.ruleDomain(env, model, mode);
    if (!rule) return [];
    const matches = compileDomain(rule, { host: this, modelName: model.name });
    const table = this.tableOf(model.name);
    return ids.filter((id) => {
      const row = table.get(id);
      return row !== undefined && !matches(row);
    });
  }

  private checkFieldAccess(env: CallEnv, model: ModelDef, names: string[], operation: 'read' | 'write'): void {
    if (env.su) return;
    const invalid = names.filter((n) => {
      const def = model.fields[n];
      return def?.groups && !def.groups.some((g) => env.groups.has(g));
    });
    if (invalid.length === 0) return;
    throw new AccessError(
      `You do not have enough rights to access the fields "${invalid.join(',')}" on ${model.description} (${model.name}). Please contact your system administrator.\n\n(Operation: ${operation})`,
    );
  }

  private fieldVisible(env: CallEnv, def: FieldDef): boolean {
    return env.su || !def.groups || def.groups.some((g) => env.groups.has(g));
  }

  // ---------------------------------------------------------------- search

  /**
   * _search: access check, active_test, record rules, domain, order, offset, limit.
   * `paging` holds offset/limit/order as Python received them.
   */
  searchRows(env: CallEnv, modelName: string, domain: unknown[], paging: Record<string, unknown>, mode?: Mode, ordered = true): Row[] {
    const model = this.model(modelName);
    if (mode) this.checkAccess(env, model, mode);
    if (!Array.isArray(domain)) throw valueError(`Invalid domain ${pyRepr(domain)}`);
    const parts: unknown[][] = [];
    if ('active' in model.fields && env.context.active_test !== false && !domainMentions(domain, 'active')) parts.push([['active', '=', 1]]);
    const rule = mode ? this.ruleDomain(env, model, mode) : undefined;
    if (rule) parts.push(rule);
    parts.push(domain);
    const full = [...Array<string>(parts.length - 1).fill('&'), ...parts.flatMap((d) => normalizeDomain(d))];
    const matches = compileDomain(full, {
      host: this,
      modelName,
      checkComodelRead: (comodel) => this.checkAccess(env, this.model(comodel), 'read'),
    });
    let rows = [...this.tableOf(modelName).values()].filter(matches);
    if (!ordered) return rows;
    const order = typeof paging.order === 'string' && paging.order ? paging.order : undefined;
    rows.sort(orderComparator(this, model, order));
    const offset = Number(paging.offset) || 0;
    const limit = typeof paging.limit === 'number' && paging.limit > 0 ? paging.limit : undefined;
    rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    return rows;
  }

  // ---------------------------------------------------------------- read

  /** Internal to the double (addon-methods.ts uses it). */
  read(env: CallEnv, model: ModelDef, ids: number[], fields: unknown[] | null): ResultValue[] {
    // ir.attachment.read(): check('read') before the ORM's read
    if (model.name === 'ir.attachment') this.checkAttachmentAccess(env, this.existingRows(model, ids), 'read');
    this.checkAccess(env, model, 'read');
    let names: string[];
    if (Array.isArray(fields) && fields.length > 0) {
      names = fields.map(String);
      this.checkFieldAccess(env, model, names, 'read');
      for (const n of names) if (!(n in model.fields)) throw keyError(n);
    } else {
      names = Object.entries(model.fields)
        .filter(([name, def]) => name !== 'id' && this.fieldVisible(env, def))
        .map(([name]) => name);
    }
    const table = this.tableOf(model.name);
    const existing = ids.filter((id) => table.has(id));
    const forbidden = this.forbidden(env, model, existing, 'read');
    if (forbidden.length) throw this.ruleError(env, model, 'read');
    return existing.map((id) => {
      const row = table.get(id) as Row;
      const out: Record<string, ResultValue> = { id };
      for (const name of names) {
        if (name === 'id') continue;
        out[name] = this.readValue(model, model.fields[name] as FieldDef, name, row);
      }
      return out;
    });
  }

  /** Field.convert_to_read */
  private readValue(model: ModelDef, def: FieldDef, name: string, row: Row): ResultValue {
    let value: unknown;
    if (name === 'display_name' && !def.storedCompute) value = this.displayName(model.name, row.id);
    else if (def.compute) value = def.compute(row, this.computeEnv({}));
    else value = row[name] ?? null;
    switch (def.type) {
      case 'integer':
        return typeof value === 'number' ? value : 0;
      case 'float':
        return new PyFloat(typeof value === 'number' ? value : 0);
      case 'boolean':
        return Boolean(value);
      case 'many2one':
        return typeof value === 'number' && def.comodel ? [value, this.displayName(def.comodel, value)] : false;
      default:
        return value === null || value === undefined || value === false ? false : (value as ResultValue);
    }
  }

  // ---------------------------------------------------------------- writes

  private log(step: () => void): void {
    this.undo?.push(step);
  }

  private insertRow(model: ModelDef, row: Row): void {
    const table = this.tableOf(model.name);
    table.set(row.id, row);
    this.log(() => table.delete(row.id));
  }

  /** Internal to the double (addon-methods.ts uses it). */
  updateRow(model: ModelDef, id: number, changes: Record<string, unknown>): void {
    const table = this.tableOf(model.name);
    const before = table.get(id) as Row;
    table.set(id, { ...before, ...changes });
    this.log(() => table.set(id, before));
  }

  private nextId(model: ModelDef): number {
    const id = (this.sequences.get(model.name) ?? 0) + 1;
    this.sequences.set(model.name, id);
    return id;
  }

  private failingRow(model: ModelDef, row: Row): string {
    const cols = ['id', ...Object.keys(model.fields).filter((n) => n !== 'id' && !model.fields[n]?.compute)];
    return `(${cols.map((c) => (row[c] === null || row[c] === undefined ? 'null' : String(row[c]))).join(', ')})`;
  }

  /** The checks PostgreSQL makes on INSERT/UPDATE, raised as Odoo's check() wrapper raises them. */
  private checkConstraints(env: CallEnv, model: ModelDef, row: Row, operation: 'insert' | 'update'): void {
    const tbl = table(model.name);
    for (const [name, def] of Object.entries(model.fields)) {
      if (def.required && !def.compute && (row[name] === null || row[name] === undefined)) {
        throw validationError(
          'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
            `Model: ${model.description} (${model.name}), Field: ${def.string} (${name})`,
          {
            name: 'psycopg2.errors.NotNullViolation',
            pgerror: `null value in column "${name}" violates not-null constraint\nDETAIL:  Failing row contains ${this.failingRow(model, row)}.\n`,
          },
        );
      }
    }
    const sqlConstraintError = (key: string, message: string, cause: PgCause) =>
      validationError(env.context.lang ? message : `${tbl}_${key}`, cause);
    for (const c of model.constraints) {
      if (c.check && !c.check(row)) {
        throw sqlConstraintError(c.key, c.message, {
          name: 'psycopg2.errors.CheckViolation',
          pgerror: `new row for relation "${tbl}" violates check constraint "${tbl}_${c.key}"\nDETAIL:  Failing row contains ${this.failingRow(model, row)}.\n`,
        });
      }
    }
    for (const c of model.constraints) {
      if (!c.unique) continue;
      const values = c.unique.map((col) => row[col] ?? null);
      if (values.some((v) => v === null)) continue; // NULLs never collide
      let clash = false;
      for (const other of this.tableOf(model.name).values()) {
        if (other.id !== row.id && c.unique.every((col, i) => other[col] === values[i])) {
          clash = true;
          break;
        }
      }
      if (clash) {
        throw sqlConstraintError(c.key, c.message, {
          name: 'psycopg2.errors.UniqueViolation',
          pgerror: `duplicate key value violates unique constraint "${tbl}_${c.key}"\nDETAIL:  Key (${c.unique.join(', ')})=(${values.map(String).join(', ')}) already exists.\n`,
        });
      }
    }
    for (const [name, def] of Object.entries(model.fields)) {
      if (def.type !== 'many2one' || !def.comodel || def.compute) continue;
      const target = row[name];
      if (typeof target === 'number' && !this.row(def.comodel, target)) {
        const constraint = `${tbl}_${name}_fkey`;
        throw validationError(
          `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${model.description} (${model.name}), Constraint: ${constraint}`,
          {
            name: 'psycopg2.errors.ForeignKeyViolation',
            pgerror: `${operation} or update on table "${tbl}" violates foreign key constraint "${constraint}"\nDETAIL:  Key (${name})=(${target}) is not present in table "${table(def.comodel)}".\n`,
          },
        );
      }
    }
  }

  /** Internal to the double (addon-methods.ts uses it). */
  create(env: CallEnv, model: ModelDef, valsList: Record<string, unknown>[]): number[] {
    if (model.name === 'ir.attachment') {
      // ir.attachment.create(): check('write', values) on each target, before the ORM's create
      for (const vals of valsList) if (vals && typeof vals === 'object') this.checkAttachmentAccess(env, [], 'write', vals);
    }
    this.checkAccess(env, model, 'create');
    const ids: number[] = [];
    const computeEnv = this.computeEnv(env.context);
    for (const given of valsList) {
      if (given === null || typeof given !== 'object' || Array.isArray(given)) {
        throw new PythonException('AttributeError', `${pyRepr(typeof given === 'string' ? 'str' : 'list')} object has no attribute 'items'`);
      }
      const vals: Record<string, unknown> = { ...given };
      model.prepareCreate?.(vals, { ...computeEnv, userIsSystem: env.su || env.groups.has('base.group_system') });
      // defaults: context default_<field> first, then the field's default
      for (const [name, def] of Object.entries(model.fields)) {
        if (name in vals || def.compute || name === 'id' || LOG_ACCESS.includes(name)) continue;
        const fromContext = env.context[`default_${name}`];
        if (fromContext !== undefined) vals[name] = fromContext;
        else if (def.default) vals[name] = def.default(computeEnv);
      }
      const id = this.nextId(model);
      const row: Row = { id };
      for (const [name, def] of Object.entries(model.fields)) if (!def.compute && name !== 'id') row[name] = null;
      // _create converts the stored values in field-name order
      for (const name of Object.keys(vals).sort()) {
        const def = model.fields[name];
        if (!def || def.compute || name === 'id' || def.storedCompute) continue; // unknown fields are ignored (logged) by Odoo
        row[name] = toColumn(model, name, def, vals[name]);
      }
      const now = nowUtc();
      row.create_uid = typeof vals.create_uid === 'number' ? vals.create_uid : env.uid;
      row.write_uid = typeof vals.write_uid === 'number' ? vals.write_uid : env.uid;
      row.create_date = typeof vals.create_date === 'string' ? vals.create_date : now;
      row.write_date = typeof vals.write_date === 'string' ? vals.write_date : now;
      for (const [name, def] of Object.entries(model.fields)) if (def.storedCompute) row[name] = def.storedCompute(row, computeEnv);
      this.checkConstraints(env, model, row, 'insert');
      this.insertRow(model, row);
      ids.push(id);
    }
    // _create ends with check_access_rule('create') on the new rows (the call is then rolled back)
    if (this.forbidden(env, model, ids, 'create').length) throw this.ruleError(env, model, 'create');
    if (model.name === 'whatsapp.history') rememberUserIdOnPartner(this, ids);
    return ids;
  }

  /** Internal to the double (addon-methods.ts uses it). */
  write(env: CallEnv, model: ModelDef, ids: number[], vals: Record<string, unknown>): boolean {
    if (ids.length === 0) return true;
    // The addon's write() checks this before anything else (models/whatsapp_history.py).
    if (model.name === 'whatsapp.history' && vals && typeof vals === 'object') this.checkReceivedUnchanged(env, ids, Object.keys(vals));
    if (model.name === 'ir.attachment') {
      // ir.attachment.write(): check('write', values) before the ORM's own checks
      this.checkAttachmentAccess(env, this.existingRows(model, ids), 'write', vals && typeof vals === 'object' ? vals : undefined);
    }
    // res.partner (mail.thread) reads the tracked values before writing: read access is checked first.
    if (model.writeReadsRecords) this.checkAccess(env, model, 'read');
    this.checkAccess(env, model, 'write');
    if (vals === null || typeof vals !== 'object') throw new PythonException('AttributeError', `${pyRepr(typeof vals)} object has no attribute 'items'`);
    for (const name of Object.keys(vals)) if (!(name in model.fields)) throw keyError(name);
    this.checkFieldAccess(env, model, Object.keys(vals), 'write');
    const table = this.tableOf(model.name);
    const forbidden = this.forbidden(env, model, ids, 'write');
    if (forbidden.length) throw this.ruleError(env, model, 'write');
    const missing = ids.find((id) => !table.has(id));
    if (missing !== undefined && model.writeReadsRecords) {
      throw new MissingError(`Record does not exist or has been deleted.\n(Record: ${model.name}(${missing},), User: ${env.uid})`);
    }
    ids = ids.filter((id) => table.has(id)); // flush() writes what still exists
    const changes: Record<string, unknown> = {};
    for (const name of Object.keys(vals).sort()) {
      const def = model.fields[name] as FieldDef;
      if (name === 'id' || LOG_ACCESS.includes(name) || def.compute || def.storedCompute) continue;
      changes[name] = toColumn(model, name, def, vals[name]);
    }
    const computeEnv = this.computeEnv(env.context);
    for (const id of [...new Set(ids)]) {
      const row: Row = { ...(table.get(id) as Row), ...changes, write_uid: env.uid, write_date: nowUtc() };
      for (const [name, def] of Object.entries(model.fields)) if (def.storedCompute) row[name] = def.storedCompute(row, computeEnv);
      this.checkConstraints(env, model, row, 'update');
      this.updateRow(model, id, row);
    }
    if (model.name === 'whatsapp.history' && ('partner_id' in vals || 'whatsapp_user_id' in vals)) rememberUserIdOnPartner(this, ids);
    return true;
  }

  /**
   * whatsapp.history: what a customer wrote stays as received; only the Gateway may still record
   * delivery state, partner, media, error and user id on a received message (the superuser anything).
   */
  private checkReceivedUnchanged(env: CallEnv, ids: number[], fields: string[]): void {
    if (env.su) return;
    const allowed = env.groups.has('whatsapp_headless.group_whatsapp_gateway') ? RECEIVED_WRITABLE_FIELDS : new Set<string>();
    if (!fields.some((name) => !allowed.has(name))) return;
    const table = this.tableOf('whatsapp.history');
    if (ids.some((id) => table.get(id)?.direction === 'in')) {
      throw new AccessError('A received WhatsApp message cannot be changed: it is what the customer wrote.');
    }
  }

  private unlink(env: CallEnv, model: ModelDef, ids: number[]): boolean {
    if (ids.length === 0) return true;
    if (model.name === 'whatsapp.history') {
      // The addon's unlink(): rights first, then only administrators delete messages.
      this.checkAccess(env, model, 'unlink');
      if (!env.su && !env.groups.has('base.group_system')) throw new AccessError('Only administrators can delete WhatsApp messages.');
    }
    if (model.name === 'ir.attachment') {
      // ir.attachment.unlink(): check('unlink'), then it reads store_fname (read rights) before the ORM's unlink
      this.checkAttachmentAccess(env, this.existingRows(model, ids), 'unlink');
      this.checkAccess(env, model, 'read');
    }
    this.checkAccess(env, model, 'unlink');
    const table = this.tableOf(model.name);
    const forbidden = this.forbidden(env, model, ids, 'unlink');
    if (forbidden.length) throw this.ruleError(env, model, 'unlink');
    for (const id of new Set(ids)) {
      const row = table.get(id);
      if (!row) continue; // deleting a deleted record is fine
      table.delete(id);
      this.log(() => table.set(id, row));
      // ondelete='set null' on every many2one pointing here
      for (const other of this.models.values()) {
        for (const [name, def] of Object.entries(other.fields)) {
          if (def.type !== 'many2one' || def.comodel !== model.name || def.compute) continue;
          for (const ref of this.tableOf(other.name).values()) if (ref[name] === id) this.updateRow(other, ref.id, { [name]: null });
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- ir.attachment.check

  private existingRows(model: ModelDef, ids: number[]): Row[] {
    const table = this.tableOf(model.name);
    return [...new Set(ids)].flatMap((id) => {
      const row = table.get(id);
      return row ? [row] : [];
    });
  }

  /**
   * ir.attachment.check(mode, values): an attachment is as accessible as the record it belongs to
   * (read, or write to create/delete one). Attachments of no record, or of a record that is gone,
   * are for employees (and for their creator).
   */
  private checkAttachmentAccess(env: CallEnv, rows: Row[], mode: Mode, values?: Record<string, unknown>): void {
    if (env.su) return;
    const targets = new Map<string, Set<number>>();
    const target = (resModel: unknown, resId: unknown) => {
      const ids = targets.get(String(resModel)) ?? new Set<number>();
      ids.add(Number(resId));
      targets.set(String(resModel), ids);
    };
    let requireEmployee = false;
    for (const row of rows) {
      if (row.res_field && !env.groups.has('base.group_system')) throw new AccessError('Sorry, you are not allowed to access this document.');
      if (row.public && mode === 'read') continue;
      if (!(row.res_model && row.res_id)) {
        if (row.create_uid !== env.uid) requireEmployee = true;
        continue;
      }
      target(row.res_model, row.res_id);
    }
    if (values?.res_model && values.res_id) target(values.res_model, values.res_id);
    for (const [resModel, resIds] of targets) {
      const model = this.models.get(resModel);
      if (!model) {
        requireEmployee = true;
        continue;
      }
      const existing = [...resIds].filter((id) => this.row(resModel, id));
      if (existing.length < resIds.size) requireEmployee = true;
      // Odoo checks the model's rights even when the record is gone
      this.checkAccess(env, model, mode === 'create' || mode === 'unlink' ? 'write' : mode);
      if (this.forbidden(env, model, existing, mode).length) throw this.ruleError(env, model, mode);
    }
    if (requireEmployee && !(env.groups.has('base.group_user') || env.groups.has('base.group_erp_manager'))) {
      throw new AccessError('Sorry, you are not allowed to access this document.');
    }
  }

  // ---------------------------------------------------------------- seeding (tests)

  /** Inserts rows as the superuser, through the same conversions and constraints as create. */
  seed(model: string, rows: Record<string, PyValue>[], context: Record<string, unknown> = {}): number[] {
    const env = this.superEnv(context);
    this.undo = [];
    try {
      const ids = this.create(env, this.model(model), rows);
      this.undo = undefined;
      return ids;
    } catch (error) {
      for (const step of (this.undo ?? []).reverse()) step();
      this.undo = undefined;
      throw error;
    }
  }

  /** Deletes rows as the superuser (tests' own clean-up, or simulating a deletion in Odoo). */
  remove(model: string, ids: number[]): void {
    this.unlink(this.superEnv(), this.model(model), ids);
  }
}
