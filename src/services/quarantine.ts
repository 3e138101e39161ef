/**
 * Replaying quarantined webhook bodies (`npm run spool -- quarantine replay`): each is parsed again
 * with the code now running — after an upgrade that understands it — and what now parses goes into
 * the queue like any accepted webhook (the writer skips what Odoo already has). A body understood
 * whole leaves the quarantine; one still (partly) not understood stays, with the new reason.
 */
import type { CountryCode } from '../lib/phone.js';
import type { FieldError } from '../providers/common/parse.js';
import { providerAdapter } from '../providers/registry.js';
import type { QuarantineAdmin, QuarantinedBody } from '../spool/types.js';

/** `/entry/0/changes/0/value/messages/0/from names no sender…; /…` — one line for logs and the CLI. */
export function describeNotUnderstood(errors: FieldError[]): string {
  return errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ');
}

/** What the adapter is given for a stored body: read again as its webhook route read it (Twilio's stored form parameters, else the JSON). */
export function parserInput(body: Pick<QuarantinedBody, 'provider' | 'body' | 'input'>): unknown {
  return providerAdapter(body.provider).readKept({ body: body.body, input: body.input });
}

export interface ReplayOutcome {
  id: number;
  provider: QuarantinedBody['provider'];
  /** Events the body gives now (device events excluded). */
  events: number;
  /** Of those, how many were new to the queue. */
  added: number;
  /** Understood whole: it left the quarantine. */
  released: boolean;
  /** What is still not understood, when not released. */
  reason: string | null;
}

/** Replays the given quarantined bodies (all when `ids` is omitted); unknown ids are skipped. */
export function replayQuarantined(spool: QuarantineAdmin, defaultCountry: CountryCode, ids?: number[]): ReplayOutcome[] {
  const outcomes: ReplayOutcome[] = [];
  for (const id of ids ?? spool.quarantinedIds()) {
    const stored = spool.showQuarantined(id);
    if (!stored) continue;
    let reason: string | null;
    let events: Parameters<QuarantineAdmin['settleQuarantined']>[1] = [];
    try {
      const result = providerAdapter(stored.provider).parse(parserInput(stored), { defaultCountry, receivedAt: new Date(stored.receivedAt) });
      if (result.ok) {
        events = result.events.filter((e) => e.kind !== 'device');
        reason = result.notUnderstood?.length ? describeNotUnderstood(result.notUnderstood) : null;
      } else {
        reason = describeNotUnderstood(result.errors);
      }
    } catch (error) {
      reason = `could not be read again: ${error instanceof Error ? error.message : String(error)}`;
    }
    const added = spool.settleQuarantined(id, events, reason === null ? { release: true } : { release: false, reason });
    outcomes.push({ id, provider: stored.provider, events: events.length, added, released: reason === null, reason });
  }
  return outcomes;
}
