import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OutboxService, type OutboxClaim } from '../../src/services/outbox.service.js';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createTestDb } from '../support/test-db.js';
import { createInstance, recorder, type TestInstance } from '../support/ingest-harness.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { testLogger } from '../support/silent-logger.js';

describe(OutboxService.name, () => {
  let db: PgliteDb;
  let inst: TestInstance;
  const rt = recorder();
  let wa = fakeWhatsApp();
  const loops: OutboxService[] = [];

  const customerSays = (phone: string, text: string) =>
    db.call('ingest_message', {
      accountId: inst.accountId,
      instanceId: inst.instanceId,
      message: {
        waMessageId: randomUUID(),
        origin: 'upsert',
        fromMe: false,
        chat: { kind: 'direct', jid: `${phone}@s.whatsapp.net`, lid: null },
        pushName: 'Cliente',
        type: 'text',
        text,
        sentAt: Math.floor(Date.now() / 1000),
      },
    });
  const conversation = async (phone: string) => {
    await customerSays(phone, 'oi');
    const list = await db.call<Array<{ id: string; contact: { phone: string } }>>('conversations_list', {
      accountId: inst.accountId,
      q: phone,
    });
    return list[0]!.id;
  };
  const reply = async (conversationId: string, text: string) =>
    (
      await db.call<{ message: { id: string } }>('send_message_begin', {
        accountId: inst.accountId,
        conversationId,
        userId: inst.userId,
        text,
      })
    ).message.id;
  const messageOf = async (conversationId: string, id: string) => {
    const msgs = await db.call<
      Array<{ id: string; status: string; waMessageId: string | null; error: string | null }>
    >('messages_list', { accountId: inst.accountId, conversationId });
    return msgs.find((m) => m.id === id)!;
  };
  const outboxOf = (messageId: string) =>
    db.call<{ status: string; reasonCode: string | null; error: string | null; attempts: number }>(
      'outbox_of_message',
      {
        accountId: inst.accountId,
        messageId,
      },
    );
  const loop = (opts: ConstructorParameters<typeof OutboxService>[1] = {}) => {
    const o = new OutboxService(
      { db, whatsapp: wa, realtime: rt, logger: testLogger },
      { leaseMs: 400, pollMs: 50, retryDelayMs: 20, ...opts },
    );
    loops.push(o);
    o.start();
    return o;
  };
  const sentTexts = (text: string) => wa.sent.filter((s) => s.text === text).length;

  beforeAll(async () => {
    db = await createTestDb();
    inst = await createInstance(db);
  });
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
    wa = fakeWhatsApp();
  });
  afterAll(() => db.close());

  it('a crash after Evolution took the message: the expired claim is looked up and NOT sent again', async () => {
    const conv = await conversation('5511911110001');
    const id = await reply(conv, 'Seu pedido saiu para entrega');
    // A process claims it, reaches Evolution, and dies before recording the answer.
    const [dead] = await db.call<OutboxClaim[]>('outbox_claim', {
      owner: 'dead-process',
      limit: 10,
      leaseMs: 300,
    });
    expect(dead).toMatchObject({ messageId: id, lookup: false, attempts: 1 });
    const reached = await wa.sendText(dead!.instanceName, {
      number: dead!.payload.number!,
      text: 'Seu pedido saiu para entrega',
    });
    expect((await messageOf(conv, id)).status).toBe('pending');

    loop();
    await expect.poll(async () => (await messageOf(conv, id)).status, { timeout: 5000 }).toBe('sent');
    expect((await messageOf(conv, id)).waMessageId).toBe(reached.waMessageId);
    expect(sentTexts('Seu pedido saiu para entrega')).toBe(1);
    expect(wa.lookups).toEqual([
      expect.objectContaining({ instanceName: inst.name, remoteJid: '5511911110001@s.whatsapp.net' }),
    ]);
    expect(await outboxOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a crash before Evolution got it: the lookup finds nothing and it is sent exactly once', async () => {
    const conv = await conversation('5511911110002');
    const id = await reply(conv, 'Já estamos separando');
    await db.call<OutboxClaim[]>('outbox_claim', { owner: 'dead-process', limit: 10, leaseMs: 300 });
    loop();
    await expect.poll(async () => (await messageOf(conv, id)).status, { timeout: 5000 }).toBe('sent');
    expect(wa.lookups).toHaveLength(1);
    expect(sentTexts('Já estamos separando')).toBe(1);
  });

  it('a timeout whose message did reach WhatsApp is adopted by the lookup, not re-sent', async () => {
    const conv = await conversation('5511911110003');
    wa.next.push({ lost: true });
    const id = await reply(conv, 'Confirmado!');
    loop();
    await expect.poll(async () => (await messageOf(conv, id)).status, { timeout: 5000 }).toBe('sent');
    expect(sentTexts('Confirmado!')).toBe(1);
    expect((await messageOf(conv, id)).waMessageId).toBe(wa.delivered.at(-1)!.waMessageId);
  });

  it('a lookup never adopts a WhatsApp message the Motor already stores as another message', async () => {
    const conv = await conversation('5511911110004');
    const first = await reply(conv, 'ok');
    const l = loop();
    await expect.poll(async () => (await messageOf(conv, first)).status).toBe('sent');
    await l.stop();
    const second = await reply(conv, 'ok');
    await db.call('outbox_claim', { owner: 'dead-process', limit: 10, leaseMs: 200 });
    loop();
    await expect.poll(async () => (await messageOf(conv, second)).status, { timeout: 5000 }).toBe('sent');
    expect(sentTexts('ok')).toBe(2);
    expect((await messageOf(conv, second)).waMessageId).not.toBe((await messageOf(conv, first)).waMessageId);
  });

  it('two sender loops on one database: every row sent once, each conversation in order', async () => {
    const convs = await Promise.all(['5511911110011', '5511911110012', '5511911110013'].map(conversation));
    const ids: Array<[string, string, string]> = [];
    for (let i = 0; i < 12; i++) {
      const conv = convs[i % 3]!;
      ids.push([conv, await reply(conv, `lote ${i}`), `lote ${i}`]);
    }
    loop();
    loop();
    for (const [conv, id] of ids) {
      await expect.poll(async () => (await messageOf(conv, id)).status, { timeout: 10_000 }).toBe('sent');
    }
    for (const [, , text] of ids) expect(sentTexts(text)).toBe(1);
    for (const conv of convs) {
      const mine = ids.filter(([c]) => c === conv).map(([, , t]) => t);
      const number = wa.sent.find((s) => mine.includes(s.text))!.number;
      expect(wa.sent.filter((s) => s.number === number).map((s) => s.text)).toEqual(mine);
    }
  });

  it("Evolution refusals fail at once with a stable reason code and Evolution's words", async () => {
    const conv = await conversation('5511911110021');
    wa.next.push({ error: '[{"jid":"5511911110021@s.whatsapp.net","exists":false}]', status: 400 });
    const id = await reply(conv, 'Olá?');
    loop();
    await expect.poll(async () => (await messageOf(conv, id)).status).toBe('failed');
    expect((await messageOf(conv, id)).error).toBe('number_not_on_whatsapp');
    expect(await outboxOf(id)).toMatchObject({
      status: 'failed',
      reasonCode: 'number_not_on_whatsapp',
      error: expect.stringContaining('exists'),
      attempts: 1,
    });
    expect(sentTexts('Olá?')).toBe(1);
  });

  it('Evolution unreachable: retried with backoff (looked up each time), then failed with a reason', async () => {
    const conv = await conversation('5511911110022');
    for (let i = 0; i < 3; i++) wa.next.push({ error: 'fetch failed', status: null });
    const id = await reply(conv, 'Tem alguém aí?');
    loop({ maxAttempts: 3 });
    await expect.poll(async () => (await messageOf(conv, id)).status, { timeout: 5000 }).toBe('failed');
    expect(await outboxOf(id)).toMatchObject({
      status: 'failed',
      reasonCode: 'evolution_unreachable',
      attempts: 3,
    });
    expect(wa.lookups).toHaveLength(2); // before attempts 2 and 3
    expect((await messageOf(conv, id)).error).toBe('evolution_unreachable');
    expect((await outboxOf(id)).error).toMatch(/after 3 attempts/);
  });

  it("a customer's reply in the same second as our message sorts after it (WhatsApp's whole seconds, then arrival)", async () => {
    const conv = await conversation('5511911110009');
    const ours = await reply(conv, 'Qual sabor?');
    await customerSays('5511911110009', 'Chocolate!'); // stamped to the whole second, as WhatsApp does
    const msgs = await db.call<Array<{ id: string; text: string; sentAt: string }>>('messages_list', {
      accountId: inst.accountId,
      conversationId: conv,
    });
    expect(msgs.map((m) => m.text).slice(-2)).toEqual(['Qual sabor?', 'Chocolate!']);
    expect(msgs.find((m) => m.id === ours)!.sentAt).toMatch(/\.000Z$/);
  });
});
