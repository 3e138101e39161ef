/**
 * The Odoo 13 test double: `const odoo = await startOdooDouble()` → point the client at
 * `odoo.url` / `odoo.db` (admin/admin, or `odoo.addGatewayUser()`), `await odoo.close()` after.
 */
export { startOdooDouble, DOUBLE_VERSION, type OdooDouble, type OdooDoubleOptions, type Injection, type RpcLogEntry, type TestUser } from './server.js';
export { OdooDatabase, type DoubleUser, type NewUser } from './database.js';
export { GATEWAY_GROUP, GROUPS, MODELS, type ModelDef, type FieldDef, type Row } from './models.js';
