import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
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
