/**
 * The one small interface the gateway uses to talk to Odoo 13.
 * Implemented over XML-RPC in ./xmlrpc-client.ts; tests run it against the in-process
 * double in test/odoo-double and, in the live suite, against a real Odoo 13.
 */
export type DomainOperator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'not in'
  | 'like'
  | 'ilike'
  | '=like'
  | '=ilike'
  | 'not like'
  | 'not ilike'
  | 'child_of';

export type DomainLeaf = [field: string, operator: DomainOperator, value: unknown];
export type DomainTerm = '&' | '|' | '!' | DomainLeaf;
export type Domain = DomainTerm[];

export type OdooValues = Record<string, unknown>;
export type OdooContext = Record<string, unknown>;

export interface SearchOptions {
  offset?: number;
  limit?: number;
  order?: string;
  context?: OdooContext;
}

export interface SearchReadOptions extends SearchOptions {
  fields?: string[];
}

export interface ReadGroupOptions {
  offset?: number;
  limit?: number;
  orderby?: string;
  lazy?: boolean;
  context?: OdooContext;
}

/** One row of read_group: group values, aggregates, `__domain`, and `<field>_count` / `__count`. */
export type ReadGroupRow = Record<string, unknown> & { __domain: Domain };

export interface OdooVersion {
  server_version: string;
  server_version_info: unknown[];
  protocol_version: number;
  [key: string]: unknown;
}

export interface OdooClient {
  /** Server version (no login needed). */
  version(): Promise<OdooVersion>;
  /** Log in (or re-use the cached uid). Returns the uid. */
  authenticate(): Promise<number>;
  create(model: string, values: OdooValues, context?: OdooContext): Promise<number>;
  /** One RPC, one transaction: all created or none. */
  createMany(model: string, values: OdooValues[], context?: OdooContext): Promise<number[]>;
  search(model: string, domain: Domain, options?: SearchOptions): Promise<number[]>;
  searchRead<T extends OdooValues = OdooValues>(
    model: string,
    domain: Domain,
    options?: SearchReadOptions,
  ): Promise<T[]>;
  searchCount(model: string, domain: Domain, context?: OdooContext): Promise<number>;
  readGroup(
    model: string,
    domain: Domain,
    fields: string[],
    groupby: string[],
    options?: ReadGroupOptions,
  ): Promise<ReadGroupRow[]>;
  write(model: string, ids: number[], values: OdooValues, context?: OdooContext): Promise<boolean>;
  /**
   * execute_kw(model, method, args, kwargs): any public method, e.g. one of the addon's own
   * (res.partner's lookup, whatsapp.history.attach_media). Resolves to `null` when the method returned None.
   */
  call<T = unknown>(model: string, method: string, args?: unknown[], kwargs?: Record<string, unknown>): Promise<T | null>;
}
