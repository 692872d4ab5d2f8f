import { randomUUID } from 'node:crypto';
import { failureReasonOf, type FailureReason } from '@atende/shared';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { StoragePort } from '../ports/storage.port.js';
import { NO_METRICS, type MetricsPort } from '../ports/metrics.port.js';
import type { SentMessage, SentRecord, WhatsAppGateway } from '../ports/whatsapp.port.js';

/** What an outbox row sends (`payload` column). `number`: digits or a JID. */
export type OutboxPayload =
  | {
      type: 'text';
      number: string | null;
      text: string;
      quoted?: { waMessageId: string; fromMe: boolean; participant: string | null; text: string };
    }
  | {
      type: 'reaction';
      number: string | null;
      waMessageId: string;
      fromMe: boolean;
      participant: string | null;
      emoji: string;
    }
  | {
      type: 'media';
      number: string | null;
      mediatype: 'image' | 'video' | 'document' | 'audio';
      /** An https URL or raw base64; absent with `stored`. */
      media?: string;
      mimetype?: string;
      caption?: string;
      fileName?: string;
      /** Sent with sendWhatsAppAudio (a voice note) instead of sendMedia. */
      voiceNote?: boolean;
      /** The bytes are in the storage port under `<accountId>/<messageId>`, read when claimed. */
      stored?: boolean;
    };

/** One claimed row, as app.outbox_claim returns it. */
export interface OutboxClaim {
  id: string;
  accountId: string;
  instanceName: string;
  instanceStatus: string;
  conversationId: string;
  messageId: string;
  kind: string;
  payload: OutboxPayload;
  /** The previous attempt may have reached Evolution: look it up before sending. */
  lookup: boolean;
  attempts: number;
  firstAttemptAt: string;
}

export interface OutboxOptions {
  /** How long a claim is ours; must exceed one Evolution call (EVOLUTION_TIMEOUT_MS). */
  leaseMs?: number;
  /** Polling for rows of other processes, deferred rows and expired leases. */
  pollMs?: number;
  /** Rows per claim. */
  batch?: number;
  /** Claims running at once (each is one batch, at most one row per conversation). */
  concurrency?: number;
  /** Attempts (each one Evolution call or lookup) before an unanswered row fails. */
  maxAttempts?: number;
  /** First retry delay after a timeout/network failure/429; doubles per attempt. */
  retryDelayMs?: number;
  /** Lease owner id (default: a random id per process). */
  owner?: string;
}

/** Sent, or failed with a stable reason code (shared FAILURE_REASONS) and Evolution's own words. */
type Outcome = { waMessageId: string } | { reasonCode: FailureReason; error: string; retryAt?: Date };

/** No answer, or an answer that says nothing about the message: it may have gone out; look it up and retry. */
const RETRIED: readonly FailureReason[] = ['timeout', 'evolution_unreachable', 'evolution_error', 'unknown'];

/**
 * The outbound pipeline's sender (docs/outbound.md). SQL functions enqueue (a message row and an
 * outbox row in one transaction); this loop, running in every Motor process, claims due rows
 * (`app.outbox_claim`: FOR UPDATE SKIP LOCKED + lease), calls Evolution ONCE per claim and records
 * the answer (`app.outbox_result`), publishing the message's update. A claim that may already have
 * reached Evolution (lease expired, timeout) is looked up with findMessages first and re-sent only
 * when Evolution has no such message. `wake()` after an insert sends at once; the poll picks up
 * everything else.
 *
 * @example
 *   const outbox = new OutboxService({ db, whatsapp, realtime, logger });
 *   outbox.start();
 *   // after app.send_message_begin committed:
 *   outbox.wake();
 *   await outbox.stop();
 */
