/** The provider adapters by name: each turns a webhook body into normalized InboundEvents. */
import type { Provider } from '../domain/message.js';
import type { ProviderParser } from './common.js';
import { parseFonnte } from './fonnte.js';
import { parseMeta } from './meta.js';
import { parseTwilio } from './twilio.js';

export const PARSERS: Readonly<Record<Provider, ProviderParser>> = {
  fonnte: parseFonnte,
  meta: parseMeta,
  twilio: parseTwilio,
};

export type { FieldError, ParseContext, ParseResult, ParseWarning, ProviderParser } from './common.js';
export { redactSecrets } from './common.js';
export { parseFonnte, parseMeta, parseTwilio };
export { verifyMetaSignature, verifySharedSecret, verifyTwilioSignature } from './signatures.js';
