/**
 * Odoo call instrumentation, apart from the metric registry: the delivery thread times its calls here
 * and posts the timings to the main thread, which owns the registry (src/metrics/registry.ts).
 */
import { isOdooError } from '../odoo/errors.js';
import type { OdooClient } from '../odoo/types.js';

/** Told about every Odoo call: its method (XML-RPC name), outcome and duration; and each failure's kind. */
export interface OdooCallObserver {
  callEnded(method: string, outcome: 'ok' | 'error', seconds: number): void;
  callFailed(method: string, kind: string): void;
}

/** Wraps any OdooClient so each call is timed and each failure counted by kind. */
export function instrumentOdooClient(client: OdooClient, observer: OdooCallObserver): OdooClient {
  function timed<A extends unknown[], R>(method: string, call: (...args: A) => Promise<R>) {
    return async (...args: A): Promise<R> => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await call(...args);
        observer.callEnded(method, 'ok', seconds());
        return result;
      } catch (error) {
        observer.callEnded(method, 'error', seconds());
        observer.callFailed(method, isOdooError(error) ? error.kind : 'other');
        throw error;
      }
    };
  }
  return {
    version: timed('version', () => client.version()),
    authenticate: timed('authenticate', () => client.authenticate()),
    create: timed('create', (model, values, context) => client.create(model, values, context)),
    createMany: timed('create_many', (model, values, context) => client.createMany(model, values, context)),
    search: timed('search', (model, domain, options) => client.search(model, domain, options)),
    searchRead: timed('search_read', (model, domain, options) => client.searchRead(model, domain, options)) as OdooClient['searchRead'],
    searchCount: timed('search_count', (model, domain, context) => client.searchCount(model, domain, context)),
    readGroup: timed('read_group', (model, domain, fields, groupby, options) => client.readGroup(model, domain, fields, groupby, options)),
    write: timed('write', (model, ids, values, context) => client.write(model, ids, values, context)),
    call<T = unknown>(model: string, method: string, args?: unknown[], kwargs?: Record<string, unknown>) {
      return timed(method, () => client.call<T>(model, method, args, kwargs))();
    },
  };
}
