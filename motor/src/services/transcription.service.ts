import type { Message } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import { LlmError, type Llm } from '../ports/llm.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { MediaService } from './media.service.js';

export interface TranscriptionOptions {
  /** Waits before each retry of a transcription Groq could not do now (default 5 s, 30 s). */
  retryDelaysMs: number[];
  /** Whisper model (default: the adapter's, whisper-large-v3-turbo). */
  model?: string;
}

/** Worth another try later: Groq busy, slow or failing, or the file not fetched yet. */
const RETRIED = new Set(['rate_limited', 'timeout', 'server_error', 'network']);

/**
 * Voice notes to text (docs/media.md), incoming and outgoing, when the Motor has an LLM (Groq) and
 * the account did not turn it off: the file (fetched from Evolution by MediaService when needed)
 * goes to speech-to-text, the text is stored once as `Message.transcript` and pushed as
 * `message.updated`; an incoming one is then offered to the AI, which reads it as the customer's
 * words. Runs in the background, one transcription per message at a time, with a few retries.
 *
 * @example
 *   intake.onIngested(({ who, events }) => transcriber.afterIngest(who.accountId, events));
 *   transcriber.schedule(accountId, message.id); // an agent's recorded voice note
 */
export class TranscriptionService {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly opts: TranscriptionOptions;

  constructor(
    private readonly deps: { db: Db; llm: Llm; media: MediaService; realtime: RealtimePublisher; logger: Logger },
    opts: Partial<TranscriptionOptions> = {},
  ) {
    this.opts = { retryDelaysMs: [5_000, 30_000], ...opts };
  }

  /** Schedules every new voice note among `events` (the intake's, or a send's). */
  afterIngest(accountId: string, events: readonly AccountEvent[]): void {
    for (const e of events) {
      if (e.type !== 'message.created') continue;
      const m = (e.data as { message: Message }).message;
      if (m.type === 'audio' && m.media?.voiceNote) this.schedule(accountId, m.id);
    }
  }

  /** Transcribes one message in the background (nothing when it is not a voice note to transcribe). */
  schedule(accountId: string, messageId: string, attempt = 0): void {
    if (this.stopped || this.inflight.has(messageId)) return;
    const run = this.transcribe(accountId, messageId)
      .catch((err: unknown) => this.failed(accountId, messageId, attempt, err))
      .finally(() => this.inflight.delete(messageId));
    this.inflight.set(messageId, run);
  }

  /** Resolves when the transcriptions running now have ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async transcribe(accountId: string, messageId: string): Promise<void> {
    const { db, media, llm, realtime } = this.deps;
    if (!(await db.call<boolean>('message_transcribable', { accountId, messageId }))) return;
    const file = await media.file(accountId, messageId);
    const chunks: Buffer[] = [];
    for await (const chunk of await media.read(file)) chunks.push(chunk as Buffer);
    const { text } = await llm.transcribe(Buffer.concat(chunks), file.contentType, {
      ...(this.opts.model ? { model: this.opts.model } : {}),
    });
    if (!text.trim()) return; // silence: nothing to store
    const stored = await db.call<{ events: AccountEvent[] }>('message_transcript_set', {
      accountId,
      messageId,
      transcript: text.replaceAll('\u0000', ''),
    });
    realtime.publish(stored.events);
  }

  private failed(accountId: string, messageId: string, attempt: number, err: unknown) {
    const delay = this.opts.retryDelaysMs[attempt];
    const retried =
      (err instanceof LlmError && RETRIED.has(err.kind)) ||
      (err as { code?: string } | null)?.code === 'upstream_failed';
    const log = { err, messageId, attempt: attempt + 1 };
    if (!retried || delay === undefined || this.stopped) {
      this.deps.logger.warn(log, 'voice note not transcribed');
      return;
    }
    this.deps.logger.info(log, 'voice note transcription failed; retrying');
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.schedule(accountId, messageId, attempt + 1);
    }, delay);
    t.unref();
    this.timers.add(t);
  }
}
