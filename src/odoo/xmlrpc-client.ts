/**
 * The OdooClient over Odoo 13's XML-RPC, built on odoo-await, adding what it lacks:
 *  - the uid is cached; a call answered "Access denied" (faultCode 3: the session's password no
 *    longer checks out, e.g. after a database restore) logs in again and is retried once;
 *  - every call has a timeout (ODOO_TIMEOUT_MS) that aborts the HTTP request;
 *  - faults and socket errors become typed OdooErrors (see fault-parser.ts, transport-errors.ts);
 *  - Dates go out as Odoo datetime strings and params are deep copies (odoo-await mutates them);
 *  - a method that returns None (Odoo answers "cannot marshal None") counts as success;
 *  - ODOO_URL may be https and carry a path prefix (reverse proxy).
 * Odoo 13 (werkzeug) answers HTTP/1.0 and closes every connection, so there is no keep-alive to tune.
 */
import type { RequestOptions } from 'node:http';
import OdooAwait from 'odoo-await';
import xmlrpc from 'xmlrpc';
import { OdooError, isOdooError } from './errors.js';
import { isNoneResultFault, parseOdooFault } from './fault-parser.js';
import { parseOdooUrl, type OdooEndpoint } from './odoo-url.js';
import { classifyTransportError } from './transport-errors.js';
import type {
  Domain,
  OdooClient,
  OdooContext,
  OdooValues,
  OdooVersion,
  ReadGroupOptions,
  ReadGroupRow,
  SearchOptions,
  SearchReadOptions,
} from './types.js';
import { toOdooWire } from './wire.js';

/** What the client logs with; a pino Logger fits. */
export interface OdooClientLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface OdooClientOptions {
  /** ODOO_URL, e.g. http://localhost:8069 or https://example.com/odoo */
  url: string;
  db: string;
  username: string;
  password: string;
  /** Timeout of each call in ms (ODOO_TIMEOUT_MS). Default 15000. */
  timeoutMs?: number;
  logger?: OdooClientLogger;
}

/** The gateway's client, plus what only tests and tooling need. */
export interface XmlRpcOdooClient extends OdooClient {
  /** The uid of the last successful login, if any. */
  readonly uid: number | undefined;
  /** Forget the cached uid: the next call logs in first. */
  logout(): void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

const silentLogger: OdooClientLogger = { debug() {}, warn() {} };

/** A timeout marker, so the abort reason is recognisable. */
class CallTimeout extends Error {}

/**
 * odoo-await builds a fresh node-xmlrpc client per call from createClientOptions(); extending it is
 * how the path prefix and an AbortSignal reach http.request (node-xmlrpc passes options through).
 */
class Transport extends OdooAwait {
  private nextSignal: AbortSignal | undefined;

  constructor(
    private readonly endpoint: OdooEndpoint,
    db: string,
    username: string,
    password: string,
  ) {
    super({
      baseUrl: `${endpoint.secure ? 'https' : 'http'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}`,
      port: endpoint.port,
      db,
      username,
      password,
    });
    this.basicAuth = endpoint.basicAuth;
  }

  // odoo-await's typings declare its instance fields as static; these are the instance ones it uses.
  declare uid: number;
  declare basicAuth: OdooEndpoint['basicAuth'];

  override createClientOptions(path: string) {
    const options = super.createClientOptions(`${this.endpoint.pathPrefix}${path}`);
    return Object.assign(options, { host: this.endpoint.host, signal: this.nextSignal }) as typeof options & RequestOptions;
  }

  /** Runs fn (which must start its HTTP request synchronously) with `signal` on that request. */
  withSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    this.nextSignal = signal;
    try {
      return fn();
    } finally {
      this.nextSignal = undefined;
    }
  }

  /** common.<method>(...params); odoo-await only wraps authenticate. */
  callCommon(method: string, params: unknown[]): Promise<unknown> {
    // node-xmlrpc hands the whole object to http.request, so `signal` works though its typings omit it.
    const options = this.createClientOptions('/xmlrpc/2/common') as unknown as Parameters<typeof xmlrpc.createClient>[0];
    const client = this.endpoint.secure ? xmlrpc.createSecureClient(options) : xmlrpc.createClient(options);
    return new Promise((resolve, reject) => {
      // The library's error is passed on as it is: transport-errors.ts reads its fields (code, res.statusCode).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      client.methodCall(method, params, (error: unknown, value: unknown) => (error ? reject(error) : resolve(value)));
    });
  }
}

