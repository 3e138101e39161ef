/**
 * The everyday suite (`npm test`): unit tests under src/ and every test under test/, including the
 * contract suite (test/contract), which runs here against the in-process Odoo 13 double.
 * `npm run test:live` runs the same contract files against a real Odoo (vitest.live.config.ts).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
