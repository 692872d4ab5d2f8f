import { z } from 'zod';

/**
 * Why something bound for WhatsApp failed, as a stable code. The Motor stores the code (e.g. in
 * `Message.error`, the outbox, campaign recipients); the dashboard shows it in the agent's language
 * (`reason.<code>` in its i18n files). Never store or show Evolution's own English message.
 *
 * - `instance_disconnected`: the number is not connected (Evolution "Connection Closed", or it
 *   does not know the instance any more): reconnect in Settings → WhatsApp.
 * - `number_not_on_whatsapp`: the recipient has no WhatsApp account.
 * - `no_whatsapp_address`: the conversation has no number or group to send to.
 * - `evolution_unreachable`: the Evolution API could not be reached (network, DNS, refused).
 * - `timeout`: Evolution did not answer in time (the message may still have gone out).
 * - `evolution_rejected`: Evolution refused the Motor's API key (401/403): a configuration fault.
 * - `invalid_request`: Evolution refused the content (400: empty text, bad media…).
 * - `media_unavailable`: the media could not be fetched or read.
 * - `whatsapp_error`: WhatsApp itself reported an error for the message (receipt ERROR).
 * - `evolution_error`: Evolution failed in another way (5xx, an unexpected answer).
 * - `unknown`: anything else.
 */
export const FAILURE_REASONS = [
  'instance_disconnected',
  'number_not_on_whatsapp',
  'no_whatsapp_address',
  'evolution_unreachable',
  'timeout',
  'evolution_rejected',
  'invalid_request',
  'media_unavailable',
  'whatsapp_error',
  'evolution_error',
  'unknown',
] as const;
export const failureReasonSchema = z.enum(FAILURE_REASONS);
export type FailureReason = z.infer<typeof failureReasonSchema>;

/** Reasons worth retrying later without changing anything (the outbox may back off and retry). */
export const TRANSIENT_REASONS: readonly FailureReason[] = [
  'evolution_unreachable',
  'timeout',
  'evolution_error',
];

/** True for a string that is one of {@link FAILURE_REASONS}. */
export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === 'string' && (FAILURE_REASONS as readonly string[]).includes(value);
}

/**
 * The reason code an error carries: the Motor's Evolution adapter puts it in the error's
 * `details.reason` (an AppError `upstream_failed`); anything without one is `unknown`.
 *
 * @example
 *   try { await whatsapp.sendText(name, input) } catch (err) { await store(failureReasonOf(err)) }
 */
export function failureReasonOf(err: unknown): FailureReason {
  const details = (err as { details?: { reason?: unknown } } | null | undefined)?.details;
  return isFailureReason(details?.reason) ? details.reason : 'unknown';
}

/**
 * The Evolution API as the Motor last checked it (start-up, `/readyz`, the overview):
 * `ok`; `unreachable` (no answer); `key_rejected` (EVOLUTION_API_KEY refused, 401/403);
 * `unsupported_version` (not 2.3.x); `licence_locked` (2.4's server, which refuses every call
 * until activated online).
 */
export const EVOLUTION_HEALTH_STATUSES = [
  'ok',
  'unreachable',
  'key_rejected',
  'unsupported_version',
  'licence_locked',
] as const;
export const evolutionHealthSchema = z.object({
  status: z.enum(EVOLUTION_HEALTH_STATUSES),
  /** What `GET /` reported, e.g. "2.3.6"; null when it did not answer. */
  version: z.string().nullable(),
  /** True for the built-in simulator. */
  simulated: z.boolean(),
  /** For operators, in English (the dashboard shows its own text per status). */
  message: z.string(),
  checkedAt: z.string(),
});
export type EvolutionHealth = z.infer<typeof evolutionHealthSchema>;
