/**
 * Writes .env.example from config/schema.ts, so the documented settings can never drift from the
 * validated ones: `npx tsx config/env-example.ts > .env.example` (a test checks they match).
 */
import { SETTINGS, type SettingSpec } from './schema.js';

export function renderEnvExample(): string {
  const lines = [
    '# whatsapp-headless configuration. Copy to .env (or set these in the environment; the environment wins).',
    '# Generated from config/schema.ts — regenerate with: npx tsx config/env-example.ts > .env.example',
    '',
  ];
  for (const [name, raw] of Object.entries(SETTINGS)) {
    const spec: SettingSpec = raw;
    lines.push(`# ${spec.description}${spec.required ? ' (required)' : ''}`);
    const value = spec.required ? '' : String(spec.default ?? '');
    lines.push(`${spec.required ? '' : '# '}${name}=${value}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function renderMarkdownTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, raw]) => {
    const spec: SettingSpec = raw;
    const def = spec.required ? '**required**' : spec.default === '' ? '(empty)' : `\`${String(spec.default)}\``;
    return `| \`${name}\` | ${def} | ${spec.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| Setting | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(process.argv[2] === '--markdown' ? `${renderMarkdownTable()}\n` : renderEnvExample());
}
