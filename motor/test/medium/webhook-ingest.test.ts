import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookIntakeService } from '../../src/services/webhook-intake.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  createInstance,
  fixture,
  fixtureNames,
  headSeq,
  postWebhook,
  recorder,
  snapshot,
  type TestInstance,
} from '../support/ingest-harness.js';

// Idempotency and order tolerance: Evolution redelivers, reorders, and floods `connecting`.
describe(`${WebhookIntakeService.name} — redelivery, disorder, floods`, () => {
  let app: TestApp;
  const rt = recorder();
  beforeAll(async () => {
    app = await startTestApp({ deps: { realtime: rt } });
  });
  afterAll(() => app?.close());

  const post = async (inst: TestInstance, body: unknown) => {
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r;
  };
  const pushedTo = (inst: TestInstance) => rt.published.filter((e) => e.accountId === inst.accountId);

  it.each(fixtureNames())('changes nothing when %s is delivered a second time', async (name) => {
    const inst = await createInstance(app.db);
    // Context first where a sample needs it (a receipt needs its message).
    if (name.startsWith('messages-update')) await post(inst, fixture('send-message.json', inst.name));
    await post(inst, fixture(name, inst.name));
    const before = await snapshot(app.db, inst.accountId, inst.instanceId);
    const seq = await headSeq(app.db, inst.accountId);
    const pushed = pushedTo(inst).length;
    await post(inst, fixture(name, inst.name));
    expect(await snapshot(app.db, inst.accountId, inst.instanceId)).toEqual(before);
    expect(await headSeq(app.db, inst.accountId)).toBe(seq);
    expect(pushedTo(inst).length).toBe(pushed);
  });

  // One customer's conversation: messages both ways, receipts, a contact update, an edit, a
  // deletion, a reaction and a read on the phone.
  const conversationEvents = (name: string) => {
    const maria = '5511999990001@s.whatsapp.net';
    const custom = (event: string, data: unknown) => ({
      event,
      instance: name,
      data,
      date_time: '2025-11-20T10:30:00.000Z',
      apikey: null,
    });
    return [
      fixture('messages-upsert-text.json', name),
      fixture('messages-upsert-quoted-reply.json', name),
      fixture('messages-upsert-extended-text.json', name),
      fixture('contacts-update.json', name),
      fixture('send-message.json', name),
      fixture('messages-update-delivery.json', name),
      fixture('messages-update-read.json', name),
      fixture('messages-upsert-fromme.json', name),
      fixture('messages-upsert-reaction.json', name),
      custom('messages.edited', {
        key: { remoteJid: maria, fromMe: false, id: '3A5F1C2B7D9E0A4B6C8D' },
        type: 'MESSAGE_EDIT',
        editedMessage: { conversation: 'Olá! Vocês entregam no domingo?' },
        timestampMs: '1763644600000',
      }),
      custom('messages.update', {
        keyId: '3A5F1C2B7D9E0A4B6C8D',
        remoteJid: maria,
        fromMe: false,
        status: 'READ',
      }),
      custom('messages.delete', { remoteJid: maria, fromMe: false, id: '3A7B2C9D1E0F3A4B5C6D' }),
    ];
  };

  it('ends in the same state whatever the delivery order', async () => {
    const reference = await createInstance(app.db);
    for (const body of conversationEvents(reference.name)) await post(reference, body);
    const expected = await snapshot(app.db, reference.accountId, reference.instanceId);
    // Sanity: the reference really holds the effects.
    expect(expected.convs).toHaveLength(1);
    expect(expected.convs[0]).toMatchObject({
      unreadCount: 1,
      aiEnabled: false,
      contact: { name: 'Maria Teste', phone: '5511999990001' },
    });
    const byId = Object.fromEntries(expected.convs[0]!.messages.map((m) => [m.waMessageId, m]));
    expect(byId['3A5F1C2B7D9E0A4B6C8D']).toMatchObject({
      text: 'Olá! Vocês entregam no domingo?',
      editedAt: '2025-11-20T13:16:40.000Z',
    });
    expect(byId['3EB0C7A1F2D94E8B6A5C31']).toMatchObject({ status: 'read' });
    expect(byId['3A7B2C9D1E0F3A4B5C6D']).toMatchObject({ deleted: true });
    expect(byId['3AF0E1D2C3B4A5968778']).toMatchObject({ reactions: { '👍': 1 } });

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          conversationEvents('x').map((_, i) => i),
          { minLength: 12, maxLength: 12 },
        ),
        async (order) => {
          const inst = await createInstance(app.db);
          const events = conversationEvents(inst.name);
          for (const i of order) await post(inst, events[i]);
          expect(await snapshot(app.db, inst.accountId, inst.instanceId)).toEqual(expected);
        },
      ),
      { numRuns: 6 },
    );
    // The exact reverse, too.
    const inst = await createInstance(app.db);
    for (const body of conversationEvents(inst.name).reverse()) await post(inst, body);
    expect(await snapshot(app.db, inst.accountId, inst.instanceId)).toEqual(expected);
  }, 180_000);

  it('pushes exactly one instance.updated for a flood of 100 `connecting`', async () => {
    const inst = await createInstance(app.db);
    await post(inst, fixture('connection-update-open.json', inst.name));
    const before = pushedTo(inst).length;
    const body = fixture('connection-update-connecting.json', inst.name);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => post(inst, body)));
    }
    const pushed = pushedTo(inst).slice(before);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({
      type: 'instance.updated',
      data: { instance: { status: 'connecting', name: inst.name } },
    });
  }, 120_000);

  it('stores each message once when the same message arrives concurrently', async () => {
    const inst = await createInstance(app.db);
    const body = fixture('messages-upsert-text.json', inst.name);
    await Promise.all(Array.from({ length: 8 }, () => post(inst, body)));
    const s = await snapshot(app.db, inst.accountId, inst.instanceId);
    expect(s.convs[0]!.messages).toHaveLength(1);
    expect(s.convs[0]!.unreadCount).toBe(1);
    expect(pushedTo(inst).map((e) => e.type)).toEqual(['message.created']);
  });

  it('merges a LID-only contact into its phone contact when a message shows both', async () => {
    const inst = await createInstance(app.db);
    const lidOnly = fixture('messages-upsert-text.json', inst.name);
    lidOnly.data.key = {
      remoteJid: '100000000000001@lid',
      fromMe: false,
      id: 'LIDONLY0001',
      addressingMode: 'lid',
    };
    const phoneOnly = fixture('messages-upsert-extended-text.json', inst.name);
    phoneOnly.data.key = { remoteJid: '5511999990001@s.whatsapp.net', fromMe: false, id: 'PNONLY0001' };
    await post(inst, lidOnly);
    await post(inst, phoneOnly);
    expect((await snapshot(app.db, inst.accountId, inst.instanceId)).contacts).toHaveLength(2);
    await post(inst, fixture('messages-upsert-quoted-reply.json', inst.name)); // carries both identities
    const s = await snapshot(app.db, inst.accountId, inst.instanceId);
    expect(s.contacts).toEqual([
      {
        jid: '5511999990001@s.whatsapp.net',
        lid: '100000000000001@lid',
        phone: '5511999990001',
        name: 'Maria Teste',
        avatarUrl: null,
      },
    ]);
    expect(s.convs).toHaveLength(1);
    expect(s.convs[0]!.messages.map((m) => m.waMessageId).sort()).toEqual([
      '3A7B2C9D1E0F3A4B5C6D',
      'LIDONLY0001',
      'PNONLY0001',
    ]);
    expect(s.convs[0]!.unreadCount).toBe(3);
  });

  it('strips device suffixes and keeps the phone JID of a 2.3.7-style key', async () => {
    const inst = await createInstance(app.db);
    const body = fixture('messages-upsert-text.json', inst.name);
    body.data.key = {
      remoteJid: '5511999990009:12@s.whatsapp.net',
      remoteJidAlt: '100000000000009@lid',
      fromMe: false,
      id: 'DEV0001',
    };
    await post(inst, body);
    const s = await snapshot(app.db, inst.accountId, inst.instanceId);
    expect(s.contacts).toEqual([
      expect.objectContaining({
        jid: '5511999990009@s.whatsapp.net',
        phone: '5511999990009',
        lid: '100000000000009@lid',
      }),
    ]);
  });

  it('ignores status@broadcast and newsletters, and DELETED receipts', async () => {
    const inst = await createInstance(app.db);
    for (const jid of ['status@broadcast', '120363000000000009@newsletter']) {
      const body = fixture('messages-upsert-text.json', inst.name);
      body.data.key.remoteJid = jid;
      delete body.data.key.remoteJidAlt;
      expect((await post(inst, body)).body).toEqual({ success: true, ignored: true });
    }
    await post(inst, fixture('send-message.json', inst.name));
    const deleted = fixture('messages-update-read.json', inst.name);
    deleted.data.status = 'DELETED';
    expect((await post(inst, deleted)).body).toEqual({ success: true, ignored: true });
    const s = await snapshot(app.db, inst.accountId, inst.instanceId);
    expect(s.convs).toHaveLength(1);
    expect(s.convs[0]!.messages[0]).toMatchObject({ status: 'sent', deleted: false });
  });

  it('unwraps ephemeral and view-once messages and summarises other kinds', async () => {
    const inst = await createInstance(app.db);
    const kinds: Array<[string, unknown, object]> = [
      [
        'W1',
        { ephemeralMessage: { message: { extendedTextMessage: { text: 'efêmera' } } } },
        { type: 'text', text: 'efêmera' },
      ],
      [
        'W2',
        { viewOnceMessageV2: { message: { imageMessage: { caption: 'uma vez', mimetype: 'image/jpeg' } } } },
        { type: 'image', text: 'uma vez' },
      ],
      [
        'W3',
        {
          documentWithCaptionMessage: {
            message: {
              documentMessage: { fileName: 'nota.pdf', mimetype: 'application/pdf', caption: 'NF' },
            },
          },
        },
        { type: 'document', text: 'NF' },
      ],
      [
        'W4',
        { locationMessage: { degreesLatitude: -23.5, degreesLongitude: -46.6, name: 'Loja' } },
        { type: 'location', text: 'Loja' },
      ],
      [
        'W5',
        { contactMessage: { displayName: 'Ana', vcard: 'BEGIN:VCARD' } },
        { type: 'other', text: '👤 Ana' },
      ],
      [
        'W6',
        { pollCreationMessageV3: { name: 'Qual horário?', options: [] } },
        { type: 'other', text: '📊 Qual horário?' },
      ],
      ['W7', { stickerMessage: { mimetype: 'image/webp' } }, { type: 'sticker', text: null }],
      ['W8', { ptvMessage: { mimetype: 'video/mp4', seconds: 3 } }, { type: 'video', text: null }],
    ];
    for (const [id, message] of kinds) {
      const body = fixture('messages-upsert-text.json', inst.name);
      body.data.key.id = id;
      body.data.message = message;
      await post(inst, body);
    }
    const s = await snapshot(app.db, inst.accountId, inst.instanceId);
    const byId = Object.fromEntries(s.convs[0]!.messages.map((m) => [m.waMessageId, m]));
    for (const [id, , expected] of kinds) expect(byId[id], id).toMatchObject(expected);
  });
});
