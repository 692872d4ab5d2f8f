import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, jwtVerify } from 'jose';

/**
 * A local stand-in for Supabase Auth (GoTrue) that answers the endpoints supabase-js calls, in
 * GoTrue's current shapes (API version 2024-01-01: errors are `{code, message}` with
 * `X-Supabase-Api-Version`), with real HS256 access tokens signed by `jwtSecret`.
 *
 * @example
 *   const gotrue = await startGotrueServer();
 *   const sb = new SupabaseAuth({ url: gotrue.url, serviceRoleKey: gotrue.serviceRoleKey, jwtSecret: gotrue.jwtSecret });
 */
export interface GotrueServer {
  url: string;
  jwtSecret: string;
  serviceRoleKey: string;
  anonKey: string;
  users: Map<string, GotrueUser>;
  /** Requests seen, `METHOD path` (for asserting what supabase-js called). */
  calls: string[];
  /** Password recovery emails GoTrue would have sent (`POST /recover`): to whom, back to where. */
  recoveries: { email: string; redirectTo: string | null }[];
  /** Signs a token as GoTrue would (tests: expired or foreign tokens). */
  sign(user: GotrueUser, opts?: { expiresIn?: number; secret?: string; sessionId?: string }): Promise<string>;
  /** Refresh tokens handed out: each one use, rotated by `grant_type=refresh_token`, dropped at logout. */
  refreshTokens: Map<string, { userId: string; sessionId: string; used: boolean }>;
  close(): Promise<void>;
}

export interface GotrueUser {
  id: string;
  email: string;
  password: string;
  user_metadata: Record<string, unknown>;
  created_at: string;
}

const API_VERSION = '2024-01-01';

