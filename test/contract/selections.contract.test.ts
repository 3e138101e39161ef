/**
 * Odoo's own description of whatsapp.history (fields_get) has the gateway's selections
 * (src/domain/selections.ts): keys, labels and order. Live, this checks the installed addon.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CONVERSATION_STATE_SELECTION } from '../../src/domain/conversation.js';
import { DIRECTION_SELECTION, HISTORY_SELECTIONS } from '../../src/domain/selections.js';
import { CONVERSATION, HISTORY, setupContractEnv, type ContractEnv } from './harness.js';

let env: ContractEnv;
beforeAll(async () => {
  env = await setupContractEnv('selections');
});
afterAll(async () => {
  await env?.close();
});

test('fields_get of whatsapp.history shows exactly the gateway’s selections', async () => {
  const fields = Object.keys(HISTORY_SELECTIONS);
  const described = await env.gateway.call<Record<string, { type: string; selection?: [string, string][] }>>(HISTORY, 'fields_get', [fields], {
    attributes: ['type', 'selection'],
  });
  const actual = Object.fromEntries(fields.map((field) => [field, described?.[field]?.selection]));
  const expected = Object.fromEntries(Object.entries(HISTORY_SELECTIONS).map(([field, selection]) => [field, selection.map(([k, l]) => [k, l])]));
  expect(actual).toEqual(expected);
  for (const field of fields) expect(described?.[field]?.type).toBe('selection');
});

test('fields_get of whatsapp.conversation: its state and last direction as the gateway knows them', async () => {
  const described = await env.gateway.call<Record<string, { type: string; selection?: [string, string][] }>>(CONVERSATION, 'fields_get', [['state', 'last_direction']], {
    attributes: ['type', 'selection'],
  });
  expect(described?.state?.selection).toEqual(CONVERSATION_STATE_SELECTION.map(([k, l]) => [k, l]));
  expect(described?.last_direction?.selection).toEqual(DIRECTION_SELECTION.map(([k, l]) => [k, l]));
});
