/**
 * Pure rules of storing events: which contact keys link a message to a partner, and the forward-only
 * state rule. (The events' Odoo values: src/odoo/repositories/history-fields.ts.)
 */
import { STATE_RANK, type MessageEvent, type MessageState, type StatusEvent } from '../domain/message.js';

export interface MediaUrlResolver {
  /** Where a human (or the media worker) can find the file: the provider URL, or Meta's Graph URL of the media id. */
  (media: NonNullable<MessageEvent['media']>): string | null;
}

/** The contact keys a message may be linked to a partner by, best first: user ids survive a change of number. */
export function partnerKeys(event: MessageEvent): string[] {
  const change = event.identityChange ?? null;
  const keys = [
    change?.newUserId,
    event.userId,
    change?.previousUserId,
    change?.newPhone,
    event.phone,
    change?.previousPhone,
  ];
  return [...new Set(keys.filter((k): k is string => typeof k === 'string' && k !== ''))];
}

/**
 * Outgoing states only move forward: queued → sent → delivered → read. `failed` may replace
 * queued or sent (the provider gave up), never a delivered or read message.
 */
export function nextState(current: MessageState, incoming: StatusEvent['state']): MessageState | null {
  if (current === 'received') return null; // statuses never apply to incoming messages
  if (incoming === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : null;
  if (current === 'failed') return null;
  return STATE_RANK[incoming] > STATE_RANK[current] ? incoming : null;
}
