/**
 * POST /api/wa/send_message: validate, store the outgoing record in Odoo as `queued`, answer 202 with
 * its id, and wake the outbox, which does the sending (./outbox/worker.ts). Nothing reaches Odoo
 * unless the number can be normalised and the provider can send.
 *
 * Idempotency-Key (per token): the first request's answer is stored in the send journal and returned
 * again for the same key and body; the same key with another body → 422; while the first request is
 * still running → 409. If the first request ended without knowing whether Odoo created the record
 * (Odoo timed out, or the gateway restarted mid-request), the key answers 409 idempotency_unknown
 * rather than risk a second message.
 */
import { createHash } from 'node:crypto';
import { SendTargetError, UnsupportedTargetError } from '../domain/errors.js';
import type { MessageType, Provider } from '../domain/message.js';
import { AppError, BadRequestError, ConflictError, ServiceUnavailableError } from '../errors.js';
import { canonicalContactId, describePhoneRejection, normalizeContactId, toProviderTarget, type CountryCode } from '../lib/phone.js';
import { isOdooError } from '../odoo/errors.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { SendBody } from '../schemas/messages.js';
import type { PartnerResolver } from './partner-resolver.js';
import { providerAdapter } from '../providers/registry.js';
import { isJournalStorageError, type IdempotencyKeys } from './outbox/journal.js';
import { validationError, type FieldProblem } from './query-fns.js';

export class SendingDisabledError extends AppError {
  constructor(reason: string) {
    super(503, 'send_disabled', `Sending is not configured: ${reason}`);
  }
}

export class IdempotencyMismatchError extends AppError {
  constructor() {
    super(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body; use a new key for a new message');
  }
}

export interface SendAccepted {
  ok: true;
  data: { id: number; state: 'queued'; phone: string; provider: Provider };
}

export interface SendResponse {
  statusCode: number;
  body: SendAccepted;
  /** The answer is a stored one, repeated for the same Idempotency-Key. */
  replayed: boolean;
}

export interface SendServiceDeps {
  history: Pick<HistoryRepository, 'createOutgoing'>;
  journal: Pick<
    IdempotencyKeys,
    'claimIdempotencyKey' | 'completeIdempotencyKey' | 'releaseIdempotencyKey' | 'markIdempotencyKeyUnknown'
  >;
  provider: Provider;
  defaultCountry: CountryCode;
  /** Why `provider` cannot send, or undefined when it can. */
  whyDisabled: (provider: Provider) => string | undefined;
  /** Wakes the outbox so the message leaves now, not at the next poll. */
  kick?: () => void;
  /** Links numbers to res.partner (./partner-resolver.ts, cached); without it records get no partner. */
  resolvePartners?: PartnerResolver;
  idempotencyTtlMs: number;
  now?: () => number;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The send journal's disk failed (full, I/O error, locked past its busy timeout): nothing was stored. */
export class JournalUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('The send journal cannot be written right now (disk full, I/O error or locked); nothing was stored — retry later', 'journal_unavailable');
  }
}

/**
 * Runs a journal write whose failure only leaves an Idempotency-Key `pending`: in this process a
 * repeat then answers 409 idempotency_in_progress, after a restart idempotency_unknown — both refuse
 * to send again, so the failure is safe to pass over.
 */
function bestEffort(write: () => void): void {
  try {
    write();
  } catch (error) {
    if (!isJournalStorageError(error)) throw error;
  }
}

/** What `message_type` the record gets: the type the sending provider sends the media URL as. */
export function outgoingMessageType(mediaUrl: string | undefined, provider: Provider): MessageType {
  return mediaUrl ? providerAdapter(provider).outgoingMediaType(mediaUrl) : 'text';
}

/**
 * Did the failed Odoo call certainly create nothing? Odoo rolls back a call that raised, so any fault
 * it answered means "nothing stored". Without an answer (timeout, connection lost) it may have committed.
 */
export function odooCallSurelyFailed(error: unknown): boolean {
  if (!isOdooError(error)) return false;
  if (error.kind === 'timeout') return false;
  if (error.kind !== 'unavailable') return true;
  const cause = error.cause as { code?: string | number } | undefined;
  // Refused or unresolvable: the request never reached Odoo.
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(`${String(cause?.code ?? '')} ${error.message}`);
}

