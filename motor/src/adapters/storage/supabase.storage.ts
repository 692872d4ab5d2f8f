import { Readable, Transform } from 'node:stream';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { StoragePort, StoredFile } from '../../ports/storage.port.js';

const KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

/** supabase-js builds a Realtime client eagerly (Node 20 has no WebSocket); Storage never opens it. */
class NoRealtime {
  constructor() {
    throw new Error('Supabase Realtime is not used by the Motor');
  }
}

/** What a read needs: how long the Motor's own signed URL lives (it never leaves the Motor). */
const SIGNED_URL_SECONDS = 60;

export interface SupabaseStorageOptions {
  url: string;
  serviceRoleKey: string;
  bucket: string;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Media files in a **private** Supabase Storage bucket, through supabase-js with the service-role
 * key (docs/media.md). The browser never sees a key or a URL of the bucket: the Motor reads the
 * bytes and serves them itself. `ensureBucket()` (at start) creates the bucket, private, when it
 * is missing. Reads with a range fetch a short-lived signed URL the Motor makes for itself, so
 * players can seek without the whole file being downloaded.
 *
 * @example
 *   const storage = new SupabaseStorage({ url, serviceRoleKey, bucket: 'atende-media' });
 *   await storage.ensureBucket();
 *   await storage.put(`${accountId}/${messageId}`, bytes, 'image/png');
 */
export class SupabaseStorage implements StoragePort {
  private readonly client: SupabaseClient;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: SupabaseStorageOptions) {
    this.fetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.client = createClient(opts.url, opts.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { fetch: this.fetch },
      realtime: { transport: NoRealtime as unknown as typeof WebSocket },
    });
  }

  private get bucket() {
    return this.client.storage.from(this.opts.bucket);
  }

  private check(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key: ${key}`);
    return key;
  }

  /** Makes the bucket (private) when it does not exist; a public one is refused. */
  async ensureBucket(): Promise<void> {
    const found = await this.client.storage.getBucket(this.opts.bucket);
    if (found.data) {
      if (found.data.public)
        throw new Error(`Supabase Storage bucket "${this.opts.bucket}" is public: media must stay private`);
      return;
    }
    const made = await this.client.storage.createBucket(this.opts.bucket, { public: false });
    if (made.error && !/exists|duplicate/i.test(made.error.message)) throw made.error;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const { error } = await this.bucket.upload(this.check(key), bytes, { contentType, upsert: true });
    if (error) throw error;
  }

  async write(key: string, source: Readable, contentType: string): Promise<StoredFile> {
    this.check(key);
    // Collected first: a size limit the stream enforces must fail before anything is uploaded.
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of source) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    await this.put(key, Buffer.concat(chunks, size), contentType);
    return { size, contentType };
  }

  async remove(key: string): Promise<void> {
    const { error } = await this.bucket.remove([this.check(key)]);
    if (error) throw error;
  }

  async stat(key: string): Promise<StoredFile | null> {
    const { data, error } = await this.bucket.info(this.check(key));
    if (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const d = data as { size?: number; contentType?: string; metadata?: { size?: number; mimetype?: string } };
    return {
      size: d.size ?? d.metadata?.size ?? 0,
      contentType: d.contentType ?? d.metadata?.mimetype ?? 'application/octet-stream',
    };
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const signed = await this.bucket.createSignedUrl(this.check(key), SIGNED_URL_SECONDS);
    if (signed.error) throw signed.error;
    const res = await this.fetch(signed.data.signedUrl, {
      headers: range ? { range: `bytes=${range.start}-${range.end}` } : {},
    });
    if (!res.ok || !res.body) throw new Error(`Supabase Storage answered ${res.status} for ${key}`);
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    if (!range || res.status === 206) return body;
    // A server that ignored the range: cut the part out of the whole file.
    return body.pipe(slice(range.start, range.end));
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { status?: number; statusCode?: string | number; message?: string };
  return e.status === 404 || String(e.statusCode) === '404' || /not.?found/i.test(e.message ?? '');
}

/** Passes bytes start..end (inclusive) of a stream. */
function slice(start: number, end: number): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const from = Math.max(0, start - at);
      const to = Math.min(chunk.length, end - at + 1);
      at += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
