/**
 * Media: downloaded as soon as a webhook is accepted (Fonnte's URLs expire after 30 minutes; Meta's
 * need the access token), kept in the spool, then stored as an ir.attachment linked to the message
 * once the message is in Odoo. A download that fails for good, or is refused (a host off the
 * provider's list, a private address: media-fetch.ts), keeps the message with its media_url and the
 * reason — it never loses it. Attaching is one call to the addon's attach_media, so a retry after a
 * lost answer never makes a second attachment.
 */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { MediaRef, Provider } from '../domain/message.js';
import { backoffDelay } from '../lib/backoff.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { MediaJob, Spool } from '../spool/types.js';
import {
  createGuardedAgent,
  guardedFetch,
  PermanentMediaError,
  TransientMediaError,
  type FetchPolicy,
  type GuardedFetchOptions,
} from './media-fetch.js';

export { MediaRefusedError, PermanentMediaError, TransientMediaError } from './media-fetch.js';

export interface DownloadedFile {
  data: Buffer;
  mimetype: string | null;
  filename: string | null;
}

/** What a download is for: whose media hosts apply, and a signal that aborts it (the worker stopping). */
export interface DownloadContext {
  provider: Provider;
  signal?: AbortSignal;
}

export type DownloadMedia = (media: MediaRef, context: DownloadContext) => Promise<DownloadedFile>;

/** The setting that lists each provider's media hosts (named in refusals, so an admin knows what to extend). */
export const MEDIA_HOSTS_SETTING: Record<Provider, string> = {
  fonnte: 'MEDIA_HOSTS_FONNTE',
  meta: 'MEDIA_HOSTS_META',
  twilio: 'MEDIA_HOSTS_TWILIO',
};

export interface MediaDownloaderOptions {
  maxBytes: number;
  /** Total time one download may take: every request and redirect, headers to last byte. */
  timeoutMs: number;
  metaGraphUrl: string;
  metaAccessToken: string;
  /** Twilio media URLs answer 401 without the account's Basic auth (when the account enforces it). */
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  /** Hosts each provider serves media from; anything else is refused (MEDIA_HOSTS_*). */
  mediaHosts: Record<Provider, readonly string[]>;
  /** Address and scheme checks; the default refuses every non-public address and plain http. */
  policy?: FetchPolicy;
}

