import { randomUUID } from 'node:crypto';
import { BEARER_REQUEST_HEADER } from '@atende/shared';
import { io } from 'socket.io-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signAccessToken } from '../../src/adapters/auth/session-cookie.js';
import { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
import { startGotrueServer, type GotrueServer } from '../support/gotrue-server.js';
import { api, signup } from '../support/http-client.js';
import { startTestApp, TEST_SESSION_SECRET, type TestApp } from '../support/test-app.js';

// Issue 19: a dashboard on another SITE (dashboard on localhost, Motor on 127.0.0.1; or
// *.netlify.app and *.onrender.com) cannot rely on the session cookie, which the browser treats
// as third-party. It asks for the session as a bearer token instead: signed and expiring (local
// users) or Supabase's own access token, sent as `Authorization: Bearer` and as the socket's
// `auth.token`, renewed through POST /api/auth/token, and dead once logout revokes the session.

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const DASHBOARD = 'http://localhost:5173';
const asks = { [BEARER_REQUEST_HEADER]: '1' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('bearer sessions (local users)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { DASHBOARD_ORIGINS: DASHBOARD } });
  });
  afterAll(() => app?.close());

  const signupWithToken = async () => {
    const email = `bearer-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, undefined, { ...asks, origin: DASHBOARD }).post('/api/auth/signup', {
      email,
      password: 'bearer password 1',
      name: 'Bia',
      accountName: 'Loja Bearer',
    });
    expect(r.status).toBe(201);
    return { email, password: 'bearer password 1', token: r.body.accessToken as string, body: r.body };
  };

  it('signup and login answer with a token instead of a cookie when asked; the cookie stays the default', async () => {
    const s = await signupWithToken();
    expect(s.body).toMatchObject({
      user: { email: s.email },
      account: { name: 'Loja Bearer' },
      expiresIn: 3600,
    });
    expect(s.token).toMatch(/^at1\./);
    const me = await api(app.baseUrl, undefined, bearer(s.token)).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(s.email);

    const l = await api(app.baseUrl, undefined, asks).post('/api/auth/login', {
      email: s.email,
      password: s.password,
    });
    expect(l.status).toBe(200);
    expect(l.headers.getSetCookie()).toEqual([]);
    expect(l.headers.get('cache-control')).toBe('no-store');
    expect(l.body.accessToken).toMatch(/^at1\./);
    // Without the header: exactly as before (cookie, no token in the body).
    const plain = await api(app.baseUrl).post('/api/auth/login', { email: s.email, password: s.password });
    expect(plain.headers.getSetCookie()[0]).toMatch(/^atende_session=/);
    expect(plain.body.accessToken).toBeUndefined();
  });

  it('invite acceptance answers with a token too', async () => {
    const s = await signupWithToken();
    const inv = await api(app.baseUrl, undefined, bearer(s.token)).post('/api/users', {
      email: `member-${randomUUID()}@example.com`,
      name: 'Membro',
      role: 'agent',
    });
    const token = inv.body.inviteUrl.split('/').pop();
    const a = await api(app.baseUrl, undefined, asks).post('/api/auth/invite/accept', {
      token,
      password: 'member password 1',
    });
    expect(a.status).toBe(200);
    expect(a.headers.getSetCookie()).toEqual([]);
    expect(
      (await api(app.baseUrl, undefined, bearer(a.body.accessToken)).get('/api/me')).body.user.role,
    ).toBe('agent');
  });

  it('renews the token for the same session; logout revokes the session and every token of it', async () => {
    const s = await signupWithToken();
    const renewed = await api(app.baseUrl, undefined, bearer(s.token)).post('/api/auth/token');
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({ accessToken: expect.stringMatching(/^at1\./), expiresIn: 3600 });
    const out = await api(app.baseUrl, undefined, {
      ...bearer(renewed.body.accessToken),
      origin: DASHBOARD,
    }).post('/api/auth/logout');
    expect(out.status).toBe(204);
    for (const t of [s.token, renewed.body.accessToken]) {
      const r = await api(app.baseUrl, undefined, bearer(t)).get('/api/me');
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
      expect((await api(app.baseUrl, undefined, bearer(t)).post('/api/auth/token')).status).toBe(401);
    }
  });

  it('refuses expired, tampered and foreign-signed tokens with 401', async () => {
    const s = await signupWithToken();
    const [, sessionId] = s.token.split('.');
    const expired = signAccessToken(TEST_SESSION_SECRET, sessionId!, 60, Date.now() - 120_000).token;
    const foreign = signAccessToken('another-secret-another-secret-0123456789', sessionId!, 3600).token;
    const parts = s.token.split('.');
    const stretched = [parts[0], parts[1], String(Number(parts[2]) + 86_400), parts[3]].join('.');
    const r = await api(app.baseUrl, undefined, bearer(expired)).get('/api/me');
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/expired/);
    for (const t of [foreign, stretched, `${s.token}x`, 'at1.x.y.z', 'at1....'])
      expect((await api(app.baseUrl, undefined, bearer(t)).get('/api/me')).status, t).toBe(401);
  });

  it('a password change hands a bearer client its new token; the old one dies', async () => {
    const s = await signupWithToken();
    const r = await api(app.baseUrl, undefined, { ...bearer(s.token), ...asks }).post('/api/auth/password', {
      currentPassword: s.password,
      newPassword: 'a brand new pass 2',
    });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie()).toEqual([]);
    expect((await api(app.baseUrl, undefined, bearer(s.token)).get('/api/me')).status).toBe(401);
    expect((await api(app.baseUrl, undefined, bearer(r.body.accessToken)).get('/api/me')).status).toBe(200);
  });

  it('opens a socket with auth.token; logout closes it and the token cannot reconnect', async () => {
    const s = await signupWithToken();
    const socket = io(app.baseUrl, {
      auth: { token: s.token },
      transports: ['websocket'],
      extraHeaders: { origin: DASHBOARD },
      reconnection: false,
      forceNew: true,
    });
    try {
      const ready = await new Promise<{ userId: string }>((resolve, reject) => {
        socket.on('ready', resolve);
        socket.on('connect_error', reject);
      });
      expect(ready.userId).toBe(s.body.user.id);
      const closed = new Promise((resolve) => socket.on('disconnect', resolve));
      await api(app.baseUrl, undefined, bearer(s.token)).post('/api/auth/logout');
      await closed;
      const again = io(app.baseUrl, {
        auth: { token: s.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      const refused = await new Promise<string>((resolve) =>
        again.on('connect_error', (e) => resolve(e.message)),
      );
      again.close();
      expect(refused).toBe('unauthenticated');
    } finally {
      socket.close();
    }
  });

  it('CORS lets only the dashboard origin send the token header and read the list cursor', async () => {
    const pre = (origin: string) =>
      fetch(`${app.baseUrl}/api/auth/login`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': `authorization,content-type,${BEARER_REQUEST_HEADER}`,
        },
      });
    const ok = await pre(DASHBOARD);
    expect(ok.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(new RegExp(BEARER_REQUEST_HEADER));
    const evil = await pre('http://127.0.0.1:1');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const s = await signupWithToken();
    const list = await fetch(`${app.baseUrl}/api/conversations`, {
      headers: { origin: DASHBOARD, ...bearer(s.token) },
    });
    expect(list.headers.get('access-control-expose-headers')).toMatch(/x-next-cursor/);
  });

  it('a bearer request still needs an allowed Origin to change anything (403 from elsewhere)', async () => {
    const s = await signupWithToken();
    const r = await api(app.baseUrl, undefined, { ...bearer(s.token), origin: 'http://127.0.0.1:1' }).post(
      '/api/instance/connect',
      {},
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect((await api(app.baseUrl, undefined, bearer(s.token)).get('/api/instances')).body).toEqual([]);
  });

  it('answers 401 to a renewal without a session', async () => {
    expect((await api(app.baseUrl).post('/api/auth/token')).status).toBe(401);
    const cookieOnly = await signup(app.baseUrl);
    // A cookie session may get a token too (same session, same revocation).
    const r = await api(app.baseUrl, cookieOnly.cookie).post('/api/auth/token');
    expect(r.status).toBe(200);
    expect((await api(app.baseUrl, undefined, bearer(r.body.accessToken)).get('/api/me')).status).toBe(200);
  });
});

describe('bearer sessions (Supabase Auth)', () => {
  let app: TestApp;
  let gotrue: GotrueServer;
  beforeAll(async () => {
    gotrue = await startGotrueServer();
    const supabase = new SupabaseAuth({
      url: gotrue.url,
      serviceRoleKey: gotrue.serviceRoleKey,
      anonKey: gotrue.anonKey,
      jwtSecret: gotrue.jwtSecret,
    });
    app = await startTestApp({ supabase, env: { DASHBOARD_ORIGINS: DASHBOARD } });
  });
  afterAll(async () => {
    await app?.close();
    await gotrue?.close();
  });

  it('hands out the Supabase access token; renewal answers a fresh one of the same session from its sealed refresh token', async () => {
    const email = `sb-bearer-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, undefined, asks).post('/api/auth/signup', {
      email,
      password: 'bearer password 1',
      name: 'S',
      accountName: 'S',
    });
    expect(r.status).toBe(201);
    expect(r.headers.getSetCookie()).toEqual([]);
    expect(r.body.accessToken.split('.')).toHaveLength(3); // a JWT
    expect(
      (await api(app.baseUrl, undefined, bearer(r.body.accessToken)).get('/api/me')).body.user.email,
    ).toBe(email);
    const session = decodeJwt(r.body.accessToken).session_id;
    // The database holds the refresh token sealed, never as Supabase issued it.
    const issued = [...gotrue.refreshTokens].filter(([, h]) => h.sessionId === session).map(([t]) => t);
    const who = { authUserId: decodeJwt(r.body.accessToken).sub, sessionId: session };
    const kept = await app.db.call<{ sealed: string } | null>('supabase_refresh_of', who);
    expect(kept!.sealed).toMatch(/^v1\./);
    for (const t of issued) expect(kept!.sealed).not.toContain(t);

    const renewed = await api(app.baseUrl, undefined, bearer(r.body.accessToken)).post('/api/auth/token');
    expect(renewed.status).toBe(200);
    // Supabase's refresh grant was used: the issued refresh token is spent, a new one replaced it.
    expect(issued.map((t) => gotrue.refreshTokens.get(t)!.used)).toEqual([true]);
    expect([...gotrue.refreshTokens.values()].filter((h) => h.sessionId === session && !h.used)).toHaveLength(
      1,
    );
    expect(decodeJwt(renewed.body.accessToken).session_id).toBe(session);
    expect(renewed.body.expiresIn).toBe(3600);
    // Supabase rotated the refresh token; the next renewal uses the new one, from either token.
    const twice = await api(app.baseUrl, undefined, bearer(renewed.body.accessToken)).post('/api/auth/token');
    expect(twice.status).toBe(200);
    expect(decodeJwt(twice.body.accessToken).session_id).toBe(session);
    expect((await api(app.baseUrl, undefined, bearer(twice.body.accessToken)).get('/api/me')).status).toBe(
      200,
    );
    // Supabase no longer honouring it (revoked there): the presented token, with what is left of its life.
    for (const [t, h] of gotrue.refreshTokens) if (h.sessionId === session) gotrue.refreshTokens.delete(t);
    const left = await api(app.baseUrl, undefined, bearer(twice.body.accessToken)).post('/api/auth/token');
    expect(left.status).toBe(200);
    expect(left.body.accessToken).toBe(twice.body.accessToken);
    expect(left.body.expiresIn).toBeGreaterThan(3000);
    expect(left.body.expiresIn).toBeLessThanOrEqual(3600);
    r.body.accessToken = twice.body.accessToken;
    // Logout ends the Supabase session here: the copied JWT no longer opens anything.
    expect(
      (await api(app.baseUrl, undefined, bearer(r.body.accessToken)).post('/api/auth/logout')).status,
    ).toBe(204);
    const after = await api(app.baseUrl, undefined, bearer(r.body.accessToken)).get('/api/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect(await app.db.call('supabase_refresh_of', who)).toBeNull();
    // A new login is a new Supabase session, which works.
    const again = await api(app.baseUrl, undefined, asks).post('/api/auth/login', {
      email,
      password: 'bearer password 1',
    });
    expect((await api(app.baseUrl, undefined, bearer(again.body.accessToken)).get('/api/me')).status).toBe(
      200,
    );
  });
});
