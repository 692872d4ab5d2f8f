import type { EvolutionHealth, SandboxMediaKind } from '@atende/shared';

/**
 * The WhatsApp gateway port: what services need from Evolution API (adapters/evolution/ is the
 * only implementation; the simulator speaks the same REST protocol, so it is reached through the
 * very same adapter). Every failure is an AppError `upstream_failed` carrying Evolution's
 * status and message (or `unavailable`-like network failures also as `upstream_failed`).
 */

export type EvolutionState = 'open' | 'connecting' | 'close' | 'refused';

export interface QrCode {
  /** PNG data URL. */
  base64: string | null;
  /** The raw string encoded in the QR. */
  code: string | null;
  pairingCode: string | null;
}

export interface WebhookSettings {
  url: string;
  /** Sent verbatim by Evolution as HTTP headers of every webhook (e.g. x-motor-token). */
  headers: Record<string, string>;
  /** The gateway's subscription names; default: every event the Motor reads (the inbound adapter's list). */
  events?: string[];
  byEvents?: boolean;
}

export interface CreatedInstance {
  instanceName: string;
  /** Evolution's own id for the instance. */
  evolutionId: string | null;
  /** Evolution's per-instance token (`hash`). */
  token: string | null;
  status: EvolutionState | string;
  qr: QrCode | null;
}

export interface SentMessage {
  /** Evolution/WhatsApp message id (`key.id`). */
  waMessageId: string;
  remoteJid: string;
  /** Evolution's status word, e.g. PENDING. */
  status: string | null;
  /** Epoch seconds. */
  messageTimestamp: number | null;
}

/** Which message a reply or a reaction points at (the chat is the send's `number`). */
export interface QuotedKey {
  waMessageId: string;
  /** The business's own message. */
  fromMe: boolean;
  /** In groups: who wrote it. */
  participant?: string | null;
}

/** A group as the gateway describes it (participants only when asked for). */
export interface GroupInfo {
  /** `…@g.us` */
  jid: string;
  subject: string | null;
  description: string | null;
  size: number | null;
  participants: Array<{ id: string; phoneNumber: string | null; lid: string | null; admin: string | null }>;
}

/** One answer of a number lookup. */
export interface WhatsAppNumber {
  /** The number as asked. */
  number: string;
  exists: boolean;
  /** `…@s.whatsapp.net` (or `…@lid`) as WhatsApp knows the account. */
  jid: string;
  /** The name Evolution has for the contact, if any. */
  name: string | null;
}

/** A media message's file as Evolution hands it over. */
export interface MediaFile {
  bytes: Buffer;
  mimetype: string | null;
  fileName: string | null;
}

/** A message the business sent, as findMessages describes it. */
export interface SentRecord {
  waMessageId: string;
  /** Text, or a media caption; null for media without one. */
  text: string | null;
  /** Evolution's messageType, e.g. conversation, extendedTextMessage, imageMessage. */
  messageType: string | null;
  /** Epoch seconds. */
  timestamp: number | null;
}

export interface EvolutionInstanceInfo {
  name: string;
  /** As Evolution stored it: open | connecting | close. */
  connectionStatus: string;
  ownerJid: string | null;
  profileName: string | null;
  /** The instance's token (`apikey` of its webhooks when exposed). */
  token: string | null;
}

/** What `DELETE /instance/logout` did: only an open session logs out (2.3.x answers 400 otherwise). */
export type LogoutOutcome = 'logged_out' | 'not_connected' | 'unknown_instance';

