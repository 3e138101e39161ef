/**
 * An OdooClient that counts the calls it forwards, by method and model ("create whatsapp.history"),
 * and adds up their wall time, so a benchmark can say how many RPCs a design needs per message and
 * where the time goes (calls made in parallel overlap, so their times may add up to more than the run).
 */
import type { OdooClient } from '../../src/odoo/types.js';

export interface CallStats {
  n: number;
  ms: number;
}

export interface CountingOdoo extends OdooClient {
  readonly calls: Map<string, CallStats>;
  reset(): void;
}

export function countingOdoo(inner: OdooClient): CountingOdoo {
  const calls = new Map<string, CallStats>();
  async function timed<T>(key: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      const stats = calls.get(key) ?? { n: 0, ms: 0 };
      stats.n++;
      stats.ms += performance.now() - started;
      calls.set(key, stats);
    }
  }
  return {
    calls,
    reset: () => calls.clear(),
    version: () => timed('version', () => inner.version()),
    authenticate: () => timed('authenticate', () => inner.authenticate()),
    create: (model, values, context) => timed(`create ${model}`, () => inner.create(model, values, context)),
    createMany: (model, values, context) => timed(`create (list) ${model}`, () => inner.createMany(model, values, context)),
    search: (model, domain, options) => timed(`search ${model}`, () => inner.search(model, domain, options)),
    searchRead: (model, domain, options) => timed(`search_read ${model}`, () => inner.searchRead(model, domain, options)),
    searchCount: (model, domain, context) => timed(`search_count ${model}`, () => inner.searchCount(model, domain, context)),
    readGroup: (model, domain, fields, groupby, options) => timed(`read_group ${model}`, () => inner.readGroup(model, domain, fields, groupby, options)),
    write: (model, ids, values, context) => timed(`write ${model}`, () => inner.write(model, ids, values, context)),
    call: (model, method, args, kwargs) => timed(`${method} ${model}`, () => inner.call(model, method, args, kwargs)),
  };
}

export function describeCalls(calls: Map<string, CallStats>): string {
  return (
    [...calls.entries()]
      .map(([key, s]) => `${s.n} × ${key} (${(s.ms / 1000).toFixed(2)} s, ${(s.ms / s.n).toFixed(1)} ms each)`)
      .join(', ') || 'none'
  );
}

export const totalCalls = (calls: Map<string, CallStats>): number => [...calls.values()].reduce((a, s) => a + s.n, 0);
