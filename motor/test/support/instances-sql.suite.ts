import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Db } from '../../src/ports/db.port.js';
import { createAccount, type TestAccount } from './factories.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

/**
 * The instance SQL functions (supabase/migrations/20261129000400_instances.sql), run on PGlite in
 * the unit tier and on a real PostgreSQL in the integration tier.
 *
 * @example
 *   describeInstancesSql('PGlite', () => createTestDb());
 */
export function describeInstancesSql(name: string, makeDb: () => Promise<Db>) {
  describe(`instance SQL (${name})`, () => {
    let db: Db;
    let a: TestAccount;
    let b: TestAccount;
    beforeAll(async () => {
      db = await makeDb();
      a = await createAccount(db, { name: 'Açaí & Cia São João' });
      b = await createAccount(db, { name: '!!!' });
    });
    afterAll(() => db?.close());

    it('registers a new name as disconnected, returns the same row to its account, 409 to another', async () => {
      const first = await db.call<any>('instance_connect_begin', { accountId: a.accountId, name: 'sql-one', webhookSecret: 's1' });
      expect(first).toMatchObject({ created: true, webhookSecret: 's1', instance: { name: 'sql-one', status: 'disconnected', qrCode: null } });
      const again = await db.call<any>('instance_connect_begin', { accountId: a.accountId, name: 'sql-one', webhookSecret: 'other' });
      expect(again).toMatchObject({ created: false, webhookSecret: 's1', instance: { id: first.instance.id } });
      expect(await code(db.call('instance_connect_begin', { accountId: b.accountId, name: 'sql-one', webhookSecret: 'x' }))).toBe('conflict');
    });

    it('generates globally unique names from the account name', async () => {
      const r = await db.call<any>('instance_connect_begin', { accountId: a.accountId, name: null, webhookSecret: 's' });
      expect(r.instance.name).toMatch(/^acai-cia-sao-joao-[0-9a-f]{4}$/);
      const s = await db.call<any>('instance_connect_begin', { accountId: b.accountId, name: null, webhookSecret: 's' });
      expect(s.instance.name).toMatch(/^atende-[0-9a-f]{4}$/);
    });

    it('marks connecting with the QR once (one instance.updated), and hides other accounts', async () => {
      const { instance } = await db.call<any>('instance_connect_begin', { accountId: a.accountId, name: 'sql-qr', webhookSecret: 's' });
      const r = await db.call<any>('instance_connecting', { accountId: a.accountId, instanceId: instance.id, evolutionToken: 'T', qrCode: 'data:image/png;base64,AA', pairingCode: null });
      expect(r.instance).toMatchObject({ status: 'connecting', qrCode: 'data:image/png;base64,AA' });
      expect(r.events).toEqual([expect.objectContaining({ type: 'instance.updated', accountId: a.accountId, data: { instance: expect.objectContaining({ status: 'connecting', reason: null }) } })]);
      const again = await db.call<any>('instance_connecting', { accountId: a.accountId, instanceId: instance.id, qrCode: 'data:image/png;base64,BB' });
      expect(again.events).toEqual([]);
      expect(await db.call<any>('instance_get', { accountId: a.accountId, name: 'sql-qr' })).toMatchObject({ qrCode: 'data:image/png;base64,BB' });
      expect(await code(db.call('instance_connecting', { accountId: b.accountId, instanceId: instance.id }))).toBe('not_found');
      expect(await code(db.call('instance_get', { accountId: b.accountId, name: 'sql-qr' }))).toBe('not_found');
      const list = await db.call<any[]>('instance_list', { accountId: a.accountId });
      expect(list.map((i) => i.name)).toContain('sql-qr');
      expect(await db.call('instance_list', { accountId: b.accountId })).toEqual([expect.objectContaining({ name: expect.stringMatching(/^atende-/) })]);
    });

    it('discards a refused instance of its own account only', async () => {
      const { instance } = await db.call<any>('instance_connect_begin', { accountId: a.accountId, name: 'sql-gone', webhookSecret: 's' });
      expect(await db.call('instance_discard', { accountId: b.accountId, instanceId: instance.id })).toEqual({ discarded: false });
      expect(await db.call('instance_discard', { accountId: a.accountId, instanceId: instance.id })).toEqual({ discarded: true });
      expect(await db.call('instance_auth', { name: 'sql-gone' })).toBeNull();
    });
  });
}
