/**
 * The outbox lease in Odoo (addon model `whatsapp.gateway.lease`, methods acquire/release): the only
 * code that knows its model and method names. See src/services/outbox/lease.ts for what it is for.
 */
import { isOdooError } from '../errors.js';
import type { OdooClient } from '../types.js';

export const LEASE_MODEL = 'whatsapp.gateway.lease';

/** Odoo's answer to an acquire or renew. */
export interface LeaseAnswer {
  acquired: boolean;
  /** Who holds the lease now (this caller or another), or null. */
  holder: string | null;
  /** How long the lease is still held, by Odoo's clock (0 when not acquired). */
  expiresInMs: number;
}

export interface LeaseRepository {
  /** Takes or renews the named lease for `holder` for `ttlSeconds` (one atomic call). */
  acquire(name: string, holder: string, ttlSeconds: number): Promise<LeaseAnswer>;
  /** Gives the lease back; false when `holder` did not hold it. */
  release(name: string, holder: string): Promise<boolean>;
}

/** The Odoo addon predates the lease (whatsapp_headless not upgraded): the message says so. */
export class LeaseModelMissingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeaseModelMissingError';
  }
}

/** whatsapp.gateway.lease.acquire's answer. */
interface AcquireAnswer {
  acquired: boolean;
  holder: string | false;
  expires_in: number;
}

const describe = (error: unknown) =>
  isOdooError(error) ? `${error.kind}: ${error.message}` : error instanceof Error ? error.message : String(error);

export function createLeaseRepository(odoo: Pick<OdooClient, 'call'>): LeaseRepository {
  /** Calls a lease method; an Odoo that has no such model or method is named as such. */
  async function callLease<T>(method: string, args: unknown[]): Promise<T | null> {
    try {
      return await odoo.call<T>(LEASE_MODEL, method, args);
    } catch (error) {
      const message = describe(error);
      if (/has no attribute|doesn't exist|does not exist/i.test(message)) {
        throw new LeaseModelMissingError(`the Odoo addon has no ${LEASE_MODEL} (upgrade whatsapp_headless): ${message}`, { cause: error });
      }
      throw error;
    }
  }

  return {
    async acquire(name, holder, ttlSeconds) {
      const answer = await callLease<AcquireAnswer>('acquire', [name, holder, ttlSeconds]);
      if (!answer || typeof answer !== 'object') throw new Error(`${LEASE_MODEL}.acquire returned nothing`);
      return {
        acquired: Boolean(answer.acquired),
        holder: typeof answer.holder === 'string' ? answer.holder : null,
        expiresInMs: Math.max(0, Number(answer.expires_in) || 0) * 1000,
      };
    },
    async release(name, holder) {
      return (await callLease<boolean>('release', [name, holder])) === true;
    },
  };
}
