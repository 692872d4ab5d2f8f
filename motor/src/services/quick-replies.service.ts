import type { CreateQuickReplyBody, PatchQuickReplyBody, QuickReply } from '@atende/shared';
import type { Db } from '../ports/db.port.js';

interface Caller {
  accountId: string;
}

/**
 * The account's quick replies (`/atalho` in the composer): list for everyone, writes for owners
 * and admins (the route checks the role). A shortcut taken in the account is 409 `conflict`.
 *
 * @example
 *   const sut = new QuickRepliesService({ db });
 *   await sut.create(caller, { shortcut: 'pix', text: 'Nossa chave Pix é …' });
 */
export class QuickRepliesService {
  constructor(private readonly deps: { db: Db }) {}

  list(caller: Caller): Promise<QuickReply[]> {
    return this.deps.db.call<QuickReply[]>('quick_replies_list', { accountId: caller.accountId });
  }

  create(caller: Caller, body: CreateQuickReplyBody): Promise<QuickReply> {
    return this.deps.db.call<QuickReply>('quick_reply_create', {
      accountId: caller.accountId,
      shortcut: body.shortcut,
      text: body.text.replaceAll('\u0000', ''),
    });
  }

  update(caller: Caller, id: string, patch: PatchQuickReplyBody): Promise<QuickReply> {
    return this.deps.db.call<QuickReply>('quick_reply_patch', {
      accountId: caller.accountId,
      id,
      patch: { ...patch, ...(patch.text !== undefined ? { text: patch.text.replaceAll('\u0000', '') } : {}) },
    });
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.deps.db.call('quick_reply_delete', { accountId: caller.accountId, id });
  }
}
