/**
 * The layering of src/, checked in CI (`npm run lint:deps`, .ci/run). The intended flow (README, "Layout"):
 *
 *   webhook route → provider adapter → spool → delivery (writer) → odoo/repositories → Odoo client
 *   REST route → service → odoo/repositories → Odoo client
 *
 * Each rule below says what it keeps out and why. A rule that fires means the code drifted from the
 * design: fix the import (move the shared piece to domain/ or lib/, pass a dependency in), do not
 * widen the rule. .dependency-cruiser-known-violations.json lists violations accepted for now
 * (`--ignore-known`); it only ever shrinks. test/layering.test.ts proves the rules fire.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** Tests and their fixtures live beside the code; they may import anything the test needs. */
const TEST_FILES = '[.](test|fixture)[.]ts$';

/**
 * Modules nothing imports because something else starts them: the process entry, the spool CLI, and
 * the worker-thread entries lib/worker-thread.ts loads by file name (`*-entry.ts`, committer-thread.ts).
 */
const ENTRY_POINTS = ['^src/server[.]ts$', '^src/cli/[^/]+[.]ts$', '^src/.+-entry[.]ts$', '^src/spool/committer-thread[.]ts$'];

/** Everything that is application rather than pure code: what domain/ and lib/ must never reach into. */
const APP_LAYERS = '^src/(routes|plugins|services|odoo|providers|spool|delivery|cli|schemas)/|^src/(app|gateway|server|config)[.]ts$';

