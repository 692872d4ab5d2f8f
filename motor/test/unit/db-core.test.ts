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
