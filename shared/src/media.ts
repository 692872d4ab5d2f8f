import { z } from 'zod';

/** Largest file WhatsApp takes, by kind: 16 MB for photos, audio and video, 100 MB for documents. */
export const MEDIA_LIMITS = {
  image: 16 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
} as const;
export type OutgoingMediaKind = keyof typeof MEDIA_LIMITS;

/** The largest upload of any kind (what a multipart body may reach at most, plus its fields). */
export const MEDIA_MAX_BYTES = MEDIA_LIMITS.document;

/**
 * The fields of `POST /api/conversations/:id/messages` as `multipart/form-data`, besides `file`.
 * `voiceNote: "true"` sends an audio as a voice note (recorded, with the microphone mark).
 */
export const sendMediaFieldsSchema = z.object({
  caption: z.string().trim().max(1024).optional(),
  clientId: z.uuid().optional(),
  voiceNote: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  /** The length of a recording, in seconds, as the browser measured it. */
  seconds: z.coerce.number().min(0).max(86_400).optional(),
});
export type SendMediaFields = z.infer<typeof sendMediaFieldsSchema>;

/** What the dashboard's attach button offers (the Motor decides from the bytes, not from this). */
export const MEDIA_ACCEPT =
  'image/jpeg,image/png,image/webp,image/gif,video/mp4,video/3gpp,video/quicktime,audio/*,application/pdf,' +
  '.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf,.txt,.csv,.zip,.rar,.7z,.epub';
