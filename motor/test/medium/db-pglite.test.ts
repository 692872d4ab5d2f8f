import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/adapters/db/create-db.js';
import { MigrationError } from '../../src/adapters/db/migrations.js';
import { createPgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createAccount } from '../support/factories.js';
import { expectBatchedIngest } from '../support/batched-ingest.js';
import { createTestDb } from '../support/test-db.js';

describe('PGlite driver on disk', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'atende-pglite-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps committed data across a restart of the same DATA_DIR, and migrates only once', async () => {
    const first = await createDb({ driver: 'pglite', dataDir });
    expect(first.driver).toBe('pglite');
    const a = await createAccount(first, { name: 'Loja Persistente' });
    await first.call('append_event', { accountId: a.accountId, type: 't', data: { kept: true } });
    await first.close();

    const second = await createPgliteDb({ dataDir: path.join(dataDir, 'pglite') });
    try {
      expect(second.applied).toEqual([]);
      await expect(second.call('events_after', { accountId: a.accountId, after: 0 })).resolves.toMatchObject({
        seq: 1,
        events: [{ seq: 1, data: { kept: true } }],
      });
    } finally {
      await second.close();
    }
  }, 180_000); // two cold boots of PGlite on disk (initdb + migrations, then a restart)
});

describe('PGlite driver start-up failures', () => {
  it('names a missing migrations folder', async () => {
    const missing = path.join(os.tmpdir(), 'atende-no-such-migrations');
    const err = await createPgliteDb({ migrationsDir: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain(`migrations folder not found: ${missing}`);
  });

  it('refuses an empty migrations folder instead of starting with no schema', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'atende-empty-mig-'));
    try {
      await expect(createPgliteDb({ migrationsDir: empty })).rejects.toThrow(/no \.sql migrations/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

// ADR 0002: the embedded database runs with fsync off. PGlite starts Postgres with `-F`
// (its defaultStartParams) and has no option to turn fsync on; this pins that fact on the
// database as the Motor's worker starts it (a clone of the test dump, booted by pglite.worker.js),
// so a PGlite upgrade that changes it shows up here and the README's durability note gets revisited.
describe('PGlite durability settings', () => {
  it('runs with fsync off (and the 16 MB shared buffers the worker asks for)', async () => {
    const db = await createTestDb();
    try {
      await db.exec(`create or replace function app.durability_probe() returns jsonb language sql as $$
        select jsonb_build_object('fsync', current_setting('fsync'), 'sharedBuffers', current_setting('shared_buffers')) $$`);
      await expect(db.call('durability_probe')).resolves.toEqual({ fsync: 'off', sharedBuffers: '16MB' });
    } finally {
      await db.close();
    }
  });
});

// The worker runs calls that queue together in one transaction without savepoints; one failing
// call rolls the batch back and every call runs again on its own (pglite.worker.js).
describe('PGlite batches', () => {
  it('fails a bad call alone among 60 concurrent ones: the others commit once, seqs stay gap-free', async () => {
    const db = await createTestDb();
    try {
      const { accountId } = await createAccount(db);
      const calls = Array.from({ length: 60 }, (_, i) =>
        i === 30
          ? db.call('events_after', { accountId: 'not-a-uuid', after: 0 })
          : db.call<{ seq: number }>('append_event', { accountId, type: 't', data: { i } }),
      );
      const settled = await Promise.allSettled(calls);
      expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
      expect(settled[30]).toMatchObject({ status: 'rejected', reason: { code: 'validation_failed' } });
      const page = await db.call<{ seq: number; events: { seq: number; data: { i: number } }[] }>(
        'events_after',
        {
          accountId,
          after: 0,
          limit: 1000,
        },
      );
      expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: 59 }, (_, i) => i + 1));
      expect(new Set(page.events.map((e) => e.data.i)).size).toBe(59);
    } finally {
      await db.close();
    }
  });

  it('runs 60 concurrent ingest_message calls as one statement: each answered with its own events, a bad one failing alone', async () => {
    const db = await createTestDb();
    try {
      await expectBatchedIngest(db);
    } finally {
      await db.close();
    }
  });
});
