import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskStorage } from '../../src/adapters/storage/local-disk.storage.js';
import { SupabaseStorage } from '../../src/adapters/storage/supabase.storage.js';
import type { StoragePort } from '../../src/ports/storage.port.js';
import { samplePng } from '../../src/simulator/sample-media.js';
import { api, signup } from '../support/http-client.js';
import { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { startStorageServer, type StorageServer } from '../support/storage-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { fixture, postWebhook } from '../support/ingest-harness.js';

const key = () => `${randomUUID()}/${randomUUID()}`;
const text = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** The storage port's contract, run on each adapter. */
function describeStorage(name: string, make: () => Promise<{ storage: StoragePort; close: () => Promise<void> }>) {
  describe(`storage port: ${name}`, () => {
    let storage: StoragePort;
    let close: () => Promise<void>;
    beforeAll(async () => ({ storage, close } = await make()));
    afterAll(() => close?.());

    it('put, stat, read whole and by range', async () => {
      const k = key();
      const png = samplePng();
      expect(await storage.stat(k)).toBeNull();
      await storage.put(k, png, 'image/png');
      expect(await storage.stat(k)).toEqual({ size: png.length, contentType: 'image/png' });
      expect((await text(await storage.read(k))).equals(png)).toBe(true);
      expect((await text(await storage.read(k, { start: 8, end: 23 }))).equals(png.subarray(8, 24))).toBe(true);
    });

    it('write takes a stream; a stream that fails stores nothing', async () => {
      const k = key();
      const bytes = Buffer.alloc(300_000, 7);
      expect(await storage.write(k, Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), 'application/pdf')).toEqual({
        size: bytes.length,
        contentType: 'application/pdf',
      });
      expect((await text(await storage.read(k))).equals(bytes)).toBe(true);
      const broken = key();
      async function* failing() {
        yield Buffer.alloc(1000);
        throw new Error('too large');
      }
      await expect(storage.write(broken, Readable.from(failing()), 'image/png')).rejects.toThrow('too large');
      expect(await storage.stat(broken)).toBeNull();
    });

    it('remove deletes; removing nothing is fine; keys are only <uuid>/<uuid>', async () => {
      const k = key();
      await storage.put(k, Buffer.from('x'), 'text/plain');
      await storage.remove(k);
      expect(await storage.stat(k)).toBeNull();
      await storage.remove(k);
      await expect(storage.stat('../etc/passwd')).rejects.toThrow(/invalid storage key/);
    });
  });
}

let dir = '';
describeStorage('local disk', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atende-storage-'));
  return { storage: new LocalDiskStorage(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

describeStorage('Supabase Storage (real supabase-js, Storage-shaped server)', async () => {
  const server = await startStorageServer();
  const storage = new SupabaseStorage({ url: server.url, serviceRoleKey: server.serviceRoleKey, bucket: 'atende-media' });
  await storage.ensureBucket();
  return { storage, close: () => server.close() };
});

describe('Supabase Storage: a private bucket, and the Motor serves the bytes', () => {
  let server: StorageServer;
  beforeAll(async () => {
    server = await startStorageServer();
  });
  afterAll(() => server.close());

  it('makes the bucket private when missing, accepts it when it exists, refuses a public one', async () => {
    const storage = new SupabaseStorage({ url: server.url, serviceRoleKey: server.serviceRoleKey, bucket: 'midia' });
    await storage.ensureBucket();
    expect(server.buckets.get('midia')?.public).toBe(false);
    await storage.ensureBucket();
    server.buckets.set('aberto', { public: true, objects: new Map() });
    const open = new SupabaseStorage({ url: server.url, serviceRoleKey: server.serviceRoleKey, bucket: 'aberto' });
    await expect(open.ensureBucket()).rejects.toThrow(/public/);
    const wrongKey = new SupabaseStorage({ url: server.url, serviceRoleKey: 'nope', bucket: 'midia' });
    await expect(wrongKey.stat(key())).rejects.toThrow();
  });

  it('an upload through the API lands in the bucket and comes back from GET /api/messages/:id/media', async () => {
    const storage = new SupabaseStorage({ url: server.url, serviceRoleKey: server.serviceRoleKey, bucket: 'atende-media' });
    await storage.ensureBucket();
    const wa = fakeWhatsApp();
    const app = await startTestApp({ deps: { whatsapp: wa, storage, outbox: { pollMs: 60_000 } } });
    try {
      const owner = await signup(app.baseUrl, { accountName: 'Loja Nuvem' });
      const conversationId = await seedConversation(app, owner.account.id, owner.cookie);
      const form = new FormData();
      form.set('caption', 'na nuvem');
      form.set('file', new Blob([new Uint8Array(samplePng())]), 'foto.png');
      const r = await fetch(`${app.baseUrl}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { cookie: owner.cookie },
        body: form,
      });
      expect(r.status).toBe(200);
      const { message } = (await r.json()) as { message: { id: string; media: { url: string } } };
      const stored = server.buckets.get('atende-media')!.objects.get(`${owner.account.id}/${message.id}`);
      expect(stored?.bytes.equals(samplePng())).toBe(true);
      expect(stored?.contentType).toBe('image/png');
      const served = await fetch(app.baseUrl + message.media.url, { headers: { cookie: owner.cookie } });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(samplePng())).toBe(true);
      const part = await fetch(app.baseUrl + message.media.url, { headers: { cookie: owner.cookie, range: 'bytes=0-7' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(samplePng().subarray(0, 8))).toBe(true);
      // What the browser got names no bucket, key or signed URL.
      const page = await api(app.baseUrl, owner.cookie).get(`/api/conversations/${conversationId}/messages`);
      expect(JSON.stringify(page.body)).not.toMatch(/storage\/v1|token=|atende-media/);
    } finally {
      await app.close();
    }
  });
});

/** A conversation with a customer, through the webhook as Evolution would send it. */
async function seedConversation(app: TestApp, accountId: string, cookie: string): Promise<string> {
  const name = `nuvem-${randomUUID().slice(0, 8)}`;
  const webhookSecret = randomUUID();
  await app.db.call('instance_create', { accountId, name, webhookSecret });
  const body = fixture('messages-upsert-text.json', name);
  body.data.key.id = `3EB0${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
  expect((await postWebhook(app.baseUrl, body, { 'x-motor-token': webhookSecret })).status).toBe(200);
  return (await api(app.baseUrl, cookie).get('/api/conversations')).body[0].id as string;
}
