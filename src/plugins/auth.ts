/**
 * Bearer-token access to the REST API. `API_TOKENS` holds `token:scope+scope` entries (src/config.ts);
 * scopes are `read` (GET endpoints, /metrics) and `send` (send_message).
 *
 * Tokens are compared in constant time: both sides are hashed to 32 bytes and compared with
 * timingSafeEqual against every configured token, with no early exit, so neither the position of a
 * match nor a common prefix shows in the timing. Tokens never reach a log (the Authorization header
 * is redacted by src/logger.ts); a token is only ever referred to by its fingerprint.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope, ApiToken } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

export interface Identity {
  /** First 16 hex digits of the token's SHA-256: a stable, non-secret name for rate limits and logs. */
  fingerprint: string;
  scopes: ReadonlySet<ApiScope>;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function tokenFingerprint(token: string): string {
  return sha256(token).toString('hex').slice(0, 16);
}

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

export interface Auth {
  /** Who the request's token belongs to; null when it has no token or an unknown one. Cached per request. */
  identify(request: FastifyRequest): Identity | null;
  /** A route hook: 401 without a known token, 403 without `scope`. */
  requireScope(scope: ApiScope): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function createAuth(tokens: readonly ApiToken[]): Auth {
  const known = tokens.map((t) => ({ digest: sha256(t.token), identity: { fingerprint: tokenFingerprint(t.token), scopes: t.scopes } }));
  const cache = new WeakMap<FastifyRequest, Identity | null>();

  function lookup(presented: string): Identity | null {
    const digest = sha256(presented);
    let found: Identity | null = null;
    for (const entry of known) {
      // Every entry is compared, match or not.
      const equal = timingSafeEqual(digest, entry.digest);
      if (equal) found = entry.identity;
    }
    return found;
  }

  function identify(request: FastifyRequest): Identity | null {
    const cached = cache.get(request);
    if (cached !== undefined) return cached;
    const token = bearerToken(request.headers.authorization);
    const identity = token === undefined ? null : lookup(token);
    cache.set(request, identity);
    return identity;
  }

  return {
    identify,
    requireScope(scope) {
      return async (request, reply) => {
        const identity = identify(request);
        if (!identity) {
          const presented = bearerToken(request.headers.authorization) !== undefined;
          reply.header('www-authenticate', `Bearer realm="whatsapp-headless"${presented ? ', error="invalid_token"' : ''}`);
          throw presented
            ? new UnauthorizedError('The Bearer token is not one of API_TOKENS', 'invalid_token')
            : new UnauthorizedError('Send Authorization: Bearer <token> (a token from API_TOKENS)', 'unauthorized');
        }
        if (!identity.scopes.has(scope)) {
          reply.header('www-authenticate', `Bearer realm="whatsapp-headless", error="insufficient_scope", scope="${scope}"`);
          throw new ForbiddenError(`This token lacks the ${scope} scope`, 'insufficient_scope');
        }
      };
    },
  };
}
