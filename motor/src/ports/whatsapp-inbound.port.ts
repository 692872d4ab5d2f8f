import type { DisconnectReason, InstanceStatus, Message, MessageStatus, MessageType } from '@atende/shared';

/**
 * The inbound side of WhatsApp: what arrives from the gateway (Evolution's webhooks, or a message
 * read back from it), told in the Motor's words. adapters/evolution/webhook/ is the only
 * implementation; services never see Evolution's event names or payloads.
 */

/** A person's two WhatsApp identities; at least one is set. */
export interface WaIdentity {
  /** Phone JID, `<digits>@s.whatsapp.net`. */
  jid: string | null;
  /** `<digits>@lid`. */
  lid: string | null;
}

/** A message as app.ingest_message takes it. */
export interface InboundMessage {
  type: MessageType;
  text: string | null;
  media: Message['media'];
  /** The id of the message this one replies to (or, for a reaction, reacts to). */
  quotedWaMessageId: string | null;
  /**
   * What a reply says of the message it quotes: its kind, text (or caption) and author's JID; the
   * stored original wins when the Motor has it.
   */
  quoted: {
    type: MessageType;
    text: string | null;
    participant: string | null;
    /** The quoted message is the business's own (null when the webhook cannot tell, in groups). */
    fromMe: boolean | null;
  } | null;
  waMessageId: string;
  /** `send`: the echo of a message the Motor sent through the REST API; `upsert`: anything else. */
  origin: 'upsert' | 'send';
  /** Sent by the business (from the API, or typed on the phone). */
  fromMe: boolean;
  chat:
    { kind: 'direct'; jid: string | null; lid: string | null } | { kind: 'group'; jid: string; lid: null };
  /** Group sender. */
  participant: WaIdentity | null;
  /** The sender's WhatsApp name (incoming 1:1: the contact's). */
  pushName: string | null;
  /** Shown on the message: the sender's push name (not for the business's own messages). */
  authorName: string | null;
  /** Epoch seconds. */
  sentAt: number | null;
}

/** What a connection state means for the instance, as app.ingest_connection takes it. */
export interface ConnectionChange {
  status: InstanceStatus;
  reason: DisconnectReason | null;
  phoneNumber: string | null;
  profileName: string | null;
  profilePictureUrl: string | null;
}

export interface InboundContact extends WaIdentity {
  pushName: string | null;
  avatarUrl: string | null;
}

export interface InboundParticipant {
  id: string;
  phoneNumber: string | null;
  lid: string | null;
  admin: string | null;
}

export interface InboundGroup {
  jid: string;
  subject: string | null;
  description: string | null;
  size: number | null;
  participants: InboundParticipant[];
}

/** What one webhook means for the Motor. */
export type InboundChange =
  | { kind: 'message.received'; message: InboundMessage }
  | { kind: 'receipt'; waMessageId: string; status: MessageStatus }
  | { kind: 'message.edited'; waMessageId: string; text: string; editedAt: string }
  | { kind: 'message.deleted'; waMessageId: string }
  | {
      kind: 'connection.changed';
      connection: Pick<ConnectionChange, 'status' | 'reason'> & Partial<ConnectionChange>;
    }
  | { kind: 'qr.updated'; qrCode: string; pairingCode: string | null }
  | {
      /** Someone in a chat is typing, recording, or stopped (`paused`); nothing is stored. */
      kind: 'presence';
      /** The chat: a contact's phone JID or LID, or a group. */
      chatJid: string;
      /** Who, in a group (else the chat itself). */
      participantJid: string | null;
      state: 'typing' | 'recording' | 'paused';
    }
  | { kind: 'contacts.changed'; contacts: InboundContact[] }
  | { kind: 'groups.changed'; groups: InboundGroup[] }
  | {
      kind: 'group.participants.changed';
      groupJid: string;
      action: string;
      participants: InboundParticipant[];
    };

/** One webhook whose envelope was read; its data is read after the sender was authenticated. */
export interface InboundWebhook {
  /** The instance (number) it is about. */
  instanceName: string;
  /** The sending session's instance token when the gateway tells it, else null. */
  instanceToken: string | null;
  /** The gateway's own name for the event, for logs only. */
  event: string;
  /**
   * The change it carries; null for an event the Motor does not use (acknowledge and ignore).
   * Throws `validation_failed` when the data is malformed.
   */
  read(): Promise<InboundChange | null>;
}

export interface WhatsAppInbound {
  /**
   * Reads a webhook body's envelope; throws `validation_failed` when it is not one.
   *
   * @example
   *   const hook = inbound.parse(ctx.request.body);
   *   const change = await hook.read(); // after authenticating hook.instanceName
   */
  parse(body: unknown): InboundWebhook;
  /** A message read back from the gateway (e.g. to reconcile after an outage); null if unusable. */
  storedMessage(record: unknown): InboundMessage | null;
  /** Whether `token` was signed with the instance's webhook secret (the gateway's signed-header option). */
  verifySignedToken(token: string, secret: string): Promise<boolean>;
}
