/**
 * Typed errors, mapped to HTTP in exactly one place (src/plugins/error-handler.ts).
 * Every error a client can see carries a stable machine-readable `code` and a human `message`.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details: unknown[] = [], code = 'bad_request') {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid credentials', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'This token may not do that', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'Request body is too large', code = 'payload_too_large') {
    super(413, code, message);
  }
}

/** A dependency (Odoo, the spool, a provider) cannot serve the request right now. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, code = 'service_unavailable', details: unknown[] = []) {
    super(503, code, message, details);
  }
}

/** A provider feature is switched off because its secret is not configured. */
export class ProviderDisabledError extends AppError {
  constructor(provider: string, setting: string) {
    super(503, 'provider_disabled', `The ${provider} webhook is disabled: set ${setting} to enable it`);
  }
}
