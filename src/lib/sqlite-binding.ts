/**
 * better-sqlite3 12 compiled against the headers of Node >= 24.19 aborts the process whenever the
 * garbage collector frees one of its connections or statements (README, "Node 24"): the gateway would
 * die at a random moment. Such a binding imports node::RemoveEnvironmentCleanupHook (from
 * node_object_wrap.h); one built with scripts/addon-headers.sh, or on Node 22, does not. Start-up
 * refuses it with what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The mangled name a binding compiled with ObjectWrap's per-object cleanup hooks imports. */
const HOOK_REMOVAL_SYMBOL = '_ZN4node28RemoveEnvironmentCleanupHook';

export function defaultBindingPath(): string {
  const packageJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return join(dirname(packageJson), 'build', 'Release', 'better_sqlite3.node');
}

/** The operator's message when the installed binding would abort on this Node, else undefined. */
export function sqliteBindingProblem(nodeVersion = process.versions.node, bindingPath = defaultBindingPath()): string | undefined {
  // Only the 24 line backported the hooks in this form; a binding that is missing fails on its own.
  if (nodeVersion.split('.')[0] !== '24' || !existsSync(bindingPath)) return undefined;
  if (!readFileSync(bindingPath).includes(HOOK_REMOVAL_SYMBOL)) return undefined;
  return [
    `The SQLite binding ${bindingPath} was compiled against Node 24 headers that make it abort the process`,
    'whenever the garbage collector frees one of its objects ("Assertion failed: (env) != nullptr").',
    'Rebuild it, from the gateway directory (README, "Node 24"):',
    '  export npm_config_nodedir="$(scripts/addon-headers.sh)" npm_config_build_from_source=better-sqlite3',
    '  npm rebuild better-sqlite3',
  ].join('\n');
}
