/**
 * Twilio behind the provider adapter: form-encoded POSTs signed over the URL Twilio called and every
 * field (behind a proxy only PUBLIC_URL knows that URL), sending through the Messages API with this
 * webhook as status callback, media from its hosts with the account's Basic auth.
 */
import { parseHostList } from '../../lib/media-fetch.js';
import { mediaTypeOfUrl } from '../common/media-types.js';
import { single } from '../common/parse.js';
import type { ProviderAdapter } from '../types.js';
import { formToTwilioParams, parseFormFields } from './form.js';
import { parseTwilio, type TwilioParams } from './parse.js';
import { SECURITY_SCHEMES, twilioWebhookSchema } from './schema.js';
import { createTwilioSender } from './send.js';
import { looksLikeTwilioSignature, TWILIO_SIGNATURE_HEADER, verifyTwilioSignature } from './verify.js';

const PATH = '/api/wa/webhook/twilio';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** PUBLIC_URL without its trailing slashes ('' when unset). */
const publicBase = (publicUrl: string): string => publicUrl.replace(/\/+$/, '');

export const twilioAdapter: ProviderAdapter = {
  id: 'twilio',
  name: 'Twilio',
  webhooks: [
    {
      method: 'POST',
      paths: [PATH],
      schema: () => twilioWebhookSchema,
      missingSetting: (settings) => (settings.TWILIO_AUTH_TOKEN ? undefined : 'TWILIO_AUTH_TOKEN'),
      verify(request, settings) {
        const header = single(request.headers[TWILIO_SIGNATURE_HEADER]);
        // Without anything shaped like a signature, refuse before reading one field of the body.
        if (!looksLikeTwilioSignature(header)) return { ok: false, reason: header === undefined ? 'Missing X-Twilio-Signature' : 'Wrong X-Twilio-Signature' };
        // One linear pass, capped (413 too_many_fields): the signature covers every field, so they are read first.
        const fields = parseFormFields(request.body);
        // Twilio signs the URL it called; behind a proxy only PUBLIC_URL knows it.
        const base = publicBase(settings.PUBLIC_URL) || request.origin;
        if (!verifyTwilioSignature(`${base}${request.url}`, fields, header, settings.TWILIO_AUTH_TOKEN)) {
          return { ok: false, reason: 'Wrong X-Twilio-Signature' };
        }
        return {
          ok: true,
          read() {
            const params = formToTwilioParams(fields, request.body);
            // Kept as received, and the parameters as read (what a replay parses again).
            return { body: params, kept: () => ({ body: request.body.toString('utf8'), input: JSON.stringify(params) }) };
          },
        };
      },
      acknowledge: () => ({ contentType: 'text/xml', payload: EMPTY_TWIML }),
    },
  ],
  securitySchemes: SECURITY_SCHEMES,
  configurationWarnings: (settings) =>
    settings.TWILIO_AUTH_TOKEN && !settings.PUBLIC_URL
      ? [
          'TWILIO_AUTH_TOKEN is set but PUBLIC_URL is not: Twilio signs the URL it called, which the gateway then rebuilds from the request; ' +
            'behind a TLS proxy (https outside, http inside) every Twilio webhook fails with 401. Set PUBLIC_URL to the URL Twilio calls.',
        ]
      : [],
  parse: parseTwilio,
  // A form body is kept with the parameters as read; a replay parses those again.
  readKept(kept) {
    if (kept.input !== null) return JSON.parse(kept.input) as TwilioParams;
    const raw = Buffer.from(kept.body, 'utf8');
    return formToTwilioParams(parseFormFields(raw), raw);
  },
  sending: {
    requiredSettings: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
    createSender: (settings, deps) => {
      const base = publicBase(settings.PUBLIC_URL);
      return createTwilioSender({
        baseUrl: settings.TWILIO_BASE_URL,
        accountSid: settings.TWILIO_ACCOUNT_SID,
        authToken: settings.TWILIO_AUTH_TOKEN,
        from: settings.TWILIO_FROM,
        // Delivery statuses come back to this adapter's own webhook.
        ...(base ? { statusCallbackUrl: `${base}${PATH}` } : {}),
        ...deps,
      });
    },
  },
  mediaAccess: (settings) => ({
    hosts: parseHostList(settings.MEDIA_HOSTS_TWILIO),
    hostsSetting: 'MEDIA_HOSTS_TWILIO',
    // Twilio media URLs answer 401 without the account's Basic auth (when the account enforces it).
    ...(settings.TWILIO_ACCOUNT_SID && settings.TWILIO_AUTH_TOKEN
      ? { credentials: { authorization: `Basic ${Buffer.from(`${settings.TWILIO_ACCOUNT_SID}:${settings.TWILIO_AUTH_TOKEN}`).toString('base64')}` } }
      : {}),
  }),
  outgoingMediaType: mediaTypeOfUrl,
};
