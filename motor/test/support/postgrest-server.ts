import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../src/ports/db.port.js';

/**
 * A local stand-in for Supabase's `POST /rest/v1/rpc/<fn>` (Kong + PostgREST), good enough for the
 * real supabase-js: named args as a JSON body, the function's JSON result as the answer, and
 * PostgREST's error bodies `{code, message, details, hint}` with PostgREST's HTTP statuses. Each
 * call really runs `select app.<fn>(p_… := …)` on the given database (through its `Db.call`, which
 * turns `accountId` back into `p_account_id`).
 */
export interface PostgrestServer {
  /** The "project URL" to give supabase-js (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly serviceRoleKey: string;
  /** Every request seen (method, path, headers), for assertions. */
  readonly requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: unknown }[];
  /** 'up' (default), 'db-down' (PostgREST up, Postgres gone: 503 PGRST000), 'reset' (drop the TCP connection). */
  mode: 'up' | 'db-down' | 'reset';
  close(): Promise<void>;
}

export interface PostgrestServerOptions {
  db: Db;
  serviceRoleKey?: string;
  /** Schemas exposed to the API (`[api] schemas`); a Content-Profile outside them is PGRST106. */
  exposedSchemas?: string[];
  /** Listen on this port (to "restart" the same URL); default 0. */
  port?: number;
}

/**
 * Starts the fake on 127.0.0.1.
 *
 * @example
 *   const pg = await startPostgrestServer({ db: await createTestDb() });
 *   const sb = await createSupabaseDb({ url: pg.url, serviceRoleKey: pg.serviceRoleKey });
 */
export async function startPostgrestServer(opts: PostgrestServerOptions): Promise<PostgrestServer> {
  const serviceRoleKey = opts.serviceRoleKey ?? 'test-service-role-key';
  const exposed = opts.exposedSchemas ?? ['public', 'graphql_public', 'app'];
  const requests: PostgrestServer['requests'] = [];

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err) => send(res, 500, pgErr('XX000', (err as Error).message)));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : {};
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? '', path, headers: req.headers, body });

    if (state.mode === 'reset') return req.socket.destroy();
    // Kong checks the key before PostgREST sees anything.
    if (req.headers.apikey !== serviceRoleKey || req.headers.authorization !== `Bearer ${serviceRoleKey}`) {
      return send(res, 401, {
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key.',
      });
    }
    const m = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(path);
    if (!m) return send(res, 404, pgErr('PGRST125', 'Invalid path specified in request URL'));
    if (req.method !== 'POST')
      return send(res, 405, pgErr('PGRST117', `Unsupported HTTP method: ${req.method}`));
    const schema = String(req.headers['content-profile'] ?? 'public');
    if (!exposed.includes(schema)) {
      return send(
        res,
        406,
        pgErr('PGRST106', `The schema must be one of the following: ${exposed.join(', ')}`),
      );
    }
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return send(res, 400, pgErr('PGRST102', 'Empty or invalid json'));
    }
    if (state.mode === 'db-down') {
      return send(res, 503, pgErr('PGRST000', 'Database connection error. Retrying the connection.'));
    }
    const fn = decodeURIComponent(m[1]!);
    const args = body as Record<string, unknown>;
    const keys = Object.keys(args);
    if (schema !== 'app' || keys.some((k) => !k.startsWith('p_')))
      return send(res, 404, notFound(schema, fn, keys));
    try {
      const camel = Object.fromEntries(keys.map((k) => [fromParamName(k), args[k]]));
      const value = await opts.db.call(fn, camel);
      return send(res, 200, value ?? null);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code;
      if (!code || code === '42883') return send(res, 404, notFound(schema, fn, keys));
      return send(res, statusFor(code), pgErr(code, cause?.message ?? 'error'));
    }
  }

  // Kong keeps client connections ~60 s; Node's 5 s default races undici reusing an idle socket
  // (ECONNRESET on a POST, which postgrest-js rightly does not retry).
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const state: PostgrestServer = {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    requests,
    mode: 'up',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

const fromParamName = (k: string) => k.slice(2).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const pgErr = (code: string, message: string, details: string | null = null, hint: string | null = null) => ({
  code,
  details,
  hint,
  message,
});

const notFound = (schema: string, fn: string, keys: string[]) =>
  pgErr(
    'PGRST202',
    `Could not find the function ${schema}.${fn}(${keys.join(', ')}) in the schema cache`,
    `Searched for the function ${schema}.${fn} with parameters ${keys.join(', ')} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
  );

/** PostgREST's SQLSTATE → HTTP status table (docs: "Errors" → "PostgreSQL errors"). */
function statusFor(code: string): number {
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  if (code === '23503' || code === '23505') return 409;
  if (code === '42501') return 403;
  if (code === '42P01' || code === '42883') return 404;
  if (code === 'P0001') return 400;
  if (/^(08|53)/.test(code)) return 503;
  if (/^(0L|0P|28)/.test(code)) return 403;
  if (/^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|P0|XX)/.test(code)) return 500;
  return 400;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
