import type { Message, MessageType } from '@atende/shared';
import { parseVcard } from './vcard.js';

/** What a WhatsApp message shows in the inbox. */
export interface MessageContent {
  type: MessageType;
  text: string | null;
  media: Message['media'];
  /** The id of the message this one replies to (or, for a reaction, reacts to). */
  quotedWaMessageId: string | null;
  /** What the reply says of the message it quotes (`participant`: its author's JID). */
  quoted: { type: MessageType; text: string | null; participant: string | null } | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Wrappers Evolution passes through without unwrapping (docs/evolution.md "Webhooks"). */
const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
  'editedMessage',
];

/**
 * Unwraps ephemeral / view-once / document-with-caption envelopes down to the real content.
 *
 * @example
 *   unwrapMessage({ ephemeralMessage: { message: { conversation: 'oi' } } }) // → { conversation: 'oi' }
 */
export function unwrapMessage(message: unknown): Obj {
  let m = obj(message) ?? {};
  for (let depth = 0; depth < 6; depth++) {
    const key = WRAPPERS.find((k) => obj(obj(m[k])?.message));
    if (!key) break;
    m = obj(obj(m[key])!.message)!;
  }
  return m;
}

/** int64 as a number, a decimal string (≤ 2.3.5) or {low, high} (2.3.6+). */
function int64(v: unknown): number | null {
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  const o = obj(v);
  if (o && typeof o.low === 'number' && typeof o.high === 'number') return o.high * 2 ** 32 + (o.low >>> 0);
  return num(v);
}

/** Bytes as base64 (≤ 2.3.5) or an index-keyed object (2.3.6+); null when empty or too big. */
function bytes(v: unknown): Buffer | null {
  if (typeof v === 'string' && v !== '') return Buffer.from(v, 'base64');
  const o = obj(v);
  if (!o) return null;
  const values = Object.values(o);
  if (values.length === 0 || values.length > 64_000) return null;
  if (!values.every((b) => typeof b === 'number' && b >= 0 && b <= 255)) return null;
  return Buffer.from(values as number[]);
}

/** WhatsApp's inline preview as a data URL (a JPEG, or a PNG from some senders). */
export function thumbnailUrl(v: unknown): string | null {
  const b = bytes(v);
  if (!b) return null;
  const png = b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  return `data:image/${png ? 'png' : 'jpeg'};base64,${b.toString('base64')}`;
}

const media = (
  c: Obj,
  extra: Partial<NonNullable<Message['media']>> = {},
): NonNullable<Message['media']> => ({
  mimetype: str(c.mimetype),
  caption: str(c.caption),
  fileName: str(c.fileName) ?? str(c.title),
  // Only what WhatsApp sent: the stored JSON stays small and older readers see the same shape.
  ...present({
    size: int64(c.fileLength),
    thumbnail: thumbnailUrl(c.jpegThumbnail),
    width: num(c.width),
    height: num(c.height),
  }),
  ...extra,
});

const present = <T extends Obj>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as Partial<T>;

/** One shared contact: its vCard's name and numbers (WhatsApp's displayName when the card has no name). */
function contactCard(c: Obj) {
  const card = parseVcard(str(c.vcard) ?? '');
  return { name: card.name ?? str(c.displayName), phones: card.phones };
}

/** "Loja Parceira · +55 11 91234-5678": the inbox line keeps the numbers. */
const cardLine = (card: { name: string | null; phones: string[] }) =>
  [card.name ?? 'Contato', ...card.phones].join(' · ');

const contactsMedia = (contacts: Array<{ name: string | null; phones: string[] }>): Message['media'] => ({
  mimetype: 'text/vcard',
  caption: null,
  fileName: null,
  contacts,
});

/**
 * Reads the type, text, media details and quoted id of a (possibly wrapped) message; unknown kinds
 * become `other` with a short text summary where one exists.
 *
 * @example
 *   messageContent({ imageMessage: { caption: 'Foto', mimetype: 'image/jpeg' } })
 *   // → { type: 'image', text: 'Foto', media: { mimetype: 'image/jpeg', caption: 'Foto', fileName: null }, … }
 */