export class OutboxService {
  readonly owner: string;
  private readonly o: Required<Omit<OutboxOptions, 'owner'>>;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private again = false;
  private stopped = true;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      db: Db;
      whatsapp: WhatsAppGateway;
      realtime: RealtimePublisher;
      logger: Logger;
      /** Where `stored` media payloads keep their bytes. */
      storage?: StoragePort;
      /** Each attempt's outcome by row kind (default: none recorded). */
      metrics?: MetricsPort;
    },
    opts: OutboxOptions = {},
  ) {
    this.owner = opts.owner ?? `motor-${randomUUID()}`;
    this.o = {
      leaseMs: opts.leaseMs ?? 45_000,
      pollMs: opts.pollMs ?? 1_000,
      batch: opts.batch ?? 10,
      concurrency: opts.concurrency ?? 2,
      maxAttempts: opts.maxAttempts ?? 5,
      retryDelayMs: opts.retryDelayMs ?? 2_000,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming and waits for the sends in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** A row was just enqueued in this process: claim now rather than at the next poll. */
  wake(): void {
    if (!this.stopped) setImmediate(() => this.kick());
  }

  /** Rows not yet sent or failed, by status (GET /metrics reads it at each scrape). */
  depth(): Promise<Record<'pending' | 'sending', number>> {
    return this.deps.db.call('outbox_depth');
  }

  /** Claims one batch and sends it; resolves with the number of rows claimed. */
  async runOnce(): Promise<number> {
    const claims = await this.deps.db.call<OutboxClaim[]>('outbox_claim', {
      owner: this.owner,
      limit: this.o.batch,
      leaseMs: this.o.leaseMs,
    });
    await Promise.all(claims.map((c) => this.process(c)));
    return claims.length;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.inFlight >= this.o.concurrency) {
      this.again = true;
      return;
    }
    this.inFlight += 1;
    this.again = false;
    const run = this.runOnce()
      .catch((err) => {
        this.deps.logger.warn({ err }, 'outbox claim failed');
        return 0;
      })
      .then((n) => {
        this.inFlight -= 1;
        this.running.delete(run);
        if (n > 0 || this.again) this.kick();
      });
    this.running.add(run);
  }

  private async process(c: OutboxClaim): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.attempt(c);
    } catch (err) {
      outcome = this.failure(c, err);
      this.deps.logger.warn({ err, outboxId: c.id, messageId: c.messageId, outcome }, 'outbox send failed');
    }
    const done = await this.deps.db.call<{ events: AccountEvent[] }>('outbox_result', {
      owner: this.owner,
      outboxId: c.id,
      ...('waMessageId' in outcome
        ? { waMessageId: outcome.waMessageId }
        : {
            reasonCode: outcome.reasonCode,
            error: outcome.error,
            retryAt: outcome.retryAt?.toISOString() ?? null,
          }),
    });
    this.deps.realtime.publish(done.events);
    (this.deps.metrics ?? NO_METRICS).outboxSend(
      c.kind,
      'waMessageId' in outcome ? 'sent' : outcome.retryAt ? 'retry' : outcome.reasonCode,
    );
    if (c.payload.type === 'reaction' && !('waMessageId' in outcome) && !outcome.retryAt) {
      // The reaction will not reach WhatsApp: its target shows the counts without it.
      const settled = await this.deps.db.call<{ events: AccountEvent[] }>('reaction_settle', {
        accountId: c.accountId,
        reactionId: c.messageId,
      });
      this.deps.realtime.publish(settled.events);
    }
  }

  private async attempt(c: OutboxClaim): Promise<Outcome> {
    const number = c.payload.number;
    if (!number)
      return { reasonCode: 'no_whatsapp_address', error: 'the conversation has no WhatsApp address' };
    if (c.lookup) {
      const found = await this.lookup(c, number);
      if (found) return { waMessageId: found };
    }
    if (c.attempts > this.o.maxAttempts) {
      return { reasonCode: 'evolution_unreachable', error: `no answer after ${c.attempts - 1} attempts` };
    }
    const sent = await this.send(c, c.payload, number);
    return { waMessageId: sent.waMessageId };
  }

  /** An agent's reply (`reply`) also asks WhatsApp to report the customer's typing afterwards. */
  private async send(c: OutboxClaim, p: OutboxPayload, number: string): Promise<SentMessage> {
    const { instanceName } = c;
    if (p.type === 'media') {
      const { type: _t, number: _n, stored, voiceNote, media: given, ...rest } = p;
      const media = stored ? await this.storedBase64(`${c.accountId}/${c.messageId}`) : given;
      if (!media) throw mediaUnavailable('the outbox row has no media');
      if (voiceNote) return this.deps.whatsapp.sendVoiceNote(instanceName, { number, audio: media });
      return this.deps.whatsapp.sendMedia(instanceName, { ...rest, media, number });
    }
    if (p.type === 'reaction') {
      return this.deps.whatsapp.sendReaction(instanceName, {
        number,
        target: { waMessageId: p.waMessageId, fromMe: p.fromMe, participant: p.participant },
        emoji: p.emoji,
      });
    }
    return this.deps.whatsapp.sendText(instanceName, {
      number,
      text: p.text,
      ...(p.quoted ? { quoted: p.quoted } : {}),
      ...(c.kind === 'reply' ? { subscribePresence: true } : {}),
    });
  }

  /** The stored file as base64, what Evolution's JSON send routes take. */
  private async storedBase64(key: string): Promise<string> {
    const storage = this.deps.storage;
    if (!storage || !(await storage.stat(key))) throw mediaUnavailable('the file is no longer stored');
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('base64');
  }

  /**
   * Did an earlier attempt reach WhatsApp? Evolution's sendText takes no id of ours, so the match
   * is: the business's own messages (fromMe) to this JID, WhatsApp timestamp from 30 s before the
   * first attempt to 30 s from now (clock skew), same text (or caption and media kind), and a
   * WhatsApp id no other stored message uses. The oldest such message is ours.
   */
  private async lookup(c: OutboxClaim, number: string): Promise<string | null> {
    const remoteJid = number.includes('@') ? number : `${number}@s.whatsapp.net`;
    const since = Math.floor(Date.parse(c.firstAttemptAt) / 1000) - 30;
    const records = await this.deps.whatsapp.findSentMessages(c.instanceName, {
      remoteJid,
      since,
      until: Math.ceil(Date.now() / 1000) + 30,
    });
    const ids = records.filter((r) => matches(c.payload, r)).map((r) => r.waMessageId);
    if (ids.length === 0) return null;
    const unused = await this.deps.db.call<string[]>('outbox_unused_wa_ids', { outboxId: c.id, waIds: ids });
    const found = unused.at(-1) ?? null;
    this.deps.logger.info({ outboxId: c.id, found }, 'outbox lookup after an unanswered attempt');
    return found;
  }

  private failure(c: OutboxClaim, err: unknown): Outcome {
    const d = isAppError(err) ? (err.details as { evolutionMessage?: string | null } | undefined) : undefined;
    const said = d?.evolutionMessage || (err instanceof Error ? err.message : String(err));
    const reasonCode = failureReasonOf(err);
    if (!RETRIED.includes(reasonCode)) return { reasonCode, error: said };
    if (c.attempts >= this.o.maxAttempts)
      return { reasonCode, error: `after ${c.attempts} attempts: ${said}` };
    return {
      reasonCode,
      error: said,
      retryAt: new Date(Date.now() + this.o.retryDelayMs * 2 ** (c.attempts - 1)),
    };
  }
}

const mediaUnavailable = (message: string) => new AppError('not_found', message, { reason: 'media_unavailable' });

function matches(p: OutboxPayload, r: SentRecord): boolean {
  if (p.type === 'text') return r.text === p.text;
  // Sending a reaction again only replaces it with itself.
  if (p.type === 'reaction') return false;
  const kind = `${p.mediatype === 'audio' ? 'audio' : p.mediatype}Message`;
  return r.messageType === kind && (r.text ?? '') === (p.caption ?? '');
}
