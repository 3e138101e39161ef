/**
 * Media: downloaded as soon as a webhook is accepted (Fonnte's URLs expire after 30 minutes; Meta's
 * need the access token), kept in the spool, then stored as an ir.attachment linked to the message
 * once the message is in Odoo. A download that fails for good keeps the message with its media_url
 * and the error — it never loses it.
 */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { Agent, interceptors, request } from 'undici';
import type { MediaRef } from '../domain/message.js';
import { HISTORY_MODEL } from '../domain/message.js';
import { backoffDelay } from '../lib/backoff.js';
import type { OdooClient } from '../odoo/types.js';
import type { MediaJob, Spool } from '../spool/types.js';

export interface DownloadedFile {
  data: Buffer;
  mimetype: string | null;
  filename: string | null;
}

/** A failure that retrying cannot fix (404, too large, no token). */
export class PermanentMediaError extends Error {}

export interface MediaDownloaderOptions {
  maxBytes: number;
  timeoutMs: number;
  metaGraphUrl: string;
  metaAccessToken: string;
  /** Twilio media URLs answer 401 without the account's Basic auth (when the account enforces it). */
  twilioAccountSid?: string;
  twilioAuthToken?: string;
}

function twilioAuthFor(url: string, opts: MediaDownloaderOptions): Record<string, string> {
  if (!opts.twilioAccountSid || !opts.twilioAuthToken) return {};
  try {
    if (!new URL(url).hostname.endsWith('.twilio.com')) return {};
  } catch {
    return {};
  }
  return { authorization: `Basic ${Buffer.from(`${opts.twilioAccountSid}:${opts.twilioAuthToken}`).toString('base64')}` };
}

/** Keep-alive pool shared by all downloads; follows a few redirects (CDN links). */
const mediaDispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 8 }).compose(interceptors.redirect({ maxRedirections: 3 }));

