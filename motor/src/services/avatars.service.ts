import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';

export interface AvatarOptions {
  /** A contact is not asked about again in this process for this long (the database says a day). */
  retryMs?: number;
  /** Contacts waiting at most; more are dropped (asked about with their next message). */
  maxQueued?: number;
}

/**
 * Contacts' WhatsApp pictures, fetched in the background (Evolution's fetchProfilePictureUrl) the
 * first time a contact without one writes, then at most once a day; stored on the contact
 * (`avatarUrl`, pushed as `conversation.updated`). One request at a time: pictures are nice to
 * have, never in the way of messages.
 *
 * @example
 *   webhookIntake.onIngested(({ who, events }) => avatars.afterIngest(who.accountId, events));
 */
export class AvatarsService {
  private readonly queue = new Map<string, { accountId: string }>();
  private readonly asked = new Map<string, number>();
  private active: Promise<void> | null = null;
  private stopped = false;
  private readonly o: Required<AvatarOptions>;

  constructor(
    private readonly deps: {
      db: Db;
      whatsapp: Pick<WhatsAppGateway, 'fetchProfilePictureUrl'>;
      realtime: RealtimePublisher;
      logger: Logger;
    },
    opts: AvatarOptions = {},
  ) {
    this.o = { retryMs: opts.retryMs ?? 6 * 3600_000, maxQueued: opts.maxQueued ?? 500 };
  }

  /** Queues the contacts of new incoming messages that have no picture yet. */
  afterIngest(accountId: string, events: readonly AccountEvent[]): void {
    for (const e of events) {
      if (e.type !== 'message.created') continue;
      const { message, conversation } = e.data;
      const contact = conversation.contact;
      if (message.direction !== 'in' || !contact || contact.avatarUrl) continue;
      this.enqueue(accountId, contact.id);
    }
  }

  enqueue(accountId: string, contactId: string): void {
    if (this.stopped || this.queue.has(contactId) || this.queue.size >= this.o.maxQueued) return;
    const last = this.asked.get(contactId);
    if (last !== undefined && Date.now() - last < this.o.retryMs) return;
    this.queue.set(contactId, { accountId });
    this.active ??= this.drain().finally(() => (this.active = null));
  }

  /** Resolves when the queue is empty (tests). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (const [contactId, { accountId }] of this.queue) {
      this.queue.delete(contactId);
      this.asked.set(contactId, Date.now());
      if (this.asked.size > 10_000) this.asked.delete(this.asked.keys().next().value!);
      try {
        await this.fetch(accountId, contactId);
      } catch (err) {
        this.deps.logger.warn({ err, contactId }, 'contact picture not fetched');
      }
      if (this.stopped) return;
    }
  }

  private async fetch(accountId: string, contactId: string): Promise<void> {
    const due = await this.deps.db.call<{ instanceName: string; number: string } | null>(
      'contact_avatar_due',
      {
        accountId,
        contactId,
      },
    );
    if (!due) return;
    const url = await this.deps.whatsapp.fetchProfilePictureUrl(due.instanceName, due.number);
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('contact_avatar_set', {
      accountId,
      contactId,
      url: url && /^(https?:|data:image\/)/.test(url) ? url : null,
    });
    this.deps.realtime.publish(r.events);
  }
}