/** The XML-RPC fault fields node-xmlrpc puts on its Error. */
function faultOf(error: unknown): { faultCode: unknown; faultString: string } | undefined {
  if (error === null || typeof error !== 'object' || !('faultCode' in error)) return undefined;
  const { faultCode, faultString } = error as { faultCode: unknown; faultString?: unknown };
  return { faultCode, faultString: typeof faultString === 'string' ? faultString : '' };
}

function toOdooError(error: unknown, context: string): OdooError {
  if (isOdooError(error)) return error;
  const fault = faultOf(error);
  if (fault) {
    const parsed = parseOdooFault(fault.faultCode, fault.faultString);
    const faultCode = Number(fault.faultCode);
    return new OdooError(parsed.kind, parsed.message, {
      ...(Number.isFinite(faultCode) ? { faultCode } : {}),
      ...(parsed.exceptionName ? { exceptionName: parsed.exceptionName } : {}),
      ...(parsed.constraint ? { constraint: parsed.constraint } : {}),
      cause: error,
    });
  }
  // node-xmlrpc leaves an unusable response (e.g. a 404 page) unread; drain it so its socket is freed.
  const res = (error as { res?: { resume?: () => void } } | null)?.res;
  if (typeof res?.resume === 'function') res.resume();
  const failure = classifyTransportError(error);
  return new OdooError(failure.kind, `${failure.message} (${context})`, { cause: error });
}

const isNoneResult = (error: unknown): boolean => {
  const fault = faultOf(error);
  return fault !== undefined && isNoneResultFault(fault.faultCode, fault.faultString);
};

