import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/ports/db.port.js';
import { createAccount } from './factories.js';

/**
 * The driver contract, run on every driver (PGlite, the Supabase driver through the PostgREST
 * fake, a real PostgreSQL): the same SQL functions must give the same JSON and the same error
 * codes whichever way the call travels. One database per suite, made by `makeDb`.
 *
 * @example
 *   describeDbContract('PGlite', () => createTestDb());
 */
export function describeDbContract(
  name: string,
  makeDb: () => Promise<Db>,
  close?: (db: Db) => Promise<void>,
) {
  describe(`Db contract (${name})`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await makeDb();
    });
    afterAll(async () => {
      if (db) await (close ? close(db) : db.close());
    });

    it('answers ping, and ping() resolves', async () => {
      await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
      await expect(db.ping()).resolves.toBeUndefined();
    });

    it('returns null when the function returns null', async () => {
      await expect(db.call('instance_auth', { name: `nope-${randomUUID()}` })).resolves.toBeNull();
    });

    it('round-trips jsonb arguments (nested, unicode, arrays) unchanged', async () => {
      const { accountId } = await createAccount(db);
      const data = {
        texto: 'Olá, ação! 👋',
        n: 1.5,
        list: [1, 'dois', null, { três: true }],
        nested: { deep: { x: null } },
      };
      const ev = await db.call<{ seq: number; type: string; data: unknown; accountId: string }>(
        'append_event',
        {
          accountId,
          type: 'test.event',
          data,
        },
      );
      expect(ev).toMatchObject({ accountId, seq: 1, type: 'test.event', data });
      const page = await db.call<{ seq: number; events: { data: unknown }[] }>('events_after', {
        accountId,
        after: 0,
      });
      expect(page.seq).toBe(1);
      expect(page.events[0]!.data).toEqual(data);
    });

    it('omits undefined args so SQL defaults apply, and passes null as null', async () => {
      const { accountId } = await createAccount(db);
      for (let i = 0; i < 3; i++) await db.call('append_event', { accountId, type: 't', data: { i } });
      const all = await db.call<{ events: unknown[] }>('events_after', {
        accountId,
        after: 0,
        limit: undefined,
      });
      expect(all.events).toHaveLength(3);
      const one = await db.call<{ events: unknown[] }>('events_after', { accountId, after: 0, limit: 1 });
      expect(one.events).toHaveLength(1);
      const r = await db.call<{ user: { id: string } }>('signup', {
        email: `n-${randomUUID()}@example.com`,
        name: 'N',
        accountName: 'N',
        passwordHash: null,
        authUserId: null,
      });
      expect(r.user.id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('numbers events gap-free under concurrent calls', async () => {
      const { accountId } = await createAccount(db);
      const seqs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.call<{ seq: number }>('append_event', { accountId, type: 't', data: { i } }),
        ),
      );
      expect(seqs.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('maps a raised AT404 to not_found (404)', async () => {
      await expect(db.call('events_after', { accountId: randomUUID(), after: 0 })).rejects.toMatchObject({
        code: 'not_found',
        status: 404,
      });
    });

    it('maps a raised AT409 to conflict (409), and the failed call wrote nothing', async () => {
      const a = await createAccount(db);
      await db.call('instance_create', {
        accountId: a.accountId,
        name: `inst-${a.accountId}`,
        webhookSecret: 's',
      });
      await expect(
        db.call('instance_create', {
          accountId: a.accountId,
          name: `inst-${a.accountId}`,
          webhookSecret: 's2',
        }),
      ).rejects.toMatchObject({ code: 'conflict', status: 409 });
      await expect(db.call('instance_auth', { name: `inst-${a.accountId}` })).resolves.toMatchObject({
        webhookSecret: 's',
      });
    });

    it('maps a malformed uuid to validation_failed (400)', async () => {
      await expect(db.call('events_after', { accountId: 'not-a-uuid', after: 0 })).rejects.toMatchObject({
        code: 'validation_failed',
        status: 400,
      });
    });

    it('maps a foreign-key violation (an id that does not exist) to not_found', async () => {
      await expect(
        db.call('instance_create', {
          accountId: randomUUID(),
          name: `x-${randomUUID()}`,
          webhookSecret: 's',
        }),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    it('treats an unknown function as our bug: internal (500), never a 4xx', async () => {
      await expect(db.call('no_such_function', {})).rejects.toMatchObject({ code: 'internal', status: 500 });
      await expect(db.call('ping', { unexpected: 1 })).rejects.toMatchObject({ code: 'internal' });
    });

    it('refuses a function name that is not an identifier before it reaches the database', async () => {
      await expect(db.call('ping(); drop table accounts; --', {})).rejects.toMatchObject({
        code: 'internal',
      });
      await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    });

    it('keeps working after errors (no poisoned connection or transaction)', async () => {
      const calls = Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? db.call('events_after', { accountId: 'bad', after: 0 }).catch((e: { code: string }) => e.code)
          : db.call('ping'),
      );
      const out = await Promise.all(calls);
      expect(out.filter((x) => x === 'validation_failed')).toHaveLength(5);
      await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    });
  });
}