export function messageContent(message: unknown, contextInfo?: unknown): MessageContent {
  const m = unwrapMessage(message);
  const out = (
    type: MessageType,
    text: string | null,
    c: Obj | null,
    md: Message['media'] = null,
  ): MessageContent => {
    // Evolution lifts the main content's contextInfo to `data.contextInfo`; v1 left it inside.
    const ctx = obj(contextInfo)?.stanzaId ? obj(contextInfo) : obj(c?.contextInfo);
    const quotedWaMessageId = str(ctx?.stanzaId);
    const said = quotedWaMessageId && obj(ctx?.quotedMessage) ? messageContent(ctx!.quotedMessage) : null;
    return {
      type,
      text,
      media: md,
      quotedWaMessageId,
      quoted: quotedWaMessageId
        ? {
            type: said?.type ?? 'other',
            text: said ? (said.text ?? said.media?.caption ?? null) : null,
            participant: str(ctx?.participant),
          }
        : null,
    };
  };

  if (typeof m.conversation === 'string') return out('text', m.conversation, null);
  let c = obj(m.extendedTextMessage);
  if (c) return out('text', str(c.text), c);
  if ((c = obj(m.imageMessage))) return out('image', str(c.caption), c, media(c));
  if ((c = obj(m.videoMessage) ?? obj(m.ptvMessage)))
    return out('video', str(c.caption), c, media(c, { seconds: num(c.seconds) }));
  if ((c = obj(m.audioMessage)))
    return out(
      'audio',
      null,
      c,
      media(c, { seconds: num(c.seconds), ...(c.ptt === true ? { voiceNote: true } : {}) }),
    );
  if ((c = obj(m.documentMessage))) return out('document', str(c.caption) ?? str(c.fileName), c, media(c));
  if ((c = obj(m.stickerMessage))) return out('sticker', null, c, media(c));
  if ((c = obj(m.locationMessage) ?? obj(m.liveLocationMessage))) {
    const text = [str(c.name), str(c.address)].filter(Boolean).join(' · ') || null;
    return out('location', text, c, {
      mimetype: null,
      caption: str(c.caption),
      fileName: null,
      latitude: num(c.degreesLatitude),
      longitude: num(c.degreesLongitude),
    });
  }
  if ((c = obj(m.reactionMessage))) {
    return {
      type: 'reaction',
      text: typeof c.text === 'string' ? c.text : '',
      media: null,
      quotedWaMessageId: str(obj(c.key)?.id),
      quoted: null,
    };
  }
  if ((c = obj(m.contactMessage))) {
    const card = contactCard(c);
    return out('other', `👤 ${cardLine(card)}`, c, contactsMedia([card]));
  }
  if ((c = obj(m.contactsArrayMessage))) {
    const cards = (Array.isArray(c.contacts) ? c.contacts : []).map((x) => contactCard(obj(x) ?? {}));
    const text = cards.length === 1 ? cardLine(cards[0]!) : (str(c.displayName) ?? `${cards.length} contatos`);
    return out('other', `👤 ${text}`, c, contactsMedia(cards));
  }
  c = obj(m.pollCreationMessage) ?? obj(m.pollCreationMessageV2) ?? obj(m.pollCreationMessageV3);
  if (c) return out('other', `📊 ${str(c.name) ?? 'Enquete'}`, c);
  return out('other', null, null);
}

/**
 * The text of an edit (`messages.edited` → `editedMessage`), whatever form it takes.
 *
 * @example
 *   editedText({ extendedTextMessage: { text: 'novo' } }) // → 'novo'
 */
export function editedText(editedMessage: unknown): string | null {
  const m = unwrapMessage(editedMessage);
  const inner = obj(obj(m.protocolMessage)?.editedMessage);
  return messageContent(inner ?? m).text;
}
