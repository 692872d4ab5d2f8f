import {
  cuid,
  incomingContact,
  incomingMedia,
  incomingText,
  jidOf,
  messageUpdate,
  presenceData,
  reactionData,
  sentMedia,
  sentText,
  simulatedPicture,
  type QuotedInfo,
} from './evolution-payloads.js';
import { samplePng, sampleFile, sampleVcard, type SampleKind } from './sample-media.js';
import type { SimContext } from './simulator.lifecycle.js';
import { schedule, SimHttpError, type SimInstance, type SimMessageRecord } from './simulator.state.js';

const JID = /^[0-9]+(:[0-9]+)?@(s\.whatsapp\.net|g\.us|lid)$/;

/** `number` of the send routes → a JID; numbers WhatsApp would not know answer 400 like Evolution. */
function recipientJid(number: unknown): string {
  if (typeof number !== 'string' || number.trim() === '')
    throw new SimHttpError(400, [['instance requires property "number"']]);
  if (JID.test(number)) return number;
  const digits = number.replace(/\D/g, '');
  // The simulated WhatsApp knows every number of 10 to 15 digits (country code first).
  if (!/^[0-9]+$/.test(number.replace(/[\s+()-]/g, '')) || digits.length < 10 || digits.length > 15) {
    throw new SimHttpError(400, [{ jid: jidOf(digits || number), exists: false, number }]);
  }
  return jidOf(digits);
}

function requireOpen(inst: SimInstance) {
  if (inst.state !== 'open') throw new SimHttpError(500, 'Connection Closed');
}

export function store(inst: SimInstance, data: { key: SimMessageRecord['key']; status: string }): SimMessageRecord {
  const { status, ...rest } = data;
  const record = {
    id: cuid(),
    contextInfo: null,
    ...rest,
    MessageUpdate: [{ status }],
  } as unknown as SimMessageRecord;
  inst.messages.push(record);
  return record;
}

/** After a send: `messages.update` DELIVERY_ACK, then READ, as the customer's phone would report. */
function scheduleReceipts(ctx: SimContext, inst: SimInstance, record: SimMessageRecord) {
  const receipt = (status: string) => {
    if (inst.state !== 'open' || ctx.instances.get(inst.name) !== inst) return;
    record.MessageUpdate.push({ status });
    ctx.hooks.emit(
      inst,
      'messages.update',
      messageUpdate({
        keyId: record.key.id,
        remoteJid: record.key.remoteJid,
        status,
        instanceId: inst.id,
        messageId: record.id,
      }),
    );
  };
  const later = (ms: number, fn: () => void) => schedule(inst, ms, fn);
  later(ctx.timings.deliveryAckMs, () => {
    receipt('DELIVERY_ACK');
    later(ctx.timings.readMs, () => receipt('READ'));
  });
}

/** `POST /message/sendText/{name}` (201, the send.message object). */
export function sendText(ctx: SimContext, inst: SimInstance, body: Record<string, unknown>) {
  if (typeof body.text !== 'string' || body.text.trim() === '')
    throw new SimHttpError(400, ['Text is required']);
  const remoteJid = recipientJid(body.number);
  requireOpen(inst);
  const data = sentText({ instanceId: inst.id, remoteJid, text: body.text, quoted: quotedOf(inst, body.quoted) });
  return afterSend(ctx, inst, data);
}

/**
 * sendText's `quoted`: with `message` it is used as given; without, the original is looked up by
 * `key.id` among the instance's messages (as Evolution reads its database), and a quote it cannot
 * find is dropped: the message goes out as a plain text.
 */
function quotedOf(inst: SimInstance, quoted: unknown): QuotedInfo | undefined {
  const q = quoted as { key?: { id?: unknown; fromMe?: unknown; participant?: unknown }; message?: unknown } | undefined;
  const id = q?.key?.id;
  if (typeof id !== 'string' || id === '') return undefined;
  const stored = inst.messages.find((m) => m.key.id === id);
  const given = q?.message && typeof q.message === 'object' ? (q.message as Record<string, unknown>) : null;
  if (!stored && !given) return undefined;
  const fromMe = stored ? stored.key.fromMe : q?.key?.fromMe === true;
  const participant =
    typeof q?.key?.participant === 'string'
      ? q.key.participant
      : fromMe
        ? (inst.wuid ?? '')
        : (stored?.key.remoteJid ?? '');
  return { id, participant, message: given ?? (stored!.message as Record<string, unknown>) };
}

