import { MEDIA_LIMITS, type OutgoingMediaKind } from '@atende/shared';

/** What an upload is, decided from its bytes: how WhatsApp gets it and the limit that applies. */
export interface MediaClass {
  kind: OutgoingMediaKind;
  /** The type to store and send (from the bytes, never from the browser's claim). */
  mimetype: string;
  limit: number;
  /**
   * WhatsApp plays only some audio formats inline (ogg/opus, mp3, m4a/aac, amr). Others (a browser
   * recording in webm, wav, flac) go as a voice note: Evolution converts those to ogg/opus.
   */
  voiceOnly?: boolean;
}

const IMAGE = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
const VIDEO = ['video/mp4', 'video/3gpp', 'video/quicktime'];
const AUDIO_INLINE = ['audio/ogg', 'audio/opus', 'audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/aac', 'audio/amr'];
const AUDIO_CONVERTED = ['audio/webm', 'audio/wav', 'audio/x-wav', 'audio/vnd.wave', 'audio/flac', 'audio/x-flac'];
const DOCUMENT = [
  'application/pdf',
  'application/zip',
  'application/x-rar-compressed',
  'application/vnd.rar',
  'application/x-7z-compressed',
  'application/gzip',
  'application/epub+zip',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/x-cfb',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'text/plain',
  'text/csv',
];

/** Old Office files share one container format; the name tells which program opens them. */
const CFB_BY_EXT: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

/**
 * The WhatsApp class of an upload from the type sniffed out of its first bytes (`sniffed`, null when
 * the bytes match no known binary format), the file's name and those bytes. Null: WhatsApp cannot
 * take it (an executable, an unknown binary…) and the upload answers 415.
 *
 * @example
 *   classifyUpload('image/png', 'foto.png', head) // → { kind: 'image', mimetype: 'image/png', limit: 16 MB }
 *   classifyUpload(null, 'lista.txt', head)       // → a text document when the bytes are UTF-8 text
 */
export function classifyUpload(sniffed: string | null, fileName: string | null, head: Buffer): MediaClass | null {
  const ext = (fileName?.match(/\.([A-Za-z0-9]{1,8})$/)?.[1] ?? '').toLowerCase();
  let mime = sniffed;
  // A video container holding only sound (e.g. an .m4a or a webm recording) is audio.
  if (mime === 'video/webm' && (ext === 'weba' || ext === 'webm' || ext === '' || ext === 'ogg')) mime = 'audio/webm';
  if (mime === 'video/mp4' && ext === 'm4a') mime = 'audio/mp4';
  if (mime === 'application/x-cfb') mime = CFB_BY_EXT[ext] ?? mime;
  if (mime === null) mime = textType(head, ext);
  if (mime === null) return null;
  if (IMAGE.includes(mime)) return { kind: 'image', mimetype: mime, limit: MEDIA_LIMITS.image };
  if (VIDEO.includes(mime)) return { kind: 'video', mimetype: mime, limit: MEDIA_LIMITS.video };
  if (AUDIO_INLINE.includes(mime)) return { kind: 'audio', mimetype: mime, limit: MEDIA_LIMITS.audio };
  if (AUDIO_CONVERTED.includes(mime))
    return { kind: 'audio', mimetype: mime, limit: MEDIA_LIMITS.audio, voiceOnly: true };
  if (DOCUMENT.includes(mime)) return { kind: 'document', mimetype: mime, limit: MEDIA_LIMITS.document };
  return null;
}

/** Plain text and CSV have no magic number: accepted when the name says so and the bytes are text. */
function textType(head: Buffer, ext: string): string | null {
  const type = ext === 'txt' ? 'text/plain' : ext === 'csv' ? 'text/csv' : null;
  if (!type || head.includes(0)) return null;
  // A multi-byte character may be cut at the end of the head: only the start must be valid UTF-8.
  const sample = head.subarray(0, Math.max(0, head.length - 4));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
  } catch {
    return null;
  }
  return type;
}