export function createOdooClient(options: OdooClientOptions): XmlRpcOdooClient {
  const endpoint = parseOdooUrl(options.url);
  const { db, username } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logger = options.logger ?? silentLogger;
  const transport = new Transport(endpoint, db, username, options.password);

  let uid: number | undefined;
  let login: Promise<number> | undefined;

  /** Runs one HTTP round trip under the timeout; maps every failure to an OdooError. */
  async function roundTrip<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = new CallTimeout(`no answer within ${timeoutMs} ms`);
        controller.abort(reason);
        reject(new OdooError('timeout', `Odoo did not answer ${what} within ${timeoutMs} ms`, { cause: reason }));
      }, timeoutMs);
    });
    try {
      // The race also covers a library that never calls back after the abort.
      return await Promise.race([transport.withSignal(controller.signal, fn), timedOut]);
    } catch (error) {
      if (controller.signal.aborted && !isOdooError(error)) {
        throw new OdooError('timeout', `Odoo did not answer ${what} within ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function doLogin(): Promise<number> {
    const started = performance.now();
    try {
      const result = await roundTrip('authenticate', () => transport.connect() as Promise<unknown>);
      if (typeof result !== 'number' || result <= 0) throw new OdooError('authentication', 'Odoo refused the login');
      uid = result;
      logger.debug({ odoo: { service: 'common', method: 'authenticate', ms: elapsed(started) } }, 'odoo call');
      return result;
    } catch (error) {
      uid = undefined;
      // odoo-await rejects with a plain string when authenticate answers False (wrong login/password/db).
      const mapped =
        typeof error === 'string'
          ? new OdooError('authentication', `Odoo refused the login of "${username}" on database "${db}": wrong login, password or database`)
          : toOdooError(error, `authenticate at ${endpoint.display}`);
      logger.debug({ odoo: { service: 'common', method: 'authenticate', ms: elapsed(started), error: mapped.kind } }, 'odoo call failed');
      throw mapped;
    }
  }

  function authenticate(): Promise<number> {
    if (uid !== undefined) return Promise.resolve(uid);
    // Concurrent callers share one login.
    login ??= doLogin().finally(() => {
      login = undefined;
    });
    return login;
  }

  async function executeOnce(model: string, method: string, params: unknown[]): Promise<unknown> {
    transport.uid = await authenticate();
    const started = performance.now();
    try {
      const result: unknown = await roundTrip(`${model}.${method}`, () => transport.execute_kw(model, method, params.slice()));
      logger.debug({ odoo: { model, method, ms: elapsed(started) } }, 'odoo call');
      return result;
    } catch (error) {
      if (isNoneResult(error)) {
        logger.debug({ odoo: { model, method, ms: elapsed(started), result: 'None' } }, 'odoo call');
        return null;
      }
      const mapped = toOdooError(error, `${model}.${method} at ${endpoint.display}`);
      logger.debug({ odoo: { model, method, ms: elapsed(started), error: mapped.kind } }, 'odoo call failed');
      throw mapped;
    }
  }

  /** execute_kw with one re-login on "Access denied" for a uid that was accepted before. */
  async function execute(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<unknown> {
    const params = [toOdooWire(args), toOdooWire(kwargs)];
    try {
      return await executeOnce(model, method, params);
    } catch (error) {
      if (isOdooError(error) && error.kind === 'authentication' && error.faultCode === 3) {
        logger.warn({ odoo: { model, method } }, 'Odoo refused the cached session; logging in again');
        uid = undefined;
        return executeOnce(model, method, params);
      }
      throw error;
    }
  }

  const withContext = (kwargs: Record<string, unknown>, context: OdooContext | undefined) =>
    context === undefined ? kwargs : { ...kwargs, context };

  const pickDefined = (source: object, keys: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = (source as Record<string, unknown>)[key];
      if (value !== undefined) out[key] = value;
    }
    return out;
  };

  return {
    get uid() {
      return uid;
    },

    logout() {
      uid = undefined;
    },

    async version(): Promise<OdooVersion> {
      const started = performance.now();
      try {
        const result = (await roundTrip('version', () => transport.callCommon('version', []))) as OdooVersion;
        logger.debug({ odoo: { service: 'common', method: 'version', ms: elapsed(started) } }, 'odoo call');
        return result;
      } catch (error) {
        throw toOdooError(error, `version at ${endpoint.display}`);
      }
    },

    authenticate,

    async create(model: string, values: OdooValues, context?: OdooContext): Promise<number> {
      return (await execute(model, 'create', [values], withContext({}, context))) as number;
    },

    async createMany(model: string, values: OdooValues[], context?: OdooContext): Promise<number[]> {
      if (values.length === 0) return [];
      return (await execute(model, 'create', [values], withContext({}, context))) as number[];
    },

    async search(model: string, domain: Domain, opts: SearchOptions = {}): Promise<number[]> {
      const kwargs = pickDefined(opts, ['offset', 'limit', 'order', 'context']);
      return (await execute(model, 'search', [domain], kwargs)) as number[];
    },

    async searchRead<T extends OdooValues = OdooValues>(model: string, domain: Domain, opts: SearchReadOptions = {}): Promise<T[]> {
      const kwargs = pickDefined(opts, ['fields', 'offset', 'limit', 'order', 'context']);
      return (await execute(model, 'search_read', [domain], kwargs)) as T[];
    },

    async searchCount(model: string, domain: Domain, context?: OdooContext): Promise<number> {
      return (await execute(model, 'search_count', [domain], withContext({}, context))) as number;
    },

    async readGroup(model: string, domain: Domain, fields: string[], groupby: string[], opts: ReadGroupOptions = {}): Promise<ReadGroupRow[]> {
      const kwargs = pickDefined(opts, ['offset', 'limit', 'orderby', 'lazy', 'context']);
      // Over zero rows without a groupby, Odoo 13's one aggregate row holds min(id) = None, which it
      // cannot marshal: the answer is then "no rows".
      return ((await execute(model, 'read_group', [domain, fields, groupby], kwargs)) as ReadGroupRow[] | null) ?? [];
    },

    async write(model: string, ids: number[], values: OdooValues, context?: OdooContext): Promise<boolean> {
      if (ids.length === 0) return true;
      return (await execute(model, 'write', [ids, values], withContext({}, context))) as boolean;
    },

    async call<T = unknown>(model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<T | null> {
      return (await execute(model, method, args, kwargs)) as T | null;
    },
  };
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 10) / 10;
