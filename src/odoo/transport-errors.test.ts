import { describe, expect, test } from 'vitest';
import { classifyTransportError } from './transport-errors.js';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
/** node-xmlrpc's errors about a response carry it as a non-enumerable `res`. */
const withStatus = (status: number, message: string) => Object.defineProperty(new Error(message), 'res', { value: { statusCode: status } });

describe('classifyTransportError', () => {
  test.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8069'), 'unavailable'],
    ['connection reset', withCode('ECONNRESET', 'read ECONNRESET'), 'unavailable'],
    ['broken pipe', withCode('EPIPE'), 'unavailable'],
    ['DNS failure', withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND odoo'), 'unavailable'],
    ['DNS try again', withCode('EAI_AGAIN'), 'unavailable'],
    ['socket hang up', withCode('ECONNRESET', 'socket hang up'), 'unavailable'],
    ['socket hang up without a code', new Error('socket hang up'), 'unavailable'],
    ['proxy 502', withStatus(502, 'Not a method response'), 'unavailable'],
    ['proxy 503', withStatus(503, 'Invalid XML-RPC message'), 'unavailable'],
    ['proxy 504', withStatus(504, 'Unknown XML-RPC tag \'HTML\''), 'unavailable'],
    ["a proxy's body-size limit (413)", withStatus(413, 'Unknown XML-RPC tag \'html\''), 'too_large'],
    ['TLS certificate problem', withCode('CERT_HAS_EXPIRED', 'certificate has expired'), 'unavailable'],
    ['wrong path (404)', new Error('Not Found'), 'internal'],
    ['a server error page (500)', withStatus(500, 'Not a method response'), 'internal'],
    ['a 200 that is not XML-RPC', withStatus(200, 'Not a method response'), 'internal'],
    ['anything else', new Error('boom'), 'internal'],
    ['a thrown string', 'weird', 'internal'],
  ] as const)('%s → %s', (_name, error, kind) => {
    expect(classifyTransportError(error).kind).toBe(kind);
  });

  test('messages say what happened and what to check', () => {
    expect(classifyTransportError(withCode('ECONNREFUSED')).message).toBe('Odoo is unreachable (ECONNREFUSED)');
    expect(classifyTransportError(new Error('Not Found')).message).toContain('check ODOO_URL');
    expect(classifyTransportError(withStatus(503, 'x')).message).toBe('Odoo is unavailable (HTTP 503)');
  });
});
