import type { EventsPage } from '@atende/shared';
import type { Db } from '../ports/db.port.js';

/**
 * The account's event log as clients read it: the head (`ready.seq`) and catch-up pages
 * (`GET /api/events`). Appending happens only inside the SQL functions that make the changes.
 */
export class EventsService {
  constructor(private readonly deps: { db: Db }) {}

  /**
   * The account's latest `seq` (0 when it has none).
   *
   * @example
   *   const seq = await events.head({ accountId });
   */
  async head(input: { accountId: string }): Promise<number> {
    const r = await this.deps.db.call<{ seq: number }>('event_head', { accountId: input.accountId });
    return Number(r.seq);
  }

  /**
   * The events after `after`, ascending, at most `limit`, with the head; or `{reset:true, seq}`
   * when `after` is older than the retained log or ahead of the head.
   *
   * @example
   *   const page = await events.after({ accountId, after: 41, limit: 500 });
   *   if ('reset' in page) return; // too far behind: reload conversations over REST, then go on from page.seq
   */
  async after(input: { accountId: string; after: number; limit?: number }): Promise<EventsPage> {
    return this.deps.db.call<EventsPage>('events_after', {
      accountId: input.accountId,
      after: input.after,
      limit: input.limit ?? 500,
    });
  }
}
