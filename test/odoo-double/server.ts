/**
 * An in-process Odoo 13 XML-RPC server (node:http, random port) over the in-memory database.
 * Routes and fault shapes follow odoo/addons/base/controllers/rpc.py and odoo/service/*:
 * POST /xmlrpc/2/common (version, login, authenticate) and /xmlrpc/2/object (execute_kw, execute).
 * Like Odoo 13 (werkzeug, HTTP/1.0) it closes the connection after every answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { OdooDatabase, type NewUser } from './database.js';
import { GATEWAY_GROUP, type Row } from './models.js';
import { noneMarshalError, OdooException, PythonException } from './python.js';
import {
  dumpFault,
  dumpResponse,
  parseMethodCall,
  PyNoneError,
  PyOverflowError,
  XmlRpcParseError,
  type PyValue,
  type ResultValue,
} from './xmlrpc.js';

export const DOUBLE_VERSION = {
  server_version: '13.0-20191019',
  server_version_info: [13, 0, 0, 'final', 0, ''],
  server_serie: '13.0',
  protocol_version: 1,
};

/** Misbehaviour to inject into the next request(s), for the client's resilience tests. */
export type Injection =
  | 'hang' // accept the request, never answer
  | 'reset' // destroy the socket before answering
  | 'truncate' // send headers and half a body, then destroy the socket
  | 'http502' // a proxy's "Bad Gateway" HTML page
  | 'http503'
  | 'html200'; // a 200 that is not XML-RPC (wrong URL behind a proxy)

export interface OdooDoubleOptions {
  /** Database name (default odoo13). */
  db?: string;
  /** Port to listen on (default: a random free one). */
  port?: number;
  /** Delay before every answer, in ms. */
  latencyMs?: number;
}

export interface RpcLogEntry {
  service: string;
  method: string;
  model?: string;
  modelMethod?: string;
  uid?: number;
  faultCode?: number;
}

export interface TestUser {
  uid: number;
  login: string;
  password: string;
}

