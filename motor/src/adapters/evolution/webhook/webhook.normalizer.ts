import type { MessageStatus } from '@atende/shared';
import type { z } from 'zod';
import {
  identityOf,
  isGroupJid,
  isIgnoredChat,
  normalizeJid,
  phoneOf,
  usefulPushName,
  type Identity,
} from './jid.normalizer.js';
import type { ConnectionChange, InboundMessage } from '../../../ports/whatsapp-inbound.port.js';
import { editedText, messageContent } from './message-content.normalizer.js';
import { receiptStatus } from './status.normalizer.js';
import type {
  connectionDataSchema,
  contactsDataSchema,
  deleteDataSchema,
  editDataSchema,
  groupParticipantsDataSchema,
  groupsDataSchema,
  int64Schema,
  MessageData,
  ParticipantData,
  presenceDataSchema,
  receiptDataSchema,
} from './webhook.schemas.js';

/** 9999-12-31: anything later is garbage, not a time Postgres should be asked to store. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

/** A message as app.ingest_message takes it (the inbound port's InboundMessage). */
export type NormalizedMessage = InboundMessage;
export type { ConnectionChange };

/**
 * Epoch number from any int64 encoding Evolution uses.
 *
 * @example
 *   int64ToNumber({ low: -1586606656, high: 410, unsigned: false }) // → 1763644953000
 */
export function int64ToNumber(v: z.infer<typeof int64Schema> | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.high * 2 ** 32 + (v.low >>> 0);
}

/**
 * messages.upsert / send.message → the message to store; null for chats the Motor ignores
 * (status@broadcast, newsletters, keys with no usable identity).
 *
 * @example
 *   normalizeMessage(sample.data, 'upsert')?.chat // → { kind: 'direct', jid: '5511999990001@s.whatsapp.net', lid: '…@lid' }
 */
export function normalizeMessage(data: MessageData, origin: 'upsert' | 'send'): NormalizedMessage | null {
  const k = data.key;
  const remote = normalizeJid(k.remoteJid);
  if (isIgnoredChat(remote)) return null;
  const fromMe = origin === 'send' || k.fromMe === true;
  let chat: NormalizedMessage['chat'];
  let participant: Identity | null = null;
  if (isGroupJid(remote)) {
    chat = { kind: 'group', jid: remote, lid: null };
    participant = identityOf([k.participant, k.participantAlt, k.participantPn, k.participantLid]);
  } else {
    const id = identityOf([k.remoteJid, k.remoteJidAlt, k.senderPn, k.senderLid]);
    if (!id) return null;
    chat = { kind: 'direct', ...id };
  }
  const content = messageContent(data.message, data.contextInfo);
  const sender = chat.kind === 'group' ? (participant?.jid ?? participant?.lid) : chat.jid;
  const push = fromMe ? null : usefulPushName(data.pushName, sender);
  let sentAt = int64ToNumber(data.messageTimestamp);
  if (content.type === 'reaction') {
    // senderTimestampMs orders a person's successive reactions within the same second.
    const ms = int64ToNumber(
      (data.message?.reactionMessage as { senderTimestampMs?: never } | undefined)?.senderTimestampMs,
    );
    if (ms && Number.isFinite(ms) && ms > 0) sentAt = ms / 1000;
  }
  // In a 1:1 chat a quote is the customer's own message or the business's.
  const quoted = content.quoted && {
    ...content.quoted,
    fromMe:
      chat.kind === 'direct' && content.quoted.participant
        ? normalizeJid(content.quoted.participant) !== chat.jid &&
          normalizeJid(content.quoted.participant) !== chat.lid
        : null,
  };
  return {
    ...content,
    quoted,
    waMessageId: k.id,
    origin,
    fromMe,
    chat,
    participant,
    pushName: push,
    authorName: push,
    sentAt:
      sentAt !== null && Number.isFinite(sentAt) && sentAt > 0 && sentAt < MAX_EPOCH_SECONDS ? sentAt : null,
  };
}

/** messages.update → {waMessageId, status}, or null for a status to ignore (DELETED, unknown). */
export function normalizeReceipt(
  data: z.infer<typeof receiptDataSchema>,
): { waMessageId: string; status: MessageStatus } | null {
  const status = receiptStatus(data.status);
  if (!status || status === 'received') return null;
  return { waMessageId: (data.keyId ?? data.key?.id)!, status };
}

/** messages.delete → the deleted message's WhatsApp id (`key.id` beats the REST variant's db `id`). */
export function normalizeDelete(data: z.infer<typeof deleteDataSchema>): string {
  return (data.key?.id ?? data.id)!;
}

