import { randomUUID } from 'node:crypto';
import { overviewSchema } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationsService } from '../../src/services/conversations.service.js';
import { SendMessageService } from '../../src/services/send-message.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { fixture, postWebhook, recorder } from '../support/ingest-harness.js';

describe(`${ConversationsService.name} + ${SendMessageService.name} (HTTP)`, () => {
  let app: TestApp;
  let owner: SignedUp;
  let other: SignedUp;
  let client: ReturnType<typeof api>;
  const rt = recorder();
  const wa = fakeWhatsApp();
  const inst = { name: `conv-${randomUUID().slice(0, 8)}`, secret: 'conv-secret-0123456789', id: '' };

  /** A customer message through the real webhook route. */
  const customerSays = async (
    phone: string,
    name: string,
    text: string,
    ts: number,
    id = randomUUID().slice(0, 20),
  ) => {
    const body = fixture('messages-upsert-text.json', inst.name);
    body.data.key = { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id };
    body.data.pushName = name;
    body.data.message = { conversation: text };
    body.data.messageTimestamp = ts;
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
    expect(r.status).toBe(200);
  };
  const list = async (query = '') => {
    const r = await client.get(`/api/conversations${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r;
  };
  const byPhone = async (phone: string) => (await list(`?q=${phone}`)).body[0];

  beforeAll(async () => {
    app = await startTestApp({ deps: { realtime: rt, whatsapp: wa } });
    owner = await signup(app.baseUrl, { name: 'Ana Agente' });
    other = await signup(app.baseUrl);
    client = api(app.baseUrl, owner.cookie);
    const created = await app.db.call<{ id: string }>('instance_create', {
      accountId: owner.account.id,
      name: inst.name,
      webhookSecret: inst.secret,
    });
    inst.id = created.id;
    const base = 1763644000;
    await customerSays('5511900000001', 'Alice', 'quero um bolo de chocolate', base + 10);
    await customerSays('5511900000002', 'Bruno', 'qual o horário?', base + 20);
    await customerSays('5511900000003', 'Carla', 'vocês entregam?', base + 30);
    await customerSays('5511900000004', 'Davi', 'oi', base + 40);
    await customerSays('5511900000005', 'Elisa', 'obrigada', base + 50);
    await customerSays('5511900000001', 'Alice', 'pode ser amanhã', base + 60);
  });
  afterAll(() => app?.close());

  it('lists newest activity first and pages with the cursor without gaps or repeats', async () => {
    const all = (await list()).body.map((c: any) => c.contact.name);
    expect(all).toEqual(['Alice', 'Elisa', 'Davi', 'Carla', 'Bruno']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.map((c: any) => c.contact.name));
      cursor = r.headers.get('x-next-cursor');
    } while (cursor);
    expect(seen).toEqual(all);
    const before = (await list()).body[2].lastMessageAt; // Davi's
    expect(
      (await list(`?before=${encodeURIComponent(before)}`)).body.map((c: any) => c.contact.name),
    ).toEqual(['Carla', 'Bruno']);
  });

  it('searches by name, phone and message text', async () => {
    expect((await list('?q=bruno')).body.map((c: any) => c.contact.name)).toEqual(['Bruno']);
    expect((await list('?q=900000003')).body.map((c: any) => c.contact.name)).toEqual(['Carla']);
    expect((await list('?q=chocolate')).body.map((c: any) => c.contact.name)).toEqual(['Alice']);
    expect((await list('?q=100%25_')).body).toEqual([]); // LIKE wildcards are literal
  });

  it('rejects bad queries with 400', async () => {
    for (const q of ['?status=closed', '?limit=0', '?limit=500', '?before=yesterday', '?cursor=bm9wZQ']) {
      const r = await client.get(`/api/conversations${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('gets one conversation and its messages in ascending order', async () => {
    const alice = await byPhone('5511900000001');
    const one = await client.get(`/api/conversations/${alice.id}`);
    expect(one.body).toMatchObject({ id: alice.id, unreadCount: 2, lastMessagePreview: 'pode ser amanhã' });
    const msgs = await client.get(`/api/conversations/${alice.id}/messages`);
    expect(msgs.body.map((m: any) => m.text)).toEqual(['quero um bolo de chocolate', 'pode ser amanhã']);
    const newest = await client.get(`/api/conversations/${alice.id}/messages?limit=1`);
    expect(newest.body.map((m: any) => m.text)).toEqual(['pode ser amanhã']);
    const older = await client.get(
      `/api/conversations/${alice.id}/messages?before=${encodeURIComponent(newest.body[0].createdAt)}`,
    );
    expect(older.body.map((m: any) => m.text)).toEqual(['quero um bolo de chocolate']);
  });

  it('marks read (204, unread 0, one conversation.updated)', async () => {
    const bruno = await byPhone('5511900000002');
    const n = rt.published.length;
    expect((await client.post(`/api/conversations/${bruno.id}/read`)).status).toBe(204);
    expect((await client.get(`/api/conversations/${bruno.id}`)).body.unreadCount).toBe(0);
    expect((await client.post(`/api/conversations/${bruno.id}/read`)).status).toBe(204); // no change, no event
    expect(rt.published.slice(n).map((e) => e.type)).toEqual(['conversation.updated']);
  });

  it('patches status, assignee and AI, and filters by status', async () => {
    const carla = await byPhone('5511900000003');
    const r = await client.patch(`/api/conversations/${carla.id}`, {
      status: 'resolved',
      assigneeId: owner.user.id,
      aiEnabled: false,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'resolved', assigneeId: owner.user.id, aiEnabled: false });
    expect(rt.published.at(-1)).toMatchObject({
      type: 'conversation.updated',
      data: { conversation: { id: carla.id, status: 'resolved' } },
    });
    expect((await list('?status=resolved')).body.map((c: any) => c.id)).toEqual([carla.id]);
    expect((await list('?status=open')).body.map((c: any) => c.id)).not.toContain(carla.id);
    // A new customer message reopens it.
    await customerSays('5511900000003', 'Carla', 'mais uma coisa', 1763644070);
    expect((await client.get(`/api/conversations/${carla.id}`)).body.status).toBe('open');
    expect(
      (await client.patch(`/api/conversations/${carla.id}`, { assigneeId: null })).body.assigneeId,
    ).toBeNull();
  });

  it('refuses an assignee outside the account (404) and an empty or wrong patch (400)', async () => {
    const davi = await byPhone('5511900000004');
    expect((await client.patch(`/api/conversations/${davi.id}`, { assigneeId: other.user.id })).status).toBe(
      404,
    );
    expect((await client.patch(`/api/conversations/${davi.id}`, { assigneeId: randomUUID() })).status).toBe(
      404,
    );
    expect((await client.patch(`/api/conversations/${davi.id}`, {})).status).toBe(400);
    expect((await client.patch(`/api/conversations/${davi.id}`, { status: 'closed' })).status).toBe(400);
    expect((await client.patch(`/api/conversations/${davi.id}`, { aiEnabled: 'no' })).status).toBe(400);
  });

  /** A message of the thread once the outbox recorded Evolution's answer. */
  const settled = async (conversationId: string, messageId: string, status = 'sent') => {
    let found: any;
    await expect
      .poll(async () => {
        const msgs = await client.get(`/api/conversations/${conversationId}/messages`);
        found = msgs.body.find((m: any) => m.id === messageId);
        return found?.status;
      })
      .toBe(status);
    return found;
  };

  it('sends a reply: answers pending at once, the outbox sends it, pushed as created then updated', async () => {
    const elisa = await byPhone('5511900000005');
    const n = rt.published.length;
    const r = await client.post(`/api/conversations/${elisa.id}/messages`, { text: 'Por nada!' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      success: true,
      message: {
        direction: 'out',
        sender: 'agent',
        authorId: owner.user.id,
        authorName: 'Ana Agente',
        status: 'pending',
        text: 'Por nada!',
        waMessageId: null,
      },
    });
    const sent = await settled(elisa.id, r.body.message.id);
    expect(sent.waMessageId).toEqual(expect.any(String));
    expect(wa.sent.at(-1)).toEqual({
      instanceName: inst.name,
      number: '5511900000005@s.whatsapp.net',
      text: 'Por nada!',
    });
    expect(
      rt.published
        .slice(n)
        .filter((e) => e.type.startsWith('message.'))
        .map((e) => [e.type, (e.data as any).message.status]),
    ).toEqual([
      ['message.created', 'pending'],
      ['message.updated', 'sent'],
    ]);
    expect((await client.get(`/api/conversations/${elisa.id}`)).body.lastMessagePreview).toBe('Por nada!');
    // Delivery receipts then move it forward.
    const receipt = fixture('messages-update-delivery.json', inst.name);
    receipt.data.keyId = sent.waMessageId;
    await postWebhook(app.baseUrl, receipt, { 'x-motor-token': inst.secret });
    const msgs = await client.get(`/api/conversations/${elisa.id}/messages`);
    expect(msgs.body.at(-1)).toMatchObject({ id: r.body.message.id, status: 'delivered' });
  });

  it('marks an Evolution failure as failed with the reason, and a retry with the same clientId re-sends the same message', async () => {
    const davi = await byPhone('5511900000004');
    const clientId = randomUUID();
    wa.next.push({ error: 'Connection Closed' });
    const first = await client.post(`/api/conversations/${davi.id}/messages`, { text: 'Oi Davi', clientId });
    expect(first.status).toBe(200);
    expect(first.body.message).toMatchObject({ status: 'pending', clientId });
    const failed = await settled(davi.id, first.body.message.id, 'failed');
    expect(failed).toMatchObject({ error: 'instance_disconnected', clientId, waMessageId: null }); // a stable reason code
    const outbox = await app.db.call<any>('outbox_of_message', {
      accountId: owner.account.id,
      messageId: failed.id,
    });
    expect(outbox).toMatchObject({
      status: 'failed',
      reasonCode: 'instance_disconnected',
      error: 'Connection Closed',
    });
    const sentBefore = wa.sent.length;
    const retry = await client.post(`/api/conversations/${davi.id}/messages`, { text: 'Oi Davi', clientId });
    expect(retry.body.message).toMatchObject({ id: failed.id, status: 'pending', error: null });
    await settled(davi.id, failed.id);
    expect(wa.sent.length).toBe(sentBefore + 1);
    // Once sent, the same clientId returns the same message without sending again.
    const again = await client.post(`/api/conversations/${davi.id}/messages`, { text: 'Oi Davi', clientId });
    expect(again.body.message).toMatchObject({ id: failed.id, status: 'sent' });
    await new Promise((r) => setTimeout(r, 300)); // a poll of the sender
    expect(wa.sent.length).toBe(sentBefore + 1);
    const msgs = await client.get(`/api/conversations/${davi.id}/messages`);
    expect(msgs.body.filter((m: any) => m.text === 'Oi Davi')).toHaveLength(1);
  });

  it('keeps one row when send.message arrives before sendText answered', async () => {
    const bruno = await byPhone('5511900000002');
    let release!: () => void;
    const waMessageId = '3EB0RACE0000000000000001';
    wa.next.push({ waMessageId, wait: new Promise<void>((r) => (release = r)) });
    const sending = await client.post(`/api/conversations/${bruno.id}/messages`, { text: 'Chegou!' });
    await expect.poll(() => wa.sent.some((s) => s.text === 'Chegou!')).toBe(true);
    const echo = fixture('send-message.json', inst.name);
    echo.data.key = { remoteJid: '5511900000002@s.whatsapp.net', fromMe: true, id: waMessageId };
    echo.data.message = { conversation: 'Chegou!' };
    expect((await postWebhook(app.baseUrl, echo, { 'x-motor-token': inst.secret })).status).toBe(200);
    release();
    const sent = await settled(bruno.id, sending.body.message.id);
    expect(sent).toMatchObject({ waMessageId, status: 'sent' });
    const msgs = await client.get(`/api/conversations/${bruno.id}/messages`);
    expect(msgs.body.filter((m: any) => m.waMessageId === waMessageId)).toEqual([
      expect.objectContaining({ id: sending.body.message.id, authorId: owner.user.id }),
    ]);
  });

  it('validates the reply body', async () => {
    const bruno = await byPhone('5511900000002');
    expect(
      (await client.post(`/api/conversations/${bruno.id}/messages`, { text: '\u0000\u0000' })).status,
    ).toBe(400);
    expect((await client.get('/api/conversations?q=%00bruno')).body.map((c: any) => c.contact.name)).toEqual([
      'Bruno',
    ]);
    for (const body of [
      {},
      { text: '   ' },
      { text: 5 },
      { text: 'x'.repeat(5000) },
      { text: 'ok', clientId: 'not-a-uuid' },
    ]) {
      expect(
        (await client.post(`/api/conversations/${bruno.id}/messages`, body)).status,
        JSON.stringify(body).slice(0, 50),
      ).toBe(400);
    }
  });

  it("answers 404 for another account's conversation and 401 without a session", async () => {
    const alice = await byPhone('5511900000001');
    const stranger = api(app.baseUrl, other.cookie);
    expect((await stranger.get(`/api/conversations/${alice.id}`)).status).toBe(404);
    expect((await stranger.get(`/api/conversations/${alice.id}/messages`)).status).toBe(404);
    expect((await stranger.post(`/api/conversations/${alice.id}/read`)).status).toBe(404);
    expect((await stranger.patch(`/api/conversations/${alice.id}`, { status: 'resolved' })).status).toBe(404);
    expect((await stranger.post(`/api/conversations/${alice.id}/messages`, { text: 'oi' })).status).toBe(404);
    expect((await stranger.get('/api/conversations')).body).toEqual([]);
    expect((await client.get(`/api/conversations/${randomUUID()}`)).status).toBe(404);
    expect((await client.get('/api/conversations/not-a-uuid')).status).toBe(400);
    expect((await api(app.baseUrl).get('/api/conversations')).status).toBe(401);
    expect((await api(app.baseUrl).get('/api/overview')).status).toBe(401);
  });

  it('serves the overview', async () => {
    const r = await client.get('/api/overview');
    expect(r.status).toBe(200);
    expect(overviewSchema.strict().parse(r.body)).toBeTruthy(); // the one shape, shared/
    expect(r.body).toMatchObject({
      instances: [expect.objectContaining({ id: inst.id, name: inst.name, status: 'connecting' })],
      openConversations: 5,
      messagesToday: expect.any(Number),
    });
    expect(r.body.messagesToday).toBeGreaterThanOrEqual(10);
    expect((await api(app.baseUrl, other.cookie).get('/api/overview')).body).toEqual({
      instances: [],
      openConversations: 0,
      unread: { total: 0, open: 0, pending: 0, resolved: 0 },
      messagesToday: 0,
      aiAvailable: false,
      ai: { enabled: false, failuresInRow: 0, lastError: null, lastErrorAt: null, pausedUntil: null },
      evolution: expect.objectContaining({ status: 'ok', version: '2.3.6' }),
    });
  });
});
