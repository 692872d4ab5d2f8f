import { jwtVerify } from 'jose';
import QRCode from 'qrcode';
import type { z } from 'zod';
import { AppError } from '../../../errors.js';
import type { InboundChange, InboundWebhook, WhatsAppInbound } from '../../../ports/whatsapp-inbound.port.js';
import {
  normalizeConnection,
  normalizeContacts,
  normalizeDelete,
  normalizeEdit,
  normalizeGroupParticipants,
  normalizeGroups,
  normalizeMessage,
  normalizePresence,
  normalizeReceipt,
} from './webhook.normalizer.js';
import {
  connectionDataSchema,
  contactsDataSchema,
  deleteDataSchema,
  editDataSchema,
  envelopeSchema,
  groupParticipantsDataSchema,
  groupsDataSchema,
  messageDataSchema,
  presenceDataSchema,
  qrDataSchema,
  qrImageSchema,
  receiptDataSchema,
} from './webhook.schemas.js';

export { SUBSCRIBED_EVENTS } from './webhook.events.js';

type Reader = (data: unknown) => Promise<InboundChange | null> | InboundChange | null;

/** Evolution's event name → the domain change it means. Events not listed are ignored. */
const READERS: Record<string, Reader> = {
  'messages.upsert': (d) => message(parse('messages.upsert', messageDataSchema, d), 'upsert'),
  'send.message': (d) => message(parse('send.message', messageDataSchema, d), 'send'),
  'messages.update': (d) => {
    const r = normalizeReceipt(parse('messages.update', receiptDataSchema, d));
    return r ? { kind: 'receipt', ...r } : null;
  },
  'messages.delete': (d) => ({
    kind: 'message.deleted',
    waMessageId: normalizeDelete(parse('messages.delete', deleteDataSchema, d)),
  }),
  'messages.edited': (d) => {
    const e = normalizeEdit(parse('messages.edited', editDataSchema, d));
    return e ? { kind: 'message.edited', ...e } : null;
  },
  'connection.update': (d) => {
    const c = normalizeConnection(parse('connection.update', connectionDataSchema, d));
    return c ? { kind: 'connection.changed', connection: c } : null;
  },
  'logout.instance': () => ({
    kind: 'connection.changed',
    connection: { status: 'disconnected', reason: 'logged_out' },
  }),
  'remove.instance': () => ({
    kind: 'connection.changed',
    connection: { status: 'disconnected', reason: 'closed' },
  }),
  'qrcode.updated': (d) => qr(d),
  'presence.update': (d) => {
    const p = normalizePresence(parse('presence.update', presenceDataSchema, d));
    return p ? { kind: 'presence', ...p } : null;
  },
  'contacts.upsert': (d) => contacts(d),
  'contacts.update': (d) => contacts(d),
  'groups.upsert': (d) => ({
    kind: 'groups.changed',
    groups: normalizeGroups(parse('groups.upsert', groupsDataSchema, d)),
  }),
  // Evolution 2.3 never delivers it by webhook (its subscription name is misspelt there), but a
  // fixed or newer server, or the global webhook, may: the same partial metadata as groups.upsert.
  'groups.update': (d) => ({
    kind: 'groups.changed',
    groups: normalizeGroups(parse('groups.update', groupsDataSchema, d)),
  }),
  'group-participants.update': (d) => ({
    kind: 'group.participants.changed',
    ...normalizeGroupParticipants(parse('group-participants.update', groupParticipantsDataSchema, d)),
  }),
};

/**
 * Evolution's inbound side behind the WhatsAppInbound port: envelope and data schemas (zod),
 * normalisers (JIDs, content, statuses), the event-name table and QR rendering. Everything the
 * services get from a webhook is a domain change.
 *
 * @example
 *   const inbound = new EvolutionInbound();
 *   const hook = inbound.parse(body);           // 400 if not an envelope
 *   const change = await hook.read();           // { kind: 'message.received', message } | … | null
 */
export class EvolutionInbound implements WhatsAppInbound {
  parse(body: unknown): InboundWebhook {
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success)
      throw invalid('invalid webhook body: a JSON object with string `event` and `instance`', envelope.error);
    const { event, instance, data } = envelope.data;
    const apikey = (envelope.data as { apikey?: unknown }).apikey;
    const reader = Object.hasOwn(READERS, event) ? READERS[event] : undefined;
    return {
      instanceName: instance,
      instanceToken: typeof apikey === 'string' && apikey !== '' ? apikey : null,
      event,
      read: async () => (reader ? reader(data) : null),
    };
  }

  storedMessage(record: unknown) {
    const parsed = messageDataSchema.safeParse(record);
    return parsed.success ? normalizeMessage(parsed.data, 'upsert') : null;
  }

  /**
   * Evolution's webhook JWT (HS256 with the value of the webhook's `jwt_key` header): `exp`
   * required (without it a leaked token would work forever), at most Evolution's 10-minute
   * lifetime ahead, 30 s of clock skew either way.
   */
  async verifySignedToken(token: string, secret: string): Promise<boolean> {
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        clockTolerance: JWT_SKEW_SECONDS,
      });
      return payload.exp! - Date.now() / 1000 <= JWT_MAX_LIFETIME_SECONDS + JWT_SKEW_SECONDS;
    } catch {
      return false;
    }
  }
}

function message(data: z.infer<typeof messageDataSchema>, origin: 'upsert' | 'send'): InboundChange | null {
  const m = normalizeMessage(data, origin);
  return m ? { kind: 'message.received', message: m } : null;
}

function contacts(data: unknown): InboundChange | null {
  const list = normalizeContacts(parse('contacts', contactsDataSchema, data));
  return list.length ? { kind: 'contacts.changed', contacts: list } : null;
}

/** Clock skew allowed between Evolution's host and ours, in seconds. */
const JWT_SKEW_SECONDS = 30;
/** Evolution issues webhook JWTs for 10 minutes (`exp: iat + 600`). */
const JWT_MAX_LIFETIME_SECONDS = 600;

async function qr(data: unknown): Promise<InboundChange | null> {
  parse('qrcode.updated', qrDataSchema, data);
  const image = qrImageSchema.safeParse(data);
  if (!image.success) return null; // "QR code limit reached": connection.update refused follows
  const d = image.data;
  if (!d.qrcode.base64 && !d.qrcode.code) throw new AppError('validation_failed', 'qrcode.updated without a QR image or code');
  const qrCode = await qrDataUrl(d.qrcode.base64, d.qrcode.code);
  // A code too long (or otherwise impossible) for a QR symbol is acknowledged and ignored, so
  // Evolution does not retry it for 20 minutes; the next qrcode.updated replaces it anyway.
  if (!qrCode) return null;
  return { kind: 'qr.updated', qrCode, pairingCode: d.qrcode.pairingCode ?? null };
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
  // Version 40 at level H holds at most 1,273 bytes; QRCode throws past what fits.
  if (code) return QRCode.toDataURL(code, { margin: 3, scale: 4, errorCorrectionLevel: 'H' }).catch(() => null);
  return null;
}