export interface WhatsAppGateway {
  /** Reachable, global key accepted, a 2.3.x server (never throws). */
  health(): Promise<EvolutionHealth>;
  /**
   * `token`: the instance token to use (else Evolution makes one); `number`: ask for a pairing
   * code for that phone as well as the QR.
   */
  createInstance(input: {
    instanceName: string;
    webhook: WebhookSettings;
    qrcode?: boolean;
    number?: string;
    token?: string;
  }): Promise<CreatedInstance>;
  /** `GET /instance/connect/{name}`: the current QR (state close/connecting) or null when already open. */
  connect(
    instanceName: string,
    opts?: { number?: string },
  ): Promise<{ state: EvolutionState | null; qr: QrCode | null }>;
  /** Null when Evolution does not know the instance (e.g. its container was recreated). */
  fetchInstance(instanceName: string): Promise<EvolutionInstanceInfo | null>;
  /**
   * Logs an open session out. A session that is not open (closed, or still connecting: 2.3.x
   * answers 400 and the connecting loop goes on) resolves `not_connected`; an unknown instance
   * `unknown_instance`. Only `deleteInstance` stops a connecting session.
   */
  logout(instanceName: string): Promise<LogoutOutcome>;
  /** Idempotent: an instance Evolution does not know resolves. */
  deleteInstance(instanceName: string): Promise<void>;
  setWebhook(instanceName: string, webhook: WebhookSettings): Promise<void>;
  /**
   * `number`: digits, or a …@s.whatsapp.net / …@g.us / …@lid JID; `quoted`: reply to that
   * message; `subscribePresence`: afterwards WhatsApp reports the chat's typing (presence.update).
   */
  sendText(
    instanceName: string,
    input: { number: string; text: string; quoted?: QuotedKey & { text: string }; subscribePresence?: boolean },
  ): Promise<SentMessage>;
  /** `POST /message/sendReaction`: the business reacts to a message (`emoji` "" removes it). */
  sendReaction(instanceName: string, input: { number: string; target: QuotedKey; emoji: string }): Promise<SentMessage>;
  /** `POST /chat/markMessageAsRead`: blue ticks for the customer on these incoming messages. */
  markMessagesRead(
    instanceName: string,
    messages: Array<{ waMessageId: string; remoteJid: string; participant: string | null }>,
  ): Promise<void>;
  /** `POST /chat/fetchProfilePictureUrl`: the contact's picture URL, null when hidden or none. */
  fetchProfilePictureUrl(instanceName: string, number: string): Promise<string | null>;
  sendMedia(
    instanceName: string,
    input: {
      number: string;
      mediatype: 'image' | 'video' | 'document' | 'audio';
      media: string;
      mimetype?: string;
      caption?: string;
      fileName?: string;
    },
  ): Promise<SentMessage>;
  /**
   * `POST /message/sendWhatsAppAudio`: an audio sent as a voice note (`ptt`); Evolution converts it
   * to ogg/opus. `audio`: an https URL or raw base64.
   */
  sendVoiceNote(instanceName: string, input: { number: string; audio: string }): Promise<SentMessage>;
  /** `POST /chat/findMessages`: raw records (the `messages.upsert` data shape), newest first. */
  findMessages(
    instanceName: string,
    input: { remoteJid: string; page?: number; pageSize?: number },
  ): Promise<{ total: number; pages: number; records: unknown[] }>;
  /**
   * `POST /chat/findMessages` filtered to the business's own messages (`fromMe`) to `remoteJid`
   * whose WhatsApp timestamp lies in [since, until] (epoch seconds), newest first, normalised:
   * what the outbox looks up before re-sending a claim that may have reached Evolution.
   */
  findSentMessages(
    instanceName: string,
    input: { remoteJid: string; since: number; until: number },
  ): Promise<SentRecord[]>;
  /**
   * `POST /chat/getBase64FromMediaMessage`: the file of a media message Evolution still holds
   * (Evolution downloads it from WhatsApp). `upstream_failed` when it cannot.
   */
  getMediaFile(instanceName: string, waMessageId: string): Promise<MediaFile>;
  /**
   * `GET /group/fetchAllGroups?getParticipants=…`: the number's groups (entries that are not
   * groups are dropped). `upstream_failed` when the number is not connected.
   */
  fetchAllGroups(instanceName: string, opts?: { getParticipants?: boolean }): Promise<GroupInfo[]>;
  /**
   * `POST /chat/whatsappNumbers`: whether each number has a WhatsApp account, and the JID WhatsApp
   * knows it by (a Brazilian mobile may be registered with or without its 9th digit). In the
   * order given; `upstream_failed` when the number is not connected.
   */
  whatsappNumbers(instanceName: string, numbers: string[]): Promise<WhatsAppNumber[]>;
}

/**
 * The "phone side" of the built-in Evolution simulator (its `/_sim` control API), used by the
 * dashboard's sandbox panel. Only present in simulator mode. Failures: `not_found` when the
 * simulator does not know the instance, `conflict` when the instance is in the wrong state
 * (e.g. scanning a number that is already connected), `upstream_failed` otherwise.
 */
export interface WhatsAppSandbox {
  /** Simulates scanning the instance's QR code: Evolution then reports `open`. */
  scan(
    instanceName: string,
    input?: { phone?: string; profileName?: string },
  ): Promise<{ state: string; wuid: string | null }>;
  /** A customer (`phone`: digits) writes `text` to the instance's number. */
  customerMessage(
    instanceName: string,
    input: { phone: string; name: string; text: string; quotedWaMessageId?: string },
  ): Promise<{ waMessageId: string }>;
  /** The customer reacts to a message of their chat (`emoji` "" removes it). */
  customerReaction(
    instanceName: string,
    input: { phone: string; name: string; waMessageId: string; emoji: string },
  ): Promise<{ waMessageId: string }>;
  /** The customer starts typing, records a voice note, or stops (`paused`). */
  customerPresence(
    instanceName: string,
    input: { phone: string; presence: 'composing' | 'recording' | 'paused' },
  ): Promise<void>;
  /** A member (`phone`) writes `text` in the group called `subject` (made, with the number in it, when new). */
  groupMessage(
    instanceName: string,
    input: { subject: string; phone: string; name: string; text: string },
  ): Promise<{ waMessageId: string; groupJid: string }>;
  /** A customer sends a sample file of `kind` (a PNG, a WAV, a voice note, a video, a PDF, a contact card). */
  customerMedia(
    instanceName: string,
    input: { phone: string; name: string; kind: SandboxMediaKind; caption?: string },
  ): Promise<{ waMessageId: string }>;
}
