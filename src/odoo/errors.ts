/**
 * Errors raised by the Odoo client, one class per Odoo 13 fault family.
 * `retryable` tells a caller's retry policy whether trying again can help.
 */
export type OdooErrorKind =
  | 'authentication' // wrong login/password (AccessDenied, or authenticate → false)
  | 'access' // AccessError: the integration user's group may not do this
  | 'validation' // ValidationError (not a unique violation)
  | 'unique' // a _sql_constraints UNIQUE violation (arrives as a ValidationError)
  | 'missing' // MissingError: record deleted
  | 'user' // UserError
  | 'unavailable' // connection refused/reset, DNS, HTTP 5xx from a proxy, Odoo restarting
  | 'timeout' // no answer within ODOO_TIMEOUT_MS
  | 'too_large' // HTTP 413: a proxy in front of Odoo refuses a request body this big (e.g. nginx's 1 MiB default)
  | 'internal'; // any other server-side exception

export class OdooError extends Error {
  readonly kind: OdooErrorKind;
  readonly retryable: boolean;
  /** Odoo's fault code (XML-RPC faultCode) when there was one. */
  readonly faultCode: number | undefined;
  /** The Python exception class, e.g. `odoo.exceptions.ValidationError`, when known. */
  readonly exceptionName: string | undefined;
  /** For `unique`: the PostgreSQL constraint, e.g. `whatsapp_history_provider_message_uniq`, when known. */
  readonly constraint: string | undefined;

  constructor(
    kind: OdooErrorKind,
    message: string,
    opts: { faultCode?: number; exceptionName?: string; constraint?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OdooError';
    this.kind = kind;
    this.retryable = kind === 'unavailable' || kind === 'timeout';
    this.faultCode = opts.faultCode;
    this.exceptionName = opts.exceptionName;
    this.constraint = opts.constraint;
  }
}

export const isOdooError = (e: unknown): e is OdooError => e instanceof OdooError;
