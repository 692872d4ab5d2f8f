import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createTestDb } from '../support/test-db.js';

describe('core SQL functions (PGlite)', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('answers ping', async () => {
    await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
  });

  it('maps a raised AT404 to not_found', async () => {
    await expect(
      db.call('events_after', { accountId: '00000000-0000-0000-0000-000000000000', after: 0 }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });

  it('maps a malformed uuid to validation_failed', async () => {
    await expect(db.call('events_after', { accountId: 'nope', after: 0 })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('signup (PGlite)', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  // Only a login (a password hash or a Supabase user) occupies an email product-wide.
  it('creates an account and its owner, and refuses the same email twice', async () => {
    const r = await db.call<{ user: { role: string; email: string } }>('signup', {
      email: 'Ana@Example.com',
      name: 'Ana',
      accountName: 'Loja',
      passwordHash: 'scrypt$x',
    });
    expect(r.user).toMatchObject({ role: 'owner', email: 'ana@example.com' });
    await expect(
      db.call('signup', { email: 'ana@example.com', name: 'x', accountName: 'y', passwordHash: 'scrypt$y' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('starts every account at seq 0 with an empty log', async () => {
    const r = await db.call<{ account: { id: string } }>('signup', { email: 'b@example.com', name: 'B', accountName: 'B' });
    await expect(db.call('events_after', { accountId: r.account.id, after: 0 })).resolves.toEqual({ seq: 0, events: [] });
  });
});

describe('hostile text reaching SQL (PGlite)', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('answers validation_failed, not internal, for U+0000 in a text argument', async () => {
    await expect(db.call('instance_auth', { name: 'a\u0000b' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
