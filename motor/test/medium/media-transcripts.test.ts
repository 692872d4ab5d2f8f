import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { GroqLlm } from '../../src/adapters/groq/groq.llm.js';
import { LocalDiskStorage } from '../../src/adapters/storage/local-disk.storage.js';
import { sampleWav } from '../../src/simulator/sample-media.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { startFakeGroq } from '../support/fake-groq.js';
import { api, signup } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { recordingPublisher, startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { connectOnSimulator } from '../support/sim-connect.js';

const KEY = 'transcripts-key';
const INSTANCE = 'transcricoes';
const PHONE = '5511987650003';

describe('voice notes are transcribed with groq-sdk (Whisper) and read by the AI', () => {
  let sim: RunningSimulator;
  let groq: Awaited<ReturnType<typeof startFakeGroq>>;
  let app: TestApp;
  let dir: string;
  let as: ReturnType<typeof api>;
  let cookie = '';
  let conversationId = '';
  const rt = recordingPublisher();

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { qrIntervalMs: 60_000, deliveryAckMs: 20, readMs: 20 },
    });
    groq = await startFakeGroq({ defaultAnswer: 'Temos sim, o tênis azul custa R$ 199,90.' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'atende-transcripts-'));
    const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    app = await startTestApp({
      deps: () => ({
        whatsapp: new EvolutionClient(client),
        sandbox: new SimulatorSandboxClient(client),
        storage: new LocalDiskStorage(dir),
        llm: new GroqLlm({ apiKey: 'test-key', baseUrl: groq.url }),
        realtime: rt,
        outbox: { pollMs: 50 },
        ai: { pollMs: 50 },
        media: { retryDelaysMs: [50] },
        transcription: { retryDelaysMs: [50] },
        evolutionCheck: false,
      }),
    });
    app.deps.config.publicUrl = app.baseUrl;
    const owner = await signup(app.baseUrl, { accountName: 'Loja Voz' });
    cookie = owner.cookie;
    as = api(app.baseUrl, owner.cookie);
    await connectOnSimulator({ as, simUrl: sim.url, apiKey: KEY, instanceName: INSTANCE });
  });

  afterAll(async () => {
    await app?.close();
    await groq?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function customerSends(kind: 'voice' | 'audio') {
    const r = await fetch(`${sim.url}/_sim/instances/${INSTANCE}/media`, {
      method: 'POST',
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ from: PHONE, name: 'Cliente Voz', kind }),
    });
    expect(r.status).toBe(201);
    const waId = ((await r.json()) as { key: { id: string } }).key.id;
    conversationId ||= await waitFor(
      async () => ((await as.get('/api/conversations')).body?.[0]?.id as string | undefined) ?? '',
      (id) => id !== '',
    );
    return waitFor(
      async () =>
        ((await as.get(`/api/conversations/${conversationId}/messages`)).body as any[]).find(
          (m) => m.waMessageId === waId,
        ),
      (m) => !!m,
    );
  }
  const messageById = async (id: string) =>
    ((await as.get(`/api/conversations/${conversationId}/messages`)).body as any[]).find((m) => m.id === id);

  it('an incoming voice note: the file goes to audio.transcriptions, the text is stored and pushed', async () => {
    groq.transcripts.push('Oi, vocês têm o tênis azul no número 42?');
    const m = await customerSends('voice');
    const done = await waitFor(
      () => messageById(m.id),
      (x) => !!x?.transcript,
    );
    expect(done.transcript).toBe('Oi, vocês têm o tênis azul no número 42?');
    const call = groq.transcriptions.at(-1)!;
    expect(call).toMatchObject({ model: 'whisper-large-v3-turbo', language: 'pt', fileType: 'audio/wav' });
    expect(call.bytes.equals(sampleWav())).toBe(true);
    const pushed = rt.published.find(
      (e) =>
        e.type === 'message.updated' &&
        (e.data as any).message.id === m.id &&
        (e.data as any).message.transcript,
    );
    expect(pushed).toBeTruthy();
  });

  it('transcripts are searchable in the inbox', async () => {
    const found = await as.get('/api/conversations?q=tenis%20azul');
    expect(found.status).toBe(200);
    expect(found.body.map((c: any) => c.id)).toContain(conversationId);
    const none = await as.get('/api/conversations?q=bicicleta');
    expect(none.body.map((c: any) => c.id)).not.toContain(conversationId);
  });

  it('the AI answers a voice note, reading its transcript as the customer’s words', async () => {
    expect((await as.put('/api/settings/ai', { enabled: true, replyDelayMs: 0 })).status).toBe(200);
    const chats = groq.chats.length;
    groq.transcripts.push('Quanto custa o tênis azul?');
    await customerSends('voice');
    await waitFor(
      () => groq.chats.length,
      (n) => n > chats,
    );
    const prompt = groq.chats.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    expect(prompt.at(-1)).toEqual({ role: 'user', content: 'Quanto custa o tênis azul?' });
    await waitFor(
      async () =>
        ((await as.get(`/api/conversations/${conversationId}/messages`)).body as any[]).some(
          (x) => x.sender === 'ai',
        ),
      Boolean,
    );
    expect((await as.put('/api/settings/ai', { enabled: false })).status).toBe(200);
  });

  it('an ordinary audio is not transcribed; Groq failing is retried, then left alone', async () => {
    const before = groq.transcriptions.length;
    const audio = await customerSends('audio');
    await new Promise((r) => setTimeout(r, 400));
    expect(groq.transcriptions.length).toBe(before);
    expect((await messageById(audio.id)).transcript ?? null).toBeNull();
    groq.transcripts.push({ status: 503 }, 'depois de uma falha');
    const retried = await customerSends('voice');
    const done = await waitFor(
      () => messageById(retried.id),
      (x) => !!x?.transcript,
    );
    expect(done.transcript).toBe('depois de uma falha');
  });

  it('an agent’s recorded voice note is transcribed too', async () => {
    groq.transcripts.push('Já separei o seu pedido');
    const form = new FormData();
    form.set('voiceNote', 'true');
    form.set('file', new Blob([new Uint8Array(sampleWav())]), 'gravacao.wav');
    const r = await fetch(`${app.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { cookie },
      body: form,
    });
    expect(r.status).toBe(200);
    const { message } = (await r.json()) as { message: { id: string } };
    const done = await waitFor(
      () => messageById(message.id),
      (x) => !!x?.transcript,
    );
    expect(done.transcript).toBe('Já separei o seu pedido');
  });

  it('the account setting turns transcription off', async () => {
    const off = await as.put('/api/settings/ai', { transcribeVoiceNotes: false });
    expect(off.status).toBe(200);
    expect(off.body.transcribeVoiceNotes).toBe(false);
    expect((await as.get('/api/settings/ai')).body.transcribeVoiceNotes).toBe(false);
    const before = groq.transcriptions.length;
    const m = await customerSends('voice');
    await new Promise((r) => setTimeout(r, 400));
    expect(groq.transcriptions.length).toBe(before);
    expect((await messageById(m.id)).transcript ?? null).toBeNull();
    expect((await as.put('/api/settings/ai', { transcribeVoiceNotes: 'sim' })).status).toBe(400);
  });
});
