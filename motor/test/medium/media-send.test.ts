import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { LocalDiskStorage } from '../../src/adapters/storage/local-disk.storage.js';
import { upstreamFailed } from '../../src/errors.js';
import type { WhatsAppGateway } from '../../src/ports/whatsapp.port.js';
import { samplePdf, samplePng, sampleWav } from '../../src/simulator/sample-media.js';
import { sampleMp4 } from '../../src/simulator/sample-video.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { api, signup } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { connectOnSimulator } from '../support/sim-connect.js';

const KEY = 'media-send-key';
const INSTANCE = 'midia-envio';
const PHONE = '5511987650002';
const MB = 1024 * 1024;

describe('outgoing media: POST /api/conversations/:id/messages as multipart/form-data', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let dir: string;
  let storage: LocalDiskStorage;
  let as: ReturnType<typeof api>;
  let cookie = '';
  let accountId = '';
  let conversationId = '';
  let evolution: EvolutionClient;
  /** Makes the next Evolution media sends fail with "Connection Closed" while true. */
  let sendsFail = false;
  const calls: Array<{ route: 'sendMedia' | 'sendVoiceNote'; input: Record<string, unknown> }> = [];

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { qrIntervalMs: 60_000, deliveryAckMs: 30, readMs: 30 },
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'atende-media-send-'));
    storage = new LocalDiskStorage(dir);
    const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    evolution = new EvolutionClient(client);
    const closed = () =>
      upstreamFailed('Connection Closed', { status: 500, reason: 'instance_disconnected' });
    const whatsapp: WhatsAppGateway = Object.assign(Object.create(evolution) as EvolutionClient, {
      sendMedia: (name: string, input: Parameters<WhatsAppGateway['sendMedia']>[1]) => {
        calls.push({ route: 'sendMedia', input });
        return sendsFail ? Promise.reject(closed()) : evolution.sendMedia(name, input);
      },
      sendVoiceNote: (name: string, input: { number: string; audio: string }) => {
        calls.push({ route: 'sendVoiceNote', input });
        return sendsFail ? Promise.reject(closed()) : evolution.sendVoiceNote(name, input);
      },
    });
    app = await startTestApp({
      deps: () => ({
        whatsapp,
        sandbox: new SimulatorSandboxClient(client),
        storage,
        outbox: { pollMs: 50 },
        evolutionCheck: false,
      }),
    });
    app.deps.config.publicUrl = app.baseUrl;
    const owner = await signup(app.baseUrl, { accountName: 'Loja Envio' });
    accountId = owner.account.id;
    cookie = owner.cookie;
    as = api(app.baseUrl, owner.cookie);
    await connectOnSimulator({ as, simUrl: sim.url, apiKey: KEY, instanceName: INSTANCE });
    await fetch(`${sim.url}/_sim/instances/${INSTANCE}/messages`, {
      method: 'POST',
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ from: PHONE, name: 'Cliente Envio', text: 'Tem foto do produto?' }),
    });
    conversationId = await waitFor(
      async () => ((await as.get('/api/conversations')).body?.[0]?.id as string | undefined) ?? '',
      (id) => id !== '',
    );
  });

  /** A multipart send streamed in chunks (no length declared), as the owner, to the conversation. */
  const chunkedUpload = (boundary: string) =>
    http.request(`${app.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: {
        cookie,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function upload(
    file: Buffer | null,
    fields: Record<string, string> = {},
    opts: { name?: string; type?: string; conversation?: string; cookie?: string | null } = {},
  ) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (file)
      form.set(
        'file',
        new Blob([new Uint8Array(file)], { type: opts.type ?? 'application/octet-stream' }),
        opts.name ?? 'file.bin',
      );
    const who = opts.cookie === undefined ? cookie : opts.cookie;
    return fetch(`${app.baseUrl}/api/conversations/${opts.conversation ?? conversationId}/messages`, {
      method: 'POST',
      headers: who ? { cookie: who } : {},
      body: form,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  }

  const messageById = (id: string) =>
    waitFor(
      async () =>
        ((await as.get(`/api/conversations/${conversationId}/messages`)).body as any[]).find(
          (m) => m.id === id,
        ),
      (m) => !!m,
    );

  const served = async (id: string) => {
    const r = await fetch(`${app.baseUrl}/api/messages/${id}/media`, { headers: { cookie } });
    return {
      status: r.status,
      type: r.headers.get('content-type'),
      bytes: Buffer.from(await r.arrayBuffer()),
    };
  };

  it('an image with a caption: stored, answered pending, sent with sendMedia, then delivered and read', async () => {
    const png = samplePng();
    const clientId = crypto.randomUUID();
    // The browser's type and name lie: the bytes decide.
    const r = await upload(
      png,
      { caption: 'Este é o modelo azul', clientId },
      { name: 'foto.exe', type: 'text/html' },
    );
    expect(r.status).toBe(200);
    const m = r.body.message;
    expect(m).toMatchObject({
      type: 'image',
      direction: 'out',
      sender: 'agent',
      status: 'pending',
      clientId,
      text: 'Este é o modelo azul',
      media: {
        mimetype: 'image/png',
        caption: 'Este é o modelo azul',
        size: png.length,
        url: `/api/messages/${m.id}/media`,
      },
    });
    expect(await storage.stat(`${accountId}/${m.id}`)).toEqual({
      size: png.length,
      contentType: 'image/png',
    });
    const read = await waitFor(
      () => messageById(m.id),
      (x) => x.status === 'read',
    );
    expect(read.waMessageId).toEqual(expect.any(String));
    const call = calls.find((c) => c.input.caption === 'Este é o modelo azul')!;
    expect(call.route).toBe('sendMedia');
    expect(call.input).toMatchObject({
      mediatype: 'image',
      mimetype: 'image/png',
      media: png.toString('base64'),
    });
    // Evolution holds the very bytes that were uploaded.
    const back = await evolution.getMediaFile(INSTANCE, read.waMessageId);
    expect(back.bytes.equals(png)).toBe(true);
    const file = await served(m.id);
    expect(file).toMatchObject({ status: 200, type: 'image/png' });
    expect(file.bytes.equals(png)).toBe(true);
  });

  it('a PDF goes as a document with its file name; a video as a video', async () => {
    const pdf = await upload(samplePdf(), {}, { name: 'Catálogo 2026.pdf', type: 'application/pdf' });
    expect(pdf.status).toBe(200);
    expect(pdf.body.message).toMatchObject({
      type: 'document',
      media: { mimetype: 'application/pdf', fileName: 'Catálogo 2026.pdf' },
    });
    await waitFor(
      () => messageById(pdf.body.message.id),
      (x) => x.status !== 'pending',
    );
    expect(calls.at(-1)!.input).toMatchObject({ mediatype: 'document', fileName: 'Catálogo 2026.pdf' });
    const video = await upload(sampleMp4(), { caption: 'Veja funcionando' }, { name: 'v.mp4' });
    expect(video.status).toBe(200);
    expect(video.body.message).toMatchObject({ type: 'video', media: { mimetype: 'video/mp4' } });
    await waitFor(
      () => messageById(video.body.message.id),
      (x) => x.status !== 'pending',
    );
    expect(calls.at(-1)!.input).toMatchObject({ mediatype: 'video', caption: 'Veja funcionando' });
  });

  it('a voice note goes with sendWhatsAppAudio and keeps its flag and length', async () => {
    const wav = sampleWav();
    const r = await upload(wav, { voiceNote: 'true', seconds: '2' }, { name: 'gravacao.wav' });
    expect(r.status).toBe(200);
    expect(r.body.message).toMatchObject({
      type: 'audio',
      media: { voiceNote: true, seconds: 2, mimetype: 'audio/wav' },
    });
    const sent = await waitFor(
      () => messageById(r.body.message.id),
      (x) => x.status !== 'pending',
    );
    expect(sent.status).not.toBe('failed');
    expect(calls.at(-1)).toMatchObject({ route: 'sendVoiceNote', input: { audio: wav.toString('base64') } });
  });

  it('415 unsupported_media_type for what WhatsApp cannot take, whatever the name says', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(600, 0x90)]);
    exe.write('PE\0\0', 0x80, 'latin1');
    exe.writeUInt32LE(0x80, 0x3c);
    const r = await upload(exe, {}, { name: 'foto.jpg', type: 'image/jpeg' });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('unsupported_media_type');
    const noise = await upload(
      Buffer.from([0x01, 0x02, 0x03, 0x04, 0xff, 0x00, 0x7f]),
      {},
      { name: 'x.dat' },
    );
    expect(noise.status).toBe(415);
    // Text is taken as a document when it is named so and really is text.
    const txt = await upload(
      Buffer.from('Lista de preços\nCamiseta: R$ 49,90\n'),
      {},
      { name: 'precos.txt' },
    );
    expect(txt.status).toBe(200);
    expect(txt.body.message.media).toMatchObject({ mimetype: 'text/plain', fileName: 'precos.txt' });
  });

  it('413 payload_too_large while streaming, long before a far larger body is read', async () => {
    // A "PNG" of 1 GB, sent chunked (no Content-Length): only the running count can stop it.
    const boundary = '----atende-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n` +
        `Content-Type: image/png\r\n\r\n`,
    );
    const result = await new Promise<{ status: number; body: string; sentBytes: number }>(
      (resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = chunkedUpload(boundary);
        req.on('response', (res) => {
          answered = true;
          const at = sent;
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body, sentBytes: at });
          });
        });
        req.on('error', (err) => (answered ? undefined : reject(err)));
        const chunk = Buffer.alloc(256 * 1024, 0x41);
        const png = samplePng(8, 8);
        const pump = () => {
          while (!answered && sent < 1024 * MB) {
            const part = sent === 0 ? Buffer.concat([head, png, chunk]) : chunk;
            sent += part.length;
            if (!req.write(part)) {
              req.once('drain', pump);
              return;
            }
          }
          if (!answered) req.end();
        };
        pump();
      },
    );
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('payload_too_large');
    // 16 MB for an image; socket buffers let the client get somewhat ahead, never near 1 GB.
    expect(result.sentBytes).toBeLessThan(64 * MB);
    console.info(`413 answered after ${(result.sentBytes / MB).toFixed(1)} MB of a 1024 MB body`);
    // Nothing was kept and the Motor still answers.
    expect((await as.get(`/api/conversations/${conversationId}`)).status).toBe(200);
  });

  it('an upload cut off by the client leaves nothing stored behind', async () => {
    const boundary = '----atende-cut';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="meio.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const req = chunkedUpload(boundary);
    req.on('error', () => {});
    req.write(Buffer.concat([head, samplePng(), Buffer.alloc(2 * MB, 1)]));
    await new Promise((r) => setTimeout(r, 300));
    req.destroy();
    const { readdir } = await import('node:fs/promises');
    const left = await waitFor(
      async () =>
        (await readdir(path.join(dir, accountId)).catch(() => [] as string[])).filter((f) =>
          f.endsWith('.tmp'),
        ),
      (files) => files.length === 0,
    );
    expect(left).toEqual([]);
    expect((await as.get(`/api/conversations/${conversationId}`)).status).toBe(200);
  });

  it('413 at once for a declared body above the largest limit', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.baseUrl}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: {
          cookie,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(500 * MB),
        },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(r).toBe(413);
  });

  it('404 for a conversation of another account, 401 without a session, 400 without a file', async () => {
    const other = await signup(app.baseUrl, { accountName: 'Outra Loja Envio' });
    const foreign = await upload(samplePng(), {}, { cookie: other.cookie });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    const anon = await upload(samplePng(), {}, { cookie: null });
    expect(anon.status).toBe(401);
    const empty = await upload(null, { caption: 'sem arquivo' });
    expect(empty.status).toBe(400);
    const badId = await upload(samplePng(), { clientId: 'not-a-uuid' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].path).toBe('body.clientId');
  });

  it('a failed send keeps a readable reason; the same clientId sends the same message again', async () => {
    sendsFail = true;
    const clientId = crypto.randomUUID();
    const first = await upload(samplePng(), { caption: 'tentativa', clientId });
    expect(first.status).toBe(200);
    const failed = await waitFor(
      () => messageById(first.body.message.id),
      (x) => x.status === 'failed',
    );
    expect(failed.error).toBe('instance_disconnected');
    sendsFail = false;
    const again = await upload(samplePng(), { caption: 'tentativa', clientId });
    expect(again.status).toBe(200);
    expect(again.body.message.id).toBe(first.body.message.id);
    const sent = await waitFor(
      () => messageById(first.body.message.id),
      (x) => x.status === 'read',
    );
    expect(sent.waMessageId).toEqual(expect.any(String));
    // A repeat of a message that went out returns it and sends nothing.
    const count = calls.length;
    const repeat = await upload(samplePng(), { caption: 'tentativa', clientId });
    expect(repeat.body.message.id).toBe(first.body.message.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.length).toBe(count);
  });
});