export async function startGotrueServer(
  opts: { jwtSecret?: string; sessionSeconds?: number } = {},
): Promise<GotrueServer> {
  const jwtSecret = opts.jwtSecret ?? 'gotrue-test-jwt-secret-with-at-least-32-chars';
  const key = new TextEncoder().encode(jwtSecret);
  const users = new Map<string, GotrueUser>();
  const calls: string[] = [];
  const recoveries: GotrueServer['recoveries'] = [];
  let url = '';

  const refreshTokens: GotrueServer['refreshTokens'] = new Map();
  const sign = (u: GotrueUser, o: { expiresIn?: number; secret?: string; sessionId?: string } = {}) =>
    new SignJWT({
      email: u.email,
      role: 'authenticated',
      aud: 'authenticated',
      session_id: o.sessionId ?? randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(u.id)
      .setIssuer(`${url}/auth/v1`)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (o.expiresIn ?? 3600))
      .sign(o.secret ? new TextEncoder().encode(o.secret) : key);

  const userJson = (u: GotrueUser) => ({
    id: u.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: u.email,
    email_confirmed_at: u.created_at,
    phone: '',
    confirmed_at: u.created_at,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: u.user_metadata,
    identities: [],
    created_at: u.created_at,
    updated_at: u.created_at,
    is_anonymous: false,
  });
  const byEmail = (email: string) => [...users.values()].find((u) => u.email === email.toLowerCase());
  const session = async (u: GotrueUser, sessionId: string = randomUUID()) => {
    const refresh = randomUUID().replace(/-/g, '');
    refreshTokens.set(refresh, { userId: u.id, sessionId, used: false });
    return {
      access_token: await sign(u, { sessionId, expiresIn: opts.sessionSeconds }),
      token_type: 'bearer',
      expires_in: opts.sessionSeconds ?? 3600,
      expires_at: Math.floor(Date.now() / 1000) + (opts.sessionSeconds ?? 3600),
      refresh_token: refresh,
      user: userJson(u),
    };
  };
  const bearer = (req: http.IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const isService = (req: http.IncomingMessage) => bearer(req) === serviceRoleKey;

  const serviceRoleKey = 'test-service-role-key';
  const anonKey = 'test-anon-key';

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const u = new URL(req.url ?? '/', 'http://x');
    calls.push(`${req.method} ${u.pathname}`);
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-supabase-api-version': API_VERSION });
      res.end(json === undefined ? '' : JSON.stringify(json));
    };
    const fail = (status: number, code: string, message: string) => send(status, { code, message });
    const adminUser = /^\/auth\/v1\/admin\/users\/([0-9a-f-]{36})$/.exec(u.pathname);

    if (
      req.method === 'POST' &&
      u.pathname === '/auth/v1/token' &&
      u.searchParams.get('grant_type') === 'password'
    ) {
      const found = byEmail(String(body.email ?? ''));
      if (!found || found.password !== body.password)
        return fail(400, 'invalid_credentials', 'Invalid login credentials');
      return send(200, await session(found));
    }
    if (
      req.method === 'POST' &&
      u.pathname === '/auth/v1/token' &&
      u.searchParams.get('grant_type') === 'refresh_token'
    ) {
      const held = refreshTokens.get(String(body.refresh_token ?? ''));
      if (!held)
        return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      if (held.used) return fail(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
      const found = users.get(held.userId);
      if (!found)
        return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      held.used = true;
      return send(200, await session(found, held.sessionId));
    }
    if (req.method === 'GET' && u.pathname === '/auth/v1/user') {
      try {
        const { payload } = await jwtVerify(bearer(req) ?? '', key, { algorithms: ['HS256'] });
        const found = users.get(String(payload.sub));
        if (!found) return fail(403, 'user_not_found', 'User from sub claim in JWT does not exist');
        return send(200, userJson(found));
      } catch {
        return fail(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      }
    }
    const create = async (admin: boolean) => {
      const email = String(body.email ?? '').toLowerCase();
      if (byEmail(email))
        return fail(422, 'email_exists', 'A user with this email address has already been registered');
      const nu: GotrueUser = {
        id: randomUUID(),
        email,
        password: String(body.password ?? ''),
        user_metadata: (admin ? body.user_metadata : body.data) ?? {},
        created_at: new Date().toISOString(),
      };
      users.set(nu.id, nu);
      return send(200, admin ? userJson(nu) : await session(nu));
    };
    if (req.method === 'POST' && u.pathname === '/auth/v1/signup') return create(false);
    if (req.method === 'POST' && u.pathname === '/auth/v1/admin/users') {
      if (!isService(req)) return fail(403, 'not_admin', 'User not allowed');
      return create(true);
    }
    if (adminUser && (req.method === 'PUT' || req.method === 'DELETE')) {
      if (!isService(req)) return fail(403, 'not_admin', 'User not allowed');
      const found = users.get(adminUser[1]!);
      if (!found) return fail(404, 'user_not_found', 'User not found');
      if (req.method === 'DELETE') {
        users.delete(found.id);
        return send(200, {});
      }
      if (typeof body.password === 'string') found.password = body.password;
      return send(200, userJson(found));
    }
    if (req.method === 'POST' && u.pathname === '/auth/v1/logout') {
      // scope=local: the bearer token's session loses its refresh tokens.
      try {
        const { payload } = await jwtVerify(bearer(req) ?? '', key, { algorithms: ['HS256'] });
        for (const [t, held] of refreshTokens)
          if (held.sessionId === payload.session_id) refreshTokens.delete(t);
      } catch {
        return fail(401, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      }
      return send(204);
    }
    // resetPasswordForEmail: GoTrue answers 200 {} for known and unknown emails alike.
    if (req.method === 'POST' && u.pathname === '/auth/v1/recover') {
      recoveries.push({ email: String(body.email), redirectTo: u.searchParams.get('redirect_to') });
      return send(200, {});
    }
    return fail(404, 'not_found', `no route ${req.method} ${u.pathname}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    refreshTokens,
    url,
    jwtSecret,
    serviceRoleKey,
    anonKey,
    users,
    calls,
    recoveries,
    sign,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