/** `POST /message/sendReaction/{name}` `{key:{id, remoteJid, fromMe}, reaction}` (201, the send.message object). */
export function sendReaction(ctx: SimContext, inst: SimInstance, body: Record<string, unknown>) {
  const key = body.key as { id?: unknown; remoteJid?: unknown; fromMe?: unknown } | undefined;
  if (!key || typeof key !== 'object') throw new SimHttpError(400, [['instance requires property "key"']]);
  for (const k of ['id', 'remoteJid', 'fromMe'] as const)
    if (key[k] === undefined) throw new SimHttpError(400, [[`instance.key requires property "${k}"`]]);
  if (typeof key.id !== 'string' || key.id === '' || typeof key.remoteJid !== 'string' || key.remoteJid === '')
    throw new SimHttpError(400, [['instance.key.id and instance.key.remoteJid must not be empty']]);
  if (typeof key.fromMe !== 'boolean') throw new SimHttpError(400, [['instance.key.fromMe is not of a type(s) boolean']]);
  if (typeof body.reaction !== 'string') throw new SimHttpError(400, [['instance requires property "reaction"']]);
  const remoteJid = recipientJid(key.remoteJid);
  requireOpen(inst);
  const data = reactionData({
    instanceId: inst.id,
    chatKey: { remoteJid, fromMe: true, id: outgoingId() },
    target: { remoteJid, fromMe: key.fromMe, id: key.id },
    pushName: 'Você',
    text: body.reaction,
    status: 'PENDING',
    source: 'web',
  });
  return afterSend(ctx, inst, data);
}

const outgoingId = () => sentText({ instanceId: '', remoteJid: '', text: '.' }).key.id;

/** `POST /chat/markMessageAsRead/{name}` `{readMessages:[{id, fromMe, remoteJid}]}` (201). */
export function markMessageAsRead(inst: SimInstance, body: Record<string, unknown>) {
  const list = body.readMessages;
  if (!Array.isArray(list)) throw new SimHttpError(400, [['instance requires property "readMessages"']]);
  if (list.length === 0) throw new SimHttpError(400, [['instance.readMessages does not meet minimum length of 1']]);
  for (const r of list as Array<Record<string, unknown>>) {
    for (const k of ['id', 'fromMe', 'remoteJid'])
      if (r?.[k] === undefined) throw new SimHttpError(400, [[`instance.readMessages[0] requires property "${k}"`]]);
  }
  if (inst.state !== 'open') throw new SimHttpError(500, ['Read messages fail', 'Error: Connection Closed']);
  // Evolution reads only phone and group JIDs (a LID is skipped silently).
  for (const r of list as Array<{ id: string; remoteJid: string }>) {
    if (!/@(s\.whatsapp\.net|g\.us)$/.test(r.remoteJid)) continue;
    const record = inst.messages.find((m) => m.key.id === r.id && !m.key.fromMe);
    if (record && !record.MessageUpdate.some((u) => u.status === 'READ')) {
      record.MessageUpdate.push({ status: 'READ' });
      inst.readReceipts += 1;
    }
  }
  return { message: 'Read messages', read: 'success' };
}

