/**
 * Contract: the outbox lease (whatsapp.gateway.lease). The Gateway user takes, renews and releases a
 * named lease through two methods and nothing else; one holder at a time; other users may not call
 * them; the arguments are checked. (Expiry needs time to pass: the addon's own tests cover it.)
 */
import { afterAll, describe, expect, test } from 'vitest';
import { odooError, setupContractEnv } from './harness.js';

const LEASE = 'whatsapp.gateway.lease';

const env = await setupContractEnv(import.meta.url);
afterAll(async () => {
  // Administrators (Settings) may delete lease rows; the Gateway user may not.
  const ids = await env.admin.search(LEASE, [['name', '=like', `${env.tag}%`]]);
  if (ids.length > 0) await env.admin.call(LEASE, 'unlink', [ids]);
  await env.close();
});

/** A lease name of this run only (the live database may hold the real gateway's `outbox`). */
const leaseName = (suffix: string) => `${env.tag}-${suffix}`.toLowerCase().slice(0, 64);

interface Acquired {
  acquired: boolean;
  holder: string | false;
  expires_in: number;
}

const acquire = (name: string, holder: string, ttl = 60) => env.gateway.call<Acquired>(LEASE, 'acquire', [name, holder, ttl]);

describe('whatsapp.gateway.lease', () => {
  test('one holder at a time; the holder renews; release frees it at once', async () => {
    const name = leaseName('a');
    const first = await acquire(name, 'gateway-a');
    expect(first).toMatchObject({ acquired: true, holder: 'gateway-a' });
    expect(first?.expires_in).toBeGreaterThan(55);
    expect(first?.expires_in).toBeLessThanOrEqual(60);
    expect(await acquire(name, 'gateway-b')).toMatchObject({ acquired: false, holder: 'gateway-a' });
    expect(await acquire(name, 'gateway-a', 30)).toMatchObject({ acquired: true, holder: 'gateway-a' });
    expect(await env.gateway.call(LEASE, 'release', [name, 'gateway-b'])).toBe(false);
    expect(await env.gateway.call(LEASE, 'release', [name, 'gateway-a'])).toBe(true);
    expect(await env.gateway.call(LEASE, 'release', [name, 'gateway-a'])).toBe(false);
    expect(await acquire(name, 'gateway-b')).toMatchObject({ acquired: true, holder: 'gateway-b' });
  });

  test('concurrent acquires of a free lease: exactly one wins', async () => {
    const name = leaseName('race');
    const holders = ['g1', 'g2', 'g3', 'g4'];
    const answers = await Promise.all(holders.map((h) => acquire(name, h)));
    const winners = answers.filter((a) => a?.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.holder;
    for (const answer of answers) if (!answer?.acquired) expect(answer?.holder).toBe(winner);
  });

  test('the Gateway user can only call the methods: no read, create or write of lease rows', async () => {
    await acquire(leaseName('rows'), 'gateway-a');
    for (const attempt of [
      () => env.gateway.searchRead(LEASE, [], { fields: ['holder'] }),
      () => env.gateway.create(LEASE, { name: leaseName('forged'), holder: 'gateway-b' }),
    ]) {
      const error = await odooError(attempt);
      expect(error.kind).toBe('access');
    }
  });

  test('an administrator may take one too (a gateway run as admin in development still sends)', async () => {
    const name = leaseName('admin');
    expect(await env.admin.call<Acquired>(LEASE, 'acquire', [name, 'admin-run', 60])).toMatchObject({ acquired: true, holder: 'admin-run' });
    expect(await env.admin.call(LEASE, 'release', [name, 'admin-run'])).toBe(true);
  });

  test('a user outside the Gateway group may not take or release a lease', async () => {
    const error = await odooError(() => env.noRights.call(LEASE, 'acquire', [leaseName('other'), 'intruder', 60]));
    expect(error.kind).toBe('access');
    expect(error.message).toContain("Only the WhatsApp gateway's integration user");
    const release = await odooError(() => env.noRights.call(LEASE, 'release', [leaseName('other'), 'intruder']));
    expect(release.kind).toBe('access');
  });

  test.each([
    ['a name with capitals and spaces', ['Not A Name', 'gateway-a', 60]],
    ['an empty holder', [leaseName('v'), '', 60]],
    ['a holder over 128 characters', [leaseName('v'), 'x'.repeat(129), 60]],
    ['a TTL under 5 s', [leaseName('v'), 'gateway-a', 1]],
    ['a TTL over an hour', [leaseName('v'), 'gateway-a', 3601]],
    ['a TTL that is not a number', [leaseName('v'), 'gateway-a', '60']],
  ])('refuses %s', async (_what, args) => {
    const error = await odooError(() => env.gateway.call(LEASE, 'acquire', args));
    expect(error.kind).toBe('validation');
  });
});
