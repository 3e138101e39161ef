import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import type { QuarantineInput, Spool } from '../spool/types.js';
import { parserInput, replayQuarantined } from './quarantine.js';

const fixture = (provider: string, name: string) => readFileSync(new URL(`../../test/fixtures/providers/${provider}/${name}.json`, import.meta.url), 'utf8');

let dir: string;
let spool: Spool;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quarantine-'));
  spool = openSqliteSpool(join(dir, 'spool.db'));
});
afterEach(() => {
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

const kept = (provider: QuarantineInput['provider'], body: string, input: string | null = null): QuarantineInput => ({
  provider,
  body,
  input,
  reason: '/ not understood by an older version',
  receivedAt: '2026-01-02T03:04:05.000Z',
});

test('a body an older version could not read, understood now: its events are queued and it leaves the quarantine', () => {
  // As a gateway before issue #9 would have kept a message with no number (a BSUID only).
  spool.enqueue([], kept('meta', fixture('meta', 'bsuid-only')));
  const [id] = spool.quarantinedIds();
  expect(replayQuarantined(spool, 'ID')).toEqual([{ id, provider: 'meta', events: 1, added: 1, released: true, reason: null }]);
  expect(spool.stats()).toMatchObject({ pending: 1, quarantined: 0 });
  expect(spool.takeDue('message', 10)[0]?.event).toMatchObject({ providerMessageId: 'wamid.FAKE-bsuid-1', userId: 'ID.7730215549820143' });
});

test('undated events are dated with the time the body was received, not the time of the replay', () => {
  spool.enqueue([], kept('fonnte', JSON.stringify({ sender: '6281299990000', message: 'Halo' })));
  replayQuarantined(spool, 'ID');
  expect(spool.takeDue('message', 10)[0]?.event).toMatchObject({ timestamp: '2026-01-02T03:04:05.000Z' });
});

test('still not understood: it stays, with the reason of this replay and the replay counted; nothing queued', () => {
  spool.enqueue([], kept('meta', fixture('meta', 'quarantine-no-sender')));
  const [id] = spool.quarantinedIds();
  const [outcome] = replayQuarantined(spool, 'ID');
  expect(outcome).toMatchObject({ id, released: false, events: 0, reason: expect.stringContaining('names no sender') });
  expect(spool.showQuarantined(id as number)).toMatchObject({ replays: 1, lastReplayAt: expect.any(String), reason: expect.stringContaining('names no sender') });
  expect(spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
});

test('partly understood: what parses is queued, the body stays for the rest; a second replay queues nothing twice', () => {
  const batch = JSON.parse(fixture('meta', 'batch')) as { entry: { changes: { value: { messages: { from: string }[] } }[] }[] };
  const second = batch.entry[0]?.changes[0]?.value.messages[1];
  if (second) second.from = 'abc';
  spool.enqueue([], kept('meta', JSON.stringify(batch)));
  expect(replayQuarantined(spool, 'ID')).toEqual([expect.objectContaining({ events: 2, added: 2, released: false })]);
  expect(replayQuarantined(spool, 'ID')).toEqual([expect.objectContaining({ events: 2, added: 0, released: false })]);
  expect(spool.stats()).toMatchObject({ pending: 2, quarantined: 1 });
});

test('Twilio bodies are parsed again from the parameters as the route read them', () => {
  const params = JSON.parse(fixture('twilio', 'bsuid-from')) as Record<string, string>;
  spool.enqueue([], kept('twilio', new URLSearchParams(params).toString(), JSON.stringify(params)));
  expect(parserInput(spool.quarantined()[0]!)).toEqual(params);
  expect(replayQuarantined(spool, 'ID')).toEqual([expect.objectContaining({ provider: 'twilio', released: true, events: 1 })]);
});

test('Fonnte ids beyond 2^53 are read from the stored bytes as the route reads them, digit for digit', () => {
  spool.enqueue([], kept('fonnte', '{"sender":"6281299990000","message":"x","inboxid":9007199254740993}'));
  replayQuarantined(spool, 'ID');
  expect(spool.takeDue('message', 10)[0]?.event).toMatchObject({ providerMessageId: '9007199254740993' });
});

test('only the given ids are replayed; unknown ids are skipped', () => {
  spool.enqueue([], kept('meta', fixture('meta', 'bsuid-only')));
  spool.enqueue([], kept('meta', fixture('meta', 'bsuid-contact-only')));
  const [first, second] = spool.quarantinedIds();
  expect(replayQuarantined(spool, 'ID', [second as number, 99]).map((o) => o.id)).toEqual([second]);
  expect(spool.quarantinedIds()).toEqual([first]);
});