export function createMediaDownloader(opts: MediaDownloaderOptions): DownloadMedia {
  const policy = opts.policy ?? {};
  const agent = createGuardedAgent(policy);
  const graph = new URL(opts.metaGraphUrl);
  // The Graph API is where the operator said it is (META_GRAPH_URL), http included; addresses are checked all the same.
  const graphPolicy: FetchPolicy = { ...policy, allowPlainHttp: policy.allowPlainHttp || graph.protocol === 'http:' };
  const twilioAuth =
    opts.twilioAccountSid && opts.twilioAuthToken
      ? { authorization: `Basic ${Buffer.from(`${opts.twilioAccountSid}:${opts.twilioAuthToken}`).toString('base64')}` }
      : undefined;

  async function download(media: MediaRef, provider: Provider, signal: AbortSignal): Promise<DownloadedFile> {
    const common = { agent, policy, maxBytes: opts.maxBytes, signal, idleTimeoutMs: opts.timeoutMs };
    const forProvider = (credentials?: Record<string, string>): GuardedFetchOptions => ({
      ...common,
      allowedHosts: opts.mediaHosts[provider],
      allowedHostsSetting: MEDIA_HOSTS_SETTING[provider],
      ...(credentials ? { credentials } : {}),
    });
    if (media.mediaId) {
      if (!opts.metaAccessToken) throw new PermanentMediaError('META_ACCESS_TOKEN is not set; Meta media cannot be downloaded', 'media_not_configured');
      const bearer = { authorization: `Bearer ${opts.metaAccessToken}` };
      const meta = await guardedFetch(`${opts.metaGraphUrl.replace(/\/$/, '')}/${encodeURIComponent(media.mediaId)}`, {
        ...common,
        policy: graphPolicy,
        allowedHosts: [graph.hostname.replace(/^\[|\]$/g, '')],
        allowedHostsSetting: 'META_GRAPH_URL',
        credentials: bearer,
        maxBytes: 64 * 1024,
      });
      let info: { url?: unknown; mime_type?: unknown };
      try {
        info = JSON.parse(meta.data.toString('utf8')) as { url?: unknown; mime_type?: unknown };
      } catch {
        throw new PermanentMediaError('Meta answered the media id with something other than JSON', 'media_bad_answer');
      }
      if (typeof info.url !== 'string' || !info.url) throw new PermanentMediaError('Meta returned no URL for this media id', 'media_bad_answer');
      // The file URL comes from Meta's answer: it must be one of Meta's media hosts to get the token.
      const file = await guardedFetch(info.url, forProvider(bearer));
      const mimetype = media.mimetype ?? (typeof info.mime_type === 'string' ? info.mime_type : null) ?? file.contentType;
      return { data: file.data, mimetype, filename: media.filename ?? null };
    }
    if (!media.url) throw new PermanentMediaError('the provider gave neither a URL nor a media id', 'media_bad_answer');
    const file = await guardedFetch(media.url, forProvider(provider === 'twilio' ? twilioAuth : undefined));
    let filename = media.filename ?? null;
    if (!filename) {
      try {
        filename = basename(new URL(media.url).pathname) || null;
      } catch {
        filename = null;
      }
    }
    return { data: file.data, mimetype: media.mimetype ?? file.contentType, filename };
  }

  return async (media, context) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
    const signal = context.signal ? AbortSignal.any([deadline.signal, context.signal]) : deadline.signal;
    try {
      return await download(media, context.provider, signal);
    } catch (error) {
      // A trickling server resets every idle timer; only the total deadline bounds it.
      if (deadline.signal.aborted && !context.signal?.aborted) {
        throw new TransientMediaError(`media download took longer than MEDIA_TIMEOUT_MS (${opts.timeoutMs} ms)`, 'media_deadline_exceeded');
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

export interface MediaWorkerDeps {
  spool: Spool;
  history: Pick<HistoryRepository, 'attachmentState' | 'attachMedia' | 'noteError'>;
  download: DownloadMedia;
  logger: Logger;
}

export interface MediaWorkerOptions {
  maxAttempts?: number;
  maxBackoffMs?: number;
  now?: () => number;
  /** Downloads running at once; each runs on its own, so one slow server holds one slot only. */
  concurrency?: number;
  /** Downloaded bytes the spool may hold (MEDIA_SPOOL_MAX_BYTES); past it, media is not downloaded. */
  spoolMaxBytes?: number;
}

export function createMediaWorker(deps: MediaWorkerDeps, options: MediaWorkerOptions = {}) {
  const { spool, history, logger } = deps;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 4;
  const spoolMaxBytes = options.spoolMaxBytes ?? Number.POSITIVE_INFINITY;
  /** Downloads running, by job id: their jobs are still 'pending' in the spool and must not start twice. */
  const inFlight = new Map<number, Promise<void>>();
  /** Aborts running downloads on stop(): their jobs stay pending and are fetched again after a restart. */
  let stopping = new AbortController();

  function spoolFull(job: MediaJob, extraBytes: number): string | undefined {
    const stored = spool.storedMediaBytes();
    if (stored + extraBytes <= spoolMaxBytes && stored < spoolMaxBytes) return undefined;
    logger.warn({ provider: job.provider, providerMessageId: job.providerMessageId, storedBytes: stored, spoolMaxBytes }, 'media spool is full; the message keeps its media_url');
    return `not downloaded: the spool already holds ${stored} bytes of media waiting for Odoo (MEDIA_SPOOL_MAX_BYTES ${spoolMaxBytes})`;
  }

  async function fetchOne(job: MediaJob) {
    const fullBefore = spoolFull(job, 0);
    if (fullBefore) return spool.failMedia(job.id, fullBefore);
    try {
      const file = await deps.download(job.media, { provider: job.provider, signal: stopping.signal });
      const fullAfter = spoolFull(job, file.data.length);
      if (fullAfter) return spool.failMedia(job.id, fullAfter);
      spool.saveMedia(job.id, file);
    } catch (error) {
      if (stopping.signal.aborted) return; // stopped, not failed: the job stays as it was
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof PermanentMediaError || job.attempts + 1 >= maxAttempts) {
        spool.failMedia(job.id, message);
        const code = error instanceof PermanentMediaError ? error.code : undefined;
        logger.warn({ provider: job.provider, providerMessageId: job.providerMessageId, reason: message, code }, 'media download failed; the message keeps its media_url');
      } else {
        spool.rescheduleMediaJob(job.id, now() + backoffDelay(job.attempts, 1000, maxBackoffMs), message);
      }
    }
  }

  /** Starts downloads into the free slots; returns them (the loop does not wait for them, runOnce does). */
  function startFetches(): Promise<void>[] {
    const free = concurrency - inFlight.size;
    if (free <= 0) return [];
    const due = spool
      .takeMediaToFetch(free + inFlight.size, now())
      .filter((job) => !inFlight.has(job.id))
      .slice(0, free);
    return due.map((job) => {
      const running = fetchOne(job)
        .catch((error: unknown) => logger.error({ err: error, providerMessageId: job.providerMessageId }, 'media download bookkeeping failed'))
        .finally(() => {
          inFlight.delete(job.id);
          wakeLoop();
        });
      inFlight.set(job.id, running);
      return running;
    });
  }

  async function attachOne(job: MediaJob): Promise<boolean> {
    const recordId = job.recordId as number;
    try {
      // Deleted in Odoo meanwhile, or already attached (a provider re-delivered the message after it
      // was stored): nothing to do — never a second attachment, never an error over a good file.
      if ((await history.attachmentState(recordId)) !== 'none') {
        spool.completeMediaJob(job.id);
        return true;
      }
      if (job.state === 'fetched' && job.data) {
        // One call, one transaction: the attachment is created and linked together, and a repeated
        // call (the answer to the first was lost to a timeout) finds it linked and creates none.
        await history.attachMedia(recordId, {
          name: job.filename || `whatsapp-${job.providerMessageId}`,
          base64: job.data.toString('base64'),
          mimetype: job.mimetype || null,
          filename: job.filename || null,
        });
      } else {
        await history.noteError(recordId, `Media could not be downloaded: ${job.error ?? 'unknown error'}`);
      }
      spool.completeMediaJob(job.id);
      return true;
    } catch (error) {
      spool.rescheduleMediaJob(job.id, now() + backoffDelay(job.attempts, 1000, maxBackoffMs), error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  async function attachDue(): Promise<number> {
    let attached = 0;
    for (const job of spool.takeMediaToAttach(10, now())) {
      if (await attachOne(job)) attached++;
      else break; // Odoo is struggling: leave the rest for later
    }
    return attached;
  }

  /** One pass, waiting for the downloads it started (tests, and anyone driving the worker by hand). */
  async function runOnce(): Promise<{ fetched: number; attached: number }> {
    const started = startFetches();
    await Promise.all(started);
    const attached = await attachDue();
    return { fetched: started.length, attached };
  }

  let stopRequested = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** Set when woken while busy, so the wake-up is not lost before the loop next sleeps. */
  let woken = false;
  function wakeLoop() {
    woken = true;
    wake?.();
  }

  return {
    runOnce,
    start(idleMs = 500) {
      stopRequested = false;
      if (stopping.signal.aborted) stopping = new AbortController();
      loop ??= (async () => {
        while (!stopRequested) {
          woken = false;
          // Downloads run on in the background: attaching, and the next message's download, never wait for a slow one.
          const pass = await Promise.resolve()
            .then(async () => ({ fetched: startFetches().length, attached: await attachDue() }))
            .catch((error: unknown) => {
              logger.error({ err: error }, 'media worker pass failed');
              return { fetched: 0, attached: 0 };
            });
          if (pass.fetched + pass.attached === 0 && !stopRequested && !woken) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, idleMs);
              wake = () => {
                clearTimeout(t);
                resolve();
              };
            });
            wake = undefined;
          }
        }
        loop = undefined;
      })();
    },
    kick() {
      wakeLoop();
    },
    async stop() {
      stopRequested = true;
      stopping.abort();
      wakeLoop();
      await loop;
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
