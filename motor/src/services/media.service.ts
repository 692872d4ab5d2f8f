import type { Message } from '@atende/shared';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent } from '../ports/realtime.port.js';
import type { StoragePort, StoredFile } from '../ports/storage.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';

/** Message kinds that carry a file. */
export const FILE_TYPES: readonly Message['type'][] = ['image', 'audio', 'video', 'document', 'sticker'];

interface MediaMessage {
  id: string;
  type: Message['type'];
  direction: 'in' | 'out';
  media: Message['media'];
  waMessageId: string | null;
  instanceName: string;
}

export interface MediaFileInfo extends StoredFile {
  key: string;
  fileName: string;
  type: Message['type'];
}

export interface MediaOptions {
  /** Waits before each retry of a background fetch (default 2 s, 10 s, 60 s). */
  retryDelaysMs: number[];
  /**
   * Background fetches running at once (default 4). Each one parses Evolution's JSON answer (the
   * whole file as base64) on the main thread; a burst of media must not starve the webhooks. The
   * others wait their turn; a viewer asking for a file fetches it at once.
   */
  backgroundConcurrency: number;
}

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
};

/**
 * Media files of messages (docs/media.md): fetched from Evolution in the background after a media
 * message arrives (never inside the webhook request), with retries, into the storage port; served
 * to the account's users, fetched on demand when not stored yet.
 *
 * @example
 *   intake.onIngested(({ who, events }) => media.afterIngest(who.accountId, events));
 *   const file = await media.file(accountId, messageId); // 502 upstream_failed when Evolution cannot
 */
export class MediaService {
  private readonly inflight = new Map<string, Promise<MediaFileInfo>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly opts: MediaOptions;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly deps: { db: Db; whatsapp: WhatsAppGateway; storage: StoragePort; logger: Logger },
    opts: Partial<MediaOptions> = {},
  ) {
    this.opts = { retryDelaysMs: [2_000, 10_000, 60_000], backgroundConcurrency: 4, ...opts };
  }

  /** Schedules the fetch of every new incoming media message among `events`. */
  afterIngest(accountId: string, events: readonly AccountEvent[]): void {
    for (const e of events) {
      if (e.type !== 'message.created') continue;
      const m = (e.data as { message: Message }).message;
      if (m.direction === 'in' && FILE_TYPES.includes(m.type)) this.background(accountId, m.id, 0);
    }
  }

  /** The stored file of a message of the account, fetched now when it is not stored yet. */
  async file(accountId: string, messageId: string): Promise<MediaFileInfo> {
    const m = await this.deps.db.call<MediaMessage>('message_media', { accountId, messageId });
    const key = `${accountId}/${m.id}`;
    const stored = await this.deps.storage.stat(key);
    if (stored) return info(key, m, stored);
    return this.fetchOnce(key, m);
  }

  /** The bytes of a file `file()` returned. */
  read(file: MediaFileInfo, range?: { start: number; end: number }) {
    return this.deps.storage.read(file.key, range);
  }

  /** Stops pending retries (the Motor is stopping). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Runs `job` when fewer than `backgroundConcurrency` background fetches are running. */
  private async queued<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.opts.backgroundConcurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running += 1;
    try {
      return await job();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private background(accountId: string, messageId: string, attempt: number) {
    if (this.stopped) return;
    this.queued(() => (this.stopped ? Promise.resolve(null) : this.file(accountId, messageId))).catch((err: unknown) => {
      const delay = this.opts.retryDelaysMs[attempt];
      const log = { err, messageId, attempt: attempt + 1 };
      if (delay === undefined || (err instanceof AppError && err.code === 'not_found')) {
        this.deps.logger.warn(log, 'media fetch gave up; the next view tries again');
        return;
      }
      this.deps.logger.info(log, 'media fetch failed; retrying');
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.background(accountId, messageId, attempt + 1);
      }, delay);
      t.unref();
      this.timers.add(t);
    });
  }

  /** One Evolution download per file at a time, however many viewers ask. */
  private fetchOnce(key: string, m: MediaMessage): Promise<MediaFileInfo> {
    let p = this.inflight.get(key);
    if (!p) {
      p = this.download(key, m).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async download(key: string, m: MediaMessage): Promise<MediaFileInfo> {
    if (!m.waMessageId) throw new AppError('upstream_failed', 'the file is not available yet');
    const f = await this.deps.whatsapp.getMediaFile(m.instanceName, m.waMessageId);
    if (f.bytes.length === 0) throw new AppError('upstream_failed', 'Evolution gave an empty file');
    const contentType = f.mimetype ?? m.media?.mimetype ?? 'application/octet-stream';
    await this.deps.storage.put(key, f.bytes, contentType);
    return info(key, m, { size: f.bytes.length, contentType });
  }
}

function info(key: string, m: MediaMessage, stored: StoredFile): MediaFileInfo {
  const base = stored.contentType.split(';')[0]!.trim();
  const fileName = m.media?.fileName ?? `${m.type}-${m.id.slice(0, 8)}.${EXT[base] ?? 'bin'}`;
  return { ...stored, key, fileName, type: m.type };
}
