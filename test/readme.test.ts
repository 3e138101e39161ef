import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderMarkdownTable } from '../config/env-example.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test("the README's configuration table is the one config/schema.ts renders (npx tsx config/env-example.ts --markdown)", () => {
  const section = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
  expect(section).toBe(renderMarkdownTable());
});

test('the README names the two set-up commands CI and users rely on', () => {
  expect(readme).toContain('`npm ci && npm start`');
  expect(readme).toContain('`npm ci && npm test`');
});
