import { randomUUID } from 'node:crypto';
import type { Contact, ContactDetail, Conversation, Group } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstance, inboundText, setInstanceStatus } from '../support/campaign-fixtures.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { postWebhook } from '../support/ingest-harness.js';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Team tools from outside (docs/team-tools.md): labels and the inbox filters, new conversations
// with any number (checked at WhatsApp), the groups list and its sync, the contact panel's read.

describe('team tools: labels, filters, new conversations, groups, contact panel', () => {
  let app: TestApp;
  let owner: SignedUp;
  let as: ReturnType<typeof api>;
  let agentId: string;
  let agent: ReturnType<typeof api>;
  let inst: { id: string; name: string };
  let inst2: { id: string; name: string };
  const wa = fakeWhatsApp();

  const list = async (q = '') => {
    const r = await as.get(`/api/conversations${q}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return (r.body as Conversation[]).map((c) => c.contact?.name ?? c.group?.subject);
  };

  beforeAll(async () => {
    app = await startTestApp({ deps: { whatsapp: wa } });
    owner = await signup(app.baseUrl, { accountName: 'Loja Equipe' });
    as = api(app.baseUrl, owner.cookie);
    const member = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    agentId = member.user.id;
    agent = api(app.baseUrl, member.cookie);
    inst = await createInstance(app.db, owner.account.id, 'connected');
    inst2 = await createInstance(app.db, owner.account.id, 'connected');
    await inboundText(app.db, owner.account.id, inst.id, { phone: '5511987650001', name: 'Ana', text: 'oi' });
    await inboundText(app.db, owner.account.id, inst.id, { phone: '5511987650002', name: 'Bruno', text: 'oi' });
    await inboundText(app.db, owner.account.id, inst2.id, { phone: '5511987650003', name: 'Carla', text: 'oi' });
  });
  afterAll(() => app?.close());

  const idOf = async (name: string) =>
    ((await as.get('/api/conversations')).body as Conversation[]).find((c) => c.contact?.name === name)!.id;

  it('labels a conversation (trimmed, deduplicated, sorted) and pushes it; bad labels are 400', async () => {
    const id = await idOf('Ana');
    const r = await as.patch(`/api/conversations/${id}`, { labels: [' vip', 'entrega', 'vip'] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.labels).toEqual(['entrega', 'vip']);
    expect((await as.get(`/api/conversations/${id}`)).body.labels).toEqual(['entrega', 'vip']);
    const events = (await as.get('/api/events?after=0')).body.events as Array<{ type: string; data: any }>;
    expect(events.at(-1)).toMatchObject({ type: 'conversation.updated', data: { conversation: { labels: ['entrega', 'vip'] } } });
    expect((await as.patch(`/api/conversations/${id}`, { labels: [''] })).status).toBe(400);
    expect((await as.patch(`/api/conversations/${id}`, { labels: 'vip' })).status).toBe(400);
    expect((await as.patch(`/api/conversations/${id}`, { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) })).status).toBe(400);
    expect((await as.get('/api/conversations/labels')).body).toEqual(['entrega', 'vip']);
    // A new conversation starts without labels.
    expect((await as.get(`/api/conversations/${await idOf('Bruno')}`)).body.labels).toEqual([]);
  });

  it('filters by assignee (me, none, a user), label and number, in any status tab, combined', async () => {
    const [ana, bruno, carla] = [await idOf('Ana'), await idOf('Bruno'), await idOf('Carla')];
    await as.patch(`/api/conversations/${ana}`, { assigneeId: owner.user.id });
    await as.patch(`/api/conversations/${bruno}`, { assigneeId: agentId, labels: ['vip'] });
    expect(await list('?assignee=me')).toEqual(['Ana']);
    expect(await list('?assignee=none')).toEqual(['Carla']);
    expect(await list(`?assignee=${agentId}`)).toEqual(['Bruno']);
    expect((await agent.get('/api/conversations?assignee=me')).body.map((c: Conversation) => c.contact?.name)).toEqual(['Bruno']);
    expect((await list('?label=vip')).sort()).toEqual(['Ana', 'Bruno']); // same second: order by id
    expect(await list('?label=entrega')).toEqual(['Ana']);
    expect(await list('?label=nada')).toEqual([]);
    expect(await list(`?instanceId=${inst2.id}`)).toEqual(['Carla']);
    expect(await list(`?instanceId=${inst.id}&label=vip&assignee=me`)).toEqual(['Ana']);
    await as.patch(`/api/conversations/${carla}`, { status: 'pending' });
    expect(await list('?status=pending&assignee=none')).toEqual(['Carla']);
    expect(await list('?status=open&assignee=none')).toEqual([]);
    expect(await list('?status=open&q=bruno&label=vip')).toEqual(['Bruno']);
    // Pages of a filtered list continue with the same filter.
    const page = await as.get('/api/conversations?label=vip&limit=1');
    const next = await as.get(`/api/conversations?label=vip&limit=1&cursor=${page.headers.get('x-next-cursor')}`);
    expect([...page.body, ...next.body].map((c: Conversation) => c.contact?.name).sort()).toEqual(['Ana', 'Bruno']);
    for (const bad of ['?assignee=someone', '?instanceId=nope', `?label=${'x'.repeat(51)}`]) {
      const r = await as.get(`/api/conversations${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    // An unknown user or another account's number filters to nothing (never an error that tells ids apart).
    expect(await list(`?assignee=${randomUUID()}`)).toEqual([]);
    expect(await list(`?instanceId=${randomUUID()}`)).toEqual([]);
  });

  it('starts a conversation with any typed number (201), finds the existing one (200), sends the first text', async () => {
    const created = await as.post('/api/conversations', { instanceId: inst.id, phone: '+55 (21) 98765-4321' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      instanceId: inst.id,
      status: 'open',
      assigneeId: owner.user.id,
      labels: [],
      contact: { phone: '5521987654321' },
    });
    expect(wa.numberLookups.at(-1)).toEqual(['5521987654321']);
    // The same number typed without the 9th digit is the same conversation.
    const again = await as.post('/api/conversations', { instanceId: inst.id, phone: '21 8765-4321', text: 'Olá! Aqui é da Loja.' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.lastMessagePreview).toBe('Olá! Aqui é da Loja.');
    await expect.poll(() => wa.sent.map((s) => s.text), { timeout: 10_000 }).toContain('Olá! Aqui é da Loja.');
    expect(wa.sent.at(-1)!.number).toBe('5521987654321@s.whatsapp.net');
    const msgs = (await as.get(`/api/conversations/${created.body.id}/messages`)).body;
    expect(msgs).toEqual([expect.objectContaining({ direction: 'out', sender: 'agent', authorId: owner.user.id, text: 'Olá! Aqui é da Loja.' })]);
  });

  it('uses the JID WhatsApp knows (a mobile registered without its 9th digit) and an existing contact', async () => {
    wa.registeredAs.set('5531987651234', '553187651234@s.whatsapp.net');
    const r = await as.post('/api/conversations', { instanceId: inst.id, phone: '(31) 98765-1234' });
    expect(r.status).toBe(201);
    expect(r.body.contact.phone).toBe('553187651234');
    // A customer who already wrote: the same contact, on another number a new conversation.
    const ana = (await as.post('/api/conversations', { instanceId: inst.id, phone: '11 98765-0001' })).body;
    expect(ana.id).toBe(await idOf('Ana'));
    const other = await as.post('/api/conversations', { instanceId: inst2.id, phone: '11 98765-0001' });
    expect(other.status).toBe(201);
    expect(other.body.contact.id).toBe(ana.contact.id);
  });

  it('refuses numbers that are not on WhatsApp, malformed numbers, disconnected and unknown numbers', async () => {
    wa.notOnWhatsApp.add('5511912340000');
    const absent = await as.post('/api/conversations', { instanceId: inst.id, phone: '11 91234-0000' });
    expect(absent.status).toBe(400);
    expect(absent.body.error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'body.phone', reason: 'not_on_whatsapp' })],
    });
    const bad = await as.post('/api/conversations', { instanceId: inst.id, phone: '00 1234' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'body.phone', reason: 'length' });
    expect((await as.post('/api/conversations', { instanceId: inst.id, phone: '(10) 98765-4321' })).body.error.details[0].reason).toBe('area_code');
    expect((await as.post('/api/conversations', { instanceId: inst.id })).status).toBe(400);
    expect((await as.post('/api/conversations', { instanceId: inst.id, phone: '11987654321', text: '' })).status).toBe(400);
    expect((await as.post('/api/conversations', { instanceId: randomUUID(), phone: '11987654321' })).status).toBe(404);
    const down = await createInstance(app.db, owner.account.id, 'disconnected');
    const lookups = wa.numberLookups.length;
    const r = await as.post('/api/conversations', { instanceId: down.id, phone: '11987654321' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('conflict');
    expect(wa.numberLookups.length).toBe(lookups);
  });

  it('lists groups with their conversation; a connect syncs them from WhatsApp, webhooks keep size and subject', async () => {
    wa.groups.set(inst.name, [
      { jid: '120363000000000001@g.us', subject: 'Clientes VIP', description: null, size: 3, participants: [] },
      { jid: '120363000000000002@g.us', subject: 'Atacado', description: null, size: 12, participants: [] },
    ]);
    await setInstanceStatus(app.db, owner.account.id, inst.id, 'disconnected');
    const token = (await app.db.call<{ webhookSecret: string }>('instance_auth', { name: inst.name })).webhookSecret;
    const hook = (event: string, data: unknown) =>
      postWebhook(app.baseUrl, { event, instance: inst.name, data, date_time: new Date().toISOString(), server_url: 'x', apikey: null }, { 'x-motor-token': token });
    expect((await hook('connection.update', { instance: inst.name, state: 'open', statusReason: 200 })).status).toBe(200);
    await expect.poll(async () => ((await as.get('/api/groups')).body as Group[]).map((g) => g.subject), { timeout: 10_000 }).toEqual(['Atacado', 'Clientes VIP']);
    expect(wa.groupFetches).toContain(inst.name);
    const groups = (await as.get('/api/groups')).body as Group[];
    expect(groups[1]).toEqual({ id: expect.any(String), instanceId: inst.id, jid: '120363000000000001@g.us', subject: 'Clientes VIP', size: 3, conversationId: null });
    // A message in the group makes its conversation; the bubble names the sender (authorName).
    const msg = {
      key: { remoteJid: '120363000000000001@g.us', fromMe: false, id: `3A${randomUUID().replace(/-/g, '').slice(0, 18)}`, participant: '100000000000003@lid', participantAlt: '5511999990003@s.whatsapp.net', addressingMode: 'lid' },
      pushName: 'Carlos Teste', status: 'DELIVERY_ACK', message: { conversation: 'Bom dia, pessoal!' }, messageType: 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000), instanceId: 'x', source: 'ios',
    };
    expect((await hook('messages.upsert', msg)).status).toBe(200);
    const vip = ((await as.get('/api/groups')).body as Group[]).find((g) => g.subject === 'Clientes VIP')!;
    expect(vip.conversationId).toEqual(expect.any(String));
    const thread = (await as.get(`/api/conversations/${vip.conversationId}/messages`)).body;
    expect(thread[0]).toMatchObject({ authorName: 'Carlos Teste', participant: '5511999990003@s.whatsapp.net' });
    // group-participants.update moves the size, once per participant even when redelivered.
    const add = { id: '120363000000000001@g.us', author: 'x@lid', participants: [{ id: '100000000000009@lid', phoneNumber: '5511999990009@s.whatsapp.net', admin: null }], action: 'add' };
    await hook('group-participants.update', add);
    await hook('group-participants.update', add);
    expect(((await as.get('/api/groups')).body as Group[]).find((g) => g.jid === add.id)!.size).toBe(4);
    await hook('group-participants.update', { ...add, action: 'remove' });
    expect(((await as.get('/api/groups')).body as Group[]).find((g) => g.jid === add.id)!.size).toBe(3);
    // groups.update (partial metadata) renames and pushes the conversation.
    expect((await hook('groups.update', [{ id: '120363000000000001@g.us', subject: 'Clientes VIP 2026' }])).status).toBe(200);
    expect((await as.get(`/api/conversations/${vip.conversationId}`)).body.group.subject).toBe('Clientes VIP 2026');
    expect(((await as.get(`/api/groups?instanceId=${inst2.id}`)).body as Group[])).toEqual([]);
    expect((await as.get('/api/groups?instanceId=x')).status).toBe(400);
  });

  it('a failed group sync is logged, never thrown, and the list stays', async () => {
    const failing = { ...wa, fetchAllGroups: () => Promise.reject(new Error('Connection Closed')) };
    const { GroupsService } = await import('../../src/services/groups.service.js');
    const sut = new GroupsService({ db: app.db, realtime: app.deps.realtime, whatsapp: failing, logger: app.deps.logger });
    expect(await sut.sync({ accountId: owner.account.id, instanceId: inst.id, instanceName: inst.name })).toBe(0);
    expect(((await as.get('/api/groups')).body as Group[]).length).toBe(2);
  });

  it('reads one contact with its conversations for the panel; accents ignored in the contact search', async () => {
    await as.patch(`/api/contacts/${(await as.get(`/api/conversations/${await idOf('Ana')}`)).body.contact.id}`, { name: 'Ána Júlia' });
    const found = (await as.get('/api/contacts?q=ana julia')).body as Contact[];
    expect(found.map((c) => c.name)).toEqual(['Ána Júlia']);
    const detail = (await as.get(`/api/contacts/${found[0]!.id}`)).body as ContactDetail;
    expect(detail).toMatchObject({ id: found[0]!.id, name: 'Ána Júlia', phone: '5511987650001', optedOut: false });
    expect(detail.conversations.map((c) => c.instanceId).sort()).toEqual([inst.id, inst2.id].sort());
    // The panel's notes count: the team's notes in all of the contact's conversations.
    expect(detail.notesCount).toBe(0);
    for (const c of detail.conversations)
      expect((await as.post(`/api/conversations/${c.id}/notes`, { text: `nota ${c.instanceId}` })).status).toBe(201);
    expect(((await as.get(`/api/contacts/${found[0]!.id}`)).body as ContactDetail).notesCount).toBe(2);
    expect((await as.get(`/api/contacts/${randomUUID()}`)).status).toBe(404);
    expect((await as.get('/api/contacts/nope')).status).toBe(400);
  });

  it("keeps accounts apart: another account's ids are 404, its lists empty", async () => {
    const other = api(app.baseUrl, (await signup(app.baseUrl)).cookie);
    const contactId = (await as.get('/api/contacts')).body[0].id;
    expect((await other.get(`/api/contacts/${contactId}`)).status).toBe(404);
    expect((await other.get('/api/groups')).body).toEqual([]);
    expect((await other.post('/api/conversations', { instanceId: inst.id, phone: '11987654321' })).status).toBe(404);
    expect((await other.get(`/api/conversations?instanceId=${inst.id}`)).body).toEqual([]);
    expect((await other.patch(`/api/conversations/${await idOf('Bruno')}`, { labels: ['x'] })).status).toBe(404);
  });
});
