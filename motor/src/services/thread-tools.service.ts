import type { Message, NoteBody } from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { Caller } from './conversations.service.js';
import type { OutboxWaker } from './send-message.service.js';

/**
 * The agents' tools on a thread (docs/team-tools.md "Thread tools"): private notes (stored and
 * pushed like any message, never sent) and the business's reactions (sent through the outbox,
 * the target's counts change at once). Quoted replies go through SendMessageService.
 *
 * @example
 *   const sut = new ThreadToolsService({ db, realtime, outbox });
 *   await sut.note(caller, conversationId, { text: 'Cliente VIP: priorizar' }); // private: true
 *   await sut.react(caller, messageId, '👍');                                  // the target, counts updated
 */
export class ThreadToolsService {
  constructor(private readonly deps: { db: Db; realtime: RealtimePublisher; outbox?: OutboxWaker | null }) {}

  async note(caller: Caller, conversationId: string, body: NoteBody): Promise<Message> {
    const r = await this.deps.db.call<{ message: Message; events: AccountEvent[] }>('note_create', {
      accountId: caller.accountId,
      conversationId,
      userId: caller.userId,
      text: body.text.replaceAll('\u0000', ''),
    });
    this.deps.realtime.publish(r.events);
    return r.message;
  }

  /** `emoji` "" removes the business's reaction; the same emoji again changes nothing. */
  async react(caller: Caller, messageId: string, emoji: string): Promise<Message> {
    const r = await this.deps.db.call<{ message: Message; queued: boolean; events: AccountEvent[] }>(
      'reaction_begin',
      { accountId: caller.accountId, userId: caller.userId, messageId, emoji },
    );
    this.deps.realtime.publish(r.events);
    if (r.queued) this.deps.outbox?.wake();
    return r.message;
  }
}
