import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import type { AccountEvent } from '../../src/ports/realtime.port.js';
import { EventsService } from '../../src/services/events.service.js';
import { startEventRetention } from '../../src/services/events-retention.service.js';
import { createAccount } from '../support/factories.js';
import { testLogger } from '../support/silent-logger.js';
import { createTestDb } from '../support/test-db.js';
import { fakeCampaign } from '../support/socket-server.js';

const data = { campaign: fakeCampaign() };

describe(EventsService.name, () => {
  let db: PgliteDb;
  let sut: EventsService;
  beforeAll(async () => {
    db = await createTestDb();
    sut = new EventsService({ db });
  });
  afterAll(() => db.close());

  const append = (accountId: string) =>
    db.call<AccountEvent>('append_event', { accountId, type: 'campaign.updated', data });

  it('numbers concurrent appends of one account 1..n with no hole or duplicate', async () => {
    const { accountId } = await createAccount(db);
    const got = await Promise.all(Array.from({ length: 200 }, () => append(accountId)));
    expect(got.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(got[0]).toMatchObject({ accountId, type: 'campaign.updated', data });
    expect(await sut.head({ accountId })).toBe(200);
    const page = await sut.after({ accountId, after: 0, limit: 1000 });
    expect('events' in page && page.events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('keeps `at` non-decreasing along seq', async () => {
    const { accountId } = await createAccount(db);
    await Promise.all(Array.from({ length: 50 }, () => append(accountId)));
    const page = await sut.after({ accountId, after: 0 });
    const ats = 'events' in page ? page.events.map((e) => Date.parse(e.at)) : [];
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
  });

  it('pages in ascending order and reports the head', async () => {
    const { accountId } = await createAccount(db);
    for (let i = 0; i < 7; i++) await append(accountId);
    expect(await sut.after({ accountId, after: 2, limit: 3 })).toMatchObject({ seq: 7, events: [{ seq: 3 }, { seq: 4 }, { seq: 5 }] });
    expect(await sut.after({ accountId, after: 7 })).toEqual({ seq: 7, events: [] });
  });

  it('keeps accounts apart', async () => {
    const a = await createAccount(db);
    const b = await createAccount(db);
    await Promise.all([append(a.accountId), append(b.accountId), append(a.accountId)]);
    expect(await sut.head({ accountId: a.accountId })).toBe(2);
    expect(await sut.head({ accountId: b.accountId })).toBe(1);
  });

  it('answers reset when the client is ahead of the head (another database)', async () => {
    const { accountId } = await createAccount(db);
    await append(accountId);
    expect(await sut.after({ accountId, after: 5 })).toEqual({ reset: true, seq: 1 });
  });

  it('answers not_found for an unknown account and validation_failed for a negative position', async () => {
    await expect(sut.head({ accountId: '00000000-0000-4000-8000-000000000001' })).rejects.toMatchObject({ code: 'not_found' });
    const { accountId } = await createAccount(db);
    await expect(sut.after({ accountId, after: -1 })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('prunes only a prefix, keeps the newest keepMin, and answers reset behind it', async () => {
    const { accountId } = await createAccount(db);
    for (let i = 0; i < 5; i++) await append(accountId);
    // keepHours 0 = everything already committed is "old"; keep the newest 2 → 1..3 go.
    const r = await db.call<{ deleted: number }>('prune_events', { keepHours: 0, keepMin: 2 });
    expect(r.deleted).toBeGreaterThanOrEqual(3);
    expect(await sut.after({ accountId, after: 3 })).toMatchObject({ seq: 5, events: [{ seq: 4 }, { seq: 5 }] });
    expect(await sut.after({ accountId, after: 2 })).toEqual({ reset: true, seq: 5 });
    expect(await sut.after({ accountId, after: 0 })).toEqual({ reset: true, seq: 5 });
    expect(await sut.after({ accountId, after: 5 })).toEqual({ seq: 5, events: [] });
  });

  it('keeps recent events whatever their number', async () => {
    const { accountId } = await createAccount(db);
    for (let i = 0; i < 3; i++) await append(accountId);
    await db.call('prune_events', { keepHours: 1, keepMin: 0 });
    expect(await sut.after({ accountId, after: 0 })).toMatchObject({ seq: 3, events: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] });
  });

  it('refuses a negative retention', async () => {
    await expect(db.call('prune_events', { keepHours: -1, keepMin: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe(startEventRetention.name, () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  it('prunes on demand, never overlapping itself, and its timer does not hold the process', async () => {
    const { accountId } = await createAccount(db);
    for (let i = 0; i < 4; i++) await db.call('append_event', { accountId, type: 'campaign.updated', data });
    const sut = startEventRetention({ db, logger: testLogger, keepHours: 0, keepMin: 1, intervalMs: 60_000 });
    const [a, b] = [sut.runOnce(), sut.runOnce()];
    expect(a).toBe(b); // the second call joins the running pass
    expect(await a).toBe(3);
    expect(await sut.runOnce()).toBe(0);
    sut.stop();
  });
});
