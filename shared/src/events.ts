import { z } from 'zod';
import { conversationSchema, disconnectReasonSchema, instanceStatusSchema, messageSchema } from './domain.js';
import type { ErrorCode } from './errors.js';
import { campaignSchema } from './campaigns.js';

/** Durable events: appended to the account's log with a gap-free `seq`, emitted after commit. */
export const eventDataSchemas = {
  'message.created': z.object({ message: messageSchema, conversation: conversationSchema }),
  'message.updated': z.object({ message: messageSchema }),
  'conversation.updated': z.object({ conversation: conversationSchema }),
  /** One person seen under two identities (LID and phone): `fromId` is gone, folded into `intoId`. */
  'conversation.merged': z.object({ fromId: z.uuid(), intoId: z.uuid(), conversation: conversationSchema }),
  'instance.updated': z.object({
    instance: z.object({
      id: z.uuid(),
      name: z.string(),
      status: instanceStatusSchema,
      phoneNumber: z.string().nullable(),
      profileName: z.string().nullable(),
      reason: disconnectReasonSchema.nullable(),
      /** True when the number was removed for good (it leaves the lists). */
      removed: z.boolean().optional(),
    }),
  }),
  'campaign.updated': z.object({ campaign: campaignSchema }),
} as const;

export type DurableEventType = keyof typeof eventDataSchemas;
export const DURABLE_EVENT_TYPES = Object.keys(eventDataSchemas) as DurableEventType[];

export type EventData<T extends DurableEventType> = z.infer<(typeof eventDataSchemas)[T]>;

/** `{seq, type, at, data}`: the envelope of every durable event. */
export type DurableEvent<T extends DurableEventType = DurableEventType> = {
  [K in T]: { seq: number; type: K; at: string; data: EventData<K> };
}[T];

export const durableEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.enum(DURABLE_EVENT_TYPES as [DurableEventType, ...DurableEventType[]]),
  at: z.string(),
  data: z.unknown(),
});

/**
 * Checks a durable event against the contract: the envelope, then its `data` with the schema of
 * its type. Throws a ZodError naming the wrong field.
 *
 * @example
 *   socket.on('message.created', (e) => inbox.apply(parseDurableEvent(e)));
 */
export function parseDurableEvent(e: unknown): DurableEvent {
  const envelope = durableEventSchema.parse(e);
  eventDataSchemas[envelope.type].parse(envelope.data);
  return envelope as DurableEvent;
}

/** GET /api/events answer. */
export type EventsPage = { events: DurableEvent[]; seq: number } | { reset: true; seq: number };

/** Ephemeral events: no envelope, no seq; their latest state is readable over REST. */
export const instanceQrPayloadSchema = z.object({
  instanceId: z.uuid(),
  instanceName: z.string(),
  qrCode: z.string(),
  pairingCode: z.string().nullable(),
});
export type InstanceQrPayload = z.infer<typeof instanceQrPayloadSchema>;

/**
 * `conversation.typing`: an agent typing in the composer (`from: "agent"`, their `userId`), or the
 * customer typing or recording on WhatsApp (`from: "contact"`, `userId` null; `state: "paused"`
 * when they stopped). Older payloads carry neither `from` nor `state` (an agent, typing).
 */
export const typingPayloadSchema = z.object({
  conversationId: z.uuid(),
  userId: z.uuid().nullable(),
  name: z.string(),
  from: z.enum(['agent', 'contact']).optional(),
  state: z.enum(['typing', 'recording', 'paused']).optional(),
});
export type TypingPayload = z.infer<typeof typingPayloadSchema>;

export const readyPayloadSchema = z.object({
  accountId: z.uuid(),
  userId: z.uuid(),
  seq: z.number().int().min(0),
});
export type ReadyPayload = z.infer<typeof readyPayloadSchema>;

export type Ack<T = unknown> =
  { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

export interface ServerToClientEvents {
  ready: (p: ReadyPayload) => void;
  'message.created': (e: DurableEvent<'message.created'>) => void;
  'message.updated': (e: DurableEvent<'message.updated'>) => void;
  'conversation.updated': (e: DurableEvent<'conversation.updated'>) => void;
  'conversation.merged': (e: DurableEvent<'conversation.merged'>) => void;
  'instance.updated': (e: DurableEvent<'instance.updated'>) => void;
  'campaign.updated': (e: DurableEvent<'campaign.updated'>) => void;
  'instance.qr': (p: InstanceQrPayload) => void;
  'conversation.typing': (p: TypingPayload) => void;
}

export const conversationCommandSchema = z.object({ conversationId: z.uuid() });

export interface ClientToServerEvents {
  'conversation:read': (p: { conversationId: string }, ack: (a: Ack<null>) => void) => void;
  'conversation:typing': (p: { conversationId: string }, ack: (a: Ack<null>) => void) => void;
}
