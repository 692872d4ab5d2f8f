import { z } from 'zod';

/** A list of labels as people type them: trimmed, 1–50 characters each, at most 20. */
export const labelListSchema = z.array(z.string().trim().min(1).max(50)).max(20);

/**
 * The inbox filters of GET /api/conversations, in every status tab (kept in the dashboard's URL):
 * `assignee` = `me` (Minhas), `none` (Sem responsável) or a user id; absent = Todas. `label` = one
 * conversation label; `instanceId` = one number.
 */
export const inboxFiltersSchema = z.object({
  assignee: z.union([z.enum(['me', 'none']), z.uuid()]).optional(),
  label: z.string().trim().min(1).max(50).optional(),
  instanceId: z.uuid().optional(),
});
export type InboxFilters = z.infer<typeof inboxFiltersSchema>;

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

/** POST /api/auth/recover: a forgotten password (the login page's "Esqueci minha senha"). */
export const recoverBodySchema = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
});
export type RecoverBody = z.infer<typeof recoverBodySchema>;

/**
 * POST /api/auth/recover answer (202, whether or not the email is known): `email` = Supabase Auth
 * sent its recovery email; `admin` = ask an owner or admin for a reset link.
 */
export type RecoverResult = { channel: 'email' | 'admin' };

/**
 * POST /api/users/:id/link (owner/admin): a fresh one-time link for a member. `invite` = the
 * invite link again (7 days; the previous one stops working); `reset` = a password reset link
 * (24 h; the member's sessions end now); `email` = Supabase Auth emailed its recovery link.
 */
export type MemberLinkResult = { kind: 'invite' | 'reset' | 'email'; url: string | null };
