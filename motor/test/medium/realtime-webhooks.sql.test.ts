import type { Conversation, DurableEvent } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createSocketPublisher } from '../../src/realtime/socket.publisher.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { startRealtimeTestServer, type RealtimeTestServer, type TestAgent } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';
import { messageUpsertBody, phoneFor, uniqueMessageId } from '../support/webhook-factory.js';

// The real path end to end: Evolution webhook → intake → one SQL transaction → publish after
// commit → the account's sockets; and conversation:read through the real conversations service.

const ACCOUNTS = 20;
const PER_ACCOUNT = 12;

const waIdOf = (e: DurableEvent) => (e.type === 'message.created' ? e.data.message.waMessageId : null);

describe(createSocketPublisher.name, () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  const tenants: { agent: TestAgent; instance: string; client: TestRealtimeClient; sent: string[] }[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, conversations: 'real' });
    await Promise.all(
      Array.from({ length: ACCOUNTS }, async () => {
        const agent = await srv.signup();
        const instance = await srv.createInstance(agent.accountId);
        const client = await TestRealtimeClient.connect({ url: srv.url, cookie: agent.cookie, fromSeq: 0 });
        tenants.push({ agent, instance, client, sent: [] });
      }),
    );
  }, 180_000);
  afterAll(async () => {
    for (const t of tenants) t.client.close();
    await srv?.close();
    await db?.close();
  });

  it(`keeps ${ACCOUNTS} accounts apart while their webhooks arrive concurrently`, async () => {
    const posts = tenants.flatMap((t) =>
      Array.from({ length: PER_ACCOUNT }, (_, i) => {
        const id = uniqueMessageId();
        t.sent.push(id);
        return () => srv.webhook(messageUpsertBody({ instance: t.instance, id, phone: phoneFor(i % 3), text: `oi ${i}` }));
      }),
    );
    // Interleave accounts, 16 requests in flight at a time.
    const shuffled = posts.sort(() => Math.random() - 0.5);
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let p = shuffled.pop(); p; p = shuffled.pop()) statuses.push(await p());
      }),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);

    for (const t of tenants) {
      const head = (await db.call<{ seq: number }>('event_head', { accountId: t.agent.accountId })).seq;
      await t.client.waitForSeq(head);
      expect(t.client.appliedSeqs()).toEqual(Array.from({ length: head }, (_, k) => k + 1));
      const created = t.client.applied.map(waIdOf).filter(Boolean);
      expect(created.sort()).toEqual([...t.sent].sort()); // all of its own messages, none of another's
      const foreign = new Set(tenants.filter((o) => o !== t).flatMap((o) => o.sent));
      expect(t.client.live.some((e) => foreign.has(waIdOf(e) ?? ''))).toBe(false);
    }
  }, 120_000);

  it('marks a conversation read over the socket and pushes the change to the account only', async () => {
    const [a, b] = tenants;
    const created = a!.client.applied.find((e) => e.type === 'message.created') as DurableEvent<'message.created'>;
    const conversation: Conversation = created.data.conversation;
    const tab2 = await TestRealtimeClient.connect({ url: srv.url, cookie: a!.agent.cookie });
    const before = tab2.lastSeq!;
    const bBefore = b!.client.live.length;

    expect(await a!.client.command('conversation:read', { conversationId: conversation.id })).toEqual({ ok: true, data: null });
    await tab2.waitForSeq(before + 1);
    const pushed = tab2.applied.at(-1) as DurableEvent<'conversation.updated'>;
    expect(pushed).toMatchObject({ type: 'conversation.updated', data: { conversation: { id: conversation.id, unreadCount: 0 } } });

    // Another account's id answers not_found and pushes nothing anywhere.
    expect(await b!.client.command('conversation:read', { conversationId: conversation.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    // Reading an already-read conversation is a no-op (no event).
    expect(await a!.client.command('conversation:read', { conversationId: conversation.id })).toEqual({ ok: true, data: null });
    const head = (await db.call<{ seq: number }>('event_head', { accountId: a!.agent.accountId })).seq;
    expect(head).toBe(before + 1);
    expect(b!.client.live.length).toBe(bBefore);
    tab2.close();
  });

  it('answers 401 to a webhook with a wrong token and pushes nothing', async () => {
    const t = tenants[2]!;
    const before = t.client.live.length;
    const res = await fetch(`${srv.url}/api/webhook?token=wrong`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageUpsertBody({ instance: t.instance, phone: phoneFor(1) })),
    });
    expect(res.status).toBe(401);
    const round = await t.client.command('conversation:typing', { conversationId: '00000000-0000-4000-8000-000000000000' });
    expect(round).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(t.client.live.length).toBe(before);
  });
});