/** `POST /chat/fetchProfilePictureUrl/{name}` `{number}` (200): every simulated customer has a picture. */
export function fetchProfilePictureUrl(inst: SimInstance, body: Record<string, unknown>) {
  const number = typeof body.number === 'string' ? body.number : '';
  const digits = number.split('@')[0]!.replace(/\D/g, '');
  const wuid = number.includes('@') ? number : jidOf(digits);
  // Evolution answers null when Baileys cannot fetch it (not connected, privacy, no picture).
  if (inst.state !== 'open' || !digits || number.endsWith('@g.us')) return { wuid, profilePictureUrl: null };
  return { wuid, profilePictureUrl: simulatedPicture(digits) };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const isUrl = (v: string) => /^https?:\/\/\S+$/i.test(v);
const isBase64 = (v: string) => v.length % 4 === 0 && BASE64.test(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The sent files the simulator keeps, so getBase64FromMediaMessage gives them back (the newest few). */
const KEPT_FILES = 20;

function keepFile(inst: SimInstance, id: string, media: string, mimetype: string, fileName?: string) {
  if (!isBase64(media)) return;
  const files = (inst.files ??= new Map());
  files.set(id, { bytes: Buffer.from(media, 'base64'), mimetype, fileName });
  for (const old of files.keys()) {
    if (files.size <= KEPT_FILES) break;
    files.delete(old);
  }
}

/**
 * `POST /message/sendMedia/{name}` (201): `media` is an https URL or raw base64, as in Evolution
 * (a data: URL is refused); a base64 document needs `fileName`.
 */
export function sendMedia(ctx: SimContext, inst: SimInstance, body: Record<string, unknown>) {
  if (!['image', 'video', 'document', 'audio'].includes(body.mediatype as string))
    throw new SimHttpError(400, [
      ['instance.mediatype is not one of enum values: image,document,video,audio'],
    ]);
  if (typeof body.media !== 'string' || body.media === '') throw new SimHttpError(400, ['Media is required']);
  const media = body.media;
  if (isBase64(media) && !str(body.fileName) && body.mediatype === 'document')
    throw new SimHttpError(400, ['For base64 the file name must be informed.']);
  if (!isUrl(media) && !isBase64(media)) throw new SimHttpError(400, ['Owned media must be a url or base64']);
  const remoteJid = recipientJid(body.number);
  requireOpen(inst);
  const data = sentMedia({
    instanceId: inst.id,
    remoteJid,
    mediatype: body.mediatype as string,
    mimetype: str(body.mimetype),
    caption: str(body.caption),
    fileName: str(body.fileName),
    size: isBase64(media) ? Buffer.byteLength(media, 'base64') : undefined,
  });
  const content = Object.values(data.message)[0] as { mimetype: string };
  keepFile(inst, data.key.id, media, str(body.mimetype) ?? content.mimetype, str(body.fileName));
  return afterSend(ctx, inst, data);
}

/**
 * `POST /message/sendWhatsAppAudio/{name}` (201) `{number, audio}`: a voice note. Evolution converts
 * the audio to ogg/opus; the simulator keeps the bytes as they came.
 */
export function sendWhatsAppAudio(ctx: SimContext, inst: SimInstance, body: Record<string, unknown>) {
  const audio = str(body.audio);
  if (!audio || (!isUrl(audio) && !isBase64(audio)))
    throw new SimHttpError(400, ['Owned media must be a url, base64, or valid file with buffer']);
  const remoteJid = recipientJid(body.number);
  requireOpen(inst);
  const data = sentMedia({
    instanceId: inst.id,
    remoteJid,
    mediatype: 'audio',
    mimetype: 'audio/ogg; codecs=opus',
    voiceNote: true,
    size: isBase64(audio) ? Buffer.byteLength(audio, 'base64') : undefined,
  });
  keepFile(inst, data.key.id, audio, 'audio/ogg; codecs=opus');
  return afterSend(ctx, inst, data);
}

function afterSend<T extends { key: SimMessageRecord['key']; status: string }>(
  ctx: SimContext,
  inst: SimInstance,
  data: T,
): T {
  const record = store(inst, data);
  ctx.hooks.emit(inst, 'send.message', data);
  scheduleReceipts(ctx, inst, record);
  return data;
}

/** A customer writes to the instance: `messages.upsert`, and `contacts.upsert` (single object) when new. */
export function customerMessage(
  ctx: SimContext,
  inst: SimInstance,
  p: { from: string; name: string; text: string; lid?: string; quotedId?: string },
) {
  const quoted = p.quotedId ? quotedOf(inst, { key: { id: p.quotedId } }) : undefined;
  if (p.quotedId && !quoted) throw new SimHttpError(404, [`No message ${p.quotedId} in this chat to quote`]);
  return fromCustomer(ctx, inst, p, (lid) =>
    incomingText({ instanceId: inst.id, phone: p.from, lid, name: p.name, text: p.text, quoted }),
  );
}

/** A customer reacts to a message of the chat (`emoji` "" removes it): `messages.upsert` reactionMessage. */
export function customerReaction(
  ctx: SimContext,
  inst: SimInstance,
  p: { from: string; name: string; messageId: string; emoji: string },
) {
  const remoteJid = jidOf(p.from);
  const target = inst.messages.find((m) => m.key.id === p.messageId && m.key.remoteJid === remoteJid);
  if (!target) throw new SimHttpError(404, [`No message ${p.messageId} in this chat to react to`]);
  return fromCustomer(ctx, inst, p, (lid) =>
    reactionData({
      instanceId: inst.id,
      chatKey: { remoteJid, remoteJidAlt: lid, fromMe: false, id: `3A${cuid().slice(1, 19).toUpperCase()}` },
      // As in the sample Evolution sends: the reacted key seen from the business's side.
      target: { remoteJid, fromMe: target.key.fromMe, id: target.key.id },
      pushName: p.name,
      text: p.emoji,
      status: 'DELIVERY_ACK',
      source: 'ios',
    }),
  );
}

/** The customer types, records a voice note, or stops (`paused`): `presence.update`. */
export function customerPresence(
  ctx: SimContext,
  inst: SimInstance,
  p: { from: string; presence: 'composing' | 'recording' | 'paused' },
) {
  if (inst.state !== 'open')
    throw new SimHttpError(409, [`The "${inst.name}" instance is not connected (state: ${inst.state})`]);
  const jid = jidOf(p.from);
  // Baileys reports `paused` as `available`.
  ctx.hooks.emit(inst, 'presence.update', presenceData(jid, p.presence === 'paused' ? 'available' : p.presence));
  return { remoteJid: jid, presence: p.presence };
}

/** A customer sends a sample file (`kind`) or a contact card: `messages.upsert` with the media message. */
export function customerMedia(
  ctx: SimContext,
  inst: SimInstance,
  p: { from: string; name: string; kind: SampleKind | 'contact'; caption?: string; lid?: string },
) {
  if (p.kind === 'contact') {
    return fromCustomer(ctx, inst, p, (lid) =>
      incomingContact({
        instanceId: inst.id,
        phone: p.from,
        lid,
        name: p.name,
        displayName: 'Loja Parceira',
        vcard: sampleVcard(),
      }),
    );
  }
  const kind = p.kind;
  const file = sampleFile(kind);
  return fromCustomer(ctx, inst, p, (lid) =>
    incomingMedia({
      instanceId: inst.id,
      phone: p.from,
      lid,
      name: p.name,
      kind,
      file: { ...file, size: file.bytes.length },
      thumbnail: kind === 'image' || kind === 'video' ? samplePng(32, 24) : undefined,
      caption: p.caption,
    }),
  );
}

function fromCustomer<T extends { key: SimMessageRecord['key']; status: string }>(
  ctx: SimContext,
  inst: SimInstance,
  p: { from: string; name: string; lid?: string },
  build: (lid: string) => T,
): T {
  if (inst.state !== 'open')
    throw new SimHttpError(409, [
      `The "${inst.name}" instance is not connected (state: ${inst.state}); scan its QR first`,
    ]);
  const remoteJid = jidOf(p.from);
  const known = inst.contacts.get(remoteJid);
  const lid = p.lid ?? known ?? `${p.from.slice(-12).padStart(15, '1')}@lid`;
  const data = build(lid);
  store(inst, data);
  ctx.hooks.emit(inst, 'messages.upsert', data);
  const contact = { remoteJid, pushName: p.name, profilePicUrl: null, instanceId: inst.id };
  ctx.hooks.emit(inst, known ? 'contacts.update' : 'contacts.upsert', contact);
  inst.contacts.set(remoteJid, lid);
  return data;
}

/** `POST /chat/findMessages/{name}`: newest first, `offset` is the page size. */
export function findMessages(inst: SimInstance, body: Record<string, unknown>) {
  const where = (body.where ?? {}) as {
    key?: { remoteJid?: unknown; id?: unknown; fromMe?: unknown };
    messageTimestamp?: { gte?: unknown; lte?: unknown };
  };
  const k = where.key ?? {};
  // As in Evolution: the range applies only when both bounds are given (ISO strings).
  const range = where.messageTimestamp;
  const [gte, lte] = [Date.parse(String(range?.gte)) / 1000, Date.parse(String(range?.lte)) / 1000];
  const inRange = (ts: number) => !Number.isFinite(gte) || !Number.isFinite(lte) || (ts >= gte && ts <= lte);
  // Newest first; within one second (WhatsApp timestamps are seconds) the later-stored first, as
  // an `order by messageTimestamp desc` over rows inserted in arrival order tends to give.
  const rows = inst.messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => inRange(m.messageTimestamp))
    .filter(({ m }) => (typeof k.remoteJid === 'string' ? m.key.remoteJid === k.remoteJid : true))
    .filter(({ m }) => (typeof k.id === 'string' ? m.key.id === k.id : true))
    .filter(({ m }) => (k.fromMe === true ? m.key.fromMe : true)) // fromMe:false is ignored, as in Evolution
    .sort((a, b) => b.m.messageTimestamp - a.m.messageTimestamp || b.i - a.i)
    .map(({ m }) => m);
  const size = Number.isInteger(body.offset) && (body.offset as number) > 0 ? (body.offset as number) : 50;
  const page = Number.isInteger(body.page) && (body.page as number) > 0 ? (body.page as number) : 1;
  return {
    messages: {
      total: rows.length,
      pages: Math.ceil(rows.length / size),
      currentPage: page,
      records: rows.slice((page - 1) * size, page * size),
    },
  };
}

/** What each stored media message type gives back when its bytes were not kept. */
const SAMPLE_OF: Record<string, SampleKind> = {
  imageMessage: 'image',
  stickerMessage: 'image',
  audioMessage: 'audio',
  videoMessage: 'video',
  documentMessage: 'document',
};

/**
 * `POST /chat/getBase64FromMediaMessage/{name}` `{message:{key:{id}}}`: the file of a stored media
 * message, as Evolution answers it. Unknown ids or non-media messages answer 400, as Evolution does.
 */
export function getBase64FromMediaMessage(inst: SimInstance, body: Record<string, unknown>) {
  const id = (body.message as { key?: { id?: unknown } } | undefined)?.key?.id;
  if (typeof id !== 'string') throw new SimHttpError(400, [['instance requires property "message"']]);
  const record = inst.messages.find((m) => m.key.id === id);
  if (!record) throw new SimHttpError(400, ['Message not found']);
  const kept = inst.files?.get(id);
  if (kept) {
    return {
      mediaType: record.messageType,
      fileName: kept.fileName ?? null,
      caption: null,
      size: { fileLength: kept.bytes.length, height: 0, width: 0 },
      mimetype: kept.mimetype,
      base64: kept.bytes.toString('base64'),
    };
  }
  const kind = SAMPLE_OF[record.messageType];
  if (!kind) throw new SimHttpError(400, ['The message is not of the media type']);
  const file = sampleFile(kind);
  const content =
    ((record.message ?? {}) as Record<string, Record<string, unknown>>)[record.messageType] ?? {};
  return {
    mediaType: record.messageType,
    fileName: (content.fileName as string | undefined) ?? file.fileName,
    caption: (content.caption as string | undefined) ?? null,
    size: { fileLength: file.bytes.length, height: file.height ?? 0, width: file.width ?? 0 },
    mimetype: file.mimetype,
    base64: file.bytes.toString('base64'),
  };
}
