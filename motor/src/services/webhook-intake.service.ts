import QRCode from 'qrcode';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import {
  normalizeConnection,
  normalizeContacts,
  normalizeDelete,
  normalizeEdit,
  normalizeGroupParticipants,
  normalizeGroups,
  normalizeMessage,
  normalizeReceipt,
} from '../adapters/evolution/webhook/webhook.normalizer.js';
import {
  connectionDataSchema,
  contactsDataSchema,
  deleteDataSchema,
  editDataSchema,
  envelopeSchema,
  groupParticipantsDataSchema,
  groupsDataSchema,
  messageDataSchema,
  qrDataSchema,
  qrImageSchema,
  receiptDataSchema,
} from '../adapters/evolution/webhook/webhook.schemas.js';
import {
  authenticateWebhook,
  InstanceAuthCache,
  type WebhookCredentials,
  type WebhookPrincipal,
} from './webhook-auth.service.js';

export type WebhookAnswer = { success: true; ignored?: true };
type Ingested = { events: AccountEvent[] };
type Handler = (who: WebhookPrincipal, data: unknown) => Promise<Ingested | null>;

/** Called after a webhook's change committed and was published (e.g. the AI reply). */
export type IngestListener = (e: {
  who: WebhookPrincipal;
  event: string;
  events: readonly AccountEvent[];
}) => void | Promise<void>;

export interface WebhookIntakeDeps {
  db: Db;
  realtime: RealtimePublisher;
  logger: Logger;
  /** The `?token=` secret of Evolution's global webhook (config.webhookToken). */
  webhookToken?: string;
}

/**
 * Evolution webhook intake: parse the envelope, authenticate the instance, parse the event's data,
 * make its change in ONE SQL call (one transaction), publish the events after commit. Events the
 * Motor does not use are acknowledged as ignored, so Evolution does not retry them.
 *
 * @example
 *   const sut = new WebhookIntakeService({ db, realtime, logger });
 *   await sut.handle(body, { motorToken: ctx.get('x-motor-token') }); // → { success: true }
 */
export class WebhookIntakeService {
  private readonly listeners: IngestListener[] = [];
  private readonly handlers: Record<string, Handler>;
  // One round trip per webhook instead of two (see InstanceAuthCache).
  private readonly authCache = new InstanceAuthCache({ ttlMs: 10_000 });

  constructor(private readonly deps: WebhookIntakeDeps) {
    this.handlers = {
      'messages.upsert': (w, d) => this.message(w, d, 'upsert'),
      'send.message': (w, d) => this.message(w, d, 'send'),
      'messages.update': (w, d) => this.receipt(w, d),
      'messages.delete': (w, d) =>
        this.change(w, {
          waMessageId: normalizeDelete(parse('messages.delete', deleteDataSchema, d)),
          deleted: true,
        }),
      'messages.edited': (w, d) => this.edit(w, d),
      'connection.update': (w, d) => this.connection(w, d),
      'logout.instance': (w) =>
        this.call('ingest_connection', w, { status: 'disconnected', reason: 'logged_out' }),
      'remove.instance': (w) =>
        this.call('ingest_connection', w, { status: 'disconnected', reason: 'closed' }),
      'qrcode.updated': (w, d) => this.qr(w, d),
      'contacts.upsert': (w, d) => this.contacts(w, d),
      'contacts.update': (w, d) => this.contacts(w, d),
      'groups.upsert': (w, d) =>
        this.call('ingest_groups', w, {
          groups: normalizeGroups(parse('groups.upsert', groupsDataSchema, d)),
        }),
      'group-participants.update': (w, d) =>
        this.call(
          'ingest_group_participants',
          w,
          normalizeGroupParticipants(parse('group-participants.update', groupParticipantsDataSchema, d)),
        ),
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
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success)
      throw invalid('invalid webhook body: a JSON object with string `event` and `instance`', envelope.error);
    const { event, instance, data } = envelope.data;
    const who = await authenticateWebhook(
      { db: this.deps.db, globalToken: this.deps.webhookToken, cache: this.authCache },
      { ...cred, instanceName: instance },
    );
    const handler = Object.hasOwn(this.handlers, event) ? this.handlers[event] : undefined;
    if (!handler) return { success: true, ignored: true };
    const result = await handler(who, data);
    if (!result) return { success: true, ignored: true };
    if (result.events.length > 0) this.deps.realtime.publish(result.events);
    this.followUp(who, event, result.events);
    return { success: true };
  }

