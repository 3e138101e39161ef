/**
 * The layering rules (.dependency-cruiser.cjs, run in CI by `npm run lint:deps`) bite: run on the
 * miniature tree in test/fixtures/layering, every deliberately wrong import is reported under the rule
 * that forbids it, and nothing else is — so the correct imports beside them pass.
 */
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('fixtures/layering', import.meta.url));

interface Finding {
  rule: string;
  from: string;
  to: string;
}

async function violationsIn(tree: string): Promise<Finding[]> {
  const options = await extractDepcruiseOptions(`${ROOT}/.dependency-cruiser.cjs`);
  const { output } = await cruise(
    ['src'],
    { ...options, baseDir: tree, validate: true, outputType: 'json' },
    {},
    { tsConfig: extractTSConfig(`${ROOT}/tsconfig.json`) },
  );
  const result: ICruiseResult = typeof output === 'string' ? JSON.parse(output) : output;
  return (result.summary.violations ?? []).map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

let findings: Finding[];
beforeAll(async () => {
  findings = await violationsIn(FIXTURE);
}, 60_000);

describe('each deliberately wrong import is reported under the rule that forbids it', () => {
  test.each([
    ['providers-not-to-odoo', 'src/providers/bad-provider/parse.ts', 'src/odoo/xmlrpc-client.ts'],
    ['routes-not-to-odoo-client', 'src/routes/bad-route-client.ts', 'src/odoo/xmlrpc-client.ts'],
    ['routes-not-to-odoo-client', 'src/routes/bad-route-xmlrpc.ts', 'xmlrpc'],
    ['xmlrpc-only-in-odoo', 'src/routes/bad-route-xmlrpc.ts', 'xmlrpc'],
    ['routes-not-to-odoo', 'src/routes/bad-route-odoo-types.ts', 'src/odoo/types.ts'],
    ['routes-not-to-repositories', 'src/routes/bad-route-repository.ts', 'src/odoo/repositories/history-repository.ts'],
    ['odoo-not-to-fastify', 'src/odoo/bad-odoo-fastify.ts', 'fastify'],
    ['delivery-not-to-plugins', 'src/delivery/bad-delivery-plugin.ts', 'src/plugins/metrics.ts'],
    ['pure-not-to-app-layers', 'src/lib/bad-lib.ts', 'src/services/history-service.ts'],
    ['pure-not-to-app-layers', 'src/domain/bad-domain.ts', 'src/odoo/xmlrpc-client.ts'],
    ['domain-is-pure', 'src/domain/bad-domain.ts', 'src/odoo/xmlrpc-client.ts'],
    ['no-test-in-src', 'src/bad-test-import.ts', 'test/double.ts'],
    ['no-dev-dependency-in-src', 'src/services/bad-dev-dependency.ts', 'vitest'],
    ['no-circular', 'src/lib/cycle-a.ts', 'src/lib/cycle-b.ts'],
    ['no-folder-cycle', 'src/spool', 'src/odoo'],
    ['no-orphans', 'src/orphan.ts', 'src/orphan.ts'],
    ['no-unreachable-from-entry', 'src/orphan.ts', 'src/orphan.ts'],
    ['no-unreachable-from-entry', 'src/services/bad-unreachable.ts', 'src/services/bad-unreachable.ts'],
  ])('%s: %s → %s', (rule, from, to) => {
    expect(findings).toContainEqual({ rule, from, to: expect.stringContaining(to) });
  });
});

test('nothing else is reported: the correct imports beside the wrong ones pass', () => {
  const wrong = (f: Finding) => /\/bad-[^/]*$|\/bad-provider\/|\/cycle-[ab]\.ts$|^src\/orphan\.ts$|^src\/(spool|odoo)$/.test(f.from);
  expect(findings.filter((f) => !wrong(f))).toEqual([]);
  // The correct counterparts, by name: a provider using domain/ and lib/, a route using a service,
  // a repository using the Odoo client, delivery using a repository, a type-only devDependency.
  const correct = [
    'src/providers/good-provider/parse.ts',
    'src/routes/good-route.ts',
    'src/odoo/repositories/history-repository.ts',
    'src/delivery/good-writer.ts',
    'src/services/history-service.ts',
  ];
  expect(findings.filter((f) => correct.includes(f.from))).toEqual([]);
  expect(findings).not.toContainEqual(expect.objectContaining({ from: 'src/services/bad-dev-dependency.ts', to: expect.stringContaining('json-schema-to-ts') }));
});
