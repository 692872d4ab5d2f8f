import { z } from 'zod';

/** A WhatsApp group one of the account's numbers belongs to (synced from Evolution). */
export const groupSchema = z.object({
  id: z.uuid(),
  instanceId: z.uuid(),
  /** `…@g.us` */
  jid: z.string(),
  subject: z.string().nullable(),
  /** Members, as WhatsApp last reported (null when unknown). */
  size: z.number().int().nullable(),
  /** The group's conversation; null until a message arrived in it. */
  conversationId: z.uuid().nullable(),
});
export type Group = z.infer<typeof groupSchema>;

/** GET /api/groups */
export const listGroupsQuerySchema = z.object({ instanceId: z.uuid().optional() });
export type ListGroupsQuery = z.infer<typeof listGroupsQuerySchema>;
