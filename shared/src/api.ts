import { z } from 'zod';
import { CONVERSATION_STATUSES, ROLES, conversationSchema, messageSchema } from './domain.js';
import { newPasswordSchema } from './password.js';
import { storableTimestampSchema } from './timestamps.js';
import { aiHealthSchema } from './ai.js';
import { inboxFiltersSchema, labelListSchema, unreadCountsSchema } from './inbox.js';
import { evolutionHealthSchema } from './reasons.js';

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** POST /api/auth/signup */
export const signupBodySchema = z.object({
  email,
  password: newPasswordSchema,
  name: z.string().trim().min(1).max(120),
  accountName: z.string().trim().min(1).max(120),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

/** POST /api/auth/login */
export const loginBodySchema = z.object({
  email,
  password: z.string().min(1).max(200),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/**
 * The request header a dashboard on another site sends to signup, login, invite acceptance and
 * password change: the answer then carries the session as a bearer token (`accessTokenSchema`
 * fields) instead of setting the cookie, which such a browser would treat as third-party.
 */
export const BEARER_REQUEST_HEADER = 'x-atende-bearer';

/** A session's bearer token: in those answers, and from POST /api/auth/token (renewal). */
export const accessTokenSchema = z.object({ accessToken: z.string(), expiresIn: z.number().int().min(0) });
export type AccessTokenResult = z.infer<typeof accessTokenSchema>;

/** POST /api/users (team invite: a one-time link, or an initial password) */
export const inviteUserBodySchema = z.object({
  email,
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES).exclude(['owner']).default('agent'),
  password: newPasswordSchema.optional(),
});
export type InviteUserBody = z.infer<typeof inviteUserBodySchema>;

/** PATCH /api/users/:id */
export const updateUserBodySchema = z.object({ role: z.enum(ROLES) });

/** POST /api/instance/connect */
export const connectInstanceBodySchema = z.object({
  instanceName: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "-", "_" and "." only')
    .optional(),
  /** Link by pairing code instead of the QR: the WhatsApp number to link (digits, country code first). */
  number: z
    .string()
    .trim()
    .regex(/^[0-9]{10,15}$/, 'digits only, country code first (10 to 15 digits)')
    .optional(),
});
export type ConnectInstanceBody = z.infer<typeof connectInstanceBodySchema>;

export const instanceNameQuerySchema = z.object({ instanceName: z.string().trim().min(1).max(64) });

export const connectInstanceResultSchema = z.object({
  status: z.literal('initializing'),
  instanceId: z.uuid(),
  instanceName: z.string(),
});

export const instanceStatusResultSchema = z.object({
  status: z.enum(['connected', 'connecting', 'disconnected']),
  qrCode: z.string().nullable(),
  phoneNumber: z.string().nullable(),
});

/** GET /api/conversations (the inbox filters: see inboxFiltersSchema) */
export const listConversationsQuerySchema = inboxFiltersSchema.extend({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  q: z.string().trim().max(200).optional(),
  before: storableTimestampSchema.optional(),
  /** Opaque keyset cursor (the `x-next-cursor` header of the previous page); wins over `before`. */
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListConversationsQuery = z.infer<typeof listConversationsQuerySchema>;

/** GET /api/conversations/:id/messages */
export const listMessagesQuerySchema = z.object({
  before: storableTimestampSchema.optional(),
  /** Opaque keyset cursor (the `x-next-cursor` header of the previous, newer page); wins over `before`. */
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListMessagesQuery = z.infer<typeof listMessagesQuerySchema>;

/** POST /api/conversations/:id/messages */
export const sendMessageBodySchema = z.object({
  text: z.string().trim().min(1).max(4096),
  clientId: z.uuid().optional(),
  /** Reply to this message (a message of the same conversation that reached WhatsApp). */
  quotedMessageId: z.uuid().optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageBodySchema>;
export const sendMessageResultSchema = z.object({ success: z.literal(true), message: messageSchema });

/** PATCH /api/conversations/:id */
export const patchConversationBodySchema = z
  .object({
    status: z.enum(CONVERSATION_STATUSES).optional(),
    assigneeId: z.uuid().nullable().optional(),
    aiEnabled: z.boolean().optional(),
    labels: labelListSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchConversationBody = z.infer<typeof patchConversationBodySchema>;

export const idParamSchema = z.object({ id: z.uuid() });

/** GET /api/events */
export const eventsQuerySchema = z.object({
  after: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const conversationListSchema = z.array(conversationSchema);

/** POST /api/auth/password (revokes every other session of the user) */
export const changePasswordBodySchema = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: newPasswordSchema,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>;

/** POST /api/auth/invite/accept (the token of `${PUBLIC_URL}/invite/<token>`) */
export const acceptInviteBodySchema = z.object({
  token: z.string().min(16).max(200),
  password: newPasswordSchema,
});
export type AcceptInviteBody = z.infer<typeof acceptInviteBodySchema>;

/** GET /api/users items; `pending` = invited by link, not accepted yet. */
export const teamMemberSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  pending: z.boolean().optional(),
});
export type TeamMember = z.infer<typeof teamMemberSchema>;

/** POST /api/users answer: `inviteUrl` only when no password was given (shown once). */
export const inviteUserResultSchema = z.object({ user: teamMemberSchema, inviteUrl: z.string().optional() });
export type InviteUserResult = z.infer<typeof inviteUserResultSchema>;

/** GET /api/overview (the dashboard's first page). */
export const overviewSchema = z.object({
  /** The account's numbers, in the order they were added (a summary of each instance). */
  instances: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      status: z.enum(['connected', 'connecting', 'disconnected']),
      phoneNumber: z.string().nullable(),
      profileName: z.string().nullable(),
      updatedAt: z.string(),
    }),
  ),
  openConversations: z.number().int(),
  /** Conversations with unread messages, in all and per status tab (see inbox.ts). */
  unread: unreadCountsSchema,
  messagesToday: z.number().int(),
  /** False when the Motor runs without an LLM (GROQ_API_KEY unset): the dashboard says so. */
  aiAvailable: z.boolean(),
  /** The AI's health (last error, circuit breaker); see ai.ts. */
  ai: aiHealthSchema.optional(),
  /** The Evolution API as last checked (see evolutionHealthSchema); absent when the Motor has no checker. */
  evolution: evolutionHealthSchema.optional(),
});
export type Overview = z.infer<typeof overviewSchema>;

/** POST /api/sandbox/scan (simulator mode only): simulate scanning the instance's QR code. */
export const sandboxScanBodySchema = z.object({ instanceName: z.string().trim().min(1).max(64) });
export type SandboxScanBody = z.infer<typeof sandboxScanBodySchema>;

/** POST /api/sandbox/messages (simulator mode only): a simulated customer writes to the instance. */
export const sandboxMessageBodySchema = z.object({
  instanceName: z.string().trim().min(1).max(64),
  phone: z
    .string()
    .trim()
    .regex(/^[0-9]{10,15}$/, 'digits only, country code first (10 to 15 digits)'),
  name: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(4096),
  /** The customer replies to this message of the chat (its WhatsApp id). */
  quotedWaMessageId: z.string().trim().min(1).max(256).optional(),
});
export type SandboxMessageBody = z.infer<typeof sandboxMessageBodySchema>;

/** POST /api/sandbox/reactions (simulator mode only): the customer reacts to a message ("" removes). */
export const sandboxReactionBodySchema = sandboxMessageBodySchema.omit({ text: true, quotedWaMessageId: true }).extend({
  waMessageId: z.string().trim().min(1).max(256),
  emoji: z.string().max(32),
});
export type SandboxReactionBody = z.infer<typeof sandboxReactionBodySchema>;

/** POST /api/sandbox/presence (simulator mode only): the customer types, records or stops. */
export const sandboxPresenceBodySchema = sandboxMessageBodySchema.pick({ instanceName: true, phone: true }).extend({
  presence: z.enum(['composing', 'recording', 'paused']),
});
export type SandboxPresenceBody = z.infer<typeof sandboxPresenceBodySchema>;

/** POST /api/sandbox/media (simulator mode only): a simulated customer sends a sample file. */
export const SANDBOX_MEDIA_KINDS = ['image', 'audio', 'voice', 'video', 'document', 'contact'] as const;
export type SandboxMediaKind = (typeof SANDBOX_MEDIA_KINDS)[number];
export const sandboxMediaBodySchema = sandboxMessageBodySchema.omit({ text: true, quotedWaMessageId: true }).extend({
  kind: z.enum(SANDBOX_MEDIA_KINDS),
  caption: z.string().trim().min(1).max(1024).optional(),
});
export type SandboxMediaBody = z.infer<typeof sandboxMediaBodySchema>;
