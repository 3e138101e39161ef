/**
 * ESLint for the TypeScript (`npm run lint`, in CI): typescript-eslint's type-aware recommended set,
 * which catches what tsc does not — promises left floating or passed where a callback is expected,
 * `any` leaking through, assertions that assert nothing. Choices that differ from the set say why.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Test code: under test/ and the unit tests and fixtures beside the code. */
const TESTS = ['test/**/*.ts', 'src/**/*.test.ts', 'src/**/*.fixture.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'odoo-addon/', 'docker/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // verbatimModuleSyntax makes a type imported as a value an error already; this keeps the two apart in review too.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: Fastify plugins and route handlers are `async` by contract (Fastify awaits what they return)
      // whether or not they await inside; the rule flagged only those (32 findings, none a bug).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: TESTS,
    rules: {
      // Off in tests: response bodies come as `any` from inject().json() and fetch, and the assertions
      // check their shape anyway; typing every body in ~300 places would catch nothing more.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off in tests: the Odoo double stringifies wire values typed `unknown` as Odoo's Python does, and
      // `expect(object.method)` hands vitest a method to spy on, not to call.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Configuration files in plain JavaScript (this one, .dependency-cruiser.cjs): not in a tsconfig.
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  // ---------------------------------------------------------------------------------------------
  // TEMPORARY (#12): findings in files R1–R3 are rewriting in parallel (odoo/, providers/, services/,
  // spool/, delivery/, plugins/metrics, routes/health, app/gateway, schemas/webhooks, the Odoo double),
  // switched off per file and per rule only, so every other rule still holds there. The integrator
  // fixes them after merging #12 and deletes this block; `npm run lint` must then pass without it.
  // The number after each file: its findings when this block was written.
  {
    files: [
      'src/app.ts', // 1
      'src/gateway.ts', // 1
      'src/plugins/metrics.ts', // 1
      'src/providers/fonnte.test.ts', // 1
      'src/providers/fonnte.ts', // 1
      'src/schemas/webhooks.ts', // 4
      'src/services/media-fetch.ts', // 2
      'src/services/senders/http.ts', // 1
      'src/services/writer.ts', // 1
      'src/spool/committer.ts', // 1
      'test/gateway.test.ts', // 2
      'test/odoo-double/database.ts', // 3
      'test/odoo-double/dates.ts', // 1
      'test/odoo-double/domain.ts', // 4
      'test/odoo-double/order.ts', // 2
      'test/odoo-double/read-group.ts', // 3
      'test/odoo-double/server.ts', // 1
      'test/webhooks/meta.test.ts', // 2
    ],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  {
    files: [
      'src/lib/phone.ts', // 1
    ],
    rules: { 'no-useless-escape': 'off' },
  },
  {
    files: [
      'src/odoo/fault-parser.ts', // 1
      'src/providers/meta.ts', // 1
      'src/services/send-service.ts', // 1
    ],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    files: [
      'src/odoo/wire.ts', // 1
    ],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: [
      'src/odoo/xmlrpc-client.ts', // 1
    ],
    rules: { '@typescript-eslint/prefer-promise-reject-errors': 'off' },
  },
  {
    files: [
      'src/odoo/xmlrpc-client.ts', // 1
      'src/services/writer.ts', // 1
    ],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: [
      'src/providers/fonnte.test.ts', // 1
    ],
    rules: { 'no-loss-of-precision': 'off' },
  },
  {
    files: [
      'src/routes/health.ts', // 1
    ],
    rules: { 'preserve-caught-error': 'off' },
  },
  {
    files: [
      'test/odoo-double/database.ts', // 1
    ],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: [
      'test/odoo-double/domain.ts', // 1
    ],
    rules: { 'prefer-const': 'off' },
  },
  // --- end of TEMPORARY (#12)
);
