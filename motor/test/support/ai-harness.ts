import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { GroqLlm } from '../../src/adapters/groq/groq.llm.js';
import type { AiResponderOptions } from '../../src/services/ai-responder.service.js';
import { startFakeGroq, type FakeGroq } from './fake-groq.js';
import { fakeWhatsApp } from './fake-whatsapp.js';
import { api, signup, type SignedUp } from './http-client.js';
import { fixture, postWebhook, recorder } from './ingest-harness.js';
import { startTestApp, type TestApp } from './test-app.js';

export const TEST_GROQ_KEY = 'gsk_test_0123456789_secret';

/**
 * The real app with the AI on: a fake Groq fed to the real groq-sdk (GroqLlm), the fake WhatsApp
 * gateway, a recording publisher, an owner with a connected instance. Helpers drive customers and
 * the business phone through the real webhook route.
 *
 * @example
 *   const w = await startAiWorld();
 *   await w.client.put('/api/settings/ai', { enabled: true, replyDelayMs: 100 });
 *   await w.customerSays('5511900000001', 'Tem tênis?');
 */
export async function startAiWorld(
  opts: { ai?: AiResponderOptions; llmTimeoutMs?: number; withLlm?: boolean } = {},
) {
  const groq: FakeGroq = await startFakeGroq();
  const wa = fakeWhatsApp();
  const rt = recorder();
  const llm =
    opts.withLlm === false
      ? null
      : new GroqLlm({ apiKey: TEST_GROQ_KEY, baseUrl: groq.url, timeoutMs: opts.llmTimeoutMs ?? 1000 });
  const app: TestApp = await startTestApp({
    env: { GROQ_MODEL: 'llama-3.3-70b-versatile' },
    deps: { realtime: rt, whatsapp: wa, llm },
    ai: opts.ai,
  });
  const owner: SignedUp = await signup(app.baseUrl, { name: 'Ana Dona', accountName: 'Loja Tênis' });
  const client = api(app.baseUrl, owner.cookie);
  const inst = await addInstance(app, owner, true);
  const world = {
    app,
    groq,
    wa,
    rt,
    owner,
    client,
    inst,
    /** A customer message through the webhook (`ageSeconds`: how old its WhatsApp timestamp is). */
    async customerSays(
      phone: string,
      text: string,
      o: { ageSeconds?: number; id?: string; instance?: typeof inst } = {},
    ) {
      const target = o.instance ?? inst;
      const body = fixture('messages-upsert-text.json', target.name);
      body.data.key = {
        remoteJid: `${phone}@s.whatsapp.net`,
        fromMe: false,
        id: o.id ?? `3A${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`,
      };
      body.data.pushName = `Cliente ${phone.slice(-4)}`;
      body.data.message = { conversation: text };
      body.data.messageTimestamp = Math.floor(Date.now() / 1000) - (o.ageSeconds ?? 0);
      const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': target.secret });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return body;
    },
    /** A message typed on the business's phone (messages.upsert fromMe). */
    async phoneSays(phone: string, text: string) {
      const body = fixture('messages-upsert-fromme.json', inst.name);
      body.data.key = {
        remoteJid: `${phone}@s.whatsapp.net`,
        fromMe: true,
        id: `3B${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`,
      };
      body.data.message = { conversation: text };
      body.data.messageTimestamp = Math.floor(Date.now() / 1000);
      const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
      expect(r.status).toBe(200);
    },
    /** The conversation with this phone (its id, aiEnabled, status). */
    async conversationOf(phone: string) {
      const r = await client.get(`/api/conversations?q=${phone}`);
      return r.body[0] as { id: string; aiEnabled: boolean; status: string };
    },
    async messagesOf(phone: string) {
      const c = await world.conversationOf(phone);
      return (await client.get(`/api/conversations/${c.id}/messages`)).body as any[];
    },
    /** Chat completion requests whose turns mention `needle` (to tell conversations apart). */
    callsAbout(needle: string) {
      return groq.chats.filter((r) => JSON.stringify(r.body.messages.slice(1)).includes(needle));
    },
    async close() {
      await app.close();
      await groq.close();
    },
  };
  return world;
}

export type AiWorld = Awaited<ReturnType<typeof startAiWorld>>;

/** An instance of the owner's account, connected (connection.update open) or not. */
export async function addInstance(app: TestApp, owner: SignedUp, connected: boolean) {
  const inst = { name: `ai-${randomUUID().slice(0, 8)}`, secret: `secret-${randomUUID()}`, id: '' };
  const created = await app.db.call<{ id: string }>('instance_create', {
    accountId: owner.account.id,
    name: inst.name,
    webhookSecret: inst.secret,
  });
  inst.id = created.id;
  if (connected) {
    const r = await postWebhook(app.baseUrl, fixture('connection-update-open.json', inst.name), {
      'x-motor-token': inst.secret,
    });
    expect(r.status).toBe(200);
  }
  return inst;
}

/** Waits `ms` (for "nothing happens" checks: longer than the reply delay plus a poll). */
export const quiet = (ms = 600) => new Promise((r) => setTimeout(r, ms));
