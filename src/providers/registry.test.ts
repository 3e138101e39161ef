import { describe, expect, test } from 'vitest';
import { PROVIDERS } from '../domain/message.js';
import { PROVIDER_ADAPTERS, WEBHOOK_SECURITY_SCHEMES } from './registry.js';

describe('the provider registry', () => {
  test('every provider the model knows has exactly one adapter', () => {
    expect(PROVIDER_ADAPTERS.map((adapter) => adapter.id).sort()).toEqual([...PROVIDERS].sort());
  });

  test('no two webhook endpoints answer the same method and path', () => {
    const routes = PROVIDER_ADAPTERS.flatMap((adapter) => adapter.webhooks.flatMap((endpoint) => endpoint.paths.map((path) => `${endpoint.method} ${path}`)));
    expect(new Set(routes).size).toBe(routes.length);
  });

  test('each webhook documents a security scheme of its own provider, and the document lists them all', () => {
    for (const adapter of PROVIDER_ADAPTERS) {
      for (const endpoint of adapter.webhooks.filter((e) => e.method === 'POST')) {
        for (const path of endpoint.paths) {
          const names = (endpoint.schema(path).security ?? []).flatMap((requirement) => Object.keys(requirement));
          expect(names.length, `${adapter.id} ${path}`).toBeGreaterThan(0);
          for (const name of names) expect(Object.keys(adapter.securitySchemes), `${adapter.id} ${path}`).toContain(name);
        }
      }
      for (const name of Object.keys(adapter.securitySchemes)) expect(WEBHOOK_SECURITY_SCHEMES).toHaveProperty(name);
    }
  });
});
