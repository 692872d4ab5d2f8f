import type { Group, ListGroupsQuery } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';
import type { Caller } from './conversations.service.js';

/** The number whose groups to read (a webhook principal or a connected instance). */
export interface GroupSyncTarget {
  accountId: string;
  instanceId: string;
  instanceName: string;
}

/**
 * WhatsApp groups: the account's list (GET /api/groups) and the sync from the gateway when a
 * number connects (`fetchAllGroups` without participants: subject and size are what the inbox
 * shows). Webhooks (`groups.upsert`, `group-participants.update`) keep them current in between;
 * both land in the same SQL function, so a sync and a webhook never disagree on the shape.
 *
 * @example
 *   const sut = new GroupsService({ db, realtime, whatsapp, logger });
 *   await sut.sync({ accountId, instanceId, instanceName }); // → how many groups were read
 */
export class GroupsService {
  // One sync per number at a time; a connect flapping (close/open) does not stack calls.
  private readonly running = new Map<string, Promise<number>>();

  constructor(
    private readonly deps: { db: Db; realtime: RealtimePublisher; whatsapp: WhatsAppGateway; logger: Logger },
  ) {}

  list(caller: Caller, q: ListGroupsQuery = {}): Promise<Group[]> {
    return this.deps.db.call<Group[]>('groups_page', {
      accountId: caller.accountId,
      instanceId: q.instanceId ?? null,
    });
  }

  /** Reads the number's groups from the gateway and stores them; never throws (logged). */
  sync(target: GroupSyncTarget): Promise<number> {
    const running = this.running.get(target.instanceId);
    if (running) return running;
    const run = this.syncOnce(target)
      .catch((err: unknown) => {
        this.deps.logger.warn({ err, instance: target.instanceName }, 'group sync failed');
        return 0;
      })
      .finally(() => this.running.delete(target.instanceId));
    this.running.set(target.instanceId, run);
    return run;
  }

  private async syncOnce(target: GroupSyncTarget): Promise<number> {
    const groups = await this.deps.whatsapp.fetchAllGroups(target.instanceName, { getParticipants: false });
    if (groups.length === 0) return 0;
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('ingest_groups', {
      accountId: target.accountId,
      instanceId: target.instanceId,
      groups,
    });
    this.deps.realtime.publish(r.events);
    return groups.length;
  }
}
