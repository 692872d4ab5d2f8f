import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { LocalDiskStorage } from '../../src/adapters/storage/local-disk.storage.js';
import { AppError } from '../../src/errors.js';
import type { WhatsAppGateway } from '../../src/ports/whatsapp.port.js';
import { samplePdf, samplePng, sampleWav } from '../../src/simulator/sample-media.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { api, signup } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { connectOnSimulator } from '../support/sim-connect.js';

const KEY = 'media-test-key';
const INSTANCE = 'midia-1';
const PHONE = '5511987650001';

describe('incoming media: background fetch, storage, GET /api/messages/:id/media', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let dir: string;
  let storage: LocalDiskStorage;
  let as: ReturnType<typeof api>;
  let accountId: string;
  let ownerCookie = '';
  let conversationId: string | null = null;
  /** Makes Evolution's getBase64FromMediaMessage fail while true. */
  let evolutionDown = false;
  let mediaCalls = 0;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { qrIntervalMs: 60_000, deliveryAckMs: 10, readMs: 10 },
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'atende-media-'));
    storage = new LocalDiskStorage(dir);
    const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    const evolution = new EvolutionClient(client);
    const whatsapp: WhatsAppGateway = Object.assign(Object.create(evolution) as EvolutionClient, {
      getMediaFile: (name: string, id: string) => {
        mediaCalls++;
        if (evolutionDown) return Promise.reject(new AppError('upstream_failed', 'Evolution refused'));
        return evolution.getMediaFile(name, id);
      },
    });
    app = await startTestApp({
      deps: () => ({
        whatsapp,
        sandbox: new SimulatorSandboxClient(client),
        storage,
        media: { retryDelaysMs: [30, 30] },
        evolutionCheck: false,
      }),
    });
    app.deps.config.publicUrl = app.baseUrl;
    const owner = await signup(app.baseUrl, { accountName: 'Loja Mídia' });
    accountId = owner.account.id;
    ownerCookie = owner.cookie;
    as = api(app.baseUrl, owner.cookie);
    await connectOnSimulator({ as, simUrl: sim.url, apiKey: KEY, instanceName: INSTANCE });
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The customer sends a sample file; resolves with the stored Message. */
  async function customerSends(kind: 'image' | 'audio' | 'voice' | 'document', caption?: string) {
    const r = await fetch(`${sim.url}/_sim/instances/${INSTANCE}/media`, {
      method: 'POST',
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ from: PHONE, name: 'Cliente Foto', kind, caption }),
    });
    expect(r.status).toBe(201);
    const waId = ((await r.json()) as { key: { id: string } }).key.id;
    conversationId ??= await waitFor(
      async () => ((await as.get('/api/conversations')).body?.[0]?.id as string | undefined) ?? null,
      (id) => id !== null,
    );
    return waitFor(
      async () =>
        ((await as.get(`/api/conversations/${conversationId}/messages`)).body as any[]).find(
          (m) => m.waMessageId === waId,
        ),
      (m) => !!m,
    );
  }

  it('an image is fetched in the background and served with its type, size and cache header', async () => {
    const m = await customerSends('image', 'Este modelo');
    expect(m.type).toBe('image');
    expect(m.media).toMatchObject({
      mimetype: 'image/png',
      caption: 'Este modelo',
      size: samplePng().length,
      width: 320,
      height: 240,
      thumbnail: expect.stringMatching(/^data:image\/png;base64,/),
    });
    // Stored without anyone asking for it.
    await waitFor(
      () => storage.stat(`${accountId}/${m.id}`),
      (s) => s !== null,
    );
    const calls = mediaCalls;
    const res = await get(`/api/messages/${m.id}/media`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(samplePng().length));
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+/);
    expect(res.bytes.equals(samplePng())).toBe(true);
    expect(mediaCalls).toBe(calls); // served from storage
  });

  it('a voice note keeps its flag and answers range requests with 206', async () => {
    const m = await customerSends('voice');
    expect(m.media).toMatchObject({ voiceNote: true, seconds: 2, mimetype: 'audio/wav' });
    const wav = sampleWav();
    const r = await get(`/api/messages/${m.id}/media`, { range: 'bytes=0-99' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 0-99/${wav.length}`);
    expect(r.headers.get('content-length')).toBe('100');
    expect(r.bytes.equals(wav.subarray(0, 100))).toBe(true);
    const tail = await get(`/api/messages/${m.id}/media`, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.bytes.equals(wav.subarray(wav.length - 10))).toBe(true);
    const bad = await get(`/api/messages/${m.id}/media`, { range: `bytes=${wav.length + 5}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${wav.length}`);
  });

  it('?download=1 answers the document as an attachment with its name', async () => {
    const m = await customerSends('document');
    expect(m.media).toMatchObject({ fileName: 'pedido.pdf', mimetype: 'application/pdf' });
    const r = await get(`/api/messages/${m.id}/media?download=1`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="pedido.pdf"/);
    expect(r.bytes.equals(samplePdf())).toBe(true);
    const inline = await get(`/api/messages/${m.id}/media`);
    expect(inline.headers.get('content-disposition')).toMatch(/^inline/);
  });

  it('502 upstream_failed while Evolution cannot give the file; a later request tries again', async () => {
    evolutionDown = true;
    const m = await customerSends('image');
    const before = mediaCalls;
    // The background fetch tries 3 times (first + 2 retries) then gives up.
    await waitFor(
      () => mediaCalls,
      (n) => n >= before + 2,
    );
    const failed = await get(`/api/messages/${m.id}/media`);
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.bytes.toString()).error.code).toBe('upstream_failed');
    evolutionDown = false;
    const ok = await get(`/api/messages/${m.id}/media`);
    expect(ok.status).toBe(200);
    expect(ok.bytes.equals(samplePng())).toBe(true);
  });

  it('401 without a session, 404 for another account, a text message or an unknown id', async () => {
    const m = await customerSends('image');
    const anon = await fetch(`${app.baseUrl}/api/messages/${m.id}/media`);
    expect(anon.status).toBe(401);
    const other = await signup(app.baseUrl, { accountName: 'Outra Loja' });
    const foreign = await fetch(`${app.baseUrl}/api/messages/${m.id}/media`, {
      headers: { cookie: other.cookie },
    });
    expect(foreign.status).toBe(404);
    const text = await as.post(`/api/conversations/${conversationId}/messages`, {
      text: 'Oi!',
      clientId: crypto.randomUUID(),
    });
    expect(text.status).toBe(200);
    expect((await get(`/api/messages/${text.body.message.id}/media`)).status).toBe(404);
    expect((await get(`/api/messages/${crypto.randomUUID()}/media`)).status).toBe(404);
    expect((await get(`/api/messages/not-a-uuid/media`)).status).toBe(400);
  });

  it('the sandbox panel API makes the simulated customer send a sample file', async () => {
    const r = await as.post('/api/sandbox/media', {
      instanceName: INSTANCE,
      phone: PHONE,
      name: 'Cliente Foto',
      kind: 'document',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, simulated: true, waMessageId: expect.any(String) });
    const bad = await as.post('/api/sandbox/media', {
      instanceName: INSTANCE,
      phone: PHONE,
      name: 'X',
      kind: 'gif',
    });
    expect(bad.status).toBe(400);
  });

  async function get(p: string, headers: Record<string, string> = {}) {
    const res = await fetch(app.baseUrl + p, { headers: { cookie: ownerCookie, ...headers } });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }
});
