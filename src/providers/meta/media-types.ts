/**
 * What Meta's Cloud API can send as each media type (developers.facebook.com/docs/whatsapp/cloud-api/reference/media,
 * "Supported media types"): images only as JPEG or PNG, stickers only as WebP, video as MP4 or 3GPP,
 * audio as AAC, AMR, MP3, MP4 audio or OGG. The shared table (../common/media-types.ts) says what a file
 * is; a file Meta does not take as that type goes as a document, which accepts any file.
 */
import { extensionOf, mediaFromExtension, type MediaType } from '../common/media-types.js';

const SENDABLE: Partial<Record<MediaType, ReadonlySet<string>>> = {
  image: new Set(['image/jpeg', 'image/png']),
  sticker: new Set(['image/webp']),
  video: new Set(['video/mp4', 'video/3gpp']),
  audio: new Set(['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg']),
};

/** The type Meta sends a media URL as, from its extension: the shared table's, when Meta takes that file as it, else document. */
export function metaOutgoingMediaType(mediaUrl: string): MediaType {
  const { type, mimetype } = mediaFromExtension(extensionOf(mediaUrl));
  return mimetype !== null && SENDABLE[type]?.has(mimetype) ? type : 'document';
}
