import { randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';

// Builders for what Evolution 2.3.6 answers and sends, shaped after what docs/evolution.md
// describes (and the fixtures in motor/test/fixtures/evolution/). Only the simulator uses them.

/** `EventController.events` of 2.3.6: the subscription names webhook/set accepts (31). */
export const WEBHOOK_EVENT_NAMES = [
  'APPLICATION_STARTUP',
  'QRCODE_UPDATED',
  'MESSAGES_SET',
  'MESSAGES_UPSERT',
  'MESSAGES_EDITED',
  'MESSAGES_UPDATE',
  'MESSAGES_DELETE',
  'SEND_MESSAGE',
  'SEND_MESSAGE_UPDATE',
  'CONTACTS_SET',
  'CONTACTS_UPSERT',
  'CONTACTS_UPDATE',
  'PRESENCE_UPDATE',
  'CHATS_SET',
  'CHATS_UPSERT',
  'CHATS_UPDATE',
  'CHATS_DELETE',
  'GROUPS_UPSERT',
  'GROUP_UPDATE',
  'GROUP_PARTICIPANTS_UPDATE',
  'CONNECTION_UPDATE',
  'LABELS_EDIT',
  'LABELS_ASSOCIATION',
  'CALL',
  'TYPEBOT_START',
  'TYPEBOT_CHANGE_STATUS',
  'REMOVE_INSTANCE',
  'LOGOUT_INSTANCE',
  'INSTANCE_CREATE',
  'INSTANCE_DELETE',
  'STATUS_INSTANCE',
] as const;

/** `messages.upsert` → `MESSAGES_UPSERT` (WebhookController.emit). */
export const subscriptionName = (event: string) => event.replace(/[.-]/g, '_').toUpperCase();
/** `messages.upsert` → `messages-upsert` (the byEvents URL suffix). */
export const byEventsSuffix = (event: string) => subscriptionName(event).replace(/_/g, '-').toLowerCase();

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

/** A 22-char Baileys 7 id, as messages sent through REST get (`source: "web"`). */
export const outgoingMessageId = () => `3EB0${hex(9)}`;
/** A 20-char id like the ones phones give (`source: "ios"`). */
export const incomingMessageId = () => `3A${hex(9)}`;
/** An Evolution DB id (Prisma cuid shape). */
export const cuid = () => `c${Date.now().toString(36)}${randomBytes(9).toString('hex')}`.slice(0, 25);
/** Evolution's generated instance token: an upper-case UUID. */
export const instanceToken = () => randomUUID().toUpperCase();
export const pairingCode = () => hex(4).slice(0, 8);

/** `date_time`: the São Paulo wall clock passed off as UTC (3 h behind, with a Z), as 2.3.6 does. */
export const evolutionDateTime = (now = Date.now()) => new Date(now - 3 * 3600_000).toISOString();

/** Baileys' QR string `ref,noiseKey,identityKey,advSecret`, and its PNG data URL as Evolution renders it. */
export async function renderQr(): Promise<{ code: string; base64: string }> {
  const code = `2@${b64(48)},${b64(32)},${b64(32)},${b64(32)}`;
  const base64 = await QRCode.toDataURL(code, { margin: 3, scale: 4, errorCorrectionLevel: 'H' });
  return { code, base64 };
}

export interface WebhookRow {
  id: string;
  url: string;
  headers: Record<string, string>;
  enabled: boolean;
  events: string[];
  webhookByEvents: boolean;
  webhookBase64: boolean;
  createdAt: string;
  updatedAt: string;
  instanceId: string;
}

export const jidOf = (digits: string) => `${digits}@s.whatsapp.net`;

/** `messages.upsert` data of a customer's text (messages-upsert-text.json). */
export function incomingText(p: {
  instanceId: string;
  phone: string;
  lid: string;
  name: string;
  text: string;
  id?: string;
  quoted?: QuotedInfo;
}) {
  return {
    key: {
      remoteJid: jidOf(p.phone),
      remoteJidAlt: p.lid,
      fromMe: false,
      id: p.id ?? incomingMessageId(),
      addressingMode: 'pn',
    },
    pushName: p.name,
    status: 'DELIVERY_ACK',
    message: { conversation: p.text },
    ...(p.quoted ? { contextInfo: { mentionedJid: [], groupMentions: [], ...quotedContext(p.quoted) } } : {}),
    messageType: 'conversation',
    messageTimestamp: Math.floor(Date.now() / 1000),
    instanceId: p.instanceId,
    source: 'ios',
  };
}

/** What a reply's `contextInfo` says of the message it quotes (messages-upsert-quoted-reply.json). */
export interface QuotedInfo {
  id: string;
  /** The quoted message's author. */
  participant: string;
  /** Its content, as Evolution flattens it (`{conversation}`, `{imageMessage}`, …). */
  message: Record<string, unknown> | null;
}

const quotedContext = (q: QuotedInfo | undefined) =>
  q ? { stanzaId: q.id, participant: q.participant, ...(q.message ? { quotedMessage: q.message } : {}) } : {};

/** The `send.message` object, which is also sendText's 201 answer (send-message.json). */
export function sentText(p: { instanceId: string; remoteJid: string; text: string; quoted?: QuotedInfo }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    key: { remoteJid: p.remoteJid, fromMe: true, id: outgoingMessageId() },
    pushName: 'Você',
    status: 'PENDING',
    message: { conversation: p.text },
    contextInfo: {
      mentionedJid: [],
      groupMentions: [],
      ...quotedContext(p.quoted),
      ephemeralSettingTimestamp: { low: now - 173_280, high: 0, unsigned: false },
      disappearingMode: { initiator: 0 },
    },
    messageType: 'conversation',
    messageTimestamp: now,
    instanceId: p.instanceId,
    source: 'web',
  };
}

