import { z } from 'zod';
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
    labels: z.array(z.string().trim().min(1).max(50)).max(20),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchContactBody = z.infer<typeof patchContactBodySchema>;
