import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/ports/db.port.js';
import { InstanceAuthCache, authenticateWebhook } from '../../src/services/webhook-auth.service.js';

function countingDb(row: { id: string; accountId: string; webhookSecret: string } | null) {
  const db = {
    driver: 'pglite',
    calls: 0,
    row,
    async call() {
      db.calls++;
      return db.row;
    },
    async ping() {},
    async close() {},
  };
  return db as typeof db & Db;
}

describe(InstanceAuthCache.name, () => {
  const row = { id: 'i1', accountId: 'a1', webhookSecret: 'secret-1' };

  it('authenticates repeated webhooks with one database lookup', async () => {
    const db = countingDb(row);
    const cache = new InstanceAuthCache({ ttlMs: 10_000 });
    for (let i = 0; i < 5; i++) {
      await expect(
        authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-1' }),
      ).resolves.toMatchObject({
        instanceId: 'i1',
        accountId: 'a1',
      });
    }
    expect(db.calls).toBe(1);
  });

  it('never caches a failure, and re-reads the database when a cached secret no longer matches', async () => {
    const db = countingDb(row);
    const cache = new InstanceAuthCache({ ttlMs: 10_000 });
    await expect(
      authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'wrong' }),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-1' });
    db.row = { ...row, webhookSecret: 'secret-2' }; // re-registered
    await expect(
      authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-2' }),
    ).resolves.toBeTruthy();
    await expect(
      authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-1' }),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('expires entries after the TTL', async () => {
    let now = 0;
    const db = countingDb(row);
    const cache = new InstanceAuthCache({ ttlMs: 1000, now: () => now });
    await authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-1' });
    now = 1500;
    await authenticateWebhook({ db, cache }, { instanceName: 'x', motorToken: 'secret-1' });
    expect(db.calls).toBe(2);
  });
});
