/**
 * An OdooClient that counts the calls it forwards, by method and model ("create whatsapp.history"),
 * so a benchmark can say how many RPCs a design needs per message.
 */
import type { OdooClient } from '../../src/odoo/types.js';

export interface CountingOdoo extends OdooClient {
  readonly calls: Map<string, number>;
  reset(): void;
}

export function countingOdoo(inner: OdooClient): CountingOdoo {
  const calls = new Map<string, number>();
  const count = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);
  return {
    calls,
    reset: () => calls.clear(),
    version: () => (count('version'), inner.version()),
    authenticate: () => (count('authenticate'), inner.authenticate()),
    create: (model, values, context) => (count(`create ${model}`), inner.create(model, values, context)),
    createMany: (model, values, context) => (count(`create (list) ${model}`), inner.createMany(model, values, context)),
    search: (model, domain, options) => (count(`search ${model}`), inner.search(model, domain, options)),
    searchRead: (model, domain, options) => (count(`search_read ${model}`), inner.searchRead(model, domain, options)),
    searchCount: (model, domain, context) => (count(`search_count ${model}`), inner.searchCount(model, domain, context)),
    readGroup: (model, domain, fields, groupby, options) => (count(`read_group ${model}`), inner.readGroup(model, domain, fields, groupby, options)),
    write: (model, ids, values, context) => (count(`write ${model}`), inner.write(model, ids, values, context)),
  };
}

export function describeCalls(calls: Map<string, number>): string {
  return [...calls.entries()].map(([key, n]) => `${n} × ${key}`).join(', ') || 'none';
}

export const totalCalls = (calls: Map<string, number>): number => [...calls.values()].reduce((a, b) => a + b, 0);
