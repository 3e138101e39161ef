import { describe, expect, test } from 'vitest';
import { PROVIDER_ADAPTERS } from '../registry.js';
import { EXTENSIONS, mediaFromExtension, mediaFromMimetype } from './media-types.js';

describe('one media-type table for receiving and sending', () => {
  test('a .webp is a sticker: by extension, by MIME type, and as every provider sends it', () => {
    expect(mediaFromExtension('webp')).toEqual({ type: 'sticker', mimetype: 'image/webp' });
    expect(mediaFromMimetype('image/webp')).toBe('sticker');
    for (const adapter of PROVIDER_ADAPTERS) expect(adapter.outgoingMediaType('https://files.example/STK-1.webp'), adapter.id).toBe('sticker');
  });

  test.each(Object.entries(EXTENSIONS))('.%s: a provider sends it as the table says, or as a document when it cannot take it as that', (extension, [type]) => {
    for (const adapter of PROVIDER_ADAPTERS) {
      expect(['document', type], adapter.id).toContain(adapter.outgoingMediaType(`https://files.example/file.${extension.toUpperCase()}?sig=1`));
    }
  });

  test('the extension and MIME readings agree for every entry', () => {
    for (const [extension, [type, mimetype]] of Object.entries(EXTENSIONS)) {
      // Documents (PDF, text, archives…) read as documents by MIME type too: only image/video/audio have a kind of their own.
      expect(mediaFromMimetype(mimetype), extension).toBe(type);
    }
  });
});
