import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { SESSION_COOKIE } from '../../src/adapters/auth/session-cookie.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { applyTestHelpers, createEmptyPostgresDatabase, postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { TEST_REDIS_URL, redisUnavailable } from '../support/socket-redis.js';
import { messageUpsertBody, phoneFor, uniqueMessageId } from '../support/webhook-factory.js';

// Issue 5: two real Motor processes (the compiled product) share one PostgreSQL and one Redis.
// A webhook into one reaches an agent on the other; killing one mid-stream loses nothing that
// was acknowledged, and the agent ends with every event exactly once, in order.

const down = (await postgresUnavailable()) ?? (await redisUnavailable());
const WEBHOOK_TOKEN = randomBytes(16).toString('hex');
const INSTANCE = `mp-${randomBytes(4).toString('hex')}`;

describeWithService(down, 'two Motor processes sharing PostgreSQL and Redis', () => {
  let drop: () => Promise<void>;
  let db: PostgresDb;
  let m1: MotorProcess;
  let m2: MotorProcess;
  let cookie: string;
  const clients: TestRealtimeClient[] = [];

  beforeAll(async () => {
    ensureMotorBuilt();
    const pg = await createEmptyPostgresDatabase();
    drop = pg.drop;
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: TEST_REDIS_URL,
      WEBHOOK_TOKEN,
      SESSION_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'warn',
    };
    // Both start at once: migrations run under an advisory lock, the second finds them applied.
    [m1, m2] = await Promise.all([startMotor({ env }), startMotor({ env })]);
    db = await createPostgresDb({ url: pg.url, max: 2, migrate: false });
    await applyTestHelpers(pg.url); // app.instance_create (test-only)

    const res = await fetch(`${m1.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `mp-${Date.now()}@example.com`,
        password: 'correct horse battery',
        name: 'Ana',
        accountName: 'Loja MP',
      }),
    });
    expect(res.status).toBe(201);
    const { account } = (await res.json()) as { account: { id: string } };
    cookie = res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(';')[0]!;
    await db.call('instance_create', {
      accountId: account.id,
      name: INSTANCE,
      webhookSecret: randomBytes(16).toString('hex'),
    });
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.allSettled([m1?.stop(), m2?.stop()]);
    await db?.close().catch(() => {});
    await drop?.();
  });

  const postWebhook = (m: MotorProcess, id: string, i: number) =>
    fetch(`${m.url}/api/webhook?token=${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        messageUpsertBody({ instance: INSTANCE, id, phone: phoneFor(i % 5), text: `mensagem ${i}` }),
      ),
    });

  const waIdOf = (e: { type: string; data: unknown }) =>
    e.type === 'message.created'
      ? (e.data as { message: { waMessageId: string } }).message.waMessageId
      : null;

  it('delivers a webhook posted to process 1 live to an agent connected to process 2', async () => {
    const agent = await TestRealtimeClient.connect({ url: m2.url, cookie });
    clients.push(agent);
    const id = uniqueMessageId();
    const res = await postWebhook(m1, id, 0);
    expect(res.status).toBe(200);
    await agent.waitFor(() => agent.live.some((e) => waIdOf(e) === id), 20_000, `message ${id} on process 2`);
    expect(agent.fetches).toEqual([]); // it came through Redis, not through catch-up
  });

  it('relays typing and mark-read between agents on different processes', async () => {
    // A second agent of the account, logged in on process 2.
    const email = `bruno-${Date.now()}@example.com`;
    const invite = await fetch(`${m1.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ email, name: 'Bruno', role: 'agent', password: 'correct horse battery' }),
    });
    expect(invite.status).toBe(201);
    const login = await fetch(`${m2.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const brunoCookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(';')[0]!;

    const ana = await TestRealtimeClient.connect({ url: m1.url, cookie, fromSeq: 0 });
    const bruno = await TestRealtimeClient.connect({ url: m2.url, cookie: brunoCookie });
    clients.push(ana, bruno);
    await ana.waitForSeq(ana.readies[0]!.seq);
    const created = ana.applied.find((e) => e.type === 'message.created')!;
    const conversationId = (created.data as { conversation: { id: string } }).conversation.id;

    expect(await ana.command('conversation:typing', { conversationId })).toEqual({ ok: true, data: null });
    await bruno.waitFor(() => bruno.typing.length > 0, 20_000, 'typing from process 1');
    expect(bruno.typing[0]).toMatchObject({ conversationId, name: 'Ana' });

    const before = ana.lastSeq!;
    expect(await bruno.command('conversation:read', { conversationId })).toEqual({ ok: true, data: null });
    await ana.waitForSeq(before + 1, 20_000);
    expect(ana.live.at(-1)).toMatchObject({
      type: 'conversation.updated',
      data: { conversation: { id: conversationId, unreadCount: 0 } },
    });
  });

  // Issue 11 (5): a session cut reaches every process through the Redis adapter (session rooms).
  it("cuts a session's sockets on process 2 within a second of its logout on process 1, and a password change cuts the user's", async () => {
    const email = `carla-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const invite = await fetch(`${m1.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ email, name: 'Carla', role: 'agent', password }),
    });
    expect(invite.status).toBe(201);
    const loginAt = async (m: MotorProcess) => {
      const r = await fetch(`${m.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(r.status).toBe(200);
      return r.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
        .split(';')[0]!;
    };
    const cutWithin = (c: TestRealtimeClient, ms: number) =>
      Promise.race([
        new Promise<number>((resolve) => c.socket.once('disconnect', () => resolve(Date.now()))),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), ms)),
      ]);

    // Logout: the session's tab on process 2 closes; the same user's other session stays.
    const leaving = await loginAt(m1);
    const staying = await loginAt(m2);
    const tab = await TestRealtimeClient.connect({ url: m2.url, cookie: leaving });
    const other = await TestRealtimeClient.connect({ url: m2.url, cookie: staying });
    clients.push(tab, other);
    const cut = cutWithin(tab, 1000);
    const t0 = Date.now();
    expect(
      (await fetch(`${m1.url}/api/auth/logout`, { method: 'POST', headers: { cookie: leaving } })).status,
    ).toBe(204);
    const at = await cut;
    expect(at, 'the logged-out tab on process 2 closed within 1 s').not.toBeNull();
    console.log(`logout on process 1 → socket on process 2 closed in ${(at as number) - t0} ms`);
    expect(other.socket.connected).toBe(true);

    // Password change on process 1: the user's other sessions (process 2) close too.
    const changer = await loginAt(m1);
    const t1 = Date.now();
    const cut2 = cutWithin(other, 1000 + 2000); // + the password hashing of the request itself
    const changed = await fetch(`${m1.url}/api/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: changer },
      body: JSON.stringify({ currentPassword: password, newPassword: 'another horse battery' }),
    });
    expect(changed.status).toBe(204);
    const at2 = await cut2;
    expect(at2, 'the other session on process 2 closed once the password changed').not.toBeNull();
    console.log(
      `password change on process 1 → other session on process 2 closed in ${(at2 as number) - t1} ms`,
    );
  });

  it('loses nothing acknowledged when process 1 is killed mid-stream: every event once, in order', async () => {
    const agent = await TestRealtimeClient.connect({ url: m2.url, cookie, fromSeq: 0 });
    clients.push(agent);
    const acked: string[] = [];
    const CONCURRENCY = 4;
    const KILL_AFTER = 60;
    let n = 0;
    let killed = false;
    const worker = async () => {
      for (;;) {
        const i = n++;
        if (i >= 400) return;
        if (i === KILL_AFTER) {
          killed = true;
          void m1.kill9();
        }
        const id = uniqueMessageId();
        const ok = await postWebhook(m1, id, i).then(
          (r) => r.status === 200,
          () => false, // connection refused / reset: not acknowledged, Evolution would retry
        );
        if (ok) acked.push(id);
        if (killed && m1.exited()) return;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(m1.exited()).toMatchObject({ signal: 'SIGKILL' });
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER - CONCURRENCY);

    // Process 2 still serves: one more webhook. Its event reveals any hole (events process 1
    // committed but never broadcast), which the agent fills from GET /api/events.
    const last = uniqueMessageId();
    expect((await postWebhook(m2, last, 999)).status).toBe(200);
    acked.push(last);
    const head = (await db.call<{ seq: number }>('event_head', { accountId: agent.readies[0]!.accountId }))
      .seq;
    await agent.waitForSeq(head, 30_000);

    const seqs = agent.appliedSeqs();
    expect(seqs).toEqual(Array.from({ length: head }, (_, k) => k + 1)); // 1..head, in order, once each
    const created = agent.applied.map(waIdOf).filter((x): x is string => x !== null);
    expect(new Set(created).size).toBe(created.length); // no message twice
    for (const id of acked) expect(created).toContain(id); // every 2xx reached the agent
    console.info(
      `[multi-process] ${acked.length} webhooks acknowledged (process 1 killed after ~${KILL_AFTER}); agent on process 2 applied ` +
        `${seqs.length} events, ${agent.live.length} live via Redis, ${agent.fetches.length} catch-up fetches`,
    );
  }, 180_000);
});
