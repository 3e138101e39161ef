import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { defaultBindingPath, sqliteBindingProblem } from './sqlite-binding.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-binding-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in binding: some bytes, with or without the import an aborting build has. */
function binding(importsHookRemoval: boolean): string {
  const path = join(dir, 'better_sqlite3.node');
  const symbols = ['_ZN4node25AddEnvironmentCleanupHookEPN2v87IsolateEPFvPvES3_', ...(importsHookRemoval ? ['_ZN4node28RemoveEnvironmentCleanupHookEPN2v87IsolateEPFvPvES3_'] : [])];
  writeFileSync(path, Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(4096), Buffer.from(symbols.join('\0'))]));
  return path;
}

test("on Node 24, a binding built against Node's own (>= 24.19) headers is refused, with the commands that rebuild it", () => {
  const message = sqliteBindingProblem('24.21.0', binding(true));
  expect(message).toContain('abort the process');
  expect(message).toContain('export npm_config_nodedir="$(scripts/addon-headers.sh)" npm_config_build_from_source=better-sqlite3');
  expect(message).toContain('npm rebuild better-sqlite3');
});

test('a binding built with scripts/addon-headers.sh is accepted on Node 24', () => {
  expect(sqliteBindingProblem('24.21.0', binding(false))).toBeUndefined();
});

test('other Node lines are not second-guessed, and a missing binding is left to fail on its own', () => {
  expect(sqliteBindingProblem('22.23.3', binding(true))).toBeUndefined();
  expect(sqliteBindingProblem('24.21.0', join(dir, 'missing.node'))).toBeUndefined();
});

test("this installation's binding passes on the Node running the tests (CI runs them on 24 too)", () => {
  expect(sqliteBindingProblem(process.versions.node, defaultBindingPath())).toBeUndefined();
});