  private async message(who: WebhookPrincipal, data: unknown, origin: 'upsert' | 'send') {
    const m = normalizeMessage(
      parse(origin === 'send' ? 'send.message' : 'messages.upsert', messageDataSchema, data),
      origin,
    );
    return m ? this.call('ingest_message', who, { message: m }) : null;
  }

  private async receipt(who: WebhookPrincipal, data: unknown) {
    const r = normalizeReceipt(parse('messages.update', receiptDataSchema, data));
    return r ? this.call('ingest_receipt', who, r) : null;
  }

  private async edit(who: WebhookPrincipal, data: unknown) {
    const e = normalizeEdit(parse('messages.edited', editDataSchema, data));
    return e ? this.change(who, { waMessageId: e.waMessageId, text: e.text, editedAt: e.editedAt }) : null;
  }

  private change(
    who: WebhookPrincipal,
    args: { waMessageId: string; text?: string; editedAt?: string; deleted?: boolean },
  ) {
    return this.call('ingest_message_change', who, args);
  }

  private async connection(who: WebhookPrincipal, data: unknown) {
    const c = normalizeConnection(parse('connection.update', connectionDataSchema, data));
    return c ? this.call('ingest_connection', who, { ...c }) : null;
  }

  private async contacts(who: WebhookPrincipal, data: unknown) {
    const contacts = normalizeContacts(parse('contacts', contactsDataSchema, data));
    return contacts.length ? this.call('ingest_contacts', who, { contacts }) : null;
  }

  private async qr(who: WebhookPrincipal, data: unknown) {
    parse('qrcode.updated', qrDataSchema, data);
    const image = qrImageSchema.safeParse(data);
    if (!image.success) return null; // "QR code limit reached": connection.update refused follows
    const d = image.data;
    if (!d.qrcode.base64 && !d.qrcode.code) throw new AppError('validation_failed', 'qrcode.updated without a QR image or code');
    const qrCode = await qrDataUrl(d.qrcode.base64, d.qrcode.code);
    if (!qrCode) {
      // A code too long (or otherwise impossible) for a QR symbol: acknowledged and ignored, so
      // Evolution does not retry it for 20 minutes; the next qrcode.updated replaces it anyway.
      this.deps.logger.warn({ instance: who.instanceName, codeLength: d.qrcode.code?.length }, 'qrcode.updated with an unrenderable code ignored');
      return null;
    }
    const r = await this.deps.db.call<
      Ingested & {
        qr: { instanceId: string; instanceName: string; qrCode: string; pairingCode: string | null };
      }
    >(
      'ingest_qr',
      withoutNul({
        accountId: who.accountId,
        instanceId: who.instanceId,
        qrCode,
        pairingCode: d.qrcode.pairingCode ?? null,
      }),
    );
    this.deps.realtime.publishQr(who.accountId, r.qr);
    return { events: r.events };
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

function parse<S extends z.ZodType>(what: string, schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw invalid(`invalid data for ${what}`, r.error);
  return r.data;
}

function invalid(message: string, error: z.ZodError) {
  return new AppError(
    'validation_failed',
    message,
    error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

/** The PNG data URL Evolution sent, or one rendered from the raw code (some payloads elide it). */
async function qrDataUrl(
  base64: string | null | undefined,
  code: string | null | undefined,
): Promise<string | null> {
  if (base64 && /^data:image\/[a-z+]+;base64,[A-Za-z0-9+/=]+$/.test(base64)) return base64;
  if (!code) return null;
  // Version 40 at level H holds at most 1,273 bytes; QRCode throws past what fits.
  return QRCode.toDataURL(code, { margin: 3, scale: 4, errorCorrectionLevel: 'H' }).catch(() => null);
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
