import { z } from 'zod';

// The agents' thread tools (docs/team-tools.md "Thread tools"): private notes, quick replies,
// reactions, the account's inbox settings. Quotes ride on POST /api/conversations/:id/messages
// (`quotedMessageId`, api.ts) and show as `Message.quoted` (domain.ts).

export const TEAM_LIMITS = {
  noteText: 4096,
  shortcut: 32,
  quickReplyText: 4096,
  quickReplies: 500,
} as const;

/** POST /api/conversations/:id/notes: a private note (agents only, never sent to WhatsApp). */
export const noteBodySchema = z.object({ text: z.string().trim().min(1).max(TEAM_LIMITS.noteText) });
export type NoteBody = z.infer<typeof noteBodySchema>;

/** `/atalho`: lower-case letters, digits, `_` and `-`, unique per account. */
export const shortcutSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(TEAM_LIMITS.shortcut)
  .regex(/^[a-z0-9_-]+$/, 'only a-z, 0-9, _ and -');

export const quickReplySchema = z.object({
  id: z.uuid(),
  shortcut: z.string(),
  text: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type QuickReply = z.infer<typeof quickReplySchema>;

/** POST /api/quick-replies (owner/admin); 409 `conflict` when the shortcut is taken. */
export const createQuickReplyBodySchema = z.object({
  shortcut: shortcutSchema,
  text: z.string().trim().min(1).max(TEAM_LIMITS.quickReplyText),
});
export type CreateQuickReplyBody = z.infer<typeof createQuickReplyBodySchema>;

/** PATCH /api/quick-replies/:id (owner/admin). */
export const patchQuickReplyBodySchema = createQuickReplyBodySchema
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchQuickReplyBody = z.infer<typeof patchQuickReplyBodySchema>;

/** POST /api/messages/:id/reactions: `""` removes the business's reaction. */
export const reactionBodySchema = z.object({
  emoji: z
    .string()
    .max(32)
    .refine((s) => s === '' || /^\p{Extended_Pictographic}/u.test(s) || /\p{Emoji_Presentation}/u.test(s), {
      message: 'one emoji, or "" to remove',
    }),
});
export type ReactionBody = z.infer<typeof reactionBodySchema>;

/** GET/PATCH /api/account/settings: the account's inbox settings (writes: owner/admin). */
export const accountSettingsSchema = z.object({
  /** Blue ticks for the customer when an agent opens the thread (off by default). */
  readReceipts: z.boolean(),
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;
export const patchAccountSettingsBodySchema = accountSettingsSchema
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchAccountSettingsBody = z.infer<typeof patchAccountSettingsBodySchema>;

/**
 * Fills a quick reply's placeholder: `{{name}}` is the contact's name; without one it is dropped
 * with the space before it ("Olá {{name}}!" → "Olá!").
 *
 * @example
 *   fillQuickReply('Olá {{name}}!', { name: 'Maria Souza' }) // → 'Olá Maria Souza!'
 */
export function fillQuickReply(text: string, vars: { name?: string | null }): string {
  const name = vars.name?.trim();
  return name ? text.replace(/\{\{\s*name\s*\}\}/gi, name) : text.replace(/[ \t]*\{\{\s*name\s*\}\}/gi, '');
}
