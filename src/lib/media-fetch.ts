/**
 * Fetching a file a webhook points at without letting the webhook point anywhere (SSRF):
 * - only hosts on the provider's media list (MEDIA_HOSTS_*), https only, checked on every redirect hop
 *   (redirects are followed here, not by undici, so each hop is checked before it is requested);
 * - only public unicast addresses, checked AFTER DNS resolution inside the connection's own lookup,
 *   so the address checked is the address connected to (no second resolution to rebind);
 * - credentials go to the first URL only, and to a redirect only when it stays on the same origin;
 * - one deadline for the whole download (every hop, headers to last byte), not just idle time.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';

/** Why a download failed, for logs and tests; the message says it to a person. */
export type MediaErrorCode =
  | 'media_host_not_allowed'
  | 'media_address_not_allowed'
  | 'media_scheme_not_allowed'
  | 'media_too_many_redirects'
  | 'media_too_large'
  | 'media_http_error'
  | 'media_deadline_exceeded'
  | 'media_spool_full'
  | 'media_not_configured'
  | 'media_bad_answer'
  | 'media_failed';

/** A failure that retrying cannot fix (404, too large, a refused host, no token). */
export class PermanentMediaError extends Error {
  constructor(
    message: string,
    readonly code: MediaErrorCode = 'media_failed',
  ) {
    super(message);
    this.name = 'PermanentMediaError';
  }
}

/** A failure worth another try later (5xx, 429, the deadline, a network error). */
export class TransientMediaError extends Error {
  constructor(
    message: string,
    readonly code: MediaErrorCode,
  ) {
    super(message);
    this.name = 'TransientMediaError';
  }
}

/** The download was refused before any byte was requested from that host or address. */
export class MediaRefusedError extends PermanentMediaError {
  constructor(message: string, code: 'media_host_not_allowed' | 'media_address_not_allowed' | 'media_scheme_not_allowed' | 'media_too_many_redirects') {
    super(message, code);
    this.name = 'MediaRefusedError';
  }
}

/** Hosts from a MEDIA_HOSTS_* setting: `name.example` (that host) or `*.example` (any host under it). */
export function parseHostList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
}

export function hostMatches(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/** Public unicast only: loopback, private, link-local (cloud metadata), CGNAT, ULA, NAT64, mapped… are refused. */
export function isPublicUnicastAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into the IPv4 address it is.
  return ipaddr.process(address).range() === 'unicast';
}

function describeAddress(address: string): string {
  return ipaddr.isValid(address) ? `${address} (${ipaddr.process(address).range()})` : address;
}

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export interface FetchPolicy {
  /** Whether a resolved address may be connected to. Default: public unicast only. */
  isAddressAllowed?: (address: string) => boolean;
  /** DNS; injectable so tests can answer with private addresses without connecting to them. */
  resolve?: Resolve;
  /** Test servers speak plain http; the default refuses it (credentials and content in clear). */
  allowPlainHttp?: boolean;
}

/**
 * A connection pool whose every new connection resolves the host itself, refuses it unless every
 * address is allowed (a name answering one public and one private address is refused whole), and
 * connects to the address it checked.
 */
export function createGuardedAgent(policy: FetchPolicy = {}): Agent {
  const isAllowed = policy.isAddressAllowed ?? isPublicUnicastAddress;
  const resolve = policy.resolve ?? systemResolve;
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        const refused = answers.find((a) => !isAllowed(a.address));
        if (refused) {
          const error = new MediaRefusedError(`refused: ${hostname} resolves to ${describeAddress(refused.address)}, not a public address`, 'media_address_not_allowed');
          return callback(error, '', 0);
        }
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, wanted);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
  return new Agent({ keepAliveTimeout: 10_000, connections: 8, connect: { lookup } });
}

export interface GuardedFetchOptions {
  agent: Agent;
  policy: FetchPolicy;
  /** Hosts this provider serves media from (after the setting's name, for the refusal message). */
  allowedHosts: readonly string[];
  allowedHostsSetting: string;
  /** Sent to the first URL, and to redirects that stay on its origin; never elsewhere. */
  credentials?: Record<string, string>;
  maxBytes: number;
  signal: AbortSignal;
  /** Idle limit of one response (headers, then between chunks); the signal carries the total deadline. */
  idleTimeoutMs: number;
}

export const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Checks a URL before anything is sent to it; returns it parsed. */
function checkTarget(raw: string | URL, options: GuardedFetchOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PermanentMediaError('the media URL is not a valid URL', 'media_bad_answer');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.policy.allowPlainHttp)) {
    throw new MediaRefusedError(`refused: ${url.protocol}// media URLs are not fetched (https only)`, 'media_scheme_not_allowed');
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!hostMatches(hostname, options.allowedHosts)) {
    throw new MediaRefusedError(`refused: ${hostname} is not a media host of this provider (${options.allowedHostsSetting})`, 'media_host_not_allowed');
  }
  // An address literal is connected to without a lookup: check it here.
  if (ipaddr.isValid(hostname) && !(options.policy.isAddressAllowed ?? isPublicUnicastAddress)(hostname)) {
    throw new MediaRefusedError(`refused: ${describeAddress(hostname)} is not a public address`, 'media_address_not_allowed');
  }
  return url;
}

/** The refusal raised inside the connection's lookup, however undici wrapped it. */
function refusalIn(error: unknown): MediaRefusedError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof MediaRefusedError) return e;
  }
  return undefined;
}

export interface FetchedFile {
  data: Buffer;
  contentType: string | null;
  /** The URL the bytes came from, after redirects. */
  finalUrl: URL;
}

export async function guardedFetch(raw: string, options: GuardedFetchOptions): Promise<FetchedFile> {
  const first = checkTarget(raw, options);
  let url = first;
  for (let redirects = 0; ; redirects++) {
    const sameOrigin = url.origin === first.origin;
    const headers = sameOrigin && options.credentials ? options.credentials : {};
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'GET',
        headers,
        dispatcher: options.agent,
        signal: options.signal,
        headersTimeout: options.idleTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
      });
    } catch (error) {
      throw refusalIn(error) ?? error;
    }
    if (REDIRECT_STATUSES.has(response.statusCode)) {
      await response.body.dump();
      const location = response.headers.location;
      if (typeof location !== 'string') throw new PermanentMediaError(`HTTP ${response.statusCode} without a Location`, 'media_bad_answer');
      if (redirects >= MAX_REDIRECTS) throw new MediaRefusedError(`refused: more than ${MAX_REDIRECTS} redirects`, 'media_too_many_redirects');
      url = checkTarget(new URL(location, url), options);
      continue;
    }
    if (response.statusCode >= 400) {
      await response.body.dump();
      const message = `HTTP ${response.statusCode} from the media server`;
      if (response.statusCode >= 500 || response.statusCode === 429) throw new TransientMediaError(message, 'media_http_error');
      throw new PermanentMediaError(message, 'media_http_error');
    }
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > options.maxBytes) {
      response.body.destroy();
      throw new PermanentMediaError(`media is ${declared} bytes, over MEDIA_MAX_BYTES (${options.maxBytes})`, 'media_too_large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > options.maxBytes) {
        response.body.destroy();
        throw new PermanentMediaError(`media is over MEDIA_MAX_BYTES (${options.maxBytes})`, 'media_too_large');
      }
      chunks.push(bytes);
    }
    const type = response.headers['content-type'];
    return { data: Buffer.concat(chunks), contentType: typeof type === 'string' ? type.split(';')[0]!.trim() : null, finalUrl: url };
  }
}
