import { z } from 'zod';

/** Defaults of a new account's AI (the model default is the Motor's GROQ_MODEL). */
export const AI_DEFAULTS = {
  enabled: false,
  businessDescription: '',
  instructions: '',
  handoffKeywords: ['atendente', 'humano', 'pessoa', 'falar com alguém'],
  replyDelayMs: 3000,
} as const;

/** GET /api/settings/ai; `available` is false while the Motor has no GROQ_API_KEY. */
export const aiSettingsSchema = z.object({
  enabled: z.boolean(),
  businessDescription: z.string(),
  instructions: z.string(),
  model: z.string(),
  handoffKeywords: z.array(z.string()),
  replyDelayMs: z.number().int(),
  /** Voice notes are transcribed (needs GROQ_API_KEY); on by default. */
  transcribeVoiceNotes: z.boolean(),
  available: z.boolean(),
});
export type AiSettings = z.infer<typeof aiSettingsSchema>;

/** PUT /api/settings/ai: any of the fields (unknown ones are refused). */
export const putAiSettingsBodySchema = z
  .object({
    enabled: z.boolean(),
    businessDescription: z.string().max(4000),
    instructions: z.string().max(4000),
    model: z.string().trim().min(1).max(200),
    handoffKeywords: z.array(z.string().trim().min(1).max(100)).max(20),
    replyDelayMs: z.number().int().min(0).max(30000),
    transcribeVoiceNotes: z.boolean(),
  })
  .partial()
  .strict();
export type PutAiSettingsBody = z.infer<typeof putAiSettingsBodySchema>;

/** POST /api/settings/ai/test: a customer question tried against the settings; nothing is sent. */
export const aiTestBodySchema = z.object({ text: z.string().trim().min(1).max(4000) }).strict();
export type AiTestBody = z.infer<typeof aiTestBodySchema>;

export const aiTestResultSchema = z.object({
  /** The products the question matched (what the model is shown), best first. */
  products: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      priceCents: z.number().int().nullable(),
      currency: z.string(),
      sku: z.string().nullable(),
      matched: z.boolean(),
    }),
  ),
  /** The model's answer; null when the AI is not available or the call failed (`error` says why). */
  answer: z.string().nullable(),
  /** `not_available` (no GROQ_API_KEY) or an LLM failure kind (timeout, rate_limited, …). */
  error: z.string().nullable(),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }).nullable(),
});
export type AiTestResult = z.infer<typeof aiTestResultSchema>;

/** The AI's health, in GET /api/overview. */
export const aiHealthSchema = z.object({
  enabled: z.boolean(),
  failuresInRow: z.number().int(),
  /** The last failure kind (timeout, rate_limited, server_error, empty, network, rejected). */
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** Set while the circuit breaker holds the account's AI (after 5 failures in a row, 60 s). */
  pausedUntil: z.string().nullable(),
});
export type AiHealth = z.infer<typeof aiHealthSchema>;
