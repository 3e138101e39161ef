/**
 * `npm run test:live`: the contract suite (test/contract/*.contract.test.ts) against a real Odoo 13
 * with the whatsapp_headless addon installed. ODOO_USERNAME must be an administrator: the suite
 * creates its own Gateway and no-rights users and deletes them, and cleans up every record it makes.
 * Without the four ODOO_* variables it explains what to set and exits 0 (skipped).
 */
import { defineConfig } from 'vitest/config';

const REQUIRED = ['ODOO_URL', 'ODOO_DB', 'ODOO_USERNAME', 'ODOO_PASSWORD'] as const;
const missing = REQUIRED.filter((name) => !process.env[name]);

if (missing.length > 0) {
  console.log(
    [
      `test:live skipped: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set.`,
      'It runs the contract suite against a real Odoo 13 that has the whatsapp_headless addon installed.',
      'Set an administrator login, e.g.:',
      '  ODOO_URL=http://127.0.0.1:8069 ODOO_DB=odoo13 ODOO_USERNAME=admin ODOO_PASSWORD=admin npm run test:live',
    ].join('\n'),
  );
  process.exit(0);
}

export default defineConfig({
  test: {
    include: ['test/contract/**/*.contract.test.ts'],
    environment: 'node',
    env: { CONTRACT_TARGET: 'live' },
    // One Odoo, shared: files run one after the other so their users and records never interleave.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