async function fetchLimited(url: string, headers: Record<string, string>, opts: MediaDownloaderOptions) {
  const response = await request(url, {
    method: 'GET',
    headers,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    dispatcher: mediaDispatcher,
  });
  if (response.statusCode >= 400) {
    await response.body.dump();
    const message = `HTTP ${response.statusCode} from the media server`;
    throw response.statusCode >= 500 || response.statusCode === 429 ? new Error(message) : new PermanentMediaError(message);
  }
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > opts.maxBytes) {
    await response.body.dump();
    throw new PermanentMediaError(`media is ${declared} bytes, over MEDIA_MAX_BYTES (${opts.maxBytes})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > opts.maxBytes) {
      response.body.destroy();
      throw new PermanentMediaError(`media is over MEDIA_MAX_BYTES (${opts.maxBytes})`);
    }
    chunks.push(chunk as Buffer);
  }
  const type = response.headers['content-type'];
  return { data: Buffer.concat(chunks), contentType: typeof type === 'string' ? type.split(';')[0]!.trim() : null };
}

export function createMediaDownloader(opts: MediaDownloaderOptions) {
  return async function download(media: MediaRef): Promise<DownloadedFile> {
    if (media.mediaId) {
      if (!opts.metaAccessToken) throw new PermanentMediaError('META_ACCESS_TOKEN is not set; Meta media cannot be downloaded');
      const auth = { authorization: `Bearer ${opts.metaAccessToken}` };
      const meta = await fetchLimited(`${opts.metaGraphUrl.replace(/\/$/, '')}/${encodeURIComponent(media.mediaId)}`, auth, {
        ...opts,
        maxBytes: 64 * 1024,
      });
      const info = JSON.parse(meta.data.toString('utf8')) as { url?: string; mime_type?: string };
      if (!info.url) throw new PermanentMediaError('Meta returned no URL for this media id');
      const file = await fetchLimited(info.url, auth, opts);
      return { data: file.data, mimetype: media.mimetype ?? info.mime_type ?? file.contentType, filename: media.filename ?? null };
    }
    if (!media.url) throw new PermanentMediaError('the provider gave neither a URL nor a media id');
    const file = await fetchLimited(media.url, twilioAuthFor(media.url, opts), opts);
    let filename = media.filename ?? null;
    if (!filename) {
      try {
        filename = basename(new URL(media.url).pathname) || null;
      } catch {
        filename = null;
      }
    }
    return { data: file.data, mimetype: media.mimetype ?? file.contentType, filename };
  };
}

export interface MediaWorkerDeps {
  spool: Spool;
  odoo: Pick<OdooClient, 'create' | 'write' | 'searchRead'>;
  download: (media: MediaRef) => Promise<DownloadedFile>;
  logger: Logger;
}

export function createMediaWorker(deps: MediaWorkerDeps, options: { maxAttempts?: number; maxBackoffMs?: number; now?: () => number } = {}) {
  const { spool, odoo, logger } = deps;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const now = options.now ?? Date.now;

  async function fetchOne(job: MediaJob) {
    try {
      const file = await deps.download(job.media);
      spool.saveMedia(job.id, file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof PermanentMediaError || job.attempts + 1 >= maxAttempts) {
        spool.failMedia(job.id, message);
        logger.warn({ provider: job.provider, providerMessageId: job.providerMessageId, reason: message }, 'media download failed; the message keeps its media_url');
      } else {
        spool.rescheduleMediaJob(job.id, now() + backoffDelay(job.attempts, 1000, maxBackoffMs), message);
      }
    }
  }

  async function attachOne(job: MediaJob): Promise<boolean> {
    const recordId = job.recordId as number;
    try {
      const [record] = await odoo.searchRead<{ id: number; attachment_id: [number, string] | false }>(
        HISTORY_MODEL,
        [['id', '=', recordId]],
        { fields: ['attachment_id'] },
      );
      // Deleted in Odoo meanwhile, or already attached (a provider re-delivered the message after it
      // was stored): nothing to do — never a second attachment, never an error over a good file.
      if (!record || record.attachment_id) {
        spool.completeMediaJob(job.id);
        return true;
      }
      if (job.state === 'fetched' && job.data) {
        const attachmentId = await odoo.create('ir.attachment', {
          name: job.filename || `whatsapp-${job.providerMessageId}`,
          datas: job.data.toString('base64'),
          mimetype: job.mimetype || 'application/octet-stream',
          res_model: HISTORY_MODEL,
          res_id: recordId,
        });
        await odoo.write(HISTORY_MODEL, [recordId], {
          attachment_id: attachmentId,
          ...(job.mimetype ? { media_mimetype: job.mimetype } : {}),
          ...(job.filename ? { media_filename: job.filename } : {}),
        });
      } else {
        await odoo.write(HISTORY_MODEL, [recordId], { error_message: `Media could not be downloaded: ${job.error ?? 'unknown error'}` });
      }
      spool.completeMediaJob(job.id);
      return true;
    } catch (error) {
      spool.rescheduleMediaJob(job.id, now() + backoffDelay(job.attempts, 1000, maxBackoffMs), error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  async function runOnce(): Promise<{ fetched: number; attached: number }> {
    const toFetch = spool.takeMediaToFetch(4, now());
    await Promise.all(toFetch.map(fetchOne));
    let attached = 0;
    for (const job of spool.takeMediaToAttach(10, now())) {
      if (await attachOne(job)) attached++;
      else break; // Odoo is struggling: leave the rest for later
    }
    return { fetched: toFetch.length, attached };
  }

  let stopRequested = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  return {
    runOnce,
    start(idleMs = 500) {
      stopRequested = false;
      loop ??= (async () => {
        while (!stopRequested) {
          const pass = await runOnce().catch((error: unknown) => {
            logger.error({ err: error }, 'media worker pass failed');
            return { fetched: 0, attached: 0 };
          });
          if (pass.fetched + pass.attached === 0 && !stopRequested) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, idleMs);
              wake = () => {
                clearTimeout(t);
                resolve();
              };
            });
          }
        }
        loop = undefined;
      })();
    },
    kick() {
      wake?.();
    },
    async stop() {
      stopRequested = true;
      wake?.();
      await loop;
    },
  };
}
