/** The spool's table rows and how they read as the spool's types. */
import { createHash } from 'node:crypto';
import type { InboundEvent, MediaRef, Provider } from '../domain/message.js';
import type { DeadLetter, MediaJob, QuarantinedBody, QuarantineInput } from './types.js';

export interface EventRow {
  id: number;
  payload: string;
  attempts: number;
  received_at: string;
}

export interface MediaRow {
  id: number;
  provider: Provider;
  provider_message_id: string;
  media: string;
  state: MediaJob['state'];
  record_id: number | null;
  attempts: number;
  data: Buffer | null;
  mimetype: string | null;
  filename: string | null;
  error: string | null;
}

export const toMediaJob = (row: MediaRow): MediaJob => ({
  id: row.id,
  provider: row.provider,
  providerMessageId: row.provider_message_id,
  media: JSON.parse(row.media) as MediaRef,
  state: row.state,
  recordId: row.record_id,
  attempts: row.attempts,
  data: row.data,
  mimetype: row.mimetype,
  filename: row.filename,
  error: row.error,
});

export interface DeadLetterRow {
  id: number;
  payload: string;
  error: string;
  attempts: number;
  failed_at: string;
}

export interface QuarantineRow {
  id: number;
  provider: QuarantinedBody['provider'];
  body: string;
  input: string | null;
  reason: string;
  received_at: string;
  replays: number;
  last_replay_at: string | null;
}

export const toQuarantined = (r: QuarantineRow): QuarantinedBody => ({
  id: r.id,
  provider: r.provider,
  body: r.body,
  input: r.input,
  reason: r.reason,
  receivedAt: r.received_at,
  replays: r.replays,
  lastReplayAt: r.last_replay_at,
});

/** One body is quarantined once, however often the provider sends it. */
export const bodyHash = (q: QuarantineInput) => createHash('sha256').update(q.body, 'utf8').update('\u0000').update(q.input ?? '', 'utf8').digest('hex');

export const toDeadLetter = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  event: JSON.parse(r.payload) as InboundEvent,
  error: r.error,
  attempts: r.attempts,
  failedAt: r.failed_at,
});
