import { z } from 'zod';

// Evolution 2.3.x webhook bodies (docs/evolution.md "Webhooks"). Only the fields the Motor reads are checked;
// unknown keys pass (Evolution adds some between versions). Opaque bytes/int64 fields are never read.

const jidString = z.string().trim().min(3).max(256);
const optJid = jidString.nullish();
/** int64 as 2.3.6 serialises it ({low, high}), or as a number / decimal string (≤ 2.3.5, v1). */
export const int64Schema = z.union([
  z.number().finite(),
  z.string().regex(/^-?\d{1,20}$/),
  z.looseObject({ low: z.number().int(), high: z.number().int() }),
]);

/** `{event, instance, data, …}`: what must hold before authentication (else 400). */
export const envelopeSchema = z.looseObject({
  event: z.string().min(1).max(100),
  instance: z.string().min(1).max(200),
  data: z.unknown().optional(),
});
export type WebhookEnvelope = z.infer<typeof envelopeSchema>;

export const messageKeySchema = z.looseObject({
  remoteJid: jidString,
  remoteJidAlt: optJid,
  senderPn: optJid,
  senderLid: optJid,
  fromMe: z.boolean().nullish(),
  id: z.string().trim().min(1).max(256),
  participant: optJid,
  participantAlt: optJid,
  participantPn: optJid,
  participantLid: optJid,
});

/** messages.upsert and send.message `data` (one message object, never an array). */
export const messageDataSchema = z.looseObject({
  key: messageKeySchema,
  pushName: z.string().max(1000).nullish(),
  status: z.union([z.string().max(50), z.number()]).nullish(),
  message: z.record(z.string(), z.unknown()).nullish(),
  contextInfo: z.looseObject({ stanzaId: z.string().max(256).nullish() }).nullish(),
  messageType: z.string().max(100).nullish(),
  messageTimestamp: int64Schema.nullish(),
});
export type MessageData = z.infer<typeof messageDataSchema>;

/** messages.update: a receipt (`keyId`, or a `key` in older shapes). */
export const receiptDataSchema = z
  .looseObject({
    keyId: z.string().trim().min(1).max(256).optional(),
    key: z.looseObject({ id: z.string().trim().min(1).max(256) }).optional(),
    remoteJid: optJid,
    fromMe: z.boolean().nullish(),
    participant: optJid,
    status: z.union([z.string().max(50), z.number()]).nullish(),
  })
  .refine((d) => d.keyId || d.key?.id, { message: 'keyId is required' });

/** messages.delete: the key itself (2.3.6, + status in 2.3.7), or a record with `key` (REST delete). */
export const deleteDataSchema = z
  .looseObject({
    id: z.string().trim().min(1).max(256).optional(),
    key: z.looseObject({ id: z.string().trim().min(1).max(256) }).optional(),
  })
  .refine((d) => d.key?.id || d.id, { message: 'id is required' });

/** messages.edited: the raw protocolMessage. */
export const editDataSchema = z.looseObject({
  key: z.looseObject({ id: z.string().trim().min(1).max(256) }),
  editedMessage: z.record(z.string(), z.unknown()),
  timestampMs: int64Schema.nullish(),
});

export const connectionDataSchema = z.looseObject({
  state: z.string().min(1).max(50),
  statusReason: z.number().nullish(),
  wuid: optJid,
  profileName: z.string().max(1000).nullish(),
  profilePictureUrl: z.string().max(4000).nullish(),
});

export const qrImageSchema = z.looseObject({
  qrcode: z.looseObject({
    pairingCode: z.string().max(100).nullish(),
    code: z.string().max(10_000).nullish(),
    base64: z.string().max(1_000_000).nullish(),
  }),
});
/** After QRCODE_LIMIT: {message: "QR code limit reached…", statusCode: 500}. */
export const qrLimitSchema = z.looseObject({
  message: z.string().max(1000),
  statusCode: z.number().optional(),
});
export const qrDataSchema = z.union([qrImageSchema, qrLimitSchema]);

const contactSchema = z.looseObject({
  remoteJid: jidString.optional(),
  id: jidString.optional(),
  lid: optJid,
  pushName: z.string().max(1000).nullish(),
  profilePicUrl: z.string().max(4000).nullish(),
});
/** contacts.upsert / contacts.update: an array, or one object. */
export const contactsDataSchema = z.union([z.array(contactSchema).max(10_000), contactSchema]);

const participantSchema = z.looseObject({
  id: jidString,
  phoneNumber: optJid,
  lid: optJid,
  admin: z.string().max(50).nullish(),
});
export type ParticipantData = z.infer<typeof participantSchema>;

const groupSchema = z.looseObject({
  id: jidString.refine((j) => j.endsWith('@g.us'), 'must be a group JID'),
  subject: z.string().max(1000).nullish(),
  desc: z.string().max(10_000).nullish(),
  size: z.number().int().min(0).max(1_000_000).nullish(),
  participants: z.array(participantSchema).max(10_000).nullish(),
});
export const groupsDataSchema = z.union([z.array(groupSchema).max(10_000), groupSchema]);

export const groupParticipantsDataSchema = z.looseObject({
  id: jidString.refine((j) => j.endsWith('@g.us'), 'must be a group JID'),
  action: z.enum(['add', 'remove', 'promote', 'demote', 'modify']),
  participants: z.array(z.union([jidString, participantSchema])).max(10_000),
});

/** presence.update: Baileys' `{id: <chat JID>, presences: {<JID>: {lastKnownPresence, lastSeen?}}}`. */
export const presenceDataSchema = z.looseObject({
  id: jidString,
  presences: z
    .record(
      z.string().max(256),
      z.looseObject({ lastKnownPresence: z.string().max(50).nullish(), lastSeen: z.number().nullish() }),
    )
    .refine((p) => Object.keys(p).length <= 1024, 'too many presences'),
});
