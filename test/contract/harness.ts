/**
 * Where the contract suite runs: the in-process double (npm test), or a real Odoo 13 when
 * CONTRACT_TARGET=live (npm run test:live, see vitest.live.config.ts). The tests only ever talk
 * through the gateway's own client (src/odoo/xmlrpc-client.ts), so both runs exercise the same code.
 *
 * Each file gets: an admin client (fixtures, clean-up), a client logged in as a user in
 * WhatsApp / Gateway only (what the gateway runs as) and one as a user with no groups at all.
 * In live mode those users are created through the admin login and deleted afterwards.
 * Records are tagged with `tag` (whatsapp.history.device, res.partner.email) so that searches
 * ignore whatever else the live database holds, and so that clean-up finds them all.
 */
import { randomBytes } from 'node:crypto';
import { isOdooError, type OdooError } from '../../src/odoo/errors.js';
import { createOdooClient, type XmlRpcOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';

export const HISTORY = 'whatsapp.history';
export const CONVERSATION = 'whatsapp.conversation';
export const PARTNER = 'res.partner';
export const ATTACHMENT = 'ir.attachment';
export const GATEWAY_GROUP_XMLID = 'whatsapp_headless.group_whatsapp_gateway';

export interface Credentials {
  login: string;
  password: string;
}

export interface ContractEnv {
  mode: 'double' | 'live';
  url: string;
  db: string;
  /** Unique per file and run: put it in `device` / `email` of everything you create. */
  tag: string;
  admin: XmlRpcOdooClient;
  gateway: XmlRpcOdooClient;
  noRights: XmlRpcOdooClient;
  credentials: { admin: Credentials; gateway: Credentials; noRights: Credentials };
  /** The double, in double mode (for assertions no real Odoo can give, keep those out of contract files). */
  double: OdooDouble | undefined;
  /** A fresh client for these credentials (its own uid cache). */
  client(credentials: Credentials, options?: { timeoutMs?: number; db?: string; url?: string }): XmlRpcOdooClient;
  /** Records to delete (as admin) at the end, e.g. partners and attachments the test created. */
  track(model: string, ids: number | number[]): void;
  /** Deletes every tracked and tagged record (as admin). */
  cleanup(): Promise<void>;
  /** cleanup(), then removes the users (live) or stops the double. */
  close(): Promise<void>;
}

const TIMEOUT_MS = 20_000;

const random = () => randomBytes(4).toString('hex');

export const isLive = () => process.env.CONTRACT_TARGET === 'live';

/** Runs `fn`, expecting an OdooError; returns it (fails the test otherwise). */
export async function odooError(fn: () => Promise<unknown>): Promise<OdooError> {
  try {
    await fn();
  } catch (error) {
    if (isOdooError(error)) return error;
    throw error;
  }
  throw new Error('expected an OdooError, but the call succeeded');
}

export async function setupContractEnv(file: string): Promise<ContractEnv> {
  const name = file.replace(/^.*\//, '').replace(/\.contract\.test\.[jt]s$/, '');
  const tag = `contract-${name}-${random()}`;
  if (isLive()) return setupLive(tag);
  return setupDouble(tag);
}

async function setupDouble(tag: string): Promise<ContractEnv> {
  const double = await startOdooDouble();
  const gatewayUser = double.addGatewayUser(`gateway-${random()}`, `gw-${random()}`);
  const noRightsLogin = `norights-${random()}`;
  const noRightsPassword = `nr-${random()}`;
  double.addUser({ login: noRightsLogin, password: noRightsPassword, groups: [] });
  const credentials = {
    admin: { login: 'admin', password: 'admin' },
    gateway: { login: gatewayUser.login, password: gatewayUser.password },
    noRights: { login: noRightsLogin, password: noRightsPassword },
  };
  return build('double', double.url, double.db, tag, credentials, double, async () => double.close());
}

async function setupLive(tag: string): Promise<ContractEnv> {
  const url = process.env.ODOO_URL as string;
  const db = process.env.ODOO_DB as string;
  const adminCredentials = { login: process.env.ODOO_USERNAME as string, password: process.env.ODOO_PASSWORD as string };
  const admin = createOdooClient({ url, db, username: adminCredentials.login, password: adminCredentials.password, timeoutMs: TIMEOUT_MS });

  const groups = await admin.searchRead<{ res_id: number }>('ir.model.data', [
    ['module', '=', 'whatsapp_headless'],
    ['name', '=', GATEWAY_GROUP_XMLID.split('.')[1]],
    ['model', '=', 'res.groups'],
  ], { fields: ['res_id'] });
  const gatewayGroupId = groups[0]?.res_id;
  if (gatewayGroupId === undefined) {
    throw new Error(`The live Odoo has no ${GATEWAY_GROUP_XMLID}: install the whatsapp_headless addon first (odoo13 addon odoo-addon/whatsapp_headless)`);
  }
  const context = { no_reset_password: true };
  const gateway = { login: `${tag}-gateway`, password: `gw-${random()}-${random()}` };
  const noRights = { login: `${tag}-norights`, password: `nr-${random()}-${random()}` };
  const userIds = [
    await admin.create('res.users', { name: 'Contract Gateway', login: gateway.login, password: gateway.password, groups_id: [[6, 0, [gatewayGroupId]]] }, context),
    await admin.create('res.users', { name: 'Contract No Rights', login: noRights.login, password: noRights.password, groups_id: [[6, 0, []]] }, context),
  ];
  const removeUsers = async () => {
    // Deleting a user leaves its res.partner behind: delete those too.
    const users = await admin.searchRead<{ partner_id: [number, string] | false }>('res.users', [['id', 'in', userIds]], {
      fields: ['partner_id'],
      context: { active_test: false },
    });
    const partnerIds = users.flatMap((u) => (u.partner_id ? [u.partner_id[0]] : []));
    try {
      await admin.call('res.users', 'unlink', [userIds]);
      if (partnerIds.length) await admin.call('res.partner', 'unlink', [partnerIds]);
    } catch {
      // A user referenced somewhere Odoo will not let go of: archive it instead.
      await admin.write('res.users', userIds, { active: false });
    }
  };
  return build('live', url, db, tag, { admin: adminCredentials, gateway, noRights }, undefined, removeUsers);
}

function build(
  mode: 'double' | 'live',
  url: string,
  db: string,
  tag: string,
  credentials: ContractEnv['credentials'],
  double: OdooDouble | undefined,
  teardown: () => Promise<void>,
): ContractEnv {
  const client: ContractEnv['client'] = (c, options = {}) =>
    createOdooClient({
      url: options.url ?? url,
      db: options.db ?? db,
      username: c.login,
      password: c.password,
      timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
    });
  const admin = client(credentials.admin);
  const tracked = new Map<string, Set<number>>();

  async function cleanup(): Promise<void> {
    // Attachments first, then messages, then their conversations, then partners (messages and conversations point at them).
    const attachments = await admin.search(ATTACHMENT, [['name', '=like', `${tag}%`]]);
    const history = await admin.search(HISTORY, [['device', '=like', `${tag}%`]]).catch(() => [] as number[]);
    // The addon makes a conversation per contact and business number (device) whenever messages are stored.
    const conversations = await admin.search(CONVERSATION, [['device', '=like', `${tag}%`]]).catch(() => [] as number[]);
    const partners = await admin.search(PARTNER, [['email', '=like', `${tag}%`]], { context: { active_test: false } });
    const plan: [string, number[]][] = [
      [ATTACHMENT, [...attachments, ...(tracked.get(ATTACHMENT) ?? [])]],
      [HISTORY, [...history, ...(tracked.get(HISTORY) ?? [])]],
      [CONVERSATION, [...conversations, ...(tracked.get(CONVERSATION) ?? [])]],
      [PARTNER, [...partners, ...(tracked.get(PARTNER) ?? [])]],
      ...[...tracked].filter(([model]) => ![ATTACHMENT, HISTORY, CONVERSATION, PARTNER].includes(model)).map(([model, ids]) => [model, [...ids]] as [string, number[]]),
    ];
    for (const [model, ids] of plan) {
      const unique = [...new Set(ids)];
      if (unique.length > 0) await admin.call(model, 'unlink', [unique]);
    }
    tracked.clear();
  }

  return {
    mode,
    url,
    db,
    tag,
    admin,
    gateway: client(credentials.gateway),
    noRights: client(credentials.noRights),
    credentials,
    double,
    client,
    track(model, ids) {
      const set = tracked.get(model) ?? new Set<number>();
      for (const id of Array.isArray(ids) ? ids : [ids]) set.add(id);
      tracked.set(model, set);
    },
    cleanup,
    async close() {
      try {
        await cleanup();
      } finally {
        await teardown();
      }
    },
  };
}

/** A whatsapp.history record with sensible required values; override what the test is about. */
export function historyValues(env: Pick<ContractEnv, 'tag'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    phone: '+6281234567890',
    direction: 'in',
    provider: 'fonnte',
    provider_message_id: `${env.tag}-${random()}`,
    device: env.tag,
    timestamp: '2024-03-01 08:00:00',
    ...overrides,
  };
}

export const newId = random;
