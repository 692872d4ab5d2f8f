import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import { AppError } from '../errors.js';
import { NO_METRICS, type MetricsPort } from '../ports/metrics.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { InboundChange, WhatsAppInbound } from '../ports/whatsapp-inbound.port.js';
import {
  authenticateWebhook,
  InstanceAuthCache,
  type WebhookCredentials,
  type WebhookPrincipal,
} from './webhook-auth.service.js';

export type WebhookAnswer = { success: true; ignored?: true };
type Ingested = { events: AccountEvent[] };
type Kind = InboundChange['kind'];
type Handler<K extends Kind> = (
  who: WebhookPrincipal,
  change: Extract<InboundChange, { kind: K }>,
) => Promise<Ingested>;

/** Called after a webhook's change committed and was published (e.g. the AI reply). */
export type IngestListener = (e: {
  who: WebhookPrincipal;
  /** The domain change's kind (`message.received`, `receipt`, …), never the gateway's event name. */
  event: string;
  events: readonly AccountEvent[];
}) => void | Promise<void>;

export interface WebhookIntakeDeps {
  db: Db;
  realtime: RealtimePublisher;
  logger: Logger;
  /** The gateway's webhooks, read into domain changes (the Evolution adapter implements it). */
  inbound: WhatsAppInbound;
  /** The `?token=` secret of Evolution's global webhook (config.webhookToken). */
  webhookToken?: string;
  /** Shared with InstancesService, which drops a name when its credentials change. */
  authCache?: InstanceAuthCache;
  /** Webhooks by event and outcome, ingest latency (default: none recorded). */
  metrics?: MetricsPort;
}

/**
 * Webhook intake: read the envelope (through the inbound port), authenticate the instance, read
 * the change it carries, make it in ONE SQL call (one transaction), publish the events after
 * commit. Events the Motor does not use are acknowledged as ignored, so they are not retried.
 *
 * @example
 *   const sut = new WebhookIntakeService({ db, realtime, logger, inbound: new EvolutionInbound() });
 *   await sut.handle(body, { motorToken: ctx.get('x-motor-token') }); // → { success: true }
 */
export class WebhookIntakeService {
  private readonly listeners: IngestListener[] = [];
  private readonly handlers: { [K in Kind]: Handler<K> };
  // One round trip per webhook instead of two (see InstanceAuthCache).
  private readonly authCache: InstanceAuthCache;

  constructor(private readonly deps: WebhookIntakeDeps) {
    this.authCache = deps.authCache ?? new InstanceAuthCache({ ttlMs: 10_000 });
    this.handlers = {
      'message.received': async (w, c) => {
        const r = await this.call('ingest_message', w, { message: c.message });
        return c.message.fromMe ? this.withTakeover(w, r) : r;
      },
      receipt: (w, c) => this.call('ingest_receipt', w, { waMessageId: c.waMessageId, status: c.status }),
      'message.edited': (w, c) =>
        this.call('ingest_message_change', w, {
          waMessageId: c.waMessageId,
          text: c.text,
          editedAt: c.editedAt,
        }),
      'message.deleted': (w, c) =>
        this.call('ingest_message_change', w, { waMessageId: c.waMessageId, deleted: true }),
      'connection.changed': (w, c) => this.call('ingest_connection', w, { ...c.connection }),
      'qr.updated': (w, c) => this.qr(w, c),
      presence: (w, c) => this.presence(w, c),
      'contacts.changed': (w, c) => this.call('ingest_contacts', w, { contacts: c.contacts }),
      'groups.changed': (w, c) => this.call('ingest_groups', w, { groups: c.groups }),
      'group.participants.changed': (w, c) =>
        this.call('ingest_group_participants', w, {
          groupJid: c.groupJid,
          action: c.action,
          participants: c.participants,
        }),
    };
  }

  /** Registers a follow-up that runs after the webhook was answered (errors are logged, never thrown). */
  onIngested(listener: IngestListener): void {
    this.listeners.push(listener);
  }

  /**
   * Handles one webhook body. Throws AppErrors: 400 `validation_failed` (envelope or data),
   * 401 `unauthenticated`, 503 `unavailable` (database down; Evolution retries).
   */
  async handle(body: unknown, cred: Omit<WebhookCredentials, 'instanceName'>): Promise<WebhookAnswer> {
    const metrics = this.deps.metrics ?? NO_METRICS;
    const started = performance.now();
    const seen = { event: 'unknown' };
    const record = (outcome: string) =>
      metrics.webhook(seen.event, outcome, (performance.now() - started) / 1000);
    try {
      const answer = await this.intake(body, cred, seen);
      record(answer.ignored ? 'ignored' : 'ok');
      return answer;
    } catch (e) {
      record(e instanceof AppError ? e.code : 'error');
      throw e;
    }
  }

