import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationsService } from '../../src/services/conversations.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { fixture, postWebhook, recorder } from '../support/ingest-harness.js';

// Issue 11 (2, 3, 8): page breaks that lost same-second rows, threads ordered by arrival instead of
// WhatsApp's messageTimestamp, accent-sensitive single-tab search, unread counts from one page.
describe(`${ConversationsService.name}: order, cursors, search and unread (issue 11)`, () => {
  let app: TestApp;
  let owner: SignedUp;
  let client: ReturnType<typeof api>;
  const inst = { name: `order-${randomUUID().slice(0, 8)}`, secret: 'order-secret-0123456789' };
  const base = 1764590000; // a fixed second: many conversations share it

  const customerSays = async (phone: string, name: string, text: string, ts: number) => {
    const body = fixture('messages-upsert-text.json', inst.name);
    body.data.key = { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id: randomUUID().slice(0, 20) };
    body.data.pushName = name;
    body.data.message = { conversation: text };
    body.data.messageTimestamp = ts;
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
    expect(r.status).toBe(200);
  };
  const get = async (path: string) => {
    const r = await client.get(path);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r;
  };
  /** Every page through `x-next-cursor`. */
  const pageAll = async (path: string, limit: number) => {
    const seen: any[] = [];
    let cursor: string | null = null;
    const sep = path.includes('?') ? '&' : '?';
    do {
      const r = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body);
      cursor = r.headers.get('x-next-cursor');
    } while (cursor);
    return seen;
  };

  beforeAll(async () => {
    app = await startTestApp({ deps: { realtime: recorder() } });
    owner = await signup(app.baseUrl);
    client = api(app.baseUrl, owner.cookie);
    await app.db.call('instance_create', {
      accountId: owner.account.id,
      name: inst.name,
      webhookSecret: inst.secret,
    });
    // 65 conversations, 40 of them in the very same second.
    for (let i = 0; i < 65; i++) {
      const phone = `55119100${String(i).padStart(5, '0')}`;
      await customerSays(phone, `Cliente ${i}`, `olá ${i}`, i < 40 ? base : base - i);
    }
  }, 120_000);
  afterAll(() => app?.close());

  it('pages 65 conversations (40 in one second) with the cursor: none lost, none repeated, same order twice', async () => {
    const a = await pageAll('/api/conversations?status=open', 50);
    expect(a).toHaveLength(65);
    expect(new Set(a.map((c) => c.id)).size).toBe(65);
    const b = await pageAll('/api/conversations?status=open', 7);
    expect(b.map((c) => c.id)).toEqual(a.map((c) => c.id));
    // Same-second rows are ordered by id (descending), as the cursor is.
    const sameSecond = a.slice(0, 40).map((c) => c.id);
    expect(sameSecond).toEqual([...sameSecond].sort().reverse());
  });

  it('orders a thread by WhatsApp time: a message redelivered 20 minutes late takes its place', async () => {
    const phone = '5511920000001';
    await customerSays(phone, 'Tardio', 'segunda (chegou primeiro)', base + 1200);
    await customerSays(phone, 'Tardio', 'primeira (chegou 20 min atrasada)', base);
    const conv = (await get(`/api/conversations?q=${phone}`)).body[0];
    expect(conv.lastMessageAt).toBe(new Date((base + 1200) * 1000).toISOString());
    expect(conv.lastMessagePreview).toBe('segunda (chegou primeiro)');
    const msgs = (await get(`/api/conversations/${conv.id}/messages`)).body;
    expect(msgs.map((m: any) => m.text)).toEqual([
      'primeira (chegou 20 min atrasada)',
      'segunda (chegou primeiro)',
    ]);
    expect(msgs[0].sentAt).toBe(new Date(base * 1000).toISOString());
  });

  it('pages a thread with the cursor: same-second messages keep arrival order across page breaks', async () => {
    const phone = '5511920000002';
    for (let i = 0; i < 9; i++) await customerSays(phone, 'Rajada', `m${i}`, base + 5);
    const conv = (await get(`/api/conversations?q=${phone}`)).body[0];
    // The newest page first, then older pages: collect and put back in ascending order.
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const r = await get(
        `/api/conversations/${conv.id}/messages?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pages.unshift(r.body.map((m: any) => m.text));
      cursor = r.headers.get('x-next-cursor');
    } while (cursor);
    expect(pages.flat()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect((await client.get(`/api/conversations/${conv.id}/messages?cursor=bm9wZQ`)).status).toBe(400);
  });

  it('searches without accents, in every status, by name, phone and text', async () => {
    await customerSays('5511930000001', 'João Conceição', 'quero uma promoção', base + 10);
    const joao = (await get('/api/conversations?q=5511930000001')).body[0];
    await client.patch(`/api/conversations/${joao.id}`, { status: 'resolved' });
    const names = async (q: string) => (await get(`/api/conversations?q=${encodeURIComponent(q)}`)).body;
    for (const q of ['joao', 'JOÃO', 'conceicao', 'promocao', 'promoção', '5511930000001']) {
      const found = await names(q);
      expect(
        found.map((c: any) => c.id),
        q,
      ).toEqual([joao.id]);
      expect(found[0].status).toBe('resolved');
    }
    // A tab filter still applies when asked for.
    expect((await names('joao&status=open')).length).toBe(0);
  });

  it('counts unread conversations on the server, in all and per status (61 unread → 61)', async () => {
    const before = (await get('/api/overview')).body.unread;
    expect(before).toMatchObject({ total: expect.any(Number), open: expect.any(Number) });
    const open = await pageAll('/api/conversations?status=open', 200);
    const unreadOpen = open.filter((c) => c.unreadCount > 0);
    // Leave 61 unread open conversations.
    for (const c of unreadOpen.slice(61)) await client.post(`/api/conversations/${c.id}/read`);
    const u = (await get('/api/overview')).body.unread;
    expect(u.open).toBe(61);
    expect(u.resolved).toBe(1); // João
    expect(u.pending).toBe(0);
    expect(u.total).toBe(62);
    expect((await get('/api/conversations/unread')).body).toEqual(u);
  });
});
