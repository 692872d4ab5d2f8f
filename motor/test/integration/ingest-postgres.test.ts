import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import {
  createPostgresTestDb,
  postgresUnavailable,
  type PostgresTestDb,
} from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  createInstance,
  fixture,
  fixtureNames,
  headSeq,
  postWebhook,
  recorder,
  snapshot,
} from '../support/ingest-harness.js';

const down = await postgresUnavailable();

// The ingest and inbox SQL on a real PostgreSQL 15 (the unit tier runs them on PGlite), with real
// concurrency: a pooled driver runs concurrent webhooks in concurrent transactions.
describeWithService(down, 'webhook ingest on PostgreSQL 15', () => {
  let pg: PostgresTestDb;
  let app: TestApp;
  const rt = recorder();
  beforeAll(async () => {
    pg = await createPostgresTestDb({ max: 8 });
    app = await startTestApp({ db: pg as unknown as PgliteDb, deps: { realtime: rt } });
  });
  afterAll(async () => {
    await app?.close();
    await pg?.close();
  });

  it('ingests every Evolution sample', async () => {
    const inst = await createInstance(pg);
    const order = ['send-message.json', ...fixtureNames().filter((n) => n !== 'send-message.json')];
    for (const name of order) {
      const r = await postWebhook(app.baseUrl, fixture(name, inst.name), { 'x-motor-token': inst.secret });
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const s = await snapshot(pg, inst.accountId, inst.instanceId);
    expect(s.groups[0]).toMatchObject({ jid: '120363000000000001@g.us', subject: 'Clientes VIP' });
    const maria = s.convs.find((c) => c.contact?.phone === '5511999990001')!;
    expect(maria.messages.find((m) => m.waMessageId === '3EB0C7A1F2D94E8B6A5C31')).toMatchObject({
      status: 'read',
    });
    expect(maria.messages.find((m) => m.waMessageId === '3AF0E1D2C3B4A5968778')).toMatchObject({
      reactions: { '👍': 1 },
    });
    expect(s.instance).toMatchObject({ status: 'disconnected' });
  });

  it('stores a message once and pushes one connecting under concurrent redelivery', async () => {
    const inst = await createInstance(pg);
    const msg = fixture('messages-upsert-text.json', inst.name);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => postWebhook(app.baseUrl, msg, { 'x-motor-token': inst.secret })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const s = await snapshot(pg, inst.accountId, inst.instanceId);
    expect(s.convs).toHaveLength(1);
    expect(s.convs[0]!.messages).toHaveLength(1);
    expect(s.contacts).toHaveLength(1);

    await postWebhook(app.baseUrl, fixture('connection-update-open.json', inst.name), {
      'x-motor-token': inst.secret,
    });
    const seq = await headSeq(pg, inst.accountId);
    const flood = fixture('connection-update-connecting.json', inst.name);
    await Promise.all(
      Array.from({ length: 50 }, () => postWebhook(app.baseUrl, flood, { 'x-motor-token': inst.secret })),
    );
    expect(await headSeq(pg, inst.accountId)).toBe(seq + 1);
  });

  it('ends in the same state for reversed delivery', async () => {
    const names = [
      'messages-upsert-text.json',
      'messages-upsert-quoted-reply.json',
      'contacts-update.json',
      'send-message.json',
      'messages-update-delivery.json',
      'messages-update-read.json',
      'messages-upsert-fromme.json',
      'messages-upsert-reaction.json',
    ];
    const run = async (order: string[]) => {
      const inst = await createInstance(pg);
      for (const n of order)
        await postWebhook(app.baseUrl, fixture(n, inst.name), { 'x-motor-token': inst.secret });
      return snapshot(pg, inst.accountId, inst.instanceId);
    };
    expect(await run([...names].reverse())).toEqual(await run(names));
  });
});
