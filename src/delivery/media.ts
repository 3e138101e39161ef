/**
 * Media: downloaded as soon as a webhook is accepted (Fonnte's URLs expire after 30 minutes; Meta's
 * need the access token), kept in the spool, then stored as an ir.attachment linked to the message
 * once the message is in Odoo. A download that fails for good, or is refused (a host off the
 * provider's list, a private address: lib/media-fetch.ts), keeps the message with its media_url and the
 * reason — it never loses it. Attaching is one call to the addon's attach_media, so a retry after a
 * lost answer never makes a second attachment.
 */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { MediaRef, Provider } from '../domain/message.js';
import { createBackgroundLoop, type PassOutcome } from '../lib/background-loop.js';
import { backoffDelay } from '../lib/backoff.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { MediaAccess } from '../providers/types.js';
import type { MediaJob, MediaSpool } from '../spool/types.js';
import {
  createGuardedAgent,
  guardedFetch,
  PermanentMediaError,
  TransientMediaError,
  type FetchPolicy,
  type GuardedFetchOptions,
} from '../lib/media-fetch.js';

export { MediaRefusedError, PermanentMediaError, TransientMediaError } from '../lib/media-fetch.js';

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

export interface MediaDownloaderOptions {
  maxBytes: number;
  /** Total time one download may take: every request and redirect, headers to last byte. */
  timeoutMs: number;
  /** Each provider's media hosts (anything else is refused) and the credentials they get (its adapter's: src/providers/registry.ts). */
  mediaAccess: Record<Provider, MediaAccess>;
  /** Address and scheme checks; the default refuses every non-public address and plain http. */
  policy?: FetchPolicy;
}

export function createMediaDownloader(opts: MediaDownloaderOptions): DownloadMedia {
  const policy = opts.policy ?? {};
  const agent = createGuardedAgent(policy);

  async function download(media: MediaRef, provider: Provider, signal: AbortSignal): Promise<DownloadedFile> {
    const common = { agent, policy, maxBytes: opts.maxBytes, signal, idleTimeoutMs: opts.timeoutMs };
    const forProvider = (credentials?: Record<string, string>): GuardedFetchOptions => ({
      ...common,
      allowedHosts: opts.mediaAccess[provider].hosts,
      allowedHostsSetting: opts.mediaAccess[provider].hostsSetting,
      ...(credentials ? { credentials } : {}),
    });
    if (media.mediaId) {
      const lookup = opts.mediaAccess[provider].idLookup;
      if (!lookup) throw new PermanentMediaError(`${provider} gives no media ids`, 'media_bad_answer');
      if ('unavailable' in lookup) throw new PermanentMediaError(lookup.unavailable, 'media_not_configured');
      const lookupUrl = lookup.url(media.mediaId);
      const target = new URL(lookupUrl);
      const answer = await guardedFetch(lookupUrl, {
        ...common,
        // The lookup API is where the operator said it is (META_GRAPH_URL), http included; addresses are checked all the same.
        policy: { ...policy, allowPlainHttp: policy.allowPlainHttp || target.protocol === 'http:' },
        allowedHosts: [target.hostname.replace(/^\[|\]$/g, '')],
        allowedHostsSetting: lookup.urlSetting,
        credentials: lookup.credentials,
        maxBytes: 64 * 1024,
      });
      const info = lookup.readAnswer(answer.data);
      // The file URL comes from the provider's answer: it must be one of its media hosts to get the credentials.
      const file = await guardedFetch(info.url, forProvider(lookup.credentials));
      const mimetype = media.mimetype ?? info.mimetype ?? file.contentType;
      return { data: file.data, mimetype, filename: media.filename ?? null };
    }
    if (!media.url) throw new PermanentMediaError('the provider gave neither a URL nor a media id', 'media_bad_answer');
    const file = await guardedFetch(media.url, forProvider(opts.mediaAccess[provider].credentials));
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
  spool: MediaSpool;
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

  // Downloads run on in the background: attaching, and the next message's download, never wait for a
  // slow one. A download that ends wakes the loop (a slot is free, its file may be attached).
  let idleMs = 500;
  const loop = createBackgroundLoop({
    async pass(): Promise<PassOutcome> {
      const fetched = startFetches().length;
      const attached = await attachDue();
      return fetched + attached > 0 ? { next: 'now' } : { next: 'after', ms: idleMs };
    },
    onError: (error) => logger.error({ err: error }, 'media worker pass failed'),
    failureDelayMs: () => idleMs,
  });
  function wakeLoop() {
    loop.kick();
  }

  return {
    runOnce,
    start(everyMs = 500) {
      idleMs = everyMs;
      if (stopping.signal.aborted) stopping = new AbortController();
      loop.start();
    },
    kick() {
      wakeLoop();
    },
    async stop() {
      stopping.abort();
      await loop.stop();
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