/** messages.edited → {waMessageId, text, editedAt (ISO)}; null when the edit carries no text. */
export function normalizeEdit(data: z.infer<typeof editDataSchema>, receivedAt = new Date()) {
  const text = editedText(data.editedMessage);
  if (text === null) return null;
  const ms = int64ToNumber(data.timestampMs);
  const editedAt =
    ms && Number.isFinite(ms) && ms > 0 && ms < MAX_EPOCH_SECONDS * 1000 ? new Date(ms) : receivedAt;
  return { waMessageId: data.key.id, text, editedAt: editedAt.toISOString() };
}

/**
 * connection.update → our status: open → connected, connecting → connecting, close →
 * disconnected (`logged_out` for 401, else `closed`), refused → disconnected `qr_limit_reached`.
 * Null for a state Evolution may add later.
 */
export function normalizeConnection(data: z.infer<typeof connectionDataSchema>): ConnectionChange | null {
  const base = { phoneNumber: null, profileName: null, profilePictureUrl: null };
  switch (data.state) {
    case 'open':
      return {
        status: 'connected',
        reason: null,
        phoneNumber: phoneOf(data.wuid),
        profileName: data.profileName ?? null,
        profilePictureUrl: data.profilePictureUrl ?? null,
      };
    case 'connecting':
      return { ...base, status: 'connecting', reason: null };
    case 'close':
      return { ...base, status: 'disconnected', reason: data.statusReason === 401 ? 'logged_out' : 'closed' };
    case 'refused':
      return { ...base, status: 'disconnected', reason: 'qr_limit_reached' };
    default:
      return null;
  }
}

/** contacts.* (array or object) → [{jid, lid, pushName, avatarUrl}]; groups and junk skipped. */
export function normalizeContacts(data: z.infer<typeof contactsDataSchema>) {
  const list = Array.isArray(data) ? data : [data];
  return list.flatMap((c) => {
    const id = identityOf([c.remoteJid, c.id, c.lid]);
    if (!id) return [];
    return [
      { ...id, pushName: usefulPushName(c.pushName, id.jid ?? id.lid), avatarUrl: c.profilePicUrl ?? null },
    ];
  });
}

const participant = (p: ParticipantData | string) => {
  if (typeof p === 'string') return { id: normalizeJid(p) ?? p, phoneNumber: null, lid: null, admin: null };
  return {
    id: normalizeJid(p.id) ?? p.id,
    phoneNumber: normalizeJid(p.phoneNumber),
    lid: normalizeJid(p.lid),
    admin: p.admin ?? null,
  };
};

/** groups.upsert (array or object) → rows for app.ingest_groups. */
export function normalizeGroups(data: z.infer<typeof groupsDataSchema>) {
  const list = Array.isArray(data) ? data : [data];
  return list.map((g) => ({
    jid: normalizeJid(g.id) ?? g.id,
    subject: g.subject ?? null,
    description: g.desc ?? null,
    size: g.size ?? null,
    participants: (g.participants ?? []).map(participant),
  }));
}

/** group-participants.update (participants as strings or objects) → app.ingest_group_participants args. */
export function normalizeGroupParticipants(data: z.infer<typeof groupParticipantsDataSchema>) {
  return {
    groupJid: normalizeJid(data.id) ?? data.id,
    action: data.action,
    participants: data.participants.map(participant),
  };
}

/**
 * presence.update → who is typing or recording in which chat; `paused` when they stopped
 * (Baileys reports paused as `available`). A group tells the first member typing. Null for a
 * chat the Motor ignores.
 *
 * @example
 *   normalizePresence({ id: '5511…@s.whatsapp.net', presences: { '5511…@s.whatsapp.net': { lastKnownPresence: 'composing' } } })
 *   // → { chatJid: '5511…@s.whatsapp.net', participantJid: null, state: 'typing' }
 */
export function normalizePresence(data: z.infer<typeof presenceDataSchema>) {
  const chatJid = normalizeJid(data.id);
  if (!chatJid || isIgnoredChat(chatJid)) return null;
  const entries = Object.entries(data.presences).map(([jid, p]) => ({
    jid: normalizeJid(jid),
    state: PRESENCE[p.lastKnownPresence ?? ''] ?? ('paused' as const),
  }));
  const active = entries.find((e) => e.state !== 'paused') ?? entries[0];
  if (!active) return null;
  return {
    chatJid,
    participantJid: isGroupJid(chatJid) ? active.jid : null,
    state: active.state,
  };
}

const PRESENCE: Record<string, 'typing' | 'recording'> = { composing: 'typing', recording: 'recording' };
