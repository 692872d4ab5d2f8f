import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { startFakeGroq, type FakeGroq } from '../support/fake-groq.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { applyTestHelpers, createEmptyPostgresDatabase, postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { TEST_REDIS_URL, redisUnavailable } from '../support/socket-redis.js';
import { messageUpsertBody, uniqueMessageId } from '../support/webhook-factory.js';

// Issue 13: two real Motor processes on one PostgreSQL + Redis, the same customer burst delivered
// to BOTH (as a duplicated webhook would be): ONE model call, ONE answer stored, ONE sendText.

const down = (await postgresUnavailable()) ?? (await redisUnavailable());
const WEBHOOK_TOKEN = randomBytes(16).toString('hex');
const INSTANCE = `aimp-${randomBytes(4).toString('hex')}`;
const PHONE = '5511955550001';

/** A minimal Evolution (REST) both Motors talk to: records every sendText. */
async function startFakeEvolution() {
  const sends: Array<{ instance: string; number: string; text: string }> = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/')
        return json(200, { status: 200, message: 'Welcome', version: '2.3.6' });
      const send = /^\/message\/sendText\/([^/?]+)/.exec(url);
      if (send && req.method === 'POST') {
        const b = JSON.parse(raw || '{}') as { number: string; text: string };
        sends.push({ instance: decodeURIComponent(send[1]!), number: b.number, text: b.text });
        n += 1;
        return json(201, {
          key: {
            remoteJid: `${PHONE}@s.whatsapp.net`,
            fromMe: true,
            id: `3EB0MP${String(n).padStart(16, '0')}`,
          },
          pushName: 'Você',
          status: 'PENDING',
          message: { conversation: b.text },
          messageType: 'conversation',
          messageTimestamp: Math.floor(Date.now() / 1000),
          instanceId: 'x',
          source: 'web',
        });
      }
      json(404, { status: 404, error: 'Not Found', response: { message: [`Cannot ${req.method} ${url}`] } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sends,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describeWithService(down, 'AI replies with two Motor processes (PostgreSQL + Redis)', () => {
  let drop: () => Promise<void>;
  let db: PostgresDb;
  let m1: MotorProcess;
  let m2: MotorProcess;
  let groq: FakeGroq;
  let evolution: Awaited<ReturnType<typeof startFakeEvolution>>;
  let accountId: string;

  beforeAll(async () => {
    ensureMotorBuilt();
    const pg = await createEmptyPostgresDatabase();
    drop = pg.drop;
    groq = await startFakeGroq({ defaultAnswer: 'Temos sim! Posso separar um para você?' });
    evolution = await startFakeEvolution();
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: TEST_REDIS_URL,
      WEBHOOK_TOKEN,
      SESSION_SECRET: randomBytes(24).toString('hex'),
      EVOLUTION_API_URL: evolution.url,
      EVOLUTION_API_KEY: 'test-global-key',
      GROQ_API_KEY: 'gsk_multi_process_test',
      GROQ_BASE_URL: groq.url,
      LOG_LEVEL: 'warn',
    };
    [m1, m2] = await Promise.all([startMotor({ env }), startMotor({ env })]);
    db = await createPostgresDb({ url: pg.url, max: 2, migrate: false });
    await applyTestHelpers(pg.url); // app.instance_create (test-only)
    const r = await db.call<{ account: { id: string } }>('signup', {
      email: `aimp-${Date.now()}@example.com`,
      name: 'Ana',
      accountName: 'Loja IA',
      passwordHash: null,
    });
    accountId = r.account.id;
    const inst = await db.call<{ id: string }>('instance_create', {
      accountId,
      name: INSTANCE,
      webhookSecret: randomBytes(16).toString('hex'),
    });
    await db.call('ingest_connection', { accountId, instanceId: inst.id, status: 'connected' });
    await db.call('ai_settings_put', { accountId, patch: { enabled: true, replyDelayMs: 2000 } });
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled([m1?.stop(), m2?.stop()]);
    await db?.close().catch(() => {});
    await drop?.();
    await groq?.close();
    await evolution?.close();
  });

  it('a burst delivered to both processes gets one model call and one answer', async () => {
    const texts = ['oi, tudo bem?', 'vocês têm tênis de corrida?', 'tamanho 42'];
    for (const text of texts) {
      const body = JSON.stringify(
        messageUpsertBody({ instance: INSTANCE, id: uniqueMessageId(), phone: PHONE, text }),
      );
      const post = (m: MotorProcess) =>
        fetch(`${m.url}/api/webhook?token=${WEBHOOK_TOKEN}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const [a, b] = await Promise.all([post(m1), post(m2)]);
      expect([a.status, b.status]).toEqual([200, 200]);
    }
    const answer = 'Temos sim! Posso separar um para você?';
    await expect
      .poll(() => evolution.sends.filter((s) => s.text === answer).length, { timeout: 20_000 })
      .toBe(1);
    // Both processes keep polling: give them time to (wrongly) answer again.
    await new Promise((r) => setTimeout(r, 3000));
    expect(groq.chats).toHaveLength(1);
    expect(groq.chats[0]!.body.messages.slice(1)).toEqual(
      texts.map((content) => ({ role: 'user', content })),
    );
    expect(evolution.sends).toEqual([
      { instance: INSTANCE, number: `${PHONE}@s.whatsapp.net`, text: answer },
    ]);
    const [conv] = await db.call<Array<{ id: string }>>('conversations_list', { accountId });
    const messages = await db.call<Array<{ sender: string; status: string; text: string }>>('messages_list', {
      accountId,
      conversationId: conv!.id,
    });
    expect(messages.filter((m) => m.sender === 'contact').map((m) => m.text)).toEqual(texts);
    expect(messages.filter((m) => m.sender === 'ai')).toEqual([
      expect.objectContaining({ text: answer, status: 'sent' }),
    ]);
  }, 60_000);
});
