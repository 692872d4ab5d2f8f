import { z } from 'zod';

export const ROLES = ['owner', 'admin', 'agent'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
});
export type User = z.infer<typeof userSchema>;

export const accountSchema = z.object({ id: z.uuid(), name: z.string() });
export type Account = z.infer<typeof accountSchema>;

export const meSchema = z.object({ user: userSchema, account: accountSchema });
export type Me = z.infer<typeof meSchema>;

export const INSTANCE_STATUSES = ['connected', 'connecting', 'disconnected'] as const;
export const instanceStatusSchema = z.enum(INSTANCE_STATUSES);
export type InstanceStatus = z.infer<typeof instanceStatusSchema>;

/** Why an instance is disconnected (Evolution close/refused/logout mapped). */
export const DISCONNECT_REASONS = ['qr_limit_reached', 'logged_out', 'closed'] as const;
export const disconnectReasonSchema = z.enum(DISCONNECT_REASONS);
export type DisconnectReason = z.infer<typeof disconnectReasonSchema>;

export const instanceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  status: instanceStatusSchema,
  phoneNumber: z.string().nullable(),
  profileName: z.string().nullable(),
  reason: disconnectReasonSchema.nullable().optional(),
  updatedAt: z.string(),
});
export type Instance = z.infer<typeof instanceSchema>;

export const CONVERSATION_STATUSES = ['open', 'pending', 'resolved'] as const;
export const conversationStatusSchema = z.enum(CONVERSATION_STATUSES);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;

export const MESSAGE_TYPES = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'reaction',
  'other',
] as const;
export const messageTypeSchema = z.enum(MESSAGE_TYPES);

export const conversationSchema = z.object({
  id: z.uuid(),
  instanceId: z.uuid(),
  contact: z
    .object({
      id: z.uuid(),
      name: z.string().nullable(),
      phone: z.string().nullable(),
      avatarUrl: z.string().nullable(),
    })
    .nullable(),
  group: z.object({ id: z.uuid(), subject: z.string().nullable() }).nullable(),
  status: conversationStatusSchema,
  assigneeId: z.uuid().nullable(),
  aiEnabled: z.boolean(),
  unreadCount: z.number().int(),
  lastMessageAt: z.string().nullable(),
  /** The last message's text or caption; null for media without caption (see lastMessageType). */
  lastMessagePreview: z.string().nullable(),
  /** The last message's type, for the inbox line ("📷 Photo" when there is no text); null before any. */
  lastMessageType: messageTypeSchema.nullable(),
  /** The conversation's labels (sorted; independent of the contact's labels). */
  labels: z.array(z.string()),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** `Message.quoted`: what a reply quotes. `messageId` is the stored original, when there is one. */
export const quotedMessageSchema = z.object({
  waMessageId: z.string(),
  messageId: z.uuid().nullable(),
  type: messageTypeSchema,
  text: z.string().nullable(),
  /** `in`: the customer's (or a group member's); `out`: the business's; null when unknown. */
  direction: z.enum(['in', 'out']).nullable(),
  authorName: z.string().nullable(),
});
export type QuotedMessage = z.infer<typeof quotedMessageSchema>;

export const MESSAGE_STATUSES = ['received', 'pending', 'sent', 'delivered', 'read', 'failed'] as const;
export const MESSAGE_SENDERS = ['contact', 'agent', 'ai', 'campaign', 'system'] as const;

export const messageSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  waMessageId: z.string().nullable(),
  clientId: z.string().nullable().optional(),
  direction: z.enum(['in', 'out']),
  sender: z.enum(MESSAGE_SENDERS),
  authorId: z.uuid().nullable(),
  /** Display name of the author: the agent's name, the contact's pushName, or the group participant's. */
  authorName: z.string().nullable().optional(),
  participant: z.string().nullable(),
  type: messageTypeSchema,
  text: z.string().nullable(),
  media: z
    .object({
      mimetype: z.string().nullable(),
      caption: z.string().nullable(),
      fileName: z.string().nullable(),
      /** Seconds, for audio and video. */
      seconds: z.number().nullable().optional(),
      /** For locations. */
      latitude: z.number().nullable().optional(),
      longitude: z.number().nullable().optional(),
      /** Bytes, as WhatsApp announced it. */
      size: z.number().nullable().optional(),
      /** Where the Motor serves the file: `/api/messages/:id/media` (null for media without a file). */
      url: z.string().nullable().optional(),
      /** WhatsApp's inline preview as a small data URL, shown while the file loads. */
      thumbnail: z.string().nullable().optional(),
      /** An audio recorded as a voice note (WhatsApp's `ptt`). */
      voiceNote: z.boolean().nullable().optional(),
      width: z.number().nullable().optional(),
      height: z.number().nullable().optional(),
      /** Shared contact cards: each person's name and numbers (from the vCard). */
      contacts: z
        .array(z.object({ name: z.string().nullable(), phones: z.array(z.string()) }))
        .nullable()
        .optional(),
    })
    .nullable(),
  /** A voice note's text (speech-to-text), null until transcribed or when it is not a voice note. */
  transcript: z.string().nullable().optional(),
  quotedWaMessageId: z.string().nullable(),
  /**
   * The message this one replies to, as it was when the reply was stored (so a quote renders even
   * when the original is not loaded, or no longer exists): null when it is not a reply.
   */
  quoted: quotedMessageSchema.nullable().optional(),
  /** Reactions to this message: emoji → count (set by reaction messages). */
  reactions: z.record(z.string(), z.number()).nullable().optional(),
  /** The business's own current reaction to this message (what the agent toggles), or null. */
  ownReaction: z.string().nullable().optional(),
  /** A private note: shown to agents only, never sent to WhatsApp, never in the AI's context. */
  private: z.boolean().optional(),
  status: z.enum(MESSAGE_STATUSES),
  error: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
  editedAt: z.string().nullable().optional(),
  deletedAt: z.string().nullable().optional(),
});
export type Message = z.infer<typeof messageSchema>;
export type MessageStatus = Message['status'];
export type MessageType = Message['type'];

/**
 * The order statuses move in (the same as `app.status_rank` in SQL): pending → sent → delivered →
 * read; `failed` sits above pending/sent (it can only replace those) and below delivered/read
 * (proof it went out anyway); `received` is an incoming message's only status.
 */
export const MESSAGE_STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  received: 0,
  pending: 1,
  sent: 2,
  failed: 3,
  delivered: 4,
  read: 5,
};

/** Statuses only move forward (`app.status_moves_forward`): true when `to` would replace `from`. */
export function statusMovesForward(from: MessageStatus, to: MessageStatus): boolean {
  return MESSAGE_STATUS_RANK[to] > MESSAGE_STATUS_RANK[from];
}
