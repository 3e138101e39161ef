/**
 * The real server process started on a spool or send journal file that is not a database (#10 item
 * 13): one message naming the file and what to do, exit code 1, no stack trace — and the file is left
 * as it was, for recovery.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const GARBAGE = Buffer.from('garbage where a database should be\n'.repeat(300));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corrupt-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        // Odoo is never reached: start-up ends before.
        ODOO_URL: 'http://127.0.0.1:9',
        ODOO_DB: 'odoo',
        ODOO_USERNAME: 'gateway',
        ODOO_PASSWORD: 'gateway-password',
        HOST: '127.0.0.1',
        PORT: '1', // never listened on: start-up ends before
        LOG_LEVEL: 'warn',
        SPOOL_PATH: join(dir, 'spool.db'),
        SEND_JOURNAL_PATH: join(dir, 'outbox.db'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test.each([
  ['spool', 'spool.db', 'SPOOL_PATH'],
  ['send journal', 'outbox.db', 'SEND_JOURNAL_PATH'],
])('a corrupt %s file: one message naming it and what to do, exit code 1, no stack trace', async (name, file, setting) => {
  const path = join(dir, file);
  writeFileSync(path, GARBAGE);
  const { code, output } = await start({});
  expect(code).toBe(1);
  expect(output).toContain(`The ${name} file ${path} (${setting}) is not a readable SQLite database`);
  expect(output).toContain(`mv ${path} ${path}.corrupt`);
  expect(output).not.toMatch(/\n\s+at /);
  expect(readFileSync(path)).toEqual(GARBAGE);
}, 30_000);
