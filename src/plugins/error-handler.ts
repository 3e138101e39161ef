/**
 * The one place errors become HTTP responses. Every error body has the shape
 * {"ok": false, "error": {"code", "message", "details"}}; 5xx bodies never leak internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SendTargetError } from '../domain/errors.js';
import { AppError } from '../errors.js';
import { isOdooError, type OdooError } from '../odoo/errors.js';

export interface ErrorBody {
  ok: false;
  error: { code: string; message: string; details: unknown[] };
}

export function errorBody(code: string, message: string, details: unknown[] = []): ErrorBody {
  return { ok: false, error: { code, message, details } };
}

/** Fastify's own client errors (parsing, limits, validation), by their error code. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The JSON body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_body', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'invalid_body' },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url' },
};

function odooErrorResponse(error: OdooError): { status: number; body: ErrorBody } {
  switch (error.kind) {
    case 'unavailable':
      return { status: 503, body: errorBody('odoo_unavailable', 'Odoo cannot be reached right now; try again later') };
    case 'timeout':
      return { status: 503, body: errorBody('odoo_timeout', 'Odoo did not answer in time; try again later') };
    case 'authentication':
      return { status: 503, body: errorBody('odoo_login_failed', 'The gateway cannot log in to Odoo; check ODOO_USERNAME/ODOO_PASSWORD') };
    case 'access':
      return { status: 503, body: errorBody('odoo_access_denied', "The gateway's Odoo user is not allowed to do this; check its WhatsApp / Gateway group") };
    default:
      return { status: 502, body: errorBody('odoo_error', 'Odoo rejected the request') };
  }
}

async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message);
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    // A recipient the gateway's rules refuse (src/lib/phone.ts): the client's request, so a 400 with its code.
    if (error instanceof SendTargetError) return reply.status(400).send(errorBody(error.code, error.message));
    if (isOdooError(error)) {
      const { status, body } = odooErrorResponse(error);
      request.log.warn({ odooErrorKind: error.kind, err: error }, 'Odoo call failed');
      return reply.status(status).send(body);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const details = fastifyError.validation.map((v) => ({
        field: `${fastifyError.validationContext ?? ''}${v.instancePath || ''}${v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty)}` : ''}`,
        message: v.message ?? 'is invalid',
      }));
      return reply
        .status(400)
        .send(errorBody('validation_error', details.map((d) => `${d.field} ${d.message}`).join('; '), details));
    }
    const known = fastifyError.code ? FASTIFY_CLIENT_ERRORS[fastifyError.code] : undefined;
    if (known) {
      return reply.status(known.status).send(errorBody(known.code, known.message ?? fastifyError.message));
    }
    if (fastifyError.statusCode === 429) {
      return reply.status(429).send(errorBody('rate_limited', fastifyError.message));
    }
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send(errorBody('bad_request', fastifyError.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal_error', `Something went wrong (request ${request.id})`));
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}

export const errorHandler = fp(errorHandlerPlugin, { name: 'error-handler' });
