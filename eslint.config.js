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
      // Off: in this code base its findings are assertions that steer a generic's inference (Fastify's
      // logger type, undici's handler Proxy, vitest mocks); applying its fixes broke the type-check 4 times.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
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
);