  private async intake(
    body: unknown,
    cred: Omit<WebhookCredentials, 'instanceName'>,
    seen: { event: string },
  ): Promise<WebhookAnswer> {
    const hook = this.deps.inbound.parse(body);
    const who = await authenticateWebhook(
      {
        db: this.deps.db,
        globalToken: this.deps.webhookToken,
        cache: this.authCache,
        verifySignedToken: (token, secret) => this.deps.inbound.verifySignedToken(token, secret),
      },
      { ...cred, instanceName: hook.instanceName, bodyToken: hook.instanceToken },
    );
    // Labelled only once authenticated, so strangers cannot mint label values.
    seen.event = /^[\w.-]{1,40}$/.test(hook.event) ? hook.event : 'other';
    // A late event of an older session under this name (docs/evolution.md "Instance lifecycle").
    if (who.staleIncarnation) return { success: true, ignored: true };
    const change = await hook.read();
    if (!change) return { success: true, ignored: true };
    const result = await this.apply(who, change);
    if (result.events.length > 0) this.deps.realtime.publish(result.events);
    this.followUp(who, change.kind, result.events);
    return { success: true };
  }

  /**
   * A message read back from the gateway (`chat/findMessages` records), ingested as if its
   * webhook had arrived: idempotent (a known message changes nothing). Follow-ups hear it as
   * `message.reconciled`. Returns how many messages were new.
   */
  async ingestStored(who: WebhookPrincipal, record: unknown): Promise<number> {
    const message = this.deps.inbound.storedMessage(record);
    if (!message) return 0;
    const r = await this.call('ingest_message', who, { message });
    if (r.events.length === 0) return 0;
    this.deps.realtime.publish(r.events);
    this.followUp(who, 'message.reconciled', r.events);
    return r.events.filter((e) => e.type === 'message.created').length;
  }

  private apply(who: WebhookPrincipal, change: InboundChange): Promise<Ingested> {
    const handler = this.handlers[change.kind] as Handler<Kind>;
    return handler(who, change);
  }

  private async qr(
    who: WebhookPrincipal,
    c: Extract<InboundChange, { kind: 'qr.updated' }>,
  ): Promise<Ingested> {
    const r = await this.deps.db.call<
      Ingested & {
        qr: { instanceId: string; instanceName: string; qrCode: string; pairingCode: string | null } | null;
      }
    >(
      'ingest_qr',
      withoutNul({
        accountId: who.accountId,
        instanceId: who.instanceId,
        qrCode: c.qrCode,
        pairingCode: c.pairingCode,
      }),
    );
    if (r.qr) this.deps.realtime.publishQr(who.accountId, r.qr); // null: not connecting (a stopped session's QR)
    return { events: r.events };
  }

  /**
   * The customer typing, recording or stopping: relayed to the account's agents as the ephemeral
   * `conversation.typing` (nothing stored). A chat with no conversation here is ignored.
   */
  private async presence(
    who: WebhookPrincipal,
    c: Extract<InboundChange, { kind: 'presence' }>,
  ): Promise<Ingested> {
    const target = await this.deps.db.call<{ conversationId: string; name: string } | null>('presence_target', {
      accountId: who.accountId,
      instanceId: who.instanceId,
      jid: c.chatJid,
      participant: c.participantJid,
    });
    if (target) {
      this.deps.realtime.publishTyping(who.accountId, {
        conversationId: target.conversationId,
        userId: null,
        name: target.name,
        from: 'contact',
        state: c.state,
      });
    }
    return { events: [] };
  }

  /**
   * A message typed on the business's phone turns the conversation's AI off in its own transaction
   * (a trigger, supabase/migrations/20261201010100_ai.sql), which appends `conversation.updated`
   * right before the message's `message.created`; fetched here so both are published, in order.
   */
  private async withTakeover(who: WebhookPrincipal, r: Ingested): Promise<Ingested> {
    const created = r.events.find((e) => e.type === 'message.created');
    const msg = (
      created?.data as
        { message?: { sender?: string; authorId?: string | null; conversationId?: string } } | undefined
    )?.message;
    if (!created || msg?.sender !== 'agent' || msg.authorId !== null || !msg.conversationId) return r;
    const takeover = await this.deps.db.call<AccountEvent | null>('ai_takeover_event_of', {
      accountId: who.accountId,
      seq: created.seq,
      conversationId: msg.conversationId,
    });
    return takeover ? { events: [takeover, ...r.events] } : r;
  }

  private call(fn: string, who: WebhookPrincipal, args: Record<string, unknown>): Promise<Ingested> {
    return this.deps.db.call<Ingested>(fn, {
      accountId: who.accountId,
      instanceId: who.instanceId,
      ...withoutNul(args),
    });
  }

  private followUp(who: WebhookPrincipal, event: string, events: readonly AccountEvent[]) {
    if (this.listeners.length === 0) return;
    setImmediate(() => {
      for (const l of this.listeners) {
        Promise.resolve()
          .then(() => l({ who, event, events }))
          .catch((err) => this.deps.logger.error({ err, event }, 'webhook follow-up failed'));
      }
    });
  }
}

/** Postgres text and jsonb cannot hold U+0000; WhatsApp text never needs it. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}
