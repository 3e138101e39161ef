import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { MessageEvent } from '../domain/message.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import { runSpoolCli } from './spool.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spool-cli-'));
  path = join(dir, 'spool.db');
  const spool = openSqliteSpool(path);
  const event = (id: string): MessageEvent => ({
    kind: 'message', provider: 'meta', providerMessageId: id, direction: 'in', phone: '+6281299990000', contactName: null,
    device: null, messageType: 'text', text: 'x', media: null, timestamp: '2026-01-29T09:20:00.000Z', raw: {},
  });
  spool.enqueue([event('wamid.A'), event('wamid.B'), event('wamid.C')]);
  for (const due of spool.takeDue('message', 2)) spool.deadLetter(due.id, 'validation: Wrong value for whatsapp.history.message_type');
  spool.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(...argv: string[]) {
  const lines: string[] = [];
  const code = runSpoolCli(argv, (l) => lines.push(l), path);
  return { code, out: lines.join('\n') };
}

test('stats shows pending events and dead letters', () => {
  const { code, out } = run('stats');
  expect(code).toBe(0);
  expect(JSON.parse(out)).toMatchObject({ pending: 1, deadLetters: 2 });
});

test('dead-letters lists each with its provider id and Odoo reason', () => {
  const { out } = run('dead-letters');
  expect(out).toMatch(/#1 .* message meta wamid\.A {2}attempts=1\n {4}validation: Wrong value/);
  expect(out).toMatch(/2 dead letter\(s\) in total/);
});

test('replay of one id, then of all, puts them back in the queue', () => {
  expect(run('replay', '1')).toMatchObject({ code: 0, out: expect.stringMatching(/^1 dead letter/) });
  expect(run('replay').out).toMatch(/^1 dead letter/);
  expect(JSON.parse(run('stats').out)).toMatchObject({ pending: 3, deadLetters: 0 });
});

test('show prints one dead letter whole: its event and the full error', () => {
  const { code, out } = run('show', '2');
  expect(code).toBe(0);
  expect(out).toMatch(/^#2 .* message meta wamid\.B {2}attempts=1\nerror:\nvalidation: Wrong value for whatsapp\.history\.message_type\nevent:\n/);
  expect(out).toContain('"providerMessageId": "wamid.B"');
  expect(run('show', '9')).toEqual({ code: 1, out: 'No dead letter #9' });
});

test('discard deletes the given dead letters for good, says which, and leaves the queue alone', () => {
  const { code, out } = run('discard', '1');
  expect(code).toBe(0);
  expect(out).toMatch(/^discarded #1 .* wamid\.A .*\n1 dead letter\(s\) deleted; 1 left$/);
  expect(JSON.parse(run('stats').out)).toMatchObject({ pending: 1, deadLetters: 1 });
  expect(run('replay', '1').out).toMatch(/^0 dead letter/); // gone: nothing to replay
  // An unknown id among known ones: the known are deleted, the unknown named, exit 1.
  const mixed = run('discard', '2', '7', '2');
  expect(mixed.code).toBe(1);
  expect(mixed.out).toMatch(/discarded #2 .*\nno such dead letter: #7\n1 dead letter\(s\) deleted; 0 left/);
});

test.each([
  [['explode'], 2, /Unknown command "explode"/],
  [['replay', 'abc'], 2, /positive integers/],
  [['discard'], 2, /never deletes all at once/],
  [['discard', '1', 'x'], 2, /positive integers/],
  [['show'], 2, /exactly one/],
])('%j → exit %i with a clear message', (argv, code, message) => {
  const result = run(...argv);
  expect(result.code).toBe(code);
  expect(result.out).toMatch(message);
});

describe('quarantine', () => {
  const metaBody = (name: string) => readFileSync(new URL(`../../test/fixtures/providers/meta/${name}.json`, import.meta.url), 'utf8');
  beforeEach(() => {
    const spool = openSqliteSpool(path);
    const kept = (body: string) => ({ provider: 'meta' as const, body, input: null, reason: '/entry/0/changes/0/value/messages/0/from names no sender', receivedAt: '2026-01-29T09:20:00.000Z' });
    // #1: understood by the code now running (as if kept by an older version); #2: still not.
    spool.enqueue([], kept(metaBody('bsuid-only')));
    spool.enqueue([], kept(metaBody('quarantine-no-sender')));
    spool.close();
  });

  test('stats counts them; list shows each with what was not understood', () => {
    expect(JSON.parse(run('stats').out)).toMatchObject({ quarantined: 2 });
    const { code, out } = run('quarantine');
    expect(code).toBe(0);
    expect(out).toMatch(/^#1 {2}2026-01-29T09:20:00\.000Z {2}meta {2}\d+ chars\n {4}\/entry\/0\/changes\/0\/value\/messages\/0\/from names no sender\n#2 /);
    expect(out).toMatch(/2 quarantined body\(ies\) in total$/);
    expect(run('quarantine', 'list', '1').out).not.toContain('#2');
    expect(run('quarantine', '1').out).not.toContain('#2');
  });

  test('show prints the body as received and the reason', () => {
    const { code, out } = run('quarantine', 'show', '2');
    expect(code).toBe(0);
    expect(out).toContain('not understood:\n/entry/0/changes/0/value/messages/0/from names no sender');
    expect(out).toContain(`body (as received):\n${metaBody('quarantine-no-sender')}`);
    expect(run('quarantine', 'show', '9')).toEqual({ code: 1, out: 'No quarantined body #9' });
  });

  test('replay parses again with the code now running: understood → queued and released; not → kept, counted', () => {
    const { code, out } = run('quarantine', 'replay');
    expect(code).toBe(0);
    expect(out).toMatch(/#1 meta: understood; 1 event\(s\), 1 new to the queue; left the quarantine/);
    expect(out).toMatch(/#2 meta: 0 event\(s\), 0 new to the queue; still not understood: .*names no sender/);
    expect(out).toMatch(/1 of 2 replayed body\(ies\) understood; 1 left in the quarantine/);
    expect(JSON.parse(run('stats').out)).toMatchObject({ pending: 2, quarantined: 1 });
    expect(run('quarantine').out).toMatch(/#2 .* replays=1/);
  });

  test('replay of given ids only; an unknown id is named (exit 1)', () => {
    const { code, out } = run('quarantine', 'replay', '2', '5');
    expect(code).toBe(1);
    expect(out).toMatch(/#2 meta: .*still not understood/);
    expect(out).toContain('no such quarantined body: #5');
    expect(JSON.parse(run('stats').out)).toMatchObject({ quarantined: 2 });
  });

  test('discard deletes the given ones for good', () => {
    const { code, out } = run('quarantine', 'discard', '2');
    expect(code).toBe(0);
    expect(out).toMatch(/^discarded #2 .*\n1 quarantined body\(ies\) deleted; 1 left$/);
  });

  test.each([
    [['quarantine', 'explode'], 2, /Unknown quarantine command "explode"/],
    [['quarantine', 'discard'], 2, /never deletes all at once/],
    [['quarantine', 'show'], 2, /exactly one/],
    [['quarantine', 'replay', 'x'], 2, /positive integers/],
  ])('%j → exit %i with a clear message', (argv, code, message) => {
    const result = run(...argv);
    expect(result.code).toBe(code);
    expect(result.out).toMatch(message);
  });
});

test('a missing spool file is reported, not created', () => {
  const lines: string[] = [];
  expect(runSpoolCli(['stats'], (l) => lines.push(l), join(dir, 'nope.db'))).toBe(1);
  expect(lines.join()).toMatch(/No spool at .*nope\.db \(set SPOOL_PATH\)/);
});

test('a corrupt spool file: one message naming it and what to do, exit code 1, the file left as it was', () => {
  const garbage = Buffer.from('not a database\n'.repeat(500));
  writeFileSync(path, garbage);
  const { code, out } = run('stats');
  expect(code).toBe(1);
  expect(out).toContain(`The spool file ${path} (SPOOL_PATH) is not a readable SQLite database`);
  expect(out).toContain(`mv ${path} ${path}.corrupt`);
  expect(out).not.toMatch(/\n\s+at /);
  expect(readFileSync(path)).toEqual(garbage);
});
