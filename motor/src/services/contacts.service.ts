import type { Contact, ContactDetail, ListContactsQuery, PatchContactBody } from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { Caller } from './conversations.service.js';

/**
 * Contacts: the searchable list, one contact with its conversations, and the few fields a person edits (name, opt-out, labels). One
 * SQL function per call, scoped to the caller's account; a change re-pushes the contact's
 * conversations (`conversation.updated`).
 *
 * @example
 *   const sut = new ContactsService({ db, realtime });
 *   await sut.patch(caller, contactId, { optedOut: false });
 */
export class ContactsService {
  constructor(private readonly deps: { db: Db; realtime: RealtimePublisher }) {}

  list(caller: Caller, q: ListContactsQuery): Promise<Contact[]> {
    return this.deps.db.call<Contact[]>('contacts_page', {
      accountId: caller.accountId,
      q: q.q?.replaceAll('\u0000', '') || null,
      optedOut: q.optedOut ?? null,
      before: q.before ?? null,
      limit: q.limit,
    });
  }

  /** One contact with its conversations (the thread's contact panel); 404 for another account's. */
  get(caller: Caller, id: string): Promise<ContactDetail> {
    return this.deps.db.call<ContactDetail>('contact_get', { accountId: caller.accountId, id });
  }

  async patch(caller: Caller, id: string, patch: PatchContactBody): Promise<Contact> {
    const r = await this.deps.db.call<{ contact: Contact; events: AccountEvent[] }>('contact_patch', {
      accountId: caller.accountId,
      id,
      patch,
    });
    this.deps.realtime.publish(r.events);
    return r.contact;
  }
}
