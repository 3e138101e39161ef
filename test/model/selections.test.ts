/**
 * The model's selections exist three times — the gateway (src/domain/selections.ts), the addon
 * (whatsapp_history.py) and the test double — because each must run without the others. These tests
 * hold the addon's and the double's copies to the gateway's one (the live contract suite holds a real
 * Odoo's `fields_get` to it too): a key added in one place only fails here, not in production.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CONVERSATION_STATE_SELECTION } from '../../src/domain/conversation.js';
import { HISTORY_SELECTIONS } from '../../src/domain/selections.js';
import { MODELS } from '../odoo-double/index.js';

const ADDON_MODEL = new URL('../../odoo-addon/whatsapp_headless/models/whatsapp_history.py', import.meta.url);

/** Which module-level list of the addon each selection field uses (`state = fields.Selection(STATES, …)`). */
function addonSelections(source: string): Record<string, [string, string][]> {
  const lists = new Map<string, [string, string][]>();
  for (const match of source.matchAll(/^([A-Z_]+) = \[([\s\S]*?)\]$/gm)) {
    const pairs = [...(match[2] ?? '').matchAll(/\(\s*"([^"]*)",\s*"([^"]*)"\s*\)/g)].map((m) => [m[1], m[2]] as [string, string]);
    lists.set(match[1] as string, pairs);
  }
  const fields: Record<string, [string, string][]> = {};
  for (const match of source.matchAll(/^ {4}(\w+) = fields\.Selection\(\s*([A-Z_]+)/gm)) {
    const list = lists.get(match[2] as string);
    if (list) fields[match[1] as string] = list;
  }
  return fields;
}

const expected = Object.fromEntries(Object.entries(HISTORY_SELECTIONS).map(([field, selection]) => [field, selection.map(([k, l]) => [k, l])]));

describe('whatsapp.history selections', () => {
  test('the addon declares exactly the gateway’s selections (keys, labels and order)', () => {
    const addon = addonSelections(readFileSync(ADDON_MODEL, 'utf8'));
    expect(addon).toEqual(expected);
  });

  test('the test double declares exactly the gateway’s selections', () => {
    const history = MODELS.find((m) => m.name === 'whatsapp.history');
    const double = Object.fromEntries(
      Object.entries(history?.fields ?? {})
        .filter(([, field]) => field.type === 'selection')
        .map(([name, field]) => [name, (field.selection ?? []).map(([k, l]) => [k, l])]),
    );
    expect(double).toEqual(expected);
  });

  test('the parser of the addon source finds a change (the comparison can fail)', () => {
    const source = readFileSync(ADDON_MODEL, 'utf8').replace('("read", "Read"),', '("read", "Read"),\n    ("deleted", "Deleted"),');
    expect(addonSelections(source)).not.toEqual(expected);
  });
});

describe('whatsapp.conversation state', () => {
  const CONVERSATION_MODEL_SOURCE = new URL('../../odoo-addon/whatsapp_headless/models/whatsapp_conversation.py', import.meta.url);
  const expectedState = CONVERSATION_STATE_SELECTION.map(([k, l]) => [k, l]);

  test('the addon, the double and the gateway (its REST enum) hold the same states', () => {
    expect(addonSelections(readFileSync(CONVERSATION_MODEL_SOURCE, 'utf8')).state).toEqual(expectedState);
    const conversation = MODELS.find((m) => m.name === 'whatsapp.conversation');
    expect(conversation?.fields.state?.selection?.map(([k, l]) => [k, l])).toEqual(expectedState);
  });
});
