import { failureReasonOf, type Message, type SendMessageBody } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';
import type { Caller } from './conversations.service.js';

interface Begun {
  message: Message;
  send: boolean;
  target: { instanceName: string; number: string | null };
  events: AccountEvent[];
}

/**
 * Agent replies: store as `pending` and commit (pushed at once), send through Evolution's
 * sendText, then record the outcome — `sent` with Evolution's message id, or `failed` with a
 * stable reason code (`FailureReason`, e.g. `instance_disconnected`). A failure still answers 200 with the failed message: the agent sees it
 * with its reason and retries with the same `clientId` (same row, sent again). The same
 * `clientId` of a message that is not failed returns it without sending twice.
 *
 * @example
 *   const sut = new SendMessageService({ db, realtime, whatsapp, logger });
 *   const message = await sut.send(caller, conversationId, { text: 'Olá!', clientId });
 */
export class SendMessageService {
  constructor(
    private readonly deps: { db: Db; realtime: RealtimePublisher; whatsapp: WhatsAppGateway; logger: Logger },
  ) {}

  async send(caller: Caller, conversationId: string, input: SendMessageBody): Promise<Message> {
    const body = { ...input, text: input.text.replaceAll('\u0000', '') }; // Postgres text cannot hold U+0000
    const begun = await this.deps.db.call<Begun>('send_message_begin', {
      accountId: caller.accountId,
      conversationId,
      userId: caller.userId,
      text: body.text,
      clientId: body.clientId ?? null,
    });
    this.deps.realtime.publish(begun.events);
    if (!begun.send) return begun.message;

    let outcome: { waMessageId: string } | { error: string };
    try {
      if (!begun.target.number)
        throw Object.assign(new Error('the conversation has no WhatsApp address'), {
          details: { reason: 'no_whatsapp_address' },
        });
      const sent = await this.deps.whatsapp.sendText(begun.target.instanceName, {
        number: begun.target.number,
        text: body.text,
      });
      outcome = { waMessageId: sent.waMessageId };
    } catch (err) {
      // A stable reason code (shared FAILURE_REASONS), never Evolution's English message.
      const reason = failureReasonOf(err);
      this.deps.logger.warn({ err, reason, conversationId, messageId: begun.message.id }, 'sendText failed');
      outcome = { error: reason };
    }
    const done = await this.deps.db.call<{ message: Message; events: AccountEvent[] }>(
      'send_message_result',
      {
        accountId: caller.accountId,
        messageId: begun.message.id,
        ...outcome,
      },
    );
    this.deps.realtime.publish(done.events);
    return done.message;
  }
}
