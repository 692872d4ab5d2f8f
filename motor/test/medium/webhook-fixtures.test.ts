import { conversationSchema, messageSchema, type Message } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookIntakeService } from '../../src/services/webhook-intake.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { parseWith } from '../support/parse-with.js';
import {
  createInstance,
  fixture,
  fixtureNames,
  postWebhook,
  recorder,
  snapshot,
  type TestInstance,
} from '../support/ingest-harness.js';

// Every Evolution sample, through the real route into PGlite, with its effect asserted.
describe(`${WebhookIntakeService.name} — Evolution samples`, () => {
  let app: TestApp;
  const rt = recorder();
  beforeAll(async () => {
    app = await startTestApp({ deps: { realtime: rt, whatsapp: fakeWhatsApp() } });
  });
  afterAll(() => app?.close());

  /** Posts samples in order to a fresh account+instance; returns that instance and the last answer. */
  async function deliver(...names: string[]) {
    const inst = await createInstance(app.db);
    let last: Awaited<ReturnType<typeof postWebhook>> | undefined;
    for (const n of names) {
      last = await postWebhook(app.baseUrl, fixture(n, inst.name), { 'x-motor-token': inst.secret });
      expect(last.status, `${n}: ${JSON.stringify(last.body)}`).toBe(200);
    }
    return { inst, last: last!, state: () => snapshot(app.db, inst.accountId, inst.instanceId) };
  }
  // Every result is parsed with shared/'s contract schemas: a wrong shape fails here.
  const messagesOf = async (inst: TestInstance) => {
    const convs = parseWith(
      conversationSchema.array(),
      await app.db.call('conversations_list', { accountId: inst.accountId }),
    );
    const out: Message[] = [];
    for (const c of convs)
      out.push(
        ...parseWith(
          messageSchema.array(),
          await app.db.call('messages_list', { accountId: inst.accountId, conversationId: c.id }),
        ),
      );
    return { convs, messages: out };
  };

  const expectations: Record<string, () => Promise<void>> = {
    'messages-upsert-text.json': async () => {
      const { inst, last } = await deliver('messages-upsert-text.json');
      expect(last.body).toEqual({ success: true });
      const { convs, messages } = await messagesOf(inst);
      expect(convs).toHaveLength(1);
      expect(convs[0]).toMatchObject({
        contact: { name: 'Maria Teste', phone: '5511999990001' },
        group: null,
        status: 'open',
        unreadCount: 1,
        lastMessagePreview: 'Olá! Vocês entregam no sábado?',
        lastMessageAt: '2025-11-20T13:15:03.000Z',
      });
      expect(messages).toEqual([
        expect.objectContaining({
          waMessageId: '3A5F1C2B7D9E0A4B6C8D',
          direction: 'in',
          sender: 'contact',
          type: 'text',
          text: 'Olá! Vocês entregam no sábado?',
          status: 'received',
          sentAt: '2025-11-20T13:15:03.000Z',
        }),
      ]);
      const contacts = await app.db.call<any[]>('contacts_list', { accountId: inst.accountId });
      expect(contacts).toEqual([
        expect.objectContaining({
          jid: '5511999990001@s.whatsapp.net',
          lid: '100000000000001@lid',
          phone: '5511999990001',
        }),
      ]);
      expect(rt.published.filter((e) => e.accountId === inst.accountId).map((e) => e.type)).toEqual([
        'message.created',
      ]);
    },
    'messages-upsert-extended-text.json': async () => {
      const { inst } = await deliver('messages-upsert-extended-text.json');
      const { messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        type: 'text',
        text: 'Vi esse produto aqui: https://example.com/p/123',
      });
    },
    'messages-upsert-extended-text-v1.json': async () => {
      const { inst } = await deliver('messages-upsert-extended-text-v1.json');
      const { convs, messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        type: 'text',
        text: 'Vi esse produto aqui: https://example.com/p/123',
        direction: 'in',
      });
      expect(convs[0]!.contact).toMatchObject({ name: 'Maria Teste', phone: '5511999990001' });
    },
    'messages-upsert-quoted-reply.json': async () => {
      const { inst } = await deliver('messages-upsert-quoted-reply.json');
      const { messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        text: 'Pode ser às 10h?',
        quotedWaMessageId: '3EB0A1B2C3D4E5F6A7B8C9',
        // The original is not stored here: what the reply says of it is kept, so the quote renders.
        quoted: {
          waMessageId: '3EB0A1B2C3D4E5F6A7B8C9',
          messageId: null,
          type: 'text',
          text: 'Temos horário disponível amanhã.',
          direction: 'out',
          authorName: null,
        },
      });
    },
    'messages-upsert-image-caption.json': async () => {
      const { inst } = await deliver('messages-upsert-image-caption.json');
      const { convs, messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        type: 'image',
        text: 'Foto do pedido #4521',
        media: expect.objectContaining({ mimetype: 'image/jpeg', caption: 'Foto do pedido #4521' }),
      });
      expect(convs[0]!.contact).toMatchObject({ name: 'João Teste', phone: '5511999990002' });
    },
    'messages-upsert-audio.json': async () => {
      const { inst } = await deliver('messages-upsert-audio.json');
      const { convs, messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        type: 'audio',
        text: null,
        media: expect.objectContaining({ mimetype: 'audio/ogg; codecs=opus', seconds: 7 }),
      });
      // Data, not a sentence: no text, and the type the dashboard words in the agent's language.
      expect(convs[0]).toMatchObject({ lastMessagePreview: null, lastMessageType: 'audio' });
    },
    'messages-upsert-group.json': async () => {
      const { inst } = await deliver('messages-upsert-group.json');
      const { convs, messages } = await messagesOf(inst);
      expect(convs[0]).toMatchObject({
        contact: null,
        group: expect.objectContaining({ id: expect.any(String) }),
      });
      expect(messages[0]).toMatchObject({
        participant: '5511999990003@s.whatsapp.net',
        authorName: 'Carlos Teste',
        sender: 'contact',
        text: 'Bom dia, pessoal! Alguém confirma o horário?',
      });
      const groups = await app.db.call<any[]>('groups_list', { accountId: inst.accountId });
      expect(groups).toEqual([expect.objectContaining({ jid: '120363000000000001@g.us' })]);
      // Group members are not inbox contacts.
      expect(await app.db.call<any[]>('contacts_list', { accountId: inst.accountId })).toEqual([]);
    },
    'messages-upsert-fromme.json': async () => {
      const { inst } = await deliver('messages-upsert-fromme.json');
      const { convs, messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        direction: 'out',
        sender: 'agent',
        authorId: null,
        status: 'sent',
        text: 'Entregamos sim, até as 14h.',
      });
      expect(convs[0]).toMatchObject({ aiEnabled: false, unreadCount: 0 });
      // "Loja Demo" is the business's own name, not the contact's.
      expect(convs[0]!.contact!.name).toBeNull();
    },
    'messages-upsert-reaction.json': async () => {
      const { inst } = await deliver('messages-upsert-fromme.json', 'messages-upsert-reaction.json');
      const { messages } = await messagesOf(inst);
      const target = messages.find((m) => m.waMessageId === '3AF0E1D2C3B4A5968778');
      const reaction = messages.find((m) => m.waMessageId === '3A8899AABBCCDDEEFF00');
      expect(reaction).toMatchObject({
        type: 'reaction',
        text: '👍',
        quotedWaMessageId: '3AF0E1D2C3B4A5968778',
      });
      expect(target!.reactions).toEqual({ '👍': 1 });
      expect(rt.published.filter((e) => e.accountId === inst.accountId).map((e) => e.type)).toEqual([
        'conversation.updated', // typed on the phone: a human took over, the conversation's AI is off
        'message.created',
        'message.created',
        'message.updated',
      ]);
    },
    'send-message.json': async () => {
      const { inst } = await deliver('send-message.json');
      const { messages } = await messagesOf(inst);
      expect(messages[0]).toMatchObject({
        waMessageId: '3EB0C7A1F2D94E8B6A5C31',
        direction: 'out',
        sender: 'agent',
        authorId: null,
        status: 'sent',
        text: 'Seu pedido #4521 saiu para entrega.',
      });
    },
    'messages-update-delivery.json': async () => {
      const { inst } = await deliver('send-message.json', 'messages-update-delivery.json');
      expect((await messagesOf(inst)).messages[0]!.status).toBe('delivered');
    },
    'messages-update-read.json': async () => {
      const { inst } = await deliver('send-message.json', 'messages-update-read.json');
      expect((await messagesOf(inst)).messages[0]!.status).toBe('read');
    },
    'connection-update-open.json': async () => {
      const { state } = await deliver('connection-update-open.json');
      expect((await state()).instance).toEqual({
        status: 'connected',
        reason: null,
        phoneNumber: '5511999990000',
        profileName: 'Loja Demo',
      });
    },
    'connection-update-connecting.json': async () => {
      const { inst, state } = await deliver(
        'connection-update-open.json',
        'connection-update-connecting.json',
      );
      expect((await state()).instance).toMatchObject({ status: 'connecting', reason: null });
      const pushed = rt.published.filter((e) => e.accountId === inst.accountId);
      expect(pushed.map((e) => (e.data as any).instance.status)).toEqual(['connected', 'connecting']);
    },
    'connection-update-close.json': async () => {
      const { state } = await deliver('connection-update-open.json', 'connection-update-close.json');
      expect((await state()).instance).toMatchObject({ status: 'disconnected', reason: 'logged_out' });
    },
    'logout-instance.json': async () => {
      const { state, last } = await deliver('logout-instance.json');
      expect(last.body).toEqual({ success: true });
      expect((await state()).instance).toMatchObject({ status: 'disconnected', reason: 'logged_out' });
    },
    'remove-instance.json': async () => {
      const { state } = await deliver('remove-instance.json');
      expect((await state()).instance).toMatchObject({ status: 'disconnected', reason: 'closed' });
    },
    'qrcode-updated.json': async () => {
      const { inst } = await deliver('qrcode-updated.json');
      const s = await app.db.call<any>('ingest_instance_state', {
        accountId: inst.accountId,
        instanceId: inst.instanceId,
      });
      const sample = fixture('qrcode-updated.json', inst.name).data.qrcode.base64;
      expect(s).toMatchObject({ qrCode: sample, pairingCode: null, status: 'connecting' });
      expect(rt.qrs.filter((q) => q.instanceId === inst.instanceId)).toEqual([
        { instanceId: inst.instanceId, instanceName: inst.name, qrCode: sample, pairingCode: null },
      ]);
      expect(rt.published.filter((e) => e.accountId === inst.accountId)).toEqual([]);
    },
    'qrcode-updated-pairing-code.json': async () => {
      const { inst } = await deliver('qrcode-updated-pairing-code.json');
      const s = await app.db.call<any>('ingest_instance_state', {
        accountId: inst.accountId,
        instanceId: inst.instanceId,
      });
      // The sample elides `base64`: the Motor renders the raw code itself.
      expect(s.qrCode).toMatch(/^data:image\/png;base64,/);
      expect(s.pairingCode).toBe('K7PQ2XW9');
      expect(rt.qrs.find((q) => q.instanceId === inst.instanceId)).toMatchObject({
        pairingCode: 'K7PQ2XW9',
        qrCode: s.qrCode,
      });
    },
    'contacts-upsert.json': async () => {
      const { inst } = await deliver('contacts-upsert.json');
      const contacts = await app.db.call<any[]>('contacts_list', { accountId: inst.accountId });
      expect(contacts.map((c) => [c.phone, c.name]).sort()).toEqual([
        ['5511999990001', 'Maria Teste'],
        ['5511999990002', null], // its pushName is just the number
      ]);
    },
    'contacts-upsert-single.json': async () => {
      const { inst } = await deliver('contacts-upsert-single.json');
      const contacts = await app.db.call<any[]>('contacts_list', { accountId: inst.accountId });
      expect(contacts).toEqual([
        expect.objectContaining({
          phone: '5511999990002',
          name: 'João Teste',
          jid: '5511999990002@s.whatsapp.net',
        }),
      ]);
    },
    'contacts-update.json': async () => {
      const { inst } = await deliver('messages-upsert-text.json', 'contacts-update.json');
      const contacts = await app.db.call<any[]>('contacts_list', { accountId: inst.accountId });
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatchObject({
        name: 'Maria Teste',
        avatarUrl: expect.stringMatching(/^https:\/\/pps\.whatsapp\.net\//),
      });
      const types = rt.published.filter((e) => e.accountId === inst.accountId).map((e) => e.type);
      expect(types).toEqual(['message.created', 'conversation.updated']); // the avatar changed
    },
    'groups-upsert.json': async () => {
      const { inst } = await deliver('messages-upsert-group.json', 'groups-upsert.json');
      const groups = await app.db.call<any[]>('groups_list', { accountId: inst.accountId });
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ jid: '120363000000000001@g.us', subject: 'Clientes VIP', size: 3 });
      expect(groups[0].participants).toHaveLength(3);
      const { convs } = await messagesOf(inst);
      expect(convs[0]!.group!.subject).toBe('Clientes VIP');
    },
    'group-participants-update.json': async () => {
      const { inst } = await deliver('groups-upsert.json', 'group-participants-update.json');
      const [g] = await app.db.call<any[]>('groups_list', { accountId: inst.accountId });
      expect(g.participants).toHaveLength(4);
      expect(g.participants).toContainEqual(
        expect.objectContaining({
          id: '100000000000004@lid',
          phoneNumber: '5511999990004@s.whatsapp.net',
          admin: null,
        }),
      );
    },
    'presence-update.json': async () => {
      // The customer of this chat writes, then types: "digitando…" reaches the agents, nothing is stored.
      const { inst, last } = await deliver('messages-upsert-text.json', 'presence-update.json');
      expect(last.body).toEqual({ success: true });
      const { convs } = await messagesOf(inst);
      expect(rt.typings.filter((t) => t.accountId === inst.accountId)).toEqual([
        { accountId: inst.accountId, conversationId: convs[0]!.id, userId: null, name: 'Maria Teste', from: 'contact', state: 'typing' },
      ]);
      expect(rt.published.filter((e) => e.accountId === inst.accountId).map((e) => e.type)).toEqual(['message.created']);
    },
    'status-instance.json': async () => {
      const { state, last } = await deliver('status-instance.json');
      expect(last.body).toEqual({ success: true, ignored: true });
      expect((await state()).instance.status).toBe('connecting'); // informational only
    },
    'instance-create.json': async () => {
      const { last } = await deliver('instance-create.json');
      expect(last.body).toEqual({ success: true, ignored: true });
    },
    'instance-delete.json': async () => {
      const { last } = await deliver('instance-delete.json');
      expect(last.body).toEqual({ success: true, ignored: true });
    },
  };

  it('has an expectation for every sample file', () => {
    expect(Object.keys(expectations).sort()).toEqual(fixtureNames());
  });

  for (const [name, check] of Object.entries(expectations)) {
    it(`ingests ${name}`, check);
  }
});
