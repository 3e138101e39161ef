/**
 * Fonnte behind the provider adapter: one webhook URL (two paths) authenticated by a shared secret,
 * JSON bodies with long numeric ids, sending through its /send API, media from its hosts.
 */
import { parseHostList } from '../../lib/media-fetch.js';
import { mediaTypeOfUrl } from '../common/media-types.js';
import { readJsonBody, receiveJsonBody, single } from '../common/parse.js';
import { verifySharedSecret } from '../common/verify.js';
import type { ProviderAdapter } from '../types.js';
import { parseFonnte } from './parse.js';
import { fonnteWebhookSchema, SECURITY_SCHEMES } from './schema.js';
import { createFonnteSender } from './send.js';

/**
 * Fonnte sends its ids as JSON numbers; JSON.parse rounds those above 2^53, which could merge two
 * messages. Integers of 16+ digits in its id fields are read as strings instead (the parser takes
 * string ids as they are).
 */
const FONNTE_LONG_IDS = /("(?:inboxid|id|stateid)"\s*:\s*)(-?\d{16,})(?=\s*[,}])/g;

export function quoteLongIds(text: string): string {
  return text.replace(FONNTE_LONG_IDS, '$1"$2"');
}

/** The header a proxy may carry the secret in, instead of `?secret=`. */
const SECRET_HEADER = 'x-webhook-secret';

export const fonnteAdapter: ProviderAdapter = {
  id: 'fonnte',
  name: 'Fonnte',
  webhooks: [
    {
      method: 'POST',
      // The first is the URL registered with Fonnte since the start; the second names the provider like the others.
      paths: ['/api/wa/webhook', '/api/wa/webhook/fonnte'],
      schema: fonnteWebhookSchema,
      missingSetting: (settings) => (settings.WEBHOOK_SECRET ? undefined : 'WEBHOOK_SECRET'),
      verify(request, settings) {
        // Fonnte does not sign: its registered URL carries `?secret=…` (or a proxy adds the header).
        const given = single(request.query.secret) ?? single(request.headers[SECRET_HEADER]);
        if (!verifySharedSecret(given, settings.WEBHOOK_SECRET)) {
          return { ok: false, reason: given === undefined ? 'Missing webhook secret (?secret= or X-Webhook-Secret)' : 'Wrong webhook secret' };
        }
        return { ok: true, read: () => receiveJsonBody(request.body, quoteLongIds) };
      },
      acknowledge: (accepted) => ({ payload: { ok: true, data: accepted } }),
    },
  ],
  securitySchemes: SECURITY_SCHEMES,
  parse: parseFonnte,
  readKept: (kept) => readJsonBody(kept.body, quoteLongIds),
  sending: {
    requiredSettings: ['FONNTE_TOKEN'],
    createSender: (settings, deps) => createFonnteSender({ baseUrl: settings.FONNTE_BASE_URL, token: settings.FONNTE_TOKEN, ...deps }),
  },
  mediaAccess: (settings) => ({ hosts: parseHostList(settings.MEDIA_HOSTS_FONNTE), hostsSetting: 'MEDIA_HOSTS_FONNTE' }),
  outgoingMediaType: mediaTypeOfUrl,
};
