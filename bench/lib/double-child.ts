/**
 * The in-process Odoo 13 double (test/odoo-double), run in a process of its own so that its work
 * (XML parsing, in-memory searches) does not run on the gateway's event loop — a real Odoo does not
 * either. Requests: `count` (records whose provider_message_id starts with a prefix, and how many
 * distinct ids), `harvest` (the ids with a prefix, then empty every model), `reset`, `cpu` (CPU time
 * used so far, ms).
 */
import { startOdooDouble } from '../../test/odoo-double/index.js';
import { serveParent } from './child.js';

const double = await startOdooDouble();

serveParent({ type: 'ready', url: double.url, db: double.db }, async (message) => {
  switch (message.type) {
    case 'count': {
      const prefix = String(message.prefix);
      const ids = double
        .records('whatsapp.history')
        .map((row) => row.provider_message_id)
        .filter((id): id is string => typeof id === 'string' && id.startsWith(prefix));
      return { rows: ids.length, distinct: new Set(ids).size, ids: message.withIds ? ids : undefined };
    }
    case 'harvest': {
      // The ids of a run's records, then an empty double: atomic with respect to RPCs (one thread).
      const prefix = String(message.prefix);
      const ids = double
        .records('whatsapp.history')
        .map((row) => row.provider_message_id)
        .filter((id): id is string => typeof id === 'string' && id.startsWith(prefix));
      const rpcs = double.log.length;
      const creates = double.log.filter((e) => e.modelMethod === 'create').length;
      double.reset(); // also empties the RPC log
      return { ids, rpcs, creates };
    }
    case 'reset':
      // The double keeps rows in memory and scans them on every search and unique check, so it slows
      // down as rows pile up (~1.7 s per 200-record create at 20,000 rows); benchmarks empty it between phases.
      double.reset();
      return true;
    case 'cpu': {
      const cpu = process.cpuUsage();
      return (cpu.user + cpu.system) / 1000;
    }
    default:
      throw new Error(`unknown request ${String(message.type)}`);
  }
});
