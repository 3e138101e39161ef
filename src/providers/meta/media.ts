/**
 * Meta's webhooks carry media ids, not URLs: `GET {META_GRAPH_URL}/{media-id}` with the access token
 * answers `{"url": …, "mime_type": …}`, a short-lived URL on Meta's media hosts that takes the same
 * bearer token.
 */
import { PermanentMediaError } from '../../lib/media-fetch.js';
import type { MediaIdLookup } from '../types.js';

export function metaMediaIdLookup(graphUrl: string, accessToken: string): MediaIdLookup {
  if (!accessToken) return { unavailable: 'META_ACCESS_TOKEN is not set; Meta media cannot be downloaded' };
  const base = graphUrl.replace(/\/$/, '');
  return {
    url: (mediaId) => `${base}/${encodeURIComponent(mediaId)}`,
    urlSetting: 'META_GRAPH_URL',
    credentials: { authorization: `Bearer ${accessToken}` },
    readAnswer(answer) {
      let info: { url?: unknown; mime_type?: unknown };
      try {
        info = JSON.parse(answer.toString('utf8')) as { url?: unknown; mime_type?: unknown };
      } catch {
        throw new PermanentMediaError('Meta answered the media id with something other than JSON', 'media_bad_answer');
      }
      if (typeof info.url !== 'string' || !info.url) throw new PermanentMediaError('Meta returned no URL for this media id', 'media_bad_answer');
      return { url: info.url, mimetype: typeof info.mime_type === 'string' ? info.mime_type : null };
    },
  };
}
