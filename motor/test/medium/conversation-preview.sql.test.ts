import { conversationSchema, eventDataSchemas } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createInstance, type TestInstance } from '../support/ingest-harness.js';
import { parseWith } from '../support/parse-with.js';
import { createTestDb } from '../support/test-db.js';

// The inbox line is data: lastMessagePreview is the text or caption (or null), lastMessageType
// the message's type; the dashboard words it. Every result is parsed with shared/'s schemas.
describe('conversation preview as data (SQL)', () => {
  let db: PgliteDb;
  let inst: TestInstance;
  beforeAll(async () => {
    db = await createTestDb();
    inst = await createInstance(db);
  });
  afterAll(() => db?.close());

  let n = 0;
  const ingest = async (phone: string, m: { type: string; text?: string | null; sentAt: number }) => {
    const r = await db.call<{ events: { type: string; data: unknown }[] }>('ingest_message', {
      accountId: inst.accountId,
      instanceId: inst.instanceId,
      message: {
        waMessageId: `PREVIEW-${++n}`,
        origin: 'upsert',
        fromMe: false,
        chat: { kind: 'direct', jid: `${phone}@s.whatsapp.net`, lid: null },
        participant: null,
        pushName: 'Cliente',
        type: m.type,
        text: m.text ?? null,
        media: m.type === 'text' ? null : { mimetype: 'image/jpeg', caption: m.text ?? null, fileName: null },
        sentAt: m.sentAt,
      },
    });
    return r.events;
  };
  const conversationOf = (events: { type: string; data: unknown }[]) =>
    parseWith(eventDataSchemas['message.created'], events.find((e) => e.type === 'message.created')!.data)
      .conversation;
  const get = async (id: string) =>
    parseWith(
      conversationSchema,
      await db.call('conversation_get', { accountId: inst.accountId, conversationId: id }),
    );

  it('keeps the text when there is one, and the type beside it', async () => {
    const conv = conversationOf(
      await ingest('5511900000101', { type: 'text', text: 'Oi, tudo bem?', sentAt: 1000 }),
    );
    expect(conv).toMatchObject({ lastMessagePreview: 'Oi, tudo bem?', lastMessageType: 'text' });
    const photo = conversationOf(
      await ingest('5511900000101', { type: 'image', text: 'Foto do pedido', sentAt: 1001 }),
    );
    expect(photo).toMatchObject({ lastMessagePreview: 'Foto do pedido', lastMessageType: 'image' });
  });

  it('sends no sentence for media without caption: null text, the type only', async () => {
    const conv = conversationOf(await ingest('5511900000102', { type: 'audio', sentAt: 2000 }));
    expect(conv).toMatchObject({ lastMessagePreview: null, lastMessageType: 'audio' });
    expect(await get(conv.id)).toMatchObject({ lastMessagePreview: null, lastMessageType: 'audio' });
  });

  it('an older message arriving late changes neither the text nor the type', async () => {
    const conv = conversationOf(
      await ingest('5511900000103', { type: 'text', text: 'mais recente', sentAt: 3000 }),
    );
    await ingest('5511900000103', { type: 'image', sentAt: 2999 });
    expect(await get(conv.id)).toMatchObject({ lastMessagePreview: 'mais recente', lastMessageType: 'text' });
  });

  it('a parse failure names the wrong field (the contract check itself)', () => {
    expect(() => parseWith(conversationSchema, { id: 'not-a-uuid' })).toThrow(/id: .*\n[\s\S]*instanceId/);
  });
});