const MEDIA_TYPE: Record<string, { key: string; mimetype: string }> = {
  image: { key: 'imageMessage', mimetype: 'image/jpeg' },
  video: { key: 'videoMessage', mimetype: 'video/mp4' },
  document: { key: 'documentMessage', mimetype: 'application/pdf' },
  audio: { key: 'audioMessage', mimetype: 'audio/mp4' },
};

/** sendMedia's answer: a prepared message with `message.<type>Message`. */
export function sentMedia(p: {
  instanceId: string;
  remoteJid: string;
  mediatype: string;
  mimetype?: string;
  caption?: string;
  fileName?: string;
  /** sendWhatsAppAudio: an audio flagged as voice note. */
  voiceNote?: boolean;
  size?: number;
}) {
  const t = MEDIA_TYPE[p.mediatype] ?? MEDIA_TYPE.document!;
  // Evolution re-encodes images to JPEG and voice notes to ogg/opus.
  const content: Record<string, unknown> = {
    url: 'https://mmg.whatsapp.net/simulated',
    mimetype: p.mediatype === 'image' ? 'image/jpeg' : (p.mimetype ?? t.mimetype),
  };
  if (p.size !== undefined) content.fileLength = int64(p.size);
  if (p.voiceNote) content.ptt = true;
  if (p.caption) content.caption = p.caption;
  if (p.fileName) content.fileName = p.fileName;
  return {
    key: { remoteJid: p.remoteJid, fromMe: true, id: outgoingMessageId() },
    pushName: 'Você',
    status: 'PENDING',
    message: { [t.key]: content },
    contextInfo: null,
    messageType: t.key,
    messageTimestamp: Math.floor(Date.now() / 1000),
    instanceId: p.instanceId,
    source: 'web',
  };
}

/** `messages.update` data (messages-update-read.json). */
export const messageUpdate = (p: {
  keyId: string;
  remoteJid: string;
  status: string;
  instanceId: string;
  messageId: string;
}) => ({
  keyId: p.keyId,
  remoteJid: p.remoteJid,
  fromMe: true,
  status: p.status,
  instanceId: p.instanceId,
  messageId: p.messageId,
});

/** `status.instance` data sent before a terminal close (status-instance.json). */
export function statusInstanceClosed(instance: string, code: number) {
  const at = new Date().toISOString();
  const error = {
    statusCode: code,
    error: code === 401 ? 'Unauthorized' : 'Forbidden',
    message: 'Stream Errored (simulated)',
  };
  return {
    instance,
    status: 'closed',
    disconnectionAt: at,
    disconnectionReasonCode: code,
    disconnectionObject: JSON.stringify({
      error: { isBoom: true, isServer: false, output: { statusCode: code, payload: error, headers: {} } },
      date: at,
    }),
  };
}

/** 2.3.6+ serialises bytes as index-keyed objects and int64 as {low, high, unsigned}. */
const bytesObject = (b: Buffer) => Object.fromEntries([...b].map((v, i) => [String(i), v]));
const int64 = (n: number) => ({ low: n | 0, high: Math.floor(n / 2 ** 32), unsigned: true });

