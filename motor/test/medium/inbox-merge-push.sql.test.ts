import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { fixture } from '../support/ingest-harness.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { startRealtimeTestServer, type RealtimeTestServer } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

// Issue 11 (10): when a message proved that a LID-only contact and a phone contact are one person,
// the LID conversation was folded into the phone one in SQL, but browsers were never told: the
// ghost stayed in every open inbox until a reload. Now a durable `conversation.merged` says so.
describe('a LID/phone merge reaches every open browser (issue 11)', () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, conversations: 'real' });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  it('pushes conversation.merged {fromId: the ghost, intoId: the kept thread} to two agents, in seq order', async () => {
    const owner = await srv.signup();
    const colleague = await srv.addAgent(owner);
    const name = await srv.createInstance(owner.accountId);
    const agents = [
      await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie }),
      await TestRealtimeClient.connect({ url: srv.url, cookie: colleague.cookie }),
    ];
    const lidOnly = fixture('messages-upsert-text.json', name);
    lidOnly.data.key = {
      remoteJid: '100000000000001@lid',
      fromMe: false,
      id: 'LIDONLY0001',
      addressingMode: 'lid',
    };
    const phoneOnly = fixture('messages-upsert-extended-text.json', name);
    phoneOnly.data.key = { remoteJid: '5511999990001@s.whatsapp.net', fromMe: false, id: 'PNONLY0001' };
    expect(await srv.webhook(lidOnly)).toBe(200);
    expect(await srv.webhook(phoneOnly)).toBe(200);
    const convOf = (c: TestRealtimeClient, waId: string) =>
      (
        c.applied.find((e) => e.type === 'message.created' && (e.data as any).message.waMessageId === waId)
          ?.data as any
      )?.conversation.id as string | undefined;
    await agents[0]!.waitFor(() => !!convOf(agents[0]!, 'PNONLY0001'));
    const ghost = convOf(agents[0]!, 'LIDONLY0001')!;
    const kept = convOf(agents[0]!, 'PNONLY0001')!;
    expect(ghost).not.toBe(kept);

    expect(await srv.webhook(fixture('messages-upsert-quoted-reply.json', name))).toBe(200); // both identities
    for (const a of agents) {
      await a.waitFor(
        () => a.applied.some((e) => e.type === ('conversation.merged' as never)),
        10_000,
        'conversation.merged',
      );
      const merged = a.applied.find((e) => e.type === ('conversation.merged' as never))!;
      expect(merged.data).toMatchObject({ fromId: ghost, intoId: kept, conversation: { id: kept } });
      const seqs = a.appliedSeqs();
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // exactly once, in order
      // It is appended before the message that proved the merge, in the same transaction; the
      // webhook publishes what ingest returns, and the client reads the gap from the log.
      expect(a.fetches.length).toBeGreaterThanOrEqual(1);
      // The merge comes before the message that proved it.
      const created = a.applied.findIndex(
        (e) => e.type === 'message.created' && (e.data as any).message.waMessageId === '3A7B2C9D1E0F3A4B5C6D',
      );
      expect(a.applied.indexOf(merged)).toBeLessThan(created);
    }
    for (const a of agents) a.close();
  }, 90_000);
});
