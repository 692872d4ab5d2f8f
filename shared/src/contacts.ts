import { z } from 'zod';
import type { Conversation } from './domain.js';
import { labelListSchema } from './inbox.js';
import { normalizePhone, PHONE_PROBLEM_TEXT } from './phone.js';
import { storableTimestampSchema } from './timestamps.js';

/** Contacts (docs/campaigns.md "Opt-out"): search, the opt-out flag, labels. */

export interface Contact {
  id: string;
  name: string | null;
  pushName: string | null;
  phone: string | null;
  avatarUrl: string | null;
  optedOut: boolean;
  labels: string[];
  createdAt: string;
}

/** GET /api/contacts */
export const listContactsQuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  optedOut: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  before: storableTimestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListContactsQuery = z.infer<typeof listContactsQuerySchema>;

/** PATCH /api/contacts/:id (any role: an agent clears an opt-out when the customer asks) */
export const patchContactBodySchema = z
  .object({
    name: z.string().trim().max(200).nullable(),
    optedOut: z.boolean(),
    labels: labelListSchema,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchContactBody = z.infer<typeof patchContactBodySchema>;

/** GET /api/contacts/:id: the contact with its conversations (newest activity first), for the panel. */
export interface ContactDetail extends Contact {
  conversations: Conversation[];
  /** The team's private notes in all of the contact's conversations. */
  notesCount: number;
}

/**
 * POST /api/conversations: start a conversation with any number. `phone` as people type it
 * (`+55 (11) 98765-4321`, `11 8765-4321`: see phone.ts); the Motor asks WhatsApp whether the
 * number exists (400 `not_on_whatsapp` detail when not). `text`: an optional first message, sent
 * like any agent reply.
 */
export const startConversationBodySchema = z.object({
  instanceId: z.uuid(),
  phone: z
    .string()
    .max(40)
    .transform((input, ctx) => {
      const r = normalizePhone(input);
      if (r.ok) return r.phone;
      ctx.addIssue({ code: 'custom', message: PHONE_PROBLEM_TEXT[r.reason], params: { reason: r.reason } });
      return z.NEVER;
    }),
  text: z.string().trim().min(1).max(4096).optional(),
  clientId: z.uuid().optional(),
});
export type StartConversationBody = z.infer<typeof startConversationBodySchema>;

/**
 * `details[].reason` of a 400 from POST /api/conversations for `body.phone`: a PhoneProblem, or
 * `not_on_whatsapp` (WhatsApp has no account with that number).
 */
export const NOT_ON_WHATSAPP = 'not_on_whatsapp';