export function createSendService(deps: SendServiceDeps) {
  const { history, journal } = deps;
  const now = deps.now ?? Date.now;

  /** The record's partner, by number or user id (best effort: a failed lookup never blocks a send). */
  async function findPartner(key: string): Promise<number | false> {
    if (!deps.resolvePartners) return false;
    try {
      return (await deps.resolvePartners([key])).get(key) ?? false;
    } catch {
      return false;
    }
  }

  return {
    async send(body: SendBody, caller: { tokenFingerprint: string; idempotencyKey?: string | undefined }): Promise<SendResponse> {
      // 1. Everything that can be refused is refused before anything is stored.
      const problems: FieldProblem[] = [];
      // A number, a group or linked-id JID, or a WhatsApp user id (BSUID) for a contact who shows no number.
      const normalized = normalizeContactId(body.phone, deps.defaultCountry);
      let phone = '';
      if (!normalized.ok) problems.push({ field: 'body/phone', message: describePhoneRejection(normalized.reason) });
      else phone = canonicalContactId(normalized);
      if (body.message.trim() === '' && !body.media_url) {
        problems.push({ field: 'body/message', message: 'must not be empty unless media_url is given' });
      }
      if (body.filename !== undefined && !body.media_url) {
        problems.push({ field: 'body/filename', message: 'needs media_url' });
      }
      let unsupportedTarget = false;
      if (phone) {
        try {
          toProviderTarget(phone, deps.provider);
        } catch (error) {
          if (!(error instanceof SendTargetError)) throw error;
          problems.push({ field: 'body/phone', message: error.message });
          unsupportedTarget = error instanceof UnsupportedTargetError;
        }
      }
      // The request is well-formed but this provider cannot address the recipient (a group or linked id on
      // Meta/Twilio, a WhatsApp user id on Fonnte/Twilio): its own code, so a client can tell it from a typo.
      if (unsupportedTarget && problems.length === 1) throw new BadRequestError(problems[0]?.message ?? '', problems, 'unsupported_target');
      if (problems.length > 0) throw validationError(problems);
      const disabled = deps.whyDisabled(deps.provider);
      if (disabled) throw new SendingDisabledError(disabled);

      // 2. Idempotency: the same key and request → the same answer, whatever happens.
      const request = { phone, message: body.message, media_url: body.media_url ?? null, filename: body.filename ?? null };
      const key = caller.idempotencyKey;
      const scope = caller.tokenFingerprint;
      const keyHash = key === undefined ? '' : sha256(key);
      if (key !== undefined) {
        let claim: ReturnType<typeof journal.claimIdempotencyKey>;
        try {
          claim = journal.claimIdempotencyKey(scope, keyHash, sha256(JSON.stringify(request)), now(), deps.idempotencyTtlMs);
        } catch (error) {
          // Not a bug of the request: 503 with a code, so the client retries (nothing reached Odoo).
          if (isJournalStorageError(error)) throw new JournalUnavailableError();
          throw error;
        }
        switch (claim.kind) {
          case 'replay':
            return { statusCode: claim.statusCode, body: claim.body as SendAccepted, replayed: true };
          case 'mismatch':
            throw new IdempotencyMismatchError();
          case 'in_progress':
            throw new ConflictError('A request with this Idempotency-Key is still being processed; retry in a moment', 'idempotency_in_progress');
          case 'unknown':
            throw new ConflictError(
              'The first request with this Idempotency-Key was interrupted before it was known whether the message was stored; ' +
                'to avoid a duplicate it is not repeated. Check GET /api/wa/conversation/{phone}, then send with a new key if needed.',
              'idempotency_unknown',
            );
          case 'new':
            break;
        }
      }

      // 3. Store the message; the outbox sends it.
      const linkable = normalized.ok && (normalized.kind === 'phone' || normalized.kind === 'user');
      const byUserId = normalized.ok && normalized.kind === 'user';
      const store = (partnerId: number | false) =>
        history.createOutgoing({
          phone: byUserId ? null : phone,
          userId: byUserId ? phone : null,
          provider: deps.provider,
          text: body.message,
          messageType: outgoingMessageType(body.media_url, deps.provider),
          mediaUrl: body.media_url ?? null,
          filename: body.filename ?? null,
          partnerId: partnerId === false ? null : partnerId,
          timestamp: new Date(now()),
        });
      let id: number;
      try {
        const partnerId = linkable ? await findPartner(phone) : false;
        try {
          id = await store(partnerId);
        } catch (error) {
          // A cached partner deleted or merged since is refused by Odoo as a dangling link (a
          // validation fault: nothing was stored). Look the number up afresh and store it again,
          // rather than answer 502 for up to the cache's lifetime.
          if (partnerId === false || !isOdooError(error) || error.kind !== 'validation') throw error;
          deps.resolvePartners?.forget?.(phone);
          const current = await findPartner(phone);
          if (current === partnerId) throw error; // not the link: Odoo refuses something else
          id = await store(current);
        }
      } catch (error) {
        if (key !== undefined) {
          // Odoo's error is the answer; a journal failure here must not replace it.
          if (odooCallSurelyFailed(error)) bestEffort(() => journal.releaseIdempotencyKey(scope, keyHash));
          else bestEffort(() => journal.markIdempotencyKeyUnknown(scope, keyHash));
        }
        throw error;
      }
      const accepted: SendAccepted = { ok: true, data: { id, state: 'queued', phone, provider: deps.provider } };
      // The message is stored and will be sent: answer 202 even if the journal cannot record the answer.
      if (key !== undefined) bestEffort(() => journal.completeIdempotencyKey(scope, keyHash, 202, accepted));
      deps.kick?.();
      return { statusCode: 202, body: accepted, replayed: false };
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
