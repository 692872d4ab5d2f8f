import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Supabase Storage (`/storage/v1`), good enough for the real supabase-js:
 * buckets (create, get), objects (upload with `x-upsert`, info, HEAD, download, remove by
 * prefixes), signed URLs (with `Range` on the signed download), and Storage's error bodies
 * `{statusCode, error, message}`. Objects live in memory; the service-role key is required.
 */
export interface StorageServer {
  /** The "project URL" to give supabase-js. */
  readonly url: string;
  readonly serviceRoleKey: string;
  readonly buckets: Map<string, { public: boolean; objects: Map<string, StoredObject> }>;
  /** Every request seen (method, path, range header), for assertions. */
  readonly requests: { method: string; path: string; range?: string }[];
  close(): Promise<void>;
}

interface StoredObject {
  id: string;
  bytes: Buffer;
  contentType: string;
  createdAt: string;
}

/** Starts the fake on 127.0.0.1. @example const st = await startStorageServer(); createClient(st.url, st.serviceRoleKey) */
export async function startStorageServer(opts: { serviceRoleKey?: string } = {}): Promise<StorageServer> {
  const serviceRoleKey = opts.serviceRoleKey ?? 'test-service-role-key';
  const buckets: StorageServer['buckets'] = new Map();
  const requests: StorageServer['requests'] = [];
  const tokens = new Map<string, { bucket: string; name: string; until: number }>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err) => send(res, 500, storageErr('500', 'internal', (err as Error).message)));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(u.pathname);
    requests.push({ method: req.method ?? '', path, range: req.headers.range });
    const body = await readBody(req);
    const m = (re: RegExp) => re.exec(path);
    let r: RegExpExecArray | null;

    // Signed downloads carry their token instead of the key.
    if ((r = m(/^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/)) && req.method === 'GET') {
      const t = tokens.get(u.searchParams.get('token') ?? '');
      if (!t || t.bucket !== r[1] || t.name !== r[2] || t.until < Date.now())
        return send(res, 400, storageErr('400', 'InvalidJWT', 'invalid signature'));
      const obj = buckets.get(r[1]!)?.objects.get(r[2]!);
      if (!obj) return send(res, 400, storageErr('404', 'not_found', 'Object not found'));
      return sendObject(req, res, obj);
    }
    if (req.headers.apikey !== serviceRoleKey || req.headers.authorization !== `Bearer ${serviceRoleKey}`)
      return send(res, 400, storageErr('403', 'Unauthorized', 'Invalid Compact JWS'));

    if (path === '/storage/v1/bucket' && req.method === 'POST') {
      const b = JSON.parse(body.toString() || '{}') as { id?: string; name?: string; public?: boolean };
      const id = b.id ?? b.name!;
      if (buckets.has(id)) return send(res, 400, storageErr('409', 'Duplicate', 'The resource already exists'));
      buckets.set(id, { public: b.public === true, objects: new Map() });
      return send(res, 200, { name: id });
    }
    if ((r = m(/^\/storage\/v1\/bucket\/([^/]+)$/)) && req.method === 'GET') {
      const b = buckets.get(r[1]!);
      if (!b) return send(res, 400, storageErr('404', 'Bucket not found', 'Bucket not found'));
      return send(res, 200, { id: r[1], name: r[1], public: b.public, owner: '', created_at: '', updated_at: '' });
    }
    if ((r = m(/^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/)) && req.method === 'POST') {
      const { expiresIn } = JSON.parse(body.toString() || '{}') as { expiresIn?: number };
      if (!buckets.get(r[1]!)?.objects.has(r[2]!)) return send(res, 400, storageErr('404', 'not_found', 'Object not found'));
      const token = randomUUID();
      tokens.set(token, { bucket: r[1]!, name: r[2]!, until: Date.now() + (expiresIn ?? 60) * 1000 });
      return send(res, 200, { signedURL: `/object/sign/${r[1]}/${encodeURI(r[2]!)}?token=${token}` });
    }
    if ((r = m(/^\/storage\/v1\/object\/info\/([^/]+)\/(.+)$/)) && req.method === 'GET') {
      const obj = buckets.get(r[1]!)?.objects.get(r[2]!);
      if (!obj) return send(res, 400, storageErr('404', 'not_found', 'Object not found'));
      return send(res, 200, {
        id: obj.id,
        name: r[2],
        version: obj.id,
        bucket_id: r[1],
        size: obj.bytes.length,
        content_type: obj.contentType,
        cache_control: 'max-age=3600',
        etag: `"${obj.id}"`,
        metadata: {},
        last_modified: obj.createdAt,
        created_at: obj.createdAt,
      });
    }
    if ((r = m(/^\/storage\/v1\/object\/([^/]+)$/)) && req.method === 'DELETE') {
      const b = buckets.get(r[1]!);
      const { prefixes } = JSON.parse(body.toString() || '{}') as { prefixes?: string[] };
      const removed = (prefixes ?? []).filter((p) => b?.objects.delete(p)).map((name) => ({ name, bucket_id: r![1] }));
      return send(res, 200, removed);
    }
    if ((r = m(/^\/storage\/v1\/object\/(?:authenticated\/)?([^/]+)\/(.+)$/))) {
      const b = buckets.get(r[1]!);
      if (!b) return send(res, 400, storageErr('404', 'Bucket not found', 'Bucket not found'));
      const name = r[2]!;
      if (req.method === 'POST' || req.method === 'PUT') {
        if (b.objects.has(name) && req.method === 'POST' && req.headers['x-upsert'] !== 'true')
          return send(res, 400, storageErr('409', 'Duplicate', 'The resource already exists'));
        const id = randomUUID();
        b.objects.set(name, {
          id,
          bytes: body,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          createdAt: new Date().toISOString(),
        });
        return send(res, 200, { Id: id, Key: `${r[1]}/${name}` });
      }
      const obj = b.objects.get(name);
      if (!obj) return send(res, 400, storageErr('404', 'not_found', 'Object not found'));
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': obj.contentType, 'content-length': obj.bytes.length });
        return res.end();
      }
      if (req.method === 'GET') return sendObject(req, res, obj);
    }
    send(res, 404, storageErr('404', 'not_found', `no route ${req.method} ${path}`));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    buckets,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendObject(req: http.IncomingMessage, res: http.ServerResponse, obj: StoredObject) {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), obj.bytes.length - 1) : obj.bytes.length - 1;
    res.writeHead(206, {
      'content-type': obj.contentType,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${obj.bytes.length}`,
    });
    return res.end(obj.bytes.subarray(start, end + 1));
  }
  res.writeHead(200, { 'content-type': obj.contentType, 'content-length': obj.bytes.length });
  res.end(obj.bytes);
}

const storageErr = (statusCode: string, error: string, message: string) => ({ statusCode, error, message });

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
