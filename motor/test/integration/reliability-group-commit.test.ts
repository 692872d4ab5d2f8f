import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { describeDbContract } from '../support/db-suite.js';
import { expectBatchedIngest } from '../support/batched-ingest.js';
import { createAccount } from '../support/factories.js';
import {
  applyTestHelpers,
  createEmptyPostgresDatabase,
  postgresUnavailable,
} from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

// Group commit on PostgreSQL (adapters/db/postgres/group-commit.ts): the same driver contract as
// without it, plus what batching must never break: every answer means committed, a failing call
// fails alone, and concurrent calls of one account still number their events gap-free.

const down = await postgresUnavailable();

async function groupCommitDb(): Promise<PostgresDb & { url: string }> {
  const { url, drop } = await createEmptyPostgresDatabase();
  const db = await createPostgresDb({ url, max: 4, groupCommit: true });
  await applyTestHelpers(url);
  return {
    ...db,
    url,
    async close() {
      await db.close().catch(() => {});
      await drop();
    },
  };
}

describeWithService(down, 'PostgreSQL with group commit', () => {
  describeDbContract('PostgreSQL, group commit', () => groupCommitDb());

  describe('batching', () => {
    let db: PostgresDb & { url: string };
    let observer: postgres.Sql;
    beforeAll(async () => {
      db = await groupCommitDb();
      observer = postgres(db.url, { max: 1, onnotice: () => {} });
    });
    afterAll(async () => {
      await observer?.end({ timeout: 1 });
      await db?.close();
    });

    it('runs concurrent ingest_message calls as one statement: each answered with its own events, a bad one failing alone', () =>
      expectBatchedIngest(db));

    it('answers each of 300 concurrent writes only once it is committed (visible to another connection)', async () => {
      const { accountId } = await createAccount(db);
      const seen: Promise<boolean>[] = [];
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          db.call<{ seq: number }>('append_event', { accountId, type: 't', data: { i } }).then((ev) => {
            // Checked from a connection outside the batch, the moment the caller is answered.
            seen.push(
              observer`select 1 from public.events where account_id = ${accountId} and seq = ${ev.seq}`.then(
                (r) => r.length === 1,
              ),
            );
          }),
        ),
      );
      expect((await Promise.all(seen)).every(Boolean)).toBe(true);
      const page = await db.call<{ seq: number; events: { seq: number }[] }>('events_after', {
        accountId,
        after: 0,
        limit: 1000,
      });
      expect(page.seq).toBe(300);
      expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    });

    it('keeps each account in order while several accounts write at once (one lane per account)', async () => {
      const accounts = await Promise.all(Array.from({ length: 6 }, () => createAccount(db)));
      const calls = accounts.flatMap(({ accountId }) =>
        Array.from({ length: 40 }, (_, i) =>
          db.call<{ seq: number }>('append_event', { accountId, type: 't', data: { i } }),
        ),
      );
      await Promise.all(calls);
      for (const { accountId } of accounts) {
        const page = await db.call<{ events: { seq: number; data: { i: number } }[] }>('events_after', {
          accountId,
          after: 0,
          limit: 100,
        });
        // Called in order, committed in order: seq n carries the n-th call.
        expect(page.events.map((e) => [e.seq, e.data.i])).toEqual(
          Array.from({ length: 40 }, (_, i) => [i + 1, i]),
        );
      }
    });

    it('fails a bad call alone: the other calls of its batch commit', async () => {
      const { accountId } = await createAccount(db);
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          i % 10 === 5
            ? db.call('append_event', {
                accountId: '00000000-0000-0000-0000-000000000000',
                type: 't',
                data: {},
              })
            : db.call('append_event', { accountId, type: 't', data: { i } }),
        ),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed).toHaveLength(4);
      for (const f of failed)
        expect((f as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' });
      const page = await db.call<{ seq: number }>('events_after', { accountId, after: 0 });
      expect(page.seq).toBe(36);
    });

    it('serves reads (stable functions) while writes are batched', async () => {
      const { accountId } = await createAccount(db);
      const [writes, head] = await Promise.all([
        Promise.all(
          Array.from({ length: 50 }, () => db.call('append_event', { accountId, type: 't', data: {} })),
        ),
        db.call<{ seq: number }>('event_head', { accountId }),
      ]);
      expect(writes).toHaveLength(50);
      expect(head.seq).toBeGreaterThanOrEqual(0);
    });
  });
});
