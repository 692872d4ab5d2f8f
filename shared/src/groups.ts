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

/**
 * POST /api/sandbox/group-messages (simulator mode only): a simulated member writes in the group
 * with that subject (the simulated number joins it first when it is new).
 */
export const sandboxGroupMessageBodySchema = z.object({
  instanceName: z.string().trim().min(1).max(64),
  subject: z.string().trim().min(1).max(100),
  phone: z
    .string()
    .trim()
    .regex(/^[0-9]{10,15}$/, 'digits only, country code first (10 to 15 digits)'),
  name: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(4096),
});
export type SandboxGroupMessageBody = z.infer<typeof sandboxGroupMessageBodySchema>;
