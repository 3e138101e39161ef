/**
 * The one media-type table: which WhatsApp message type and MIME type a file extension or a MIME
 * type stands for. The parsers type inbound media with it, and the send path types the outgoing
 * record with it (through the sending provider's adapter, which may narrow it to what that provider
 * can send: meta/media-types.ts).
 */
import type { MessageType } from '../../domain/message.js';

export type MediaType = Extract<MessageType, 'image' | 'video' | 'audio' | 'document' | 'sticker'>;

export const EXTENSIONS: Readonly<Record<string, readonly [MediaType, string]>> = {
  jpg: ['image', 'image/jpeg'],
  jpeg: ['image', 'image/jpeg'],
  png: ['image', 'image/png'],
  gif: ['image', 'image/gif'],
  bmp: ['image', 'image/bmp'],
  heic: ['image', 'image/heic'],
  // WhatsApp stickers are WebP (Meta sends stickers as image/webp and accepts only JPEG/PNG as
  // images); photos arrive as JPEG. So a .webp is a sticker, inbound and outbound alike.
  webp: ['sticker', 'image/webp'],
  mp4: ['video', 'video/mp4'],
  m4v: ['video', 'video/mp4'],
  '3gp': ['video', 'video/3gpp'],
  '3gpp': ['video', 'video/3gpp'],
  mov: ['video', 'video/quicktime'],
  mkv: ['video', 'video/x-matroska'],
  webm: ['video', 'video/webm'],
  avi: ['video', 'video/x-msvideo'],
  mp3: ['audio', 'audio/mpeg'],
  ogg: ['audio', 'audio/ogg'],
  oga: ['audio', 'audio/ogg'],
  opus: ['audio', 'audio/ogg'],
  m4a: ['audio', 'audio/mp4'],
  aac: ['audio', 'audio/aac'],
  amr: ['audio', 'audio/amr'],
  wav: ['audio', 'audio/wav'],
  pdf: ['document', 'application/pdf'],
  doc: ['document', 'application/msword'],
  docx: ['document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xls: ['document', 'application/vnd.ms-excel'],
  xlsx: ['document', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ppt: ['document', 'application/vnd.ms-powerpoint'],
  pptx: ['document', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  txt: ['document', 'text/plain'],
  csv: ['document', 'text/csv'],
  zip: ['document', 'application/zip'],
};

/** The extension of a file name or URL path (`photo.JPG` → `jpg`), or null. */
export function extensionOf(name: string | null): string | null {
  if (!name) return null;
  let path = name;
  try {
    if (/^https?:\/\//i.test(name)) path = new URL(name).pathname;
  } catch {
    // not a URL after all: use it as a plain name
  }
  const match = /\.([a-z0-9]{1,8})$/i.exec(path);
  return match?.[1] ? match[1].toLowerCase() : null;
}

/** The last path segment of a URL if it looks like a file name. */
export function fileNameOfUrl(url: string): string | null {
  try {
    const segment = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return extensionOf(segment) ? segment : null;
  } catch {
    return null;
  }
}

/** Media type and MIME type from a file extension; unknown extensions are documents. */
export function mediaFromExtension(extension: string | null): { type: MediaType; mimetype: string | null } {
  const known = extension ? EXTENSIONS[extension.replace(/^\./, '').toLowerCase()] : undefined;
  return known ? { type: known[0], mimetype: known[1] } : { type: 'document', mimetype: null };
}

/** Media type from a MIME type (`image/webp` is a sticker); anything else is a document. */
export function mediaFromMimetype(mimetype: string | null): MediaType {
  const mime = (mimetype ?? '').toLowerCase().split(';')[0]?.trim() ?? '';
  if (mime === 'image/webp') return 'sticker';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

/** The media type a URL's file extension stands for; no or an unknown extension is a document. */
export function mediaTypeOfUrl(url: string): MediaType {
  return mediaFromExtension(extensionOf(url)).type;
}
