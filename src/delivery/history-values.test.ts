import { describe, expect, test } from 'vitest';
import type { MessageState, StatusEvent } from '../domain/message.js';
import { nextState } from './history-values.js';

describe('nextState (forward only)', () => {
  test.each<[MessageState, StatusEvent['state'], MessageState | null]>([
    ['queued', 'sent', 'sent'],
    ['sent', 'delivered', 'delivered'],
    ['delivered', 'read', 'read'],
    ['queued', 'read', 'read'],
    ['read', 'delivered', null],
    ['delivered', 'sent', null],
    ['sent', 'sent', null],
    ['sent', 'failed', 'failed'],
    ['queued', 'failed', 'failed'],
    ['delivered', 'failed', null],
    ['read', 'failed', null],
    ['failed', 'delivered', null],
    ['received', 'read', null],
  ])('%s + %s → %s', (current, incoming, expected) => expect(nextState(current, incoming)).toBe(expected));
});