/** A customer's media message (`messages.upsert` data), as Evolution 2.3.6 serialises it. */
export function incomingMedia(p: {
  instanceId: string;
  phone: string;
  lid: string;
  name: string;
  kind: 'image' | 'audio' | 'voice' | 'video' | 'document';
  file: {
    size: number;
    mimetype: string;
    fileName: string;
    width?: number;
    height?: number;
    seconds?: number;
  };
  thumbnail?: Buffer;
  caption?: string;
}) {
  const base = incomingText({ ...p, text: '' });
  const common = {
    url: 'https://mmg.whatsapp.net/simulated',
    mimetype: p.file.mimetype,
    fileLength: int64(p.file.size),
    mediaKey: bytesObject(Buffer.from('simulated-media-key')),
  };
  const [type, content]: [string, Record<string, unknown>] =
    p.kind === 'image'
      ? [
          'imageMessage',
          {
            ...common,
            width: p.file.width,
            height: p.file.height,
            ...(p.thumbnail ? { jpegThumbnail: bytesObject(p.thumbnail) } : {}),
            ...(p.caption ? { caption: p.caption } : {}),
          },
        ]
      : p.kind === 'video'
        ? [
            'videoMessage',
            {
              ...common,
              seconds: p.file.seconds,
              width: p.file.width,
              height: p.file.height,
              ...(p.caption ? { caption: p.caption } : {}),
            },
          ]
        : p.kind === 'document'
        ? [
            'documentMessage',
            {
              ...common,
              fileName: p.file.fileName,
              title: p.file.fileName,
              ...(p.caption ? { caption: p.caption } : {}),
            },
          ]
        : ['audioMessage', { ...common, seconds: p.file.seconds, ptt: p.kind === 'voice' }];
  return { ...base, message: { [type]: content }, messageType: type };
}

/** A reaction (`reactionMessage`) to the message `key`; `text` "" removes it (messages-upsert-reaction.json). */
export function reactionData(p: {
  instanceId: string;
  chatKey: { remoteJid: string; remoteJidAlt?: string; fromMe: boolean; id: string };
  target: { remoteJid: string; fromMe: boolean; id: string };
  pushName: string;
  text: string;
  status: string;
  source: string;
}) {
  const ms = Date.now();
  return {
    key: { ...p.chatKey, ...(p.chatKey.fromMe ? {} : { addressingMode: 'pn' }) },
    pushName: p.pushName,
    status: p.status,
    message: {
      reactionMessage: {
        key: p.target,
        text: p.text,
        senderTimestampMs: { low: ms | 0, high: Math.floor(ms / 2 ** 32), unsigned: false },
      },
    },
    messageType: 'reactionMessage',
    messageTimestamp: Math.floor(ms / 1000),
    instanceId: p.instanceId,
    source: p.source,
  };
}

/** `presence.update` data: Baileys' presence map of one chat (presence-update.json). */
export const presenceData = (jid: string, presence: 'composing' | 'recording' | 'available') => ({
  id: jid,
  presences: { [jid]: { lastKnownPresence: presence } },
});

/**
 * The simulated customer's WhatsApp picture: a small SVG portrait as a data URL, its colour from
 * the number (Evolution answers a pps.whatsapp.net URL; the simulator has no server for one).
 */
export function simulatedPicture(digits: string): string {
  let h = 0;
  for (const ch of digits) h = (h * 31 + ch.charCodeAt(0)) % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${h} 62% 62%)"/>` +
    `<stop offset="1" stop-color="hsl(${(h + 40) % 360} 58% 42%)"/></linearGradient></defs>` +
    `<rect width="64" height="64" fill="url(#g)"/><circle cx="32" cy="25" r="11" fill="#fff" fill-opacity=".9"/>` +
    `<path d="M12 60c2-12 10-18 20-18s18 6 20 18z" fill="#fff" fill-opacity=".9"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** A customer shares a contact card (`contactMessage` with its vCard). */
export function incomingContact(p: {
  instanceId: string;
  phone: string;
  lid: string;
  name: string;
  displayName: string;
  vcard: string;
}) {
  const base = incomingText({ ...p, text: '' });
  return {
    ...base,
    message: { contactMessage: { displayName: p.displayName, vcard: p.vcard } },
    messageType: 'contactMessage',
  };
}
