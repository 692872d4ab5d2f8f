import { z } from 'zod';
import { storableTimestampSchema } from './timestamps.js';
import { normalizePhoneList, PHONE_PROBLEM_TEXT, type InvalidPhone } from './phone.js';

/** Campaigns: throttled bulk messages (docs/campaigns.md). */

export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const RECIPIENT_STATUSES = [
  'pending',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** Why a campaign paused by itself (null: an owner or admin paused it). */
export const PAUSED_REASONS = ['instance_disconnected', 'daily_cap'] as const;

export const CAMPAIGN_ACTIONS = ['start', 'pause', 'resume', 'cancel'] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

const MAX_AUDIENCE = 10_000;

/** An audience as typed (phones not normalised yet): what the preview takes. */
export const campaignAudienceInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phones'), phones: z.array(z.string().max(64)).min(1).max(MAX_AUDIENCE) }),
  z.object({ type: z.literal('contacts'), contactIds: z.array(z.uuid()).min(1).max(MAX_AUDIENCE) }),
  z.object({ type: z.literal('all') }),
  z.object({ type: z.literal('label'), label: z.string().trim().min(1).max(100) }),
]);
export type CampaignAudienceInput = z.infer<typeof campaignAudienceInputSchema>;

/** Phones normalised and deduplicated; each invalid one is an issue at its index. */
const normalisedPhones = z
  .array(z.string().max(64))
  .min(1)
  .max(MAX_AUDIENCE)
  .transform((list, ctx) => {
    const { phones, invalid } = normalizePhoneList(list);
    for (const bad of invalid) {
      ctx.addIssue({
        code: 'custom',
        path: [bad.index],
        message: `invalid phone number "${bad.input}": ${PHONE_PROBLEM_TEXT[bad.reason]}`,
        params: { input: bad.input, reason: bad.reason },
      });
    }
    return phones;
  });

/** A stored audience (phones as digits). */
export const campaignAudienceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phones'), phones: normalisedPhones }),
  z.object({ type: z.literal('contacts'), contactIds: z.array(z.uuid()).min(1).max(MAX_AUDIENCE) }),
  z.object({ type: z.literal('all') }),
  z.object({ type: z.literal('label'), label: z.string().trim().min(1).max(100) }),
]);
export type CampaignAudience = z.infer<typeof campaignAudienceSchema>;

const campaignFields = {
  name: z.string().trim().min(1).max(200),
  instanceId: z.uuid(),
  text: z.string().trim().min(1).max(4096),
  audience: campaignAudienceSchema,
  ratePerMinute: z.number().int().min(1).max(600),
  scheduledAt: storableTimestampSchema.nullable(),
};

/** POST /api/campaigns */
export const createCampaignBodySchema = z.object({
  ...campaignFields,
  ratePerMinute: campaignFields.ratePerMinute.default(20),
  scheduledAt: campaignFields.scheduledAt.optional(),
});
export type CreateCampaignBody = z.infer<typeof createCampaignBodySchema>;

/** PATCH /api/campaigns/:id (while draft or scheduled) */
export const patchCampaignBodySchema = z
  .object(campaignFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type PatchCampaignBody = z.infer<typeof patchCampaignBodySchema>;

export const campaignSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  instanceId: z.uuid(),
  text: z.string(),
  audience: z.unknown(),
  ratePerMinute: z.number().int(),
  scheduledAt: z.string().nullable(),
  status: z.enum(CAMPAIGN_STATUSES),
  pausedReason: z.string().nullable(),
  total: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Campaign = Omit<z.infer<typeof campaignSchema>, 'audience'> & { audience: CampaignAudience };

/** GET /api/campaigns/:id/recipients */
export const listRecipientsQuerySchema = z.object({
  status: z.enum(RECIPIENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The last phone of the previous page. */
  after: z
    .string()
    .regex(/^[0-9]{1,20}$/, 'digits only')
    .optional(),
});
export type ListRecipientsQuery = z.infer<typeof listRecipientsQuerySchema>;

export interface CampaignRecipient {
  id: string;
  phone: string;
  contactId: string | null;
  name: string | null;
  status: RecipientStatus;
  error: string | null;
  sentAt: string | null;
}

/** POST /api/campaigns/preview: the audience count and invalid numbers before creating. */
export const campaignPreviewBodySchema = z.object({
  audience: campaignAudienceInputSchema,
  ratePerMinute: z.number().int().min(1).max(600).default(20),
});
export interface CampaignPreview {
  /** Recipients a start would create now (opted-out contacts excluded). */
  count: number;
  /** Contacts of the audience who opted out (they would be skipped). */
  optedOut: number;
  invalid: InvalidPhone[];
  /** At the rate given, with the runner's pauses and the daily cap. */
  estimatedSeconds: number;
}

/** `{{name}}` (spaces allowed inside the braces) in a campaign text. */
const NAME_PLACEHOLDER = /\{\{\s*name\s*\}\}/g;

/**
 * A campaign text for one recipient: `{{name}}` becomes the contact's name; with no name the
 * placeholder and the space before it go ("Olá {{name}}, tudo bem?" → "Olá, tudo bem?").
 * The SQL runner renders with the same rule (app.campaign_render).
 *
 * @example renderCampaignText('Oi {{name}}!', 'Ana') // 'Oi Ana!'
 */
export function renderCampaignText(text: string, name: string | null | undefined): string {
  const unified = text.replace(NAME_PLACEHOLDER, '{{name}}');
  const n = (name ?? '').trim();
  return n === '' ? unified.replace(/ ?\{\{name\}\}/g, '') : unified.replaceAll('{{name}}', n);
}

export const OPT_OUT_WORDS = ['SAIR', 'PARAR', 'STOP', 'CANCELAR', 'DESCADASTRAR'] as const;

/**
 * Whether an inbound text is only an opt-out word (any case, accents, punctuation, spaces or
 * emoji around it): "Sair", "PARAR!", "  stop. ", "Descadastrar 🙏" yes; "quero sair" no.
 *
 * @example isOptOutText('Cancelar!') // true
 */
export function isOptOutText(text: string | null | undefined): boolean {
  if (!text) return false;
  const letters = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
  return (OPT_OUT_WORDS as readonly string[]).includes(letters);
}

/**
 * Seconds a campaign of `count` recipients takes at `ratePerMinute`, with a break of `breakMs`
 * every `breakEvery` sends and at most `dailyCap` sends a day (the rest waits for the next day).
 *
 * @example estimateCampaignSeconds(120, 60, { breakEvery: 50, breakMs: 30_000 }) // 180
 */
export function estimateCampaignSeconds(
  count: number,
  ratePerMinute: number,
  opts: { breakEvery?: number; breakMs?: number; dailyCap?: number } = {},
): number {
  if (count <= 0) return 0;
  const gaps = count - 1;
  let ms = (gaps * 60_000) / ratePerMinute;
  if (opts.breakEvery && opts.breakEvery > 0 && opts.breakMs)
    ms += Math.floor(gaps / opts.breakEvery) * opts.breakMs;
  if (opts.dailyCap && opts.dailyCap > 0 && count > opts.dailyCap) {
    ms += Math.floor((count - 1) / opts.dailyCap) * 86_400_000;
  }
  return Math.round(ms / 1000);
}
