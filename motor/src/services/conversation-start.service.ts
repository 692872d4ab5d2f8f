import { NOT_ON_WHATSAPP, type Conversation, type StartConversationBody } from '@atende/shared';
import { AppError } from '../errors.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';
import type { Caller } from './conversations.service.js';
import type { SendMessageService } from './send-message.service.js';

/**
 * A new conversation with any number (POST /api/conversations): WhatsApp is asked whether the
 * number has an account and which JID it goes by (a Brazilian mobile may be registered without
 * its 9th digit), then one SQL call finds or creates the contact and the conversation. An
 * optional first text goes through the normal reply path (message + outbox row in one
 * transaction), so it gets the same ticks, retries and failure reasons as any reply.
 *
 * @example
 *   const sut = new ConversationStartService({ db, realtime, whatsapp, sender });
 *   const { conversation, created } = await sut.start(caller, { instanceId, phone: '5511987654321' });
 */
export class ConversationStartService {
  constructor(
    private readonly deps: {
      db: Db;
      realtime: RealtimePublisher;
      whatsapp: WhatsAppGateway;
      sender: Pick<SendMessageService, 'send'>;
    },
  ) {}

  async start(
    caller: Caller,
    input: StartConversationBody,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const instance = await this.deps.db.call<{ name: string; status: string }>('instance_by_id', {
      accountId: caller.accountId,
      instanceId: input.instanceId,
    });
    if (instance.status !== 'connected')
      throw new AppError('conflict', 'the number is not connected; connect it in Settings → WhatsApp first');
    const [answer] = await this.deps.whatsapp.whatsappNumbers(instance.name, [input.phone]);
    if (!answer?.exists || !answer.jid.endsWith('@s.whatsapp.net')) {
      throw new AppError('validation_failed', 'the number is not on WhatsApp', [
        { path: 'body.phone', message: 'the number is not on WhatsApp', code: 'custom', reason: NOT_ON_WHATSAPP },
      ]);
    }
    const r = await this.deps.db.call<{ conversation: Conversation; created: boolean; events: AccountEvent[] }>(
      'conversation_start',
      {
        accountId: caller.accountId,
        instanceId: input.instanceId,
        userId: caller.userId,
        jid: answer.jid,
        pushName: answer.name,
      },
    );
    this.deps.realtime.publish(r.events);
    if (!input.text) return { conversation: r.conversation, created: r.created };
    await this.deps.sender.send(caller, r.conversation.id, { text: input.text, clientId: input.clientId });
    const conversation = await this.deps.db.call<Conversation>('conversation_get', {
      accountId: caller.accountId,
      conversationId: r.conversation.id,
    });
    return { conversation, created: r.created };
  }
}
