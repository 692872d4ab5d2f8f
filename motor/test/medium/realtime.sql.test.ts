import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { attachRealtimeGateway } from '../../src/realtime/socket.gateway.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import {
  fakeCampaign,
  knownConversations,
  markedRead,
  startRealtimeTestServer,
  type RealtimeTestServer,
  type TestAgent,
} from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe(attachRealtimeGateway.name, () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  const clients: TestRealtimeClient[] = [];
  const connect = async (opts: Omit<Parameters<typeof TestRealtimeClient.connect>[0], 'url'>) => {
    const c = await TestRealtimeClient.connect({ url: srv.url, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, typingIntervalMs: 0 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  describe('handshake', () => {
    const refusal = (opts: Omit<Parameters<typeof TestRealtimeClient.connect>[0], 'url'>) =>
      connect(opts).then(
        () => 'connected',
        (err: Error) => err.message,
      );

    it('refuses a socket without a session', async () => {
      expect(await refusal({})).toBe('unauthenticated');
    });

    it('refuses a bad, a forged, or a revoked session', async () => {
      expect(await refusal({ cookie: 'atende_session=nope' })).toBe('unauthenticated');
      expect(await refusal({ cookie: `atende_session=${randomUUID()}.forged` })).toBe('unauthenticated');
      expect(await refusal({ token: 'not-a-token' })).toBe('unauthenticated');
      const agent = await srv.signup();
      await srv.auth.logout(await srv.auth.authenticate({ bearerToken: agent.token }));
      expect(await refusal({ cookie: agent.cookie })).toBe('unauthenticated');
    });

    it('refuses a foreign Origin and accepts the same host or none', async () => {
      const agent = await srv.signup();
      expect(await refusal({ cookie: agent.cookie, extraHeaders: { origin: 'https://evil.example' } })).toBe(
        'forbidden',
      );
      expect(await refusal({ cookie: agent.cookie, extraHeaders: { origin: 'http://atende.test' } })).toBe(
        'connected',
      );
      expect(await refusal({ cookie: agent.cookie, extraHeaders: { origin: srv.url } })).toBe('connected');
    });

    it('accepts the session cookie or auth.token, and says ready with the account head', async () => {
      const agent = await srv.signup();
      for (let i = 0; i < 3; i++) await srv.append(agent.accountId);
      const byCookie = await connect({ cookie: agent.cookie });
      const byToken = await connect({ token: agent.token, transports: ['polling'] });
      for (const c of [byCookie, byToken]) {
        expect(c.readies).toEqual([{ accountId: agent.accountId, userId: agent.userId, seq: 3 }]);
      }
    });

    it('puts the socket in its account, user and session rooms only', async () => {
      const agent = await srv.signup();
      const c = await connect({ cookie: agent.cookie });
      const [s] = await srv.io.in(`user:${agent.userId}`).fetchSockets();
      expect(s!.id).toBe(c.socket.id);
      const rooms = [...s!.rooms].sort();
      const session = rooms.find((r) => r.startsWith('session:'));
      expect(session).toBeDefined(); // a cut session is disconnected through this room on every process
      expect(rooms).toEqual(
        [`account:${agent.accountId}`, c.socket.id, session!, `user:${agent.userId}`].sort(),
      );
    });
  });

  describe('isolation and order', () => {
    const ACCOUNTS = 20;
    const PER_ACCOUNT = 30;
    let agents: TestAgent[];
    let byAccount: Map<string, TestRealtimeClient[]>;

    beforeAll(async () => {
      agents = await Promise.all(Array.from({ length: ACCOUNTS }, () => srv.signup()));
    }, 180_000);

    it(`delivers each of ${ACCOUNTS} accounts exactly its own events, in order, under concurrent traffic`, async () => {
      byAccount = new Map();
      // Two sockets per account (two tabs / agents), one over long-polling.
      await Promise.all(
        agents.map(async (a) => {
          const cs = await Promise.all([
            connect({ cookie: a.cookie, fromSeq: 0 }),
            connect({ cookie: a.cookie, fromSeq: 0, transports: ['polling'] }),
          ]);
          byAccount.set(a.accountId, cs);
        }),
      );
      // All accounts write at once, interleaved: the real commit path (SQL append, publish after commit).
      await Promise.all(
        agents.flatMap((a) =>
          range(1, PER_ACCOUNT).map((i) =>
            srv.append(a.accountId, 'campaign.updated', marker(a.accountId, i)),
          ),
        ),
      );
      for (const a of agents) {
        for (const c of byAccount.get(a.accountId)!) {
          await c.waitForSeq(PER_ACCOUNT);
          expect(c.appliedSeqs()).toEqual(range(1, PER_ACCOUNT));
          // Nothing of another account ever reached this socket, live or through catch-up.
          for (const e of [...c.live, ...c.applied]) expect(accountOf(e.data)).toBe(a.accountId);
          expect(c.live.every((e) => e.seq >= 1 && e.seq <= PER_ACCOUNT)).toBe(true);
          expect(
            c.applied.map((e) => (e.data as ReturnType<typeof marker>).campaign.sent).sort((x, y) => x - y),
          ).toEqual(range(1, PER_ACCOUNT));
        }
      }
    }, 120_000);

    it('catches up exactly the missing seqs, in order, for every account after a reconnect', async () => {
      const head = PER_ACCOUNT;
      for (const [, cs] of byAccount) for (const c of cs) c.close();
      // A different number of missed events per account while its sockets are away.
      await Promise.all(
        agents.flatMap((a, k) =>
          range(1, k + 1).map((i) =>
            srv.append(a.accountId, 'campaign.updated', marker(a.accountId, head + i)),
          ),
        ),
      );
      await Promise.all(
        agents.map(async (a, k) => {
          for (const c of byAccount.get(a.accountId)!) {
            const fetchesBefore = c.fetches.length;
            await c.open();
            await c.waitForSeq(head + k + 1);
            expect(c.readies.at(-1)!.seq).toBe(head + k + 1);
            expect(c.fetches.slice(fetchesBefore)).toEqual([
              { after: head, limit: k + 1, got: range(head + 1, head + k + 1) },
            ]);
            expect(c.appliedSeqs()).toEqual(range(1, head + k + 1));
            for (const e of c.applied) expect(accountOf(e.data)).toBe(a.accountId);
          }
        }),
      );
    }, 120_000);
  });

  it('fills a hole seen while connected with exactly the missing events', async () => {
    const agent = await srv.signup();
    const c = await connect({ cookie: agent.cookie });
    await srv.append(agent.accountId);
    // Committed but never published (a Motor killed between commit and broadcast):
    await db.call('append_event', {
      accountId: agent.accountId,
      type: 'campaign.updated',
      data: marker(agent.accountId, 2),
    });
    await db.call('append_event', {
      accountId: agent.accountId,
      type: 'campaign.updated',
      data: marker(agent.accountId, 3),
    });
    await srv.append(agent.accountId);
    await c.waitForSeq(4);
    expect(c.live.map((e) => e.seq)).toEqual([1, 4]);
    expect(c.fetches).toEqual([{ after: 1, limit: 2, got: [2, 3] }]);
    expect(c.appliedSeqs()).toEqual([1, 2, 3, 4]);
  });

  describe('catch-up over HTTP', () => {
    it('answers the page and head for the caller, 401 without a session, 400 on bad input', async () => {
      const agent = await srv.signup();
      const other = await srv.signup();
      for (let i = 0; i < 4; i++) await srv.append(agent.accountId);
      await srv.append(other.accountId);
      const get = (q: string, cookie?: string) =>
        fetch(`${srv.url}/api/events${q}`, { headers: cookie ? { cookie } : {} });

      const ok = await get('?after=1&limit=2', agent.cookie);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({
        seq: 4,
        events: [{ seq: 2, type: 'campaign.updated' }, { seq: 3 }],
      });
      expect(await (await get('?after=0', other.cookie)).json()).toMatchObject({
        seq: 1,
        events: [{ seq: 1 }],
      });
      expect(await (await get('?after=9', agent.cookie)).json()).toEqual({ reset: true, seq: 4 });

      const anon = await get('?after=0');
      expect(anon.status).toBe(401);
      expect(await anon.json()).toMatchObject({ error: { code: 'unauthenticated' } });
      for (const q of [
        '',
        '?after=-1',
        '?after=abc',
        '?after=1.5',
        '?after=0&limit=0',
        '?after=0&limit=1001',
        '?after=1e400',
      ]) {
        const r = await get(q, agent.cookie);
        expect(r.status, q).toBe(400);
        expect(await r.json()).toMatchObject({ error: { code: 'validation_failed' } });
      }
    });

    it('answers reset to a client behind the retained log', async () => {
      const agent = await srv.signup();
      await srv.append(agent.accountId);
      const c = await connect({ cookie: agent.cookie });
      c.close();
      for (let i = 0; i < 5; i++) await srv.append(agent.accountId);
      await db.call('prune_events', { keepHours: 0, keepMin: 2 });
      await c.open();
      await c.waitForSeq(6);
      expect(c.fetches.at(-1)).toEqual({ after: 1, limit: 5, got: 'reset' });
      expect(c.resets).toBe(1);
    });
  });

  describe('commands', () => {
    let owner: TestAgent;
    let colleague: TestAgent;
    let stranger: TestAgent;
    const conversationId = randomUUID();
    beforeAll(async () => {
      owner = await srv.signup({ name: 'Ana' });
      colleague = await srv.addAgent(owner, 'Bruno');
      stranger = await srv.signup();
      knownConversations.set(conversationId, owner.accountId);
    });

    it('relays typing to the account’s other agents only', async () => {
      const ana = await connect({ cookie: owner.cookie });
      const anaTab2 = await connect({ cookie: owner.cookie });
      const bruno = await connect({ cookie: colleague.cookie });
      const eve = await connect({ cookie: stranger.cookie });
      expect(await ana.command('conversation:typing', { conversationId })).toEqual({ ok: true, data: null });
      await bruno.waitFor(() => bruno.typing.length === 1);
      expect(bruno.typing).toEqual([
        { conversationId, userId: owner.userId, name: 'Ana', from: 'agent', state: 'typing' },
      ]);
      // A round trip on the other sockets proves nothing was on its way to them.
      await Promise.all(
        [eve, ana, anaTab2].map((c) => c.command('conversation:typing', { conversationId: randomUUID() })),
      );
      expect([ana.typing, anaTab2.typing, eve.typing]).toEqual([[], [], []]);
    });

    it('refuses typing in another account’s or an unknown conversation', async () => {
      const eve = await connect({ cookie: stranger.cookie });
      expect(await eve.command('conversation:typing', { conversationId })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    });

    it('marks read with an ack, and answers not_found for another account', async () => {
      const bruno = await connect({ cookie: colleague.cookie });
      const eve = await connect({ cookie: stranger.cookie });
      expect(await bruno.command('conversation:read', { conversationId })).toEqual({ ok: true, data: null });
      expect(markedRead).toContainEqual({ accountId: owner.accountId, conversationId });
      expect(await eve.command('conversation:read', { conversationId })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    });

    it.each([
      ['nothing', undefined],
      ['a string', 'hello'],
      ['a number', 42],
      ['a missing id', {}],
      ['a bad uuid', { conversationId: 'nope' }],
      ['a huge id', { conversationId: 'x'.repeat(10_000) }],
    ])('answers validation_failed to %s', async (_label, payload) => {
      const c = await connect({ cookie: owner.cookie });
      for (const cmd of ['conversation:read', 'conversation:typing'] as const) {
        const ack = await c.command(cmd, payload);
        expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
        expect((ack as { error: { message: string } }).error.message).toMatch(/./);
      }
    });

    it('survives a command without an ack callback and keeps the socket', async () => {
      const c = await connect({ cookie: owner.cookie });
      const raw = c.socket as unknown as { emit(event: string, payload: unknown): void };
      raw.emit('conversation:read', { conversationId });
      raw.emit('conversation:typing', 'junk');
      expect(await c.command('conversation:read', { conversationId })).toEqual({ ok: true, data: null });
      expect(c.socket.connected).toBe(true);
    });
  });
});

function marker(accountId: string, i: number) {
  return { campaign: fakeCampaign({ id: accountId, total: 0, sent: i }) };
}
function accountOf(data: unknown): string {
  return (data as ReturnType<typeof marker>).campaign.id;
}
