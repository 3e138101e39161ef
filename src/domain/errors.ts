/**
 * Errors of the gateway's own rules, free of any transport: thrown by pure code (src/lib/phone.ts),
 * decided on by type (the outbox), and turned into HTTP only by src/plugins/error-handler.ts.
 */

/** A recipient was refused before any request left the gateway; `code` is the API's error code. */
export abstract class SendTargetError extends Error {
  abstract readonly code: 'invalid_phone' | 'unsupported_target';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Not a phone number where one is needed (e.g. not E.164 for a provider's send API). */
export class InvalidPhoneError extends SendTargetError {
  readonly code = 'invalid_phone';
}

/** The provider cannot address this recipient: a group or linked id (Meta, Twilio), a user id (Fonnte, Twilio). */
export class UnsupportedTargetError extends SendTargetError {
  readonly code = 'unsupported_target';
}
