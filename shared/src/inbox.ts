import { z } from 'zod';

/**
 * GET /api/conversations/unread and `overview.unread`: how many conversations have unread
 * messages, in all and per status tab (the nav badge and the `(N)` of the tab title).
 */
export const unreadCountsSchema = z.object({
  total: z.number().int().min(0),
  open: z.number().int().min(0),
  pending: z.number().int().min(0),
  resolved: z.number().int().min(0),
});
export type UnreadCounts = z.infer<typeof unreadCountsSchema>;
