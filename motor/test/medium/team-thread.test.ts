import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '@atende/shared';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { fixture, postWebhook, recorder } from '../support/ingest-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

/**
 * The team's thread tools over HTTP and webhooks (docs/team-tools.md "Thread tools"): private
 * notes, quick replies, quoted replies, reactions both ways, customer typing, read receipts to the
 * customer, contact pictures.
 */
describe('thread tools (HTTP + webhooks)', () => {
  let app: TestApp;
  let owner: SignedUp;
  let other: SignedUp;
  let agent: { cookie: string };
  let client: ReturnType<typeof api>;
  const rt = recorder();
  const wa = fakeWhatsApp();
  const inst = { name: `team-${randomUUID().slice(0, 8)}`, secret: 'team-secret-0123456789abcdef', id: '' };

  const hook = async (body: unknown) => {
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r;
  };
  /** A customer's text through the real webhook route; resolves with its conversation. */
  const customerSays = async (
    phone: string,
    name: string,
    text: string,
    extra: Record<string, unknown> = {},
  ) => {
    const body = fixture('messages-upsert-text.json', inst.name);
    const id = `3A${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`;
    body.data.key = { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id };
    body.data.pushName = name;
    body.data.message = { conversation: text };
    body.data.messageTimestamp = Math.floor(Date.now() / 1000);
    Object.assign(body.data, extra);
    await hook(body);
    const conv = (await client.get(`/api/conversations?q=${phone}`)).body[0];
    return { conversationId: conv.id as string, waMessageId: id };
  };
  const messagesOf = async (conversationId: string): Promise<Message[]> =>
    (await client.get(`/api/conversations/${conversationId}/messages`)).body;
  const byWaId = async (conversationId: string, waMessageId: string) =>
    (await messagesOf(conversationId)).find((m) => m.waMessageId === waMessageId)!;

  beforeAll(async () => {
    app = await startTestApp({
      deps: { realtime: rt, whatsapp: wa },
      outbox: { pollMs: 50, retryDelayMs: 50 },
    });
    owner = await signup(app.baseUrl, { name: 'Ana Agente' });
    other = await signup(app.baseUrl, { accountName: 'Outra Loja' });
    agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent', name: 'Beto' });
    client = api(app.baseUrl, owner.cookie);
    inst.id = (
      await app.db.call<{ id: string }>('instance_create', {
        accountId: owner.account.id,
        name: inst.name,
        webhookSecret: inst.secret,
      })
    ).id;
    await hook(fixture('connection-update-open.json', inst.name)); // connected, number 5511999990000
    const otherInst = await app.db.call<{ id: string }>('instance_create', {
      accountId: other.account.id,
      name: `team-other-${randomUUID().slice(0, 8)}`,
      webhookSecret: 'other-secret-0123456789abcdef',
    });
    expect(otherInst.id).toBeTruthy();
  });
  afterAll(() => app?.close());

  describe('private notes', () => {
    it('stores a note as a private agent message, pushes it, never sends it', async () => {
      const { conversationId } = await customerSays('5511911110001', 'Nina', 'oi, tudo bem?');
      const before = (await client.get(`/api/conversations/${conversationId}`)).body;
      const sentBefore = wa.sent.length;
      const n = rt.published.length;
      const r = await client.post(`/api/conversations/${conversationId}/notes`, {
        text: '  Cliente VIP: priorizar  ',
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({
        conversationId,
        sender: 'agent',
        private: true,
        direction: 'out',
        text: 'Cliente VIP: priorizar',
        authorName: 'Ana Agente',
        waMessageId: null,
      });
      expect(rt.published.slice(n).map((e) => e.type)).toEqual(['message.created']);
      expect(
        await app.db.call('outbox_of_message', { accountId: owner.account.id, messageId: r.body.id }),
      ).toBeNull();
      await new Promise((res) => setTimeout(res, 200)); // an outbox poll or two
      expect(wa.sent.length).toBe(sentBefore);
      // The conversation's last activity, unread count and AI stay as they were.
      const after = (await client.get(`/api/conversations/${conversationId}`)).body;
      expect(after).toMatchObject({
        lastMessagePreview: before.lastMessagePreview,
        unreadCount: before.unreadCount,
        aiEnabled: before.aiEnabled,
      });
      expect((await messagesOf(conversationId)).map((m) => [m.text, m.private])).toEqual([
        ['oi, tudo bem?', false],
        ['Cliente VIP: priorizar', true],
      ]);
    });

    it('keeps notes out of the AI context', async () => {
      await app.db.call('ai_settings_put', {
        accountId: owner.account.id,
        patch: { enabled: true, replyDelayMs: 0 },
      });
      try {
        const { conversationId } = await customerSays('5511911110002', 'Otto', 'quanto custa o bolo?');
        await client.post(`/api/conversations/${conversationId}/notes`, { text: 'nota secreta do time' });
        const jobs = await app.db.call<Array<{ id: string; conversationId: string }>>('ai_claim', {
          owner: 'test',
          limit: 10,
          leaseMs: 60_000,
        });
        const job = jobs.find((j) => j.conversationId === conversationId)!;
        const ctx = await app.db.call<{ history: Array<{ content: string }> }>('ai_job_context', {
          owner: 'test',
          jobId: job.id,
        });
        expect(ctx.history.map((h) => h.content)).toEqual(['quanto custa o bolo?']);
      } finally {
        await app.db.call('ai_settings_put', { accountId: owner.account.id, patch: { enabled: false } });
      }
    });

    it('answers 400 for an empty note, 404 for another account, 401 without a session', async () => {
      const { conversationId } = await customerSays('5511911110003', 'Pia', 'olá');
      const empty = await client.post(`/api/conversations/${conversationId}/notes`, { text: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('validation_failed');
      const long = await client.post(`/api/conversations/${conversationId}/notes`, {
        text: 'x'.repeat(4097),
      });
      expect(long.status).toBe(400);
      const stranger = await api(app.baseUrl, other.cookie).post(
        `/api/conversations/${conversationId}/notes`,
        {
          text: 'intrusa',
        },
      );
      expect(stranger.status).toBe(404);
      expect(
        (await api(app.baseUrl).post(`/api/conversations/${conversationId}/notes`, { text: 'x' })).status,
      ).toBe(401);
      // An agent may write notes.
      expect(
        (
          await api(app.baseUrl, agent.cookie).post(`/api/conversations/${conversationId}/notes`, {
            text: 'ok',
          })
        ).status,
      ).toBe(201);
    });
  });

  describe('quick replies', () => {
    it('creates, lists in shortcut order, edits and deletes; agents only read', async () => {
      const a = await client.post('/api/quick-replies', {
        shortcut: 'PIX',
        text: 'Nossa chave Pix é loja@exemplo.com',
      });
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      expect(a.body).toMatchObject({ shortcut: 'pix', text: 'Nossa chave Pix é loja@exemplo.com' });
      const b = await client.post('/api/quick-replies', {
        shortcut: 'boas_vindas',
        text: 'Olá {{name}}! Como posso ajudar?',
      });
      expect(b.status).toBe(201);
      const agentApi = api(app.baseUrl, agent.cookie);
      expect(
        (await agentApi.get('/api/quick-replies')).body.map((q: { shortcut: string }) => q.shortcut),
      ).toEqual(['boas_vindas', 'pix']);
      expect((await agentApi.post('/api/quick-replies', { shortcut: 'x', text: 'y' })).status).toBe(403);
      expect((await agentApi.patch(`/api/quick-replies/${a.body.id}`, { text: 'y' })).status).toBe(403);
      expect((await agentApi.delete(`/api/quick-replies/${a.body.id}`)).status).toBe(403);

      const edited = await client.patch(`/api/quick-replies/${a.body.id}`, {
        text: 'Chave Pix: CNPJ 00.000.000/0001-00',
      });
      expect(edited.body).toMatchObject({
        id: a.body.id,
        shortcut: 'pix',
        text: 'Chave Pix: CNPJ 00.000.000/0001-00',
      });
      expect((await client.delete(`/api/quick-replies/${a.body.id}`)).status).toBe(204);
      expect((await client.delete(`/api/quick-replies/${a.body.id}`)).status).toBe(404);
      expect(
        (await client.get('/api/quick-replies')).body.map((q: { shortcut: string }) => q.shortcut),
      ).toEqual(['boas_vindas']);
    });

    it('answers 409 for a shortcut taken in the account (create and rename), 400 for a bad one', async () => {
      await client.post('/api/quick-replies', { shortcut: 'horario', text: 'Abrimos às 9h.' });
      const dup = await client.post('/api/quick-replies', { shortcut: 'horario', text: 'outra' });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('conflict');
      const c = await client.post('/api/quick-replies', { shortcut: 'endereco', text: 'Rua A, 1' });
      expect((await client.patch(`/api/quick-replies/${c.body.id}`, { shortcut: 'horario' })).status).toBe(
        409,
      );
      // Another account may use the same shortcut.
      expect(
        (await api(app.baseUrl, other.cookie).post('/api/quick-replies', { shortcut: 'horario', text: 'x' }))
          .status,
      ).toBe(201);
      for (const shortcut of ['com espaço', 'ação', '', 'x'.repeat(33), '/barra']) {
        const r = await client.post('/api/quick-replies', { shortcut, text: 'x' });
        expect(r.status, shortcut).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
      }
      expect((await client.post('/api/quick-replies', { shortcut: 'vazio', text: '  ' })).status).toBe(400);
      expect((await client.patch(`/api/quick-replies/${c.body.id}`, {})).status).toBe(400);
      expect((await client.patch(`/api/quick-replies/${randomUUID()}`, { text: 'x' })).status).toBe(404);
    });
  });

  describe('quoted replies', () => {
    it("sends Evolution's quoted with the original's key and text, and keeps the quote on the reply", async () => {
      const { conversationId, waMessageId } = await customerSays(
        '5511911110010',
        'Rita',
        'Vocês têm bolo de cenoura?',
      );
      const original = await byWaId(conversationId, waMessageId);
      const r = await client.post(`/api/conversations/${conversationId}/messages`, {
        text: 'Temos sim!',
        quotedMessageId: original.id,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const quoted = {
        waMessageId,
        messageId: original.id,
        type: 'text',
        text: 'Vocês têm bolo de cenoura?',
        direction: 'in',
        authorName: 'Rita',
      };
      expect(r.body.message).toMatchObject({ quotedWaMessageId: waMessageId, quoted });
      await expect.poll(() => wa.sent.find((s) => s.text === 'Temos sim!'), { timeout: 5000 }).toBeTruthy();
      // An agent's reply also asks WhatsApp to report the customer's typing in that chat.
      expect(wa.presenceSubscriptions).toContain('5511911110010@s.whatsapp.net');
      expect(wa.sent.find((s) => s.text === 'Temos sim!')).toMatchObject({
        number: '5511911110010@s.whatsapp.net',
        quoted: { waMessageId, fromMe: false, participant: null, text: 'Vocês têm bolo de cenoura?' },
      });
      await expect
        .poll(async () => (await messagesOf(conversationId)).find((m) => m.text === 'Temos sim!')?.status, {
          timeout: 5000,
        })
        .toBe('sent');
      const reply = (await messagesOf(conversationId)).find((m) => m.text === 'Temos sim!')!;
      expect(reply.quoted).toEqual(quoted);
    });

    it('refuses quoting a message of another conversation (404), a note (400) or one not sent yet (409)', async () => {
      const first = await customerSays('5511911110011', 'Sara', 'primeira');
      const second = await customerSays('5511911110012', 'Teo', 'segunda');
      const elsewhere = await byWaId(second.conversationId, second.waMessageId);
      const r404 = await client.post(`/api/conversations/${first.conversationId}/messages`, {
        text: 'x',
        quotedMessageId: elsewhere.id,
      });
      expect(r404.status).toBe(404);
      const note = await client.post(`/api/conversations/${first.conversationId}/notes`, { text: 'nota' });
      const r400 = await client.post(`/api/conversations/${first.conversationId}/messages`, {
        text: 'x',
        quotedMessageId: note.body.id,
      });
      expect(r400.status).toBe(400);
      let release!: () => void;
      wa.next.push({ wait: new Promise<void>((res) => (release = res)) });
      const pending = await client.post(`/api/conversations/${first.conversationId}/messages`, {
        text: 'ainda indo',
      });
      const r409 = await client.post(`/api/conversations/${first.conversationId}/messages`, {
        text: 'x',
        quotedMessageId: pending.body.message.id,
      });
      expect(r409.status).toBe(409);
      release();
      expect(
        (
          await client.post(`/api/conversations/${first.conversationId}/messages`, {
            text: 'x',
            quotedMessageId: 'nope',
          })
        ).status,
      ).toBe(400);
    });

    it("stores an incoming reply's quote from the stored original (kind, text, who)", async () => {
      const { conversationId } = await customerSays('5511911110013', 'Uma', 'oi');
      const ours = await client.post(`/api/conversations/${conversationId}/messages`, {
        text: 'Temos horário amanhã.',
      });
      await expect
        .poll(
          async () =>
            (await messagesOf(conversationId)).find((m) => m.id === ours.body.message.id)?.waMessageId,
          {
            timeout: 5000,
          },
        )
        .toBeTruthy();
      const ourWaId = (await messagesOf(conversationId)).find(
        (m) => m.id === ours.body.message.id,
      )!.waMessageId!;
      const reply = await customerSays('5511911110013', 'Uma', 'Pode ser às 10h?', {
        contextInfo: {
          stanzaId: ourWaId,
          participant: '5511999990000@s.whatsapp.net',
          quotedMessage: { conversation: 'Temos horário amanhã.' },
        },
      });
      expect((await byWaId(conversationId, reply.waMessageId)).quoted).toEqual({
        waMessageId: ourWaId,
        messageId: ours.body.message.id,
        type: 'text',
        text: 'Temos horário amanhã.',
        direction: 'out',
        authorName: 'Ana Agente',
      });
    });
  });

  describe('reactions', () => {
    it('reacts through sendReaction, updates the counts at once, removes with ""', async () => {
      const { conversationId, waMessageId } = await customerSays('5511911110020', 'Vera', 'Chegou o pedido!');
      const target = await byWaId(conversationId, waMessageId);
      const n = rt.published.length;
      const r = await client.post(`/api/messages/${target.id}/reactions`, { emoji: '❤️' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.message).toMatchObject({ id: target.id, reactions: { '❤️': 1 }, ownReaction: '❤️' });
      // Published before the answer; the outbox may already have sent the reaction too (its own
      // message.updated right after, when the machine is busy).
      expect(rt.published.slice(n, n + 2).map((e) => e.type)).toEqual(['message.created', 'message.updated']);
      await expect
        .poll(() => wa.reactions.filter((x) => x.waMessageId === waMessageId).length, { timeout: 5000 })
        .toBe(1);
      expect(wa.reactions.at(-1)).toMatchObject({
        number: '5511911110020@s.whatsapp.net',
        waMessageId,
        fromMe: false,
        emoji: '❤️',
      });
      // The same emoji again: nothing to send.
      const again = await client.post(`/api/messages/${target.id}/reactions`, { emoji: '❤️' });
      expect(again.body.message.reactions).toEqual({ '❤️': 1 });
      // The customer reacts too: both count.
      const custReaction = fixture('messages-upsert-reaction.json', inst.name);
      custReaction.data.key = {
        remoteJid: '5511911110020@s.whatsapp.net',
        fromMe: false,
        id: `3A${randomUUID().slice(0, 18)}`,
      };
      custReaction.data.message = {
        reactionMessage: {
          key: { remoteJid: '5511911110020@s.whatsapp.net', fromMe: false, id: waMessageId },
          text: '👍',
        },
      };
      const m = rt.published.length;
      await hook(custReaction);
      expect(rt.published.slice(m).map((e) => e.type)).toEqual(['message.created', 'message.updated']);
      expect((await byWaId(conversationId, waMessageId)).reactions).toEqual({ '❤️': 1, '👍': 1 });
      // Removed: only the customer's stays.
      const removed = await client.post(`/api/messages/${target.id}/reactions`, { emoji: '' });
      expect(removed.body.message).toMatchObject({ reactions: { '👍': 1 }, ownReaction: null });
      await expect
        .poll(() => wa.reactions.filter((x) => x.waMessageId === waMessageId).length, { timeout: 5000 })
        .toBe(2);
      expect(wa.reactions.at(-1)!.emoji).toBe('');
      await new Promise((res) => setTimeout(res, 300));
      expect(wa.reactions.filter((x) => x.waMessageId === waMessageId)).toHaveLength(2);
      // Reaction rows are no bubbles, but still reach WhatsApp as messages: sent.
      const rows = (await messagesOf(conversationId)).filter(
        (x) => x.type === 'reaction' && x.direction === 'out',
      );
      await expect
        .poll(
          async () =>
            (await messagesOf(conversationId)).filter((x) => x.type === 'reaction' && x.status === 'sent')
              .length,
          {
            timeout: 5000,
          },
        )
        .toBe(rows.length);
    });

    it('takes the reaction back from the counts when Evolution refuses it', async () => {
      const { conversationId, waMessageId } = await customerSays('5511911110021', 'Wil', 'Oi');
      const target = await byWaId(conversationId, waMessageId);
      wa.next.push({ error: 'Bad Request', status: 400 });
      const r = await client.post(`/api/messages/${target.id}/reactions`, { emoji: '😂' });
      expect(r.body.message.reactions).toEqual({ '😂': 1 });
      await expect
        .poll(async () => (await byWaId(conversationId, waMessageId)).reactions ?? null, { timeout: 5000 })
        .toBeNull();
      expect(rt.published.at(-1)).toMatchObject({
        type: 'message.updated',
        data: { message: { id: target.id, reactions: null } },
      });
    });

    it('refuses bad emoji (400), notes and pending messages (400/409), other accounts (404)', async () => {
      const { conversationId, waMessageId } = await customerSays('5511911110022', 'Xena', 'Oi');
      const target = await byWaId(conversationId, waMessageId);
      for (const emoji of ['abc', 'x'.repeat(40)]) {
        expect((await client.post(`/api/messages/${target.id}/reactions`, { emoji })).status, emoji).toBe(
          400,
        );
      }
      expect((await client.post(`/api/messages/${target.id}/reactions`, {})).status).toBe(400);
      const note = await client.post(`/api/conversations/${conversationId}/notes`, { text: 'nota' });
      expect((await client.post(`/api/messages/${note.body.id}/reactions`, { emoji: '👍' })).status).toBe(
        400,
      );
      let release!: () => void;
      wa.next.push({ wait: new Promise<void>((res) => (release = res)) });
      const pending = await client.post(`/api/conversations/${conversationId}/messages`, { text: 'indo' });
      expect(
        (await client.post(`/api/messages/${pending.body.message.id}/reactions`, { emoji: '👍' })).status,
      ).toBe(409);
      release();
      expect(
        (await api(app.baseUrl, other.cookie).post(`/api/messages/${target.id}/reactions`, { emoji: '👍' }))
          .status,
      ).toBe(404);
      expect((await client.post(`/api/messages/${randomUUID()}/reactions`, { emoji: '👍' })).status).toBe(
        404,
      );
    });
  });

  describe('customer typing', () => {
    it('relays presence.update as conversation.typing (typing, recording, paused); unknown chats are ignored', async () => {
      const { conversationId } = await customerSays('5511911110030', 'Yara', 'oi');
      const presence = (state: string, jid = '5511911110030@s.whatsapp.net') => {
        const body = fixture('presence-update.json', inst.name);
        body.data = { id: jid, presences: { [jid]: { lastKnownPresence: state } } };
        return body;
      };
      const n = rt.typings.length;
      await hook(presence('composing'));
      await hook(presence('recording'));
      await hook(presence('paused'));
      await hook(presence('composing', '5511900009999@s.whatsapp.net'));
      expect(rt.typings.slice(n)).toEqual(
        ['typing', 'recording', 'paused'].map((state) => ({
          accountId: owner.account.id,
          conversationId,
          userId: null,
          name: 'Yara',
          from: 'contact',
          state,
        })),
      );
      const bad = await postWebhook(
        app.baseUrl,
        { ...presence('composing'), data: { id: 7 } },
        { 'x-motor-token': inst.secret },
      );
      expect(bad.status).toBe(400);
    });
  });

  it('a group member typing is named as their messages are signed, not by their number', async () => {
    const body = fixture('messages-upsert-group.json', inst.name);
    const group = '120363000000000777@g.us';
    const member = '5511911110033@s.whatsapp.net';
    body.data.key = {
      remoteJid: group,
      fromMe: false,
      id: `3A${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`,
      participant: member,
    };
    body.data.pushName = 'Bia do Grupo';
    body.data.messageTimestamp = Math.floor(Date.now() / 1000);
    await hook(body);
    const presence = fixture('presence-update.json', inst.name);
    presence.data = { id: group, presences: { [member]: { lastKnownPresence: 'composing' } } };
    const n = rt.typings.length;
    await hook(presence);
    expect(rt.typings.slice(n)).toMatchObject([{ name: 'Bia do Grupo', from: 'contact', state: 'typing' }]);
  });

  describe('read receipts to the customer', () => {
    it('is off by default; owners turn it on; opening the thread then marks the messages read once', async () => {
      expect((await client.get('/api/account/settings')).body).toEqual({ readReceipts: false });
      const { conversationId, waMessageId } = await customerSays('5511911110040', 'Zeca', 'alô?');
      await client.post(`/api/conversations/${conversationId}/read`);
      await app.services.accountSettings.idle();
      expect(wa.reads).toEqual([]);

      expect(
        (await api(app.baseUrl, agent.cookie).patch('/api/account/settings', { readReceipts: true })).status,
      ).toBe(403);
      expect((await client.patch('/api/account/settings', { readReceipts: 'yes' })).status).toBe(400);
      expect((await client.patch('/api/account/settings', { readReceipts: true })).body).toEqual({
        readReceipts: true,
      });
      expect((await api(app.baseUrl, agent.cookie).get('/api/account/settings')).body).toEqual({
        readReceipts: true,
      });

      const second = await customerSays('5511911110040', 'Zeca', 'tem alguém aí?');
      await client.post(`/api/conversations/${conversationId}/read`);
      await app.services.accountSettings.idle();
      expect(wa.reads).toHaveLength(1);
      expect(wa.reads[0]!.instanceName).toBe(inst.name);
      // Both arrived in the same WhatsApp second: any order.
      expect(wa.reads[0]!.messages).toHaveLength(2);
      expect(wa.reads[0]!.messages).toEqual(
        expect.arrayContaining([
          { waMessageId, remoteJid: '5511911110040@s.whatsapp.net' },
          { waMessageId: second.waMessageId, remoteJid: '5511911110040@s.whatsapp.net' },
        ]),
      );
      // Nothing new: nothing sent again.
      await client.post(`/api/conversations/${conversationId}/read`);
      await app.services.accountSettings.idle();
      expect(wa.reads).toHaveLength(1);
      await client.patch('/api/account/settings', { readReceipts: false });
    });
  });

  describe('contact pictures', () => {
    it("fetches a new contact's picture in the background and pushes the conversation", async () => {
      wa.pictures.set('5511911110050@s.whatsapp.net', 'https://pps.whatsapp.net/v/t61/foto.jpg');
      const { conversationId } = await customerSays('5511911110050', 'Ana Foto', 'oi');
      await app.services.avatars.idle();
      const conv = (await client.get(`/api/conversations/${conversationId}`)).body;
      expect(conv.contact.avatarUrl).toBe('https://pps.whatsapp.net/v/t61/foto.jpg');
      expect(
        rt.published
          .filter(
            (e) => e.type === 'conversation.updated' && (e.data as any).conversation.id === conversationId,
          )
          .at(-1),
      ).toMatchObject({
        data: { conversation: { contact: { avatarUrl: 'https://pps.whatsapp.net/v/t61/foto.jpg' } } },
      });
      // Asked once: the next messages do not ask again.
      await customerSays('5511911110050', 'Ana Foto', 'de novo');
      await app.services.avatars.idle();
      expect(wa.pictureAsks.filter((n) => n.startsWith('5511911110050'))).toHaveLength(1);
    });

    it('asks once a day at most for a contact without a picture', async () => {
      await customerSays('5511911110051', 'Sem Foto', 'oi');
      await app.services.avatars.idle();
      app.services.avatars.enqueue(
        owner.account.id,
        (await client.get('/api/conversations?q=5511911110051')).body[0].contact.id,
      );
      await app.services.avatars.idle();
      expect(wa.pictureAsks.filter((n) => n.startsWith('5511911110051'))).toHaveLength(1);
    });
  });
});