export interface OdooDouble {
  /** Base URL for ODOO_URL, e.g. http://127.0.0.1:41235 */
  readonly url: string;
  readonly port: number;
  readonly db: string;
  readonly database: OdooDatabase;
  /** Every RPC answered (newest last); cleared by reset(). */
  readonly log: RpcLogEntry[];
  /** Extra delay before every answer (ms); change it any time. */
  latencyMs: number;
  /** Empties every model and restores the default users (admin/admin). */
  reset(): void;
  /** Inserts records as the superuser (defaults, conversions and constraints apply). */
  seed(model: string, rows: Record<string, PyValue>[], context?: Record<string, unknown>): number[];
  /** The stored rows of a model (column values, NULL as null), in id order. */
  records(model: string): Row[];
  addUser(user: NewUser): number;
  /** A user in WhatsApp / Gateway only, like the integration user the gateway logs in as. */
  addGatewayUser(login?: string, password?: string): TestUser;
  /** Makes the next `times` requests misbehave. */
  inject(injection: Injection, times?: number): void;
  /** Odoo goes down: stops listening and drops open connections (clients get ECONNREFUSED). */
  stop(): Promise<void>;
  /** Odoo comes back on the same port, with the same data. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const HTML_PAGE = (status: number, title: string) =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export async function startOdooDouble(options: OdooDoubleOptions = {}): Promise<OdooDouble> {
  const db = options.db ?? 'odoo13';
  const database = new OdooDatabase(db);
  const log: RpcLogEntry[] = [];
  const injections: Injection[] = [];
  const sockets = new Set<Socket>();
  let latencyMs = options.latencyMs ?? 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  let userCounter = 0;

  function dispatch(service: string, methodName: string, params: PyValue[]): { body: string; entry: RpcLogEntry } {
    const entry: RpcLogEntry = { service, method: methodName };
    let result: ResultValue;
    try {
      if (service === 'common') {
        switch (methodName) {
          case 'version':
            result = DOUBLE_VERSION;
            break;
          case 'login':
            result = database.authenticate(params[0], params[1], params[2]);
            break;
          case 'authenticate':
            result = database.authenticate(params[0], params[1], params[2]);
            break;
          default:
            throw new PythonException('Exception', `Method not found: ${methodName}`, {
              frames: [['/opt/odoo/odoo/service/common.py', 63, 'dispatch', 'raise Exception("Method not found: %s" % method)']],
            });
        }
      } else if (service === 'object') {
        if (methodName !== 'execute_kw' && methodName !== 'execute') throw new PythonException('NameError', `Method not available ${methodName}`);
        const [dbName, uid, password, model, method, ...rest] = params;
        entry.model = String(model);
        entry.modelMethod = String(method);
        entry.uid = Number(uid);
        const args = methodName === 'execute_kw' ? (rest[0] ?? []) : rest;
        const kwargs = methodName === 'execute_kw' ? (rest[1] ?? {}) : {};
        result = database.executeKw(dbName, uid, password, model, method, args, kwargs);
      } else {
        throw new PythonException('UnboundLocalError', "local variable 'dispatch' referenced before assignment");
      }
    } catch (error) {
      const exception =
        error instanceof OdooException
          ? error
          : new PythonException(error instanceof Error ? error.constructor.name : 'Exception', error instanceof Error ? error.message : String(error));
      const { faultCode, faultString } = exception.fault();
      entry.faultCode = faultCode;
      return { body: dumpFault(faultCode, faultString), entry };
    }
    try {
      return { body: dumpResponse(result), entry };
    } catch (error) {
      // rpc.py marshals after the transaction committed: the work is done, the answer is a fault.
      const exception =
        error instanceof PyNoneError
          ? noneMarshalError()
          : new PythonException(error instanceof PyOverflowError ? 'OverflowError' : 'TypeError', (error as Error).message);
      const { faultCode, faultString } = exception.fault();
      entry.faultCode = faultCode;
      return { body: dumpFault(faultCode, faultString), entry };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.shouldKeepAlive = false; // HTTP/1.0 semantics: one request per connection
    const injection = injections.shift();
    const body = await readBody(req);
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (injection === 'hang') return;
    if (injection === 'reset') {
      req.socket.destroy();
      return;
    }
    if (injection === 'http502' || injection === 'http503') {
      const status = injection === 'http502' ? 502 : 503;
      const page = HTML_PAGE(status, status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable');
      res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    if (injection === 'html200') {
      const page = '<!DOCTYPE html><html><body>Welcome</body></html>';
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }

    const match = /^\/xmlrpc\/2\/([^/?]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match) {
      const page =
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    if (req.method !== 'POST') {
      const page = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n';
      res.writeHead(405, { 'Content-Type': 'text/html; charset=utf-8', Allow: 'POST', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }

    let answer: string;
    try {
      const call = parseMethodCall(body);
      const { body: xml, entry } = dispatch(match[1] as string, call.methodName, call.params);
      log.push(entry);
      answer = xml;
    } catch (error) {
      const message = error instanceof XmlRpcParseError ? error.message : String(error);
      answer = dumpFault(1, new PythonException('xml.parsers.expat.ExpatError', message).fault().faultString);
    }
    const bytes = Buffer.from(answer, 'utf8');
    if (injection === 'truncate') {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      setImmediate(() => req.socket.destroy());
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/xml; charset=utf-8',
      'Content-Length': bytes.length,
      Server: 'Werkzeug/0.16.1 Python/3.9.2',
    });
    res.end(bytes);
  }

  async function listen(): Promise<void> {
    const s = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    const address = s.address();
    if (address && typeof address === 'object') port = address.port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    db,
    database,
    log,
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    reset() {
      database.reset();
      log.length = 0;
      injections.length = 0;
      latencyMs = options.latencyMs ?? 0;
    },
    seed: (model, rows, context) => database.seed(model, rows, context),
    records: (model) => database.records(model),
    addUser: (user) => database.addUser(user),
    addGatewayUser(login, password = 'gateway-secret') {
      userCounter += 1;
      const name = login ?? `gateway${userCounter}`;
      const uid = database.addUser({ login: name, password, name: 'WhatsApp Gateway', groups: [GATEWAY_GROUP] });
      return { uid, login: name, password };
    },
    inject(injection, times = 1) {
      for (let i = 0; i < times; i += 1) injections.push(injection);
    },
    stop,
    restart: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}
