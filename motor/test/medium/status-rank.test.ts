import { MESSAGE_STATUSES, MESSAGE_STATUS_RANK, statusMovesForward } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createTestDb } from '../support/test-db.js';

// "Statuses only move forward" has one definition per side, and they must agree: shared's
// MESSAGE_STATUS_RANK / statusMovesForward (the dashboard merges with it) and SQL's
// app.status_rank / app.status_moves_forward (every ingest and send function decides with it).
describe('message status order: shared/ and SQL agree', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db?.close());

  it('ranks every status the same and moves forward between the same pairs', async () => {
    await db.exec(`create or replace function app.status_order_probe() returns jsonb language sql as $$
      select jsonb_build_object(
        'rank', (select jsonb_object_agg(s, app.status_rank(s)) from unnest(array[${MESSAGE_STATUSES.map((s) => `'${s}'`).join(',')}]) s),
        'forward', (select jsonb_object_agg(a || '>' || b, app.status_moves_forward(a, b))
                    from unnest(array[${MESSAGE_STATUSES.map((s) => `'${s}'`).join(',')}]) a,
                         unnest(array[${MESSAGE_STATUSES.map((s) => `'${s}'`).join(',')}]) b))
    $$`);
    const sql = await db.call<{ rank: Record<string, number>; forward: Record<string, boolean> }>('status_order_probe');
    expect(sql.rank).toEqual(MESSAGE_STATUS_RANK);
    for (const a of MESSAGE_STATUSES)
      for (const b of MESSAGE_STATUSES) expect([a, b, sql.forward[`${a}>${b}`]]).toEqual([a, b, statusMovesForward(a, b)]);
  });
});