module.exports = {
  forbidden: [
    // --- structure
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules importing each other (directly or round a loop) cannot be understood, tested or loaded one at a time; ' +
        'move what both need into a third module.',
      from: { pathNot: TEST_FILES },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      scope: 'folder',
      severity: 'error',
      comment:
        'Folders are the layers: a loop between two folders (delivery/ → plugins/ → delivery/) means neither is below the ' +
        'other, so neither can change alone. Move the shared piece (a type, a helper) down into domain/ or lib/.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports (and that imports nothing) is dead code, or an entry point missing from ENTRY_POINTS.',
      from: { orphan: true, path: '^src/', pathNot: [TEST_FILES, ...ENTRY_POINTS, '[.]d[.]ts$'] },
      to: {},
    },
    {
      name: 'no-unreachable-from-entry',
      severity: 'error',
      comment:
        'A module no entry point reaches is not part of the running gateway: dead code, or code only tests and ' +
        'benchmarks use (then it belongs under test/ or bench/).',
      from: { path: ENTRY_POINTS },
      to: { path: '^src/', pathNot: [TEST_FILES, ...ENTRY_POINTS, '[.]d[.]ts$'], reachable: false },
    },
    {
      name: 'no-test-in-src',
      severity: 'error',
      comment:
        'Production code never imports test/ (the Odoo double, helpers): it would ship test code, and a double that ' +
        'production uses stops being a stand-in.',
      from: { path: '^src/', pathNot: TEST_FILES },
      to: { path: '^test/' },
    },
    {
      name: 'no-dev-dependency-in-src',
      severity: 'error',
      comment:
        'The image runs `npm prune --omit=dev`: a devDependency imported by src/ is missing in production. Type-only ' +
        'imports are erased by tsc, so they may use one (json-schema-to-ts).',
      from: { path: '^src/', pathNot: TEST_FILES },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: ['node_modules/@types/'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing fails at run time (or names a package missing from package.json).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-package',
      severity: 'error',
      comment: 'A package used but not in package.json comes in by accident through another one, in whatever version.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },

    // --- layers
    {
      name: 'providers-not-to-odoo',
      severity: 'error',
      comment:
        'A provider adapter (verify, parse, send, media) turns provider traffic into domain messages; what reaches Odoo ' +
        'goes through the spool and the writer. A provider that calls Odoo couples every provider to the Odoo schema.',
      from: { path: '^src/providers/', pathNot: TEST_FILES },
      to: { path: '^src/odoo/' },
    },
    {
      name: 'routes-not-to-odoo-client',
      severity: 'error',
      comment:
        'Routes only translate HTTP: they reach Odoo through a service and its repository, never through the XML-RPC ' +
        'libraries or the client, so Odoo model and field names stay in odoo/repositories.',
      from: { path: '^src/routes/', pathNot: TEST_FILES },
      to: { path: ['^src/odoo/xmlrpc-client', '(^|/)node_modules/(xmlrpc|odoo-await)/'] },
    },
    {
      name: 'routes-not-to-repositories',
      severity: 'error',
      comment: 'REST route → service → repository: a route calling a repository skips the service where the rules live.',
      from: { path: '^src/routes/', pathNot: TEST_FILES },
      to: { path: '^src/odoo/repositories/' },
    },
    {
      name: 'routes-not-to-odoo',
      severity: 'error',
      comment:
        'Routes only translate HTTP and call services; the Odoo client interface, wire values and dates are the ' +
        "services' and repositories' business. Only odoo/errors.ts is shared (an Odoo outage is a 503).",
      from: { path: '^src/routes/', pathNot: TEST_FILES },
      to: { path: '^src/odoo/', pathNot: ['^src/odoo/xmlrpc-client', '^src/odoo/repositories/', '^src/odoo/errors[.]ts$'] },
    },
    {
      name: 'xmlrpc-only-in-odoo',
      severity: 'error',
      comment: 'The XML-RPC packages belong to odoo/ alone (see routes-not-to-odoo-client).',
      from: { path: '^src/', pathNot: ['^src/odoo/', TEST_FILES] },
      to: { dependencyTypes: ['npm'], path: '(^|/)node_modules/(xmlrpc|odoo-await)/' },
    },
    {
      name: 'odoo-not-to-fastify',
      severity: 'error',
      comment:
        'The Odoo layer is used by background threads that run no HTTP server; it speaks domain types and its own ' +
        'errors, and the HTTP layer decides what status an Odoo failure becomes.',
      from: { path: '^src/odoo/', pathNot: TEST_FILES },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+|fastify-plugin)/' },
    },
    {
      name: 'delivery-not-to-plugins',
      severity: 'error',
      comment:
        'The delivery thread runs no Fastify app: loading a Fastify plugin module there drags the HTTP layer into the ' +
        'thread. Metrics types it needs live outside plugins/.',
      from: { path: '^src/delivery/', pathNot: TEST_FILES },
      to: { path: '^src/plugins/' },
    },
    {
      name: 'services-not-to-plugins',
      severity: 'error',
      comment:
        'Services and background workers run without a Fastify app (the outbox worker, tests, the CLI); Fastify ' +
        'plugins are HTTP plumbing. What both need (metrics types) lives outside plugins/.',
      from: { path: '^src/services/', pathNot: TEST_FILES },
      to: { path: '^src/plugins/' },
    },
    {
      name: 'pure-not-to-app-layers',
      severity: 'error',
      comment:
        'domain/ and lib/ are the pure bottom layers every other folder may use; importing an app layer from them makes ' +
        'a loop in waiting and lets HTTP or Odoo concerns leak into pure code.',
      from: { path: '^src/(domain|lib)/', pathNot: TEST_FILES },
      to: { path: APP_LAYERS },
    },
    {
      name: 'pure-not-to-fastify',
      severity: 'error',
      comment: 'Pure helpers throw their own errors; which HTTP status one becomes is for routes and plugins to decide.',
      from: { path: '^src/(domain|lib)/', pathNot: TEST_FILES },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+|fastify-plugin)/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds the model\'s types and selections; it may use lib/ and nothing else of src/.',
      from: { path: '^src/domain/', pathNot: TEST_FILES },
      to: { path: '^src/', pathNot: '^src/(domain|lib)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Tests beside the code are not part of the layering (see TEST_FILES); they are cruised for nothing.
    exclude: { path: TEST_FILES },
    // Type-only imports count: an `import type` from odoo/ in a provider couples it just the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      archi: { collapsePattern: '^src/[^/]+|node_modules/(?:@[^/]+/[^/]+|[^/]+)' },
    },
  },
};
