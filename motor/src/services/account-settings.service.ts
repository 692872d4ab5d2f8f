import type { AccountSettings, PatchAccountSettingsBody } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';

interface Caller {
  accountId: string;
}

/**
 * The account's inbox settings (GET/PATCH /api/account/settings) and what one of them does:
 * with `readReceipts` on, an agent opening a thread gives the customer blue ticks
 * (`afterRead`, run after the read committed; Evolution's markMessageAsRead).
 *
 * @example
 *   const sut = new AccountSettingsService({ db, whatsapp, logger });
 *   await sut.patch(caller, { readReceipts: true });
 *   sut.afterRead(caller.accountId, conversationId); // in the background
 */
export class AccountSettingsService {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: { db: Db; whatsapp: Pick<WhatsAppGateway, 'markMessagesRead'>; logger: Logger },
  ) {}

  get(caller: Caller): Promise<AccountSettings> {
    return this.deps.db.call<AccountSettings>('account_settings_get', { accountId: caller.accountId });
  }

  patch(caller: Caller, patch: PatchAccountSettingsBody): Promise<AccountSettings> {
    return this.deps.db.call<AccountSettings>('account_settings_patch', {
      accountId: caller.accountId,
      patch,
    });
  }

  /**
   * Tells WhatsApp the customer's messages were read, when the account wants it. Never throws:
   * a failure is logged, and the messages stay due only if the database call itself failed.
   */
  afterRead(accountId: string, conversationId: string): void {
    const run = this.markRead(accountId, conversationId)
      .catch((err) => this.deps.logger.warn({ err, conversationId }, 'read receipts to the customer failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every afterRead in flight has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private async markRead(accountId: string, conversationId: string): Promise<void> {
    const due = await this.deps.db.call<{
      instanceName: string;
      messages: Array<{ id: string; remoteJid: string; participant: string | null }>;
    } | null>('read_receipts_due', { accountId, conversationId });
    if (!due) return;
    await this.deps.whatsapp.markMessagesRead(
      due.instanceName,
      due.messages.map((m) => ({ waMessageId: m.id, remoteJid: m.remoteJid, participant: m.participant })),
    );
  }
}
