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
