/**
 * The provider adapters by name, and how each provider's body is read before its adapter sees it —
 * shared by the webhook routes and the quarantine replay (src/services/quarantine.ts), so a replay
 * reads a stored body exactly as the route read it.
 */
import type { Provider } from '../domain/message.js';
import { BadRequestError } from '../errors.js';
import type { ProviderParser } from './common/parse.js';
import { parseFonnte } from './fonnte/parse.js';
import { parseMeta } from './meta/parse.js';
import { parseTwilio } from './twilio/parse.js';

export const PARSERS: Record<Provider, ProviderParser> = { fonnte: parseFonnte, meta: parseMeta, twilio: parseTwilio };

/**
 * Fonnte sends its ids as JSON numbers; JSON.parse rounds those above 2^53, which could merge two
 * messages. Integers of 16+ digits in its id fields are read as strings instead (the parser takes
 * string ids as they are).
 */
const FONNTE_LONG_IDS = /("(?:inboxid|id|stateid)"\s*:\s*)(-?\d{16,})(?=\s*[,}])/g;

/**
 * A JSON body (Fonnte, Meta) as its adapter takes it. Throws 400 `invalid_json` when the bytes are
 * not JSON at all — the one refusal left once a body is authenticated, and only before any event
 * was taken from it.
 */
export function readJsonBody(raw: Buffer | string | undefined, provider: Provider): unknown {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : (raw ?? '');
  if (text.length === 0) throw new BadRequestError('The request body is empty; a JSON object is expected', [], 'invalid_json');
  try {
    return JSON.parse(provider === 'fonnte' ? text.replace(FONNTE_LONG_IDS, '$1"$2"') : text);
  } catch (error) {
    throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`, [], 'invalid_json');
  }
}
