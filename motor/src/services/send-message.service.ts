import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Message, SendMediaFields, SendMessageBody } from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { StoragePort } from '../ports/storage.port.js';
import type { Caller } from './conversations.service.js';
import type { MediaClass } from './media-types.js';

/** Told when a row was enqueued in this process (OutboxService.wake). */
export interface OutboxWaker {
  wake(): void;
}

/** A file an agent is uploading: its bytes (limited by the edge) and what they were found to be. */
export interface UploadedFile {
  stream: Readable;
  media: MediaClass;
  fileName: string | null;
}

/** An upload stored under a message id of its own, waiting for its message row. */
export interface StagedUpload {
  messageId: string;
  key: string;
  size: number;
  media: MediaClass;
  fileName: string | null;
}

type Begun = { message: Message; queued: boolean; events: AccountEvent[] };

/**
 * Agent replies: the message (`pending`) and its outbox row are written in one transaction (which
 * also pauses the conversation's AI: a human took over), pushed, and answered at once; the outbox
 * sender then sends it and the ticks follow as `message.updated` (sent, delivered, read, or failed
 * with Evolution's reason). The same `clientId` returns the same message without sending twice;
 * for a FAILED message it queues the same row again. `quotedMessageId` replies to a message of the
 * conversation (Evolution's `quoted`), and the reply keeps the quoted text.
 *
 * A file goes in two steps (docs/media.md): `stage` stores the upload's bytes under a fresh message
 * id while it streams in, `sendMedia` then writes that message and its outbox row; the sender reads
 * the bytes from storage when it sends.
 *
 * @example
 *   const sut = new SendMessageService({ db, realtime, outbox, storage });
 *   const message = await sut.send(caller, conversationId, { text: 'Olá!', clientId }); // status pending
 *   const staged = await sut.stage(caller, conversationId, file);
 *   const photo = await sut.sendMedia(caller, conversationId, staged, { caption: 'Este modelo', voiceNote: false });
 */
export class SendMessageService {
  constructor(
    private readonly deps: {
      db: Db;
      realtime: RealtimePublisher;
      outbox?: OutboxWaker | null;
      storage?: StoragePort;
      /** Told of each file message that was queued (e.g. to transcribe a voice note). */
      afterMedia?: (accountId: string, message: Message) => void;
    },
  ) {}

  async send(caller: Caller, conversationId: string, input: SendMessageBody): Promise<Message> {
    const begun = await this.deps.db.call<Begun>('send_message_begin', {
      accountId: caller.accountId,
      conversationId,
      userId: caller.userId,
      text: input.text.replaceAll('\u0000', ''), // Postgres text cannot hold U+0000
      clientId: input.clientId ?? null,
      quotedMessageId: input.quotedMessageId ?? null,
    });
    return this.began(begun);
  }

  /** Stores an upload as it streams in; 404 for a conversation of another account (nothing stored). */
  async stage(caller: Caller, conversationId: string, file: UploadedFile): Promise<StagedUpload> {
    const storage = this.storage();
    await this.deps.db.call('conversation_get', { accountId: caller.accountId, conversationId });
    const messageId = randomUUID();
    const key = `${caller.accountId}/${messageId}`;
    const stored = await storage.write(key, file.stream, file.media.mimetype);
    return { messageId, key, size: stored.size, media: file.media, fileName: cleanName(file.fileName) };
  }

  /** The message of a staged upload, queued for sending (same `clientId` rules as text). */
  async sendMedia(
    caller: Caller,
    conversationId: string,
    staged: StagedUpload,
    fields: SendMediaFields,
  ): Promise<Message> {
    const { media } = staged;
    const voiceNote = media.kind === 'audio' && (fields.voiceNote || media.voiceOnly === true);
    const fileName =
      staged.fileName ?? (media.kind === 'document' ? `documento.${extensionOf(media.mimetype)}` : null);
    let begun: Begun;
    try {
      begun = await this.deps.db.call<Begun>('send_media_begin', {
        accountId: caller.accountId,
        conversationId,
        userId: caller.userId,
        messageId: staged.messageId,
        type: media.kind,
        media: { mimetype: media.mimetype, fileName, size: staged.size, voiceNote, seconds: fields.seconds ?? null },
        caption: fields.caption?.replaceAll('\u0000', '') ?? null,
        clientId: fields.clientId ?? null,
      });
    } catch (err) {
      await this.discard(staged);
      throw err;
    }
    // The same clientId came back: that message keeps its own file.
    if (begun.message.id !== staged.messageId) await this.discard(staged);
    const message = this.began(begun);
    if (begun.message.id === staged.messageId) this.deps.afterMedia?.(caller.accountId, message);
    return message;
  }

  /** Drops a staged upload that will not be sent (refused, or a duplicate). */
  async discard(staged: StagedUpload): Promise<void> {
    await this.storage().remove(staged.key).catch(() => {});
  }

  private began(begun: Begun): Message {
    this.deps.realtime.publish(begun.events);
    if (begun.queued) this.deps.outbox?.wake();
    return begun.message;
  }

  private storage(): StoragePort {
    if (!this.deps.storage) throw new Error('SendMessageService needs a storage port for files');
    return this.deps.storage;
  }
}

/** The base name of what the browser sent, without paths or control characters, at most 200 characters. */
function cleanName(name: string | null): string | null {
  // eslint-disable-next-line no-control-regex
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base ? base.slice(-200) : null;
}

const EXT: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
const extensionOf = (mime: string) => EXT[mime] ?? 'bin';
