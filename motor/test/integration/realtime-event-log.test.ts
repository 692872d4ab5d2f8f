import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AccountEvent } from '../../src/ports/realtime.port.js';
import { EventsService } from '../../src/services/events.service.js';
import { createAccount } from '../support/factories.js';
import { createPostgresTestDb, postgresUnavailable, type PostgresTestDb } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { fakeCampaign } from '../support/socket-server.js';

// The event log under real concurrency: several pooled connections appending to one account at
// once (PGlite has a single connection and cannot show lock behaviour).

const down = await postgresUnavailable();
const data = { campaign: fakeCampaign() };

describeWithService(down, 'event log on PostgreSQL', () => {
  let db: PostgresTestDb;
  let sut: EventsService;
  beforeAll(async () => {
    db = await createPostgresTestDb({ max: 8 });
    sut = new EventsService({ db });
  });
  afterAll(() => db?.close());

  it("numbers an account's appends 1..n under 400 concurrent calls over 8 connections; an answered seq is readable with all below it", async () => {
    const { accountId } = await createAccount(db);
    const other = await createAccount(db);
    const got = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        db.call<AccountEvent>('append_event', { accountId: i % 4 === 3 ? other.accountId : accountId, type: 'campaign.updated', data }),
      ),
    );
    const mine = got.filter((e) => e.accountId === accountId).map((e) => e.seq).sort((a, b) => a - b);
    expect(mine).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // A reader that sees seq N sees everything below it (what lets clients fetch a hole at once).
    for (const e of got.slice(0, 20)) {
      const page = await sut.after({ accountId: e.accountId, after: 0, limit: 1000 });
      const seqs = 'events' in page ? page.events.map((x) => x.seq) : [];
      expect(seqs.slice(0, e.seq)).toEqual(Array.from({ length: e.seq }, (_, i) => i + 1));
    }
    expect(await sut.head({ accountId: other.accountId })).toBe(100);
  });

  it('prunes a prefix only and answers reset behind it', async () => {
    const { accountId } = await createAccount(db);
    for (let i = 0; i < 6; i++) await db.call('append_event', { accountId, type: 'campaign.updated', data });
    await db.call('prune_events', { keepHours: 0, keepMin: 3 });
    expect(await sut.after({ accountId, after: 3 })).toMatchObject({ seq: 6, events: [{ seq: 4 }, { seq: 5 }, { seq: 6 }] });
    expect(await sut.after({ accountId, after: 1 })).toEqual({ reset: true, seq: 6 });
    expect(await sut.after({ accountId, after: 7 })).toEqual({ reset: true, seq: 6 });
  });

  it('lets concurrent pruners run without error', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => db.call<{ deleted: number }>('prune_events', { keepHours: 0, keepMin: 1 })));
    expect(results.every((r) => typeof r.deleted === 'number')).toBe(true);
  });
});
