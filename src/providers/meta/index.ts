/**
 * Meta's WhatsApp Cloud API behind the provider adapter: a GET handshake with the verify token, POSTs
 * signed over their raw bytes with the app secret (batched, so a larger body limit), sending through
 * the Graph API, media by id (looked up in the Graph API with the access token) from its hosts.
 */
import { BadRequestError, ForbiddenError } from '../../errors.js';
import { parseHostList } from '../../lib/media-fetch.js';
import { readJsonBody, receiveJsonBody, single } from '../common/parse.js';
import { verifySharedSecret } from '../common/verify.js';
import type { ProviderAdapter } from '../types.js';
import { metaMediaIdLookup } from './media.js';
import { metaOutgoingMediaType } from './media-types.js';
import { parseMeta } from './parse.js';
import { metaHandshakeSchema, metaWebhookSchema, SECURITY_SCHEMES } from './schema.js';
import { createMetaSender } from './send.js';
import { META_SIGNATURE_HEADER, verifyMetaSignature } from './verify.js';

const PATH = '/api/wa/webhook/meta';

export const metaAdapter: ProviderAdapter = {
  id: 'meta',
  name: 'Meta',
  webhooks: [
    {
      method: 'GET',
      paths: [PATH],
      schema: () => metaHandshakeSchema,
      missingSetting: (settings) => (settings.META_VERIFY_TOKEN ? undefined : 'META_VERIFY_TOKEN'),
      answer(request, settings) {
        const mode = single(request.query['hub.mode']);
        const challenge = single(request.query['hub.challenge']);
        if (mode !== 'subscribe' || challenge === undefined) {
          throw new BadRequestError('Expected hub.mode=subscribe, hub.verify_token and hub.challenge', [], 'invalid_handshake');
        }
        if (!verifySharedSecret(single(request.query['hub.verify_token']), settings.META_VERIFY_TOKEN)) {
          throw new ForbiddenError('Wrong hub.verify_token', 'invalid_verify_token');
        }
        // The challenge is echoed as given: plain text that no browser may sniff into HTML or script.
        return { contentType: 'text/plain; charset=utf-8', headers: { 'x-content-type-options': 'nosniff' }, payload: challenge };
      },
    },
    {
      method: 'POST',
      paths: [PATH],
      schema: () => metaWebhookSchema,
      // Meta batches: bodies of ~3 MB are reported, so this route has its own, larger limit.
      bodyLimit: (settings) => settings.META_BODY_LIMIT_BYTES,
      missingSetting: (settings) => (settings.META_APP_SECRET ? undefined : 'META_APP_SECRET'),
      verify(request, settings) {
        const header = single(request.headers[META_SIGNATURE_HEADER]);
        if (!verifyMetaSignature(request.body, header, settings.META_APP_SECRET)) {
          return { ok: false, reason: header === undefined ? 'Missing X-Hub-Signature-256' : 'Wrong X-Hub-Signature-256' };
        }
        return { ok: true, read: () => receiveJsonBody(request.body) };
      },
      acknowledge: (accepted) => ({ payload: { ok: true, data: accepted } }),
    },
  ],
  securitySchemes: SECURITY_SCHEMES,
  parse: parseMeta,
  readKept: (kept) => readJsonBody(kept.body),
  sending: {
    requiredSettings: ['META_ACCESS_TOKEN', 'META_PHONE_NUMBER_ID'],
    createSender: (settings, deps) =>
      createMetaSender({ graphUrl: settings.META_GRAPH_URL, phoneNumberId: settings.META_PHONE_NUMBER_ID, accessToken: settings.META_ACCESS_TOKEN, ...deps }),
  },
  mediaAccess: (settings) => ({
    hosts: parseHostList(settings.MEDIA_HOSTS_META),
    hostsSetting: 'MEDIA_HOSTS_META',
    idLookup: metaMediaIdLookup(settings.META_GRAPH_URL, settings.META_ACCESS_TOKEN),
  }),
  outgoingMediaType: metaOutgoingMediaType,
};
