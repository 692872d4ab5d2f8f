import type { Message, SendMessageBody } from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { Caller } from './conversations.service.js';

/** Told when a row was enqueued in this process (OutboxService.wake). */
export interface OutboxWaker {
  wake(): void;
}

/**
 * Agent replies: the message (`pending`) and its outbox row are written in one transaction (which
 * also pauses the conversation's AI: a human took over), pushed, and answered at once; the outbox
 * sender then sends it and the ticks follow as `message.updated` (sent, delivered, read, or failed
 * with Evolution's reason). The same `clientId` returns the same message without sending twice;
 * for a FAILED message it queues the same row again. `quotedMessageId` replies to a message of the
 * conversation (Evolution's `quoted`), and the reply keeps the quoted text.
 *
 * @example
 *   const sut = new SendMessageService({ db, realtime, outbox });
 *   const message = await sut.send(caller, conversationId, { text: 'Olá!', clientId }); // status pending
 */
export class SendMessageService {
  constructor(private readonly deps: { db: Db; realtime: RealtimePublisher; outbox?: OutboxWaker | null }) {}

  async send(caller: Caller, conversationId: string, input: SendMessageBody): Promise<Message> {
    const begun = await this.deps.db.call<{ message: Message; queued: boolean; events: AccountEvent[] }>(
      'send_message_begin',
      {
        accountId: caller.accountId,
        conversationId,
        userId: caller.userId,
        text: input.text.replaceAll('\u0000', ''), // Postgres text cannot hold U+0000
        clientId: input.clientId ?? null,
        quotedMessageId: input.quotedMessageId ?? null,
      },
    );
    this.deps.realtime.publish(begun.events);
    if (begun.queued) this.deps.outbox?.wake();
    return begun.message;
  }
}
