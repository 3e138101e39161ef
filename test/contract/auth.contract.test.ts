/**
 * Contract: the common service — version, login with right and wrong credentials, unknown database.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { odooError, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

describe('version', () => {
  test('answers without logging in, as Odoo 13', async () => {
    const version = await env.client({ login: 'nobody', password: 'wrong' }).version();
    expect(version.server_serie).toBe('13.0');
    expect(version.server_version_info[0]).toBe(13);
    expect(version.protocol_version).toBe(1);
  });
});

describe('authenticate', () => {
  test('the right password gives the user id, and each user has their own', async () => {
    const adminUid = await env.admin.authenticate();
    const gatewayUid = await env.gateway.authenticate();
    expect(Number.isInteger(adminUid) && adminUid > 0).toBe(true);
    expect(Number.isInteger(gatewayUid) && gatewayUid > 0).toBe(true);
    expect(gatewayUid).not.toBe(adminUid);
  });

  test('a wrong password is an authentication error that retrying cannot fix', async () => {
    const client = env.client({ login: env.credentials.gateway.login, password: 'not-the-password' });
    const error = await odooError(() => client.authenticate());
    expect(error.kind).toBe('authentication');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('not-the-password');
  });

  test('an unknown login is refused the same way', async () => {
    const error = await odooError(() => env.client({ login: `${env.tag}-nobody`, password: 'x' }).authenticate());
    expect(error.kind).toBe('authentication');
  });

  test('a data call with a wrong password fails as authentication, not as a crash', async () => {
    const client = env.client({ login: env.credentials.admin.login, password: 'not-the-password' });
    const error = await odooError(() => client.searchCount('res.partner', []));
    expect(error.kind).toBe('authentication');
  });

  test('an unknown database is a configuration error naming the database', async () => {
    const client = env.client(env.credentials.admin, { db: `${env.db}_${env.tag.replace(/-/g, '_')}` });
    const error = await odooError(() => client.authenticate());
    expect(error.kind).toBe('internal');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/database ".*" does not exist/);
  });

  test('a user without any group can still log in (rights are checked per call)', async () => {
    expect(await env.noRights.authenticate()).toBeGreaterThan(0);
  });
});
