import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { AuthService } from '../../src/services/auth.service.js';
import { startGotrueServer, type GotrueServer } from '../support/gotrue-server.js';
import { api, login, sessionCookieOf, signup } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDb } from '../support/test-db.js';

// Every login spends a deliberately slow scrypt hash; loops of them on a busy 2-core machine
// (the whole suite in parallel) need more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

// The same suite runs on local auth and on Supabase Auth through the real supabase-js against
// a GoTrue stand-in, verifying tokens locally (JWT secret) or by asking GoTrue (/auth/v1/user).
type Mode = 'local' | 'supabase-jwt' | 'supabase-getuser';
const MODES: Mode[] = ['local', 'supabase-jwt', 'supabase-getuser'];

let db: PgliteDb;
let gotrue: GotrueServer;
beforeAll(async () => {
  [db, gotrue] = await Promise.all([createTestDb(), startGotrueServer()]);
});
afterAll(async () => {
  await gotrue?.close();
  await db?.close();
});

/** Each test that fails logins uses its own client IP, so the per-IP limit stays per test. */
const fromIp = () => ({ 'x-forwarded-for': `10.${rnd()}.${rnd()}.${rnd()}` });
const rnd = () => Math.floor(Math.random() * 250) + 1;
const counts = () => db.call<{ accounts: number; users: number; sessions: number }>('auth_counts');

describe.each(MODES)(`${AuthService.name} (%s)`, (mode) => {
  // Cases that exist only with Supabase Auth are not registered at all in local mode (a skipped
  // test would read as "not run" in CI).
  const supabaseOnly = (mode !== 'local' ? it : () => undefined) as unknown as typeof it;
  let app: TestApp;
  beforeAll(async () => {
    const supabase =
      mode === 'local'
        ? undefined
        : new SupabaseAuth({
            url: gotrue.url,
            serviceRoleKey: gotrue.serviceRoleKey,
            anonKey: gotrue.anonKey,
            jwtSecret: mode === 'supabase-jwt' ? gotrue.jwtSecret : undefined,
          });
    // The tests play several clients through X-Forwarded-For, as a proxy on loopback would tell.
    app = await startTestApp({ db, supabase, env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => app?.close());

  describe('signup', () => {
    it('creates the account and its owner, sets a session cookie and answers 201 {user, account}', async () => {
      const email = `Mixed.Case-${randomUUID()}@Example.com`;
      const r = await api(app.baseUrl).post('/api/auth/signup', {
        email,
        password: 'correct horse battery',
        name: 'Ana Lúcia 🌵',
        accountName: 'Padaria São João',
      });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        user: { id: expect.any(String), email: email.toLowerCase(), name: 'Ana Lúcia 🌵', role: 'owner' },
        account: { id: expect.any(String), name: 'Padaria São João' },
      });
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('atende_session='))!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Secure/);
      const me = await api(app.baseUrl, sessionCookieOf(r.headers)).get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body).toEqual(r.body);
    });

    it('refuses an email already registered with 409 and creates nothing', async () => {
      const first = await signup(app.baseUrl);
      const before = await counts();
      const r = await api(app.baseUrl).post('/api/auth/signup', {
        email: first.email.toUpperCase(),
        password: 'another password',
        name: 'X',
        accountName: 'Y',
      });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('conflict');
      expect(await counts()).toMatchObject({ accounts: before.accounts, users: before.users });
    });

    supabaseOnly('undoes the Supabase user when the database half of a signup fails', async () => {
      // The email gets a login between the precheck and the insert (a race with another signup).
      const email = `db-only-${randomUUID()}@example.com`;
      await db.call('signup', { email, name: 'Local', accountName: 'Local', authUserId: randomUUID() });
      const call = db.call.bind(db);
      const spy = vi
        .spyOn(db, 'call')
        .mockImplementation(((name: string, args: never) =>
          name === 'signup_precheck' ? Promise.resolve({}) : call(name, args)) as typeof db.call);
      onTestFinished(() => spy.mockRestore());
      const before = await counts();
      const r = await api(app.baseUrl).post('/api/auth/signup', {
        email,
        password: 'correct horse battery',
        name: 'S',
        accountName: 'S',
      });
      expect(r.status).toBe(409);
      expect([...gotrue.users.values()].some((u) => u.email === email)).toBe(false);
      expect(await counts()).toMatchObject({ accounts: before.accounts, users: before.users });
    });

    supabaseOnly('refuses a Supabase login that maps to no Atende user with 401', async () => {
      const email = `orphan-${randomUUID()}@example.com`;
      await fetch(`${gotrue.url}/auth/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: gotrue.anonKey },
        body: JSON.stringify({ email, password: 'orphan password' }),
      });
      const r = await api(app.baseUrl, undefined, fromIp()).post('/api/auth/login', {
        email,
        password: 'orphan password',
      });
      expect(r.status).toBe(401);
      const u = [...gotrue.users.values()].find((x) => x.email === email)!;
      const token = await gotrue.sign(u);
      expect(
        (await api(app.baseUrl, undefined, { authorization: `Bearer ${token}` }).get('/api/me')).status,
      ).toBe(401);
    });

    supabaseOnly('refuses expired and foreign-signed Supabase tokens with 401', async () => {
      const s = await signup(app.baseUrl);
      const u = [...gotrue.users.values()].find((x) => x.email === s.email)!;
      expect(
        (
          await api(app.baseUrl, undefined, { authorization: `Bearer ${await gotrue.sign(u)}` }).get(
            '/api/me',
          )
        ).status,
      ).toBe(200);
      for (const token of [
        await gotrue.sign(u, { expiresIn: -60 }),
        await gotrue.sign(u, { secret: 'another-secret-another-secret-1234' }),
      ]) {
        const r = await api(app.baseUrl, undefined, { authorization: `Bearer ${token}` }).get('/api/me');
        expect(r.status).toBe(401);
      }
    });

    it('lets exactly one of two simultaneous signups with the same email through', async () => {
      const email = `race-${randomUUID()}@example.com`;
      const before = await counts();
      const body = { email, password: 'correct horse battery', name: 'R', accountName: 'R' };
      const rs = await Promise.all([
        api(app.baseUrl).post('/api/auth/signup', body),
        api(app.baseUrl).post('/api/auth/signup', body),
      ]);
      expect(rs.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(await counts()).toMatchObject({ accounts: before.accounts + 1, users: before.users + 1 });
    });

    it('marks the cookie Secure behind an https proxy (X-Forwarded-Proto)', async () => {
      const r = await api(app.baseUrl).post(
        '/api/auth/signup',
        {
          email: `s-${randomUUID()}@example.com`,
          password: 'correct horse battery',
          name: 'S',
          accountName: 'S',
        },
        { 'x-forwarded-proto': 'https' },
      );
      expect(r.status).toBe(201);
      expect(r.headers.getSetCookie().find((c) => c.startsWith('atende_session='))).toMatch(/; Secure/);
    });
  });

  describe('login', () => {
    it('logs in with the right password (email case-insensitive) and answers {user, account}', async () => {
      const s = await signup(app.baseUrl, { accountName: 'Loja Login' });
      const r = await api(app.baseUrl).post('/api/auth/login', {
        email: s.email.toUpperCase(),
        password: s.password,
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ user: s.user, account: s.account });
      const me = await api(app.baseUrl, sessionCookieOf(r.headers)).get('/api/me');
      expect(me.body.account.name).toBe('Loja Login');
    });

    it('answers 401 unauthenticated for a wrong password and for an unknown email, with the same message', async () => {
      const s = await signup(app.baseUrl);
      const ip = fromIp();
      const wrong = await api(app.baseUrl, undefined, ip).post('/api/auth/login', {
        email: s.email,
        password: 'nope nope',
      });
      const unknown = await api(app.baseUrl, undefined, ip).post('/api/auth/login', {
        email: `nobody-${randomUUID()}@example.com`,
        password: 'nope nope',
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error.code).toBe('unauthenticated');
      expect(unknown.body.error.message).toBe(wrong.body.error.message);
      expect(wrong.headers.getSetCookie()).toEqual([]);
    });

    it('throttles an (email, IP) pair after 5 failures with 429 + Retry-After, even for the right password', async () => {
      const s = await signup(app.baseUrl);
      const client = api(app.baseUrl, undefined, fromIp());
      for (let i = 0; i < 5; i++) {
        expect(
          (await client.post('/api/auth/login', { email: s.email, password: `wrong ${i}` })).status,
        ).toBe(401);
      }
      const r = await client.post('/api/auth/login', { email: s.email, password: s.password });
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(15 * 60);
      // The owner from another IP still logs in: a stranger cannot lock a user out.
      expect(
        (
          await api(app.baseUrl, undefined, fromIp()).post('/api/auth/login', {
            email: s.email,
            password: s.password,
          })
        ).status,
      ).toBe(200);
    });

    it('resets the email counter on a successful login', async () => {
      const s = await signup(app.baseUrl);
      const client = api(app.baseUrl, undefined, fromIp());
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++)
          await client.post('/api/auth/login', { email: s.email, password: 'wrong wrong' });
        expect((await client.post('/api/auth/login', { email: s.email, password: s.password })).status).toBe(
          200,
        );
      }
    });

    it('counts parallel guesses before judging them: a burst of 12 gets at most 5 tries', async () => {
      const s = await signup(app.baseUrl);
      const ip = fromIp();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          api(app.baseUrl, undefined, ip).post('/api/auth/login', {
            email: s.email,
            password: `guess ${i}`,
          }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((st) => st === 401)).toHaveLength(5);
      expect(statuses.filter((st) => st === 429)).toHaveLength(7);
    });

    it('throttles an IP after 20 failures across emails, whatever the client adds in front of X-Forwarded-For', async () => {
      const ip = fromIp()['x-forwarded-for'];
      const client = api(app.baseUrl, undefined, { 'x-forwarded-for': ip });
      for (let i = 0; i < 20; i++) {
        // Only the last hop (appended by our proxy) counts; the forged first hop changes nothing.
        const r = await client.post(
          '/api/auth/login',
          { email: `ghost-${i}-${randomUUID()}@example.com`, password: 'x' },
          { 'x-forwarded-for': `203.0.113.${i}, ${ip}` },
        );
        expect(r.status).toBe(401);
      }
      const s = await signup(app.baseUrl);
      const r = await client.post('/api/auth/login', { email: s.email, password: s.password });
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  describe('sessions', () => {
    it('accepts the session as a bearer token too', async () => {
      const s = await signup(app.baseUrl);
      const token = decodeURIComponent(s.cookie.slice('atende_session='.length));
      const r = await api(app.baseUrl, undefined, { authorization: `Bearer ${token}` }).get('/api/me');
      expect(r.status).toBe(200);
      expect(r.body.user.id).toBe(s.user.id);
    });

    it('authenticates a raw Cookie header or bearer token for the socket handshake', async () => {
      const s = await signup(app.baseUrl);
      const token = decodeURIComponent(s.cookie.slice('atende_session='.length));
      const fromCookie = await app.deps.auth.authenticate({
        cookieHeader: `theme=dark; ${s.cookie}; lang=pt-BR`,
      });
      expect(fromCookie).toMatchObject({
        userId: s.user.id,
        accountId: s.account.id,
        role: 'owner',
        email: s.email,
        name: 'Owner',
      });
      expect(await app.deps.auth.authenticate({ bearerToken: token })).toMatchObject({ userId: s.user.id });
      await expect(app.deps.auth.authenticate({})).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(
        app.deps.auth.authenticate({ cookieHeader: 'atende_session=abc.def' }),
      ).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('refuses a missing, tampered or garbage session with 401 unauthenticated', async () => {
      const s = await signup(app.baseUrl);
      const tampered = s.cookie.slice(0, -3) + (s.cookie.endsWith('A') ? 'BBB' : 'AAA');
      for (const headers of [
        {} as Record<string, string>,
        { cookie: tampered },
        { cookie: 'atende_session=' },
        { cookie: 'atende_session=%%%' },
        { cookie: `atende_session=${'x'.repeat(10_000)}` },
        { authorization: 'Bearer not-a-token' },
        { authorization: 'Basic Zm9vOmJhcg==' },
      ]) {
        const r = await api(app.baseUrl, undefined, headers).get('/api/me');
        expect(r.status, JSON.stringify(headers).slice(0, 80)).toBe(401);
        expect(r.body.error.code).toBe('unauthenticated');
      }
    });

    it('logs out: 204, the cookie is cleared', async () => {
      const s = await signup(app.baseUrl);
      const r = await api(app.baseUrl, s.cookie).post('/api/auth/logout');
      expect(r.status).toBe(204);
      const cleared = r.headers.getSetCookie().find((c) => c.startsWith('atende_session='))!;
      expect(cleared).toMatch(/^atende_session=;/);
      expect(cleared).toMatch(/Max-Age=0/);
      // Supabase mode too: the token's session is remembered as ended (it is a stateless JWT).
      expect((await api(app.baseUrl, s.cookie).get('/api/me')).status).toBe(401);
      // Without a session logout still answers 204.
      expect((await api(app.baseUrl).post('/api/auth/logout')).status).toBe(204);
    });

    it('changes the password: the old one stops working, other sessions are revoked, the caller stays in', async () => {
      const s = await signup(app.baseUrl);
      const other = await login(app.baseUrl, { email: s.email, password: s.password });
      const bad = await api(app.baseUrl, s.cookie).post('/api/auth/password', {
        currentPassword: 'wrong one',
        newPassword: 'brand new password',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      const r = await api(app.baseUrl, s.cookie).post('/api/auth/password', {
        currentPassword: s.password,
        newPassword: 'brand new password',
      });
      expect(r.status).toBe(204);
      const fresh = sessionCookieOf(r.headers);
      expect((await api(app.baseUrl, fresh).get('/api/me')).status).toBe(200);
      if (mode === 'local') {
        expect((await api(app.baseUrl, s.cookie).get('/api/me')).status).toBe(401);
        expect((await api(app.baseUrl, other.cookie).get('/api/me')).status).toBe(401);
      }
      const ip = fromIp();
      expect(
        (
          await api(app.baseUrl, undefined, ip).post('/api/auth/login', {
            email: s.email,
            password: s.password,
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await api(app.baseUrl, undefined, ip).post('/api/auth/login', {
            email: s.email,
            password: 'brand new password',
          })
        ).status,
      ).toBe(200);
    });

    it('requires a session to change the password', async () => {
      const r = await api(app.baseUrl).post('/api/auth/password', {
        currentPassword: 'x',
        newPassword: 'yyyyyyyy',
      });
      expect(r.status).toBe(401);
    });
  });

  describe('bad input', () => {
    const big = 'a'.repeat(1024 * 1024);
    const good = () => ({
      email: `b-${randomUUID()}@example.com`,
      password: 'correct horse battery',
      name: 'N',
      accountName: 'A',
    });
    const cases: Array<[string, unknown]> = [
      ['an empty object', {}],
      ['null', null],
      ['an array', [good()]],
      ['a string', 'hello'],
      ['a number', 42],
      ['a missing password', { ...good(), password: undefined }],
      ['a short password', { ...good(), password: 'short' }],
      ['a number as password', { ...good(), password: 12345678 }],
      ['an object as email', { ...good(), email: { $ne: '' } }],
      ['an invalid email', { ...good(), email: 'not-an-email' }],
      ['a unicode email', { ...good(), email: 'joão@exemplo.com.br\u0000' }],
      ['a 1 MB name', { ...good(), name: big }],
      ['a 1 MB password', { ...good(), password: big }],
      ['a 1 MB email', { ...good(), email: big + '@example.com' }],
      ['an empty name', { ...good(), name: '   ' }],
      ['a null accountName', { ...good(), accountName: null }],
      ['an array accountName', { ...good(), accountName: ['Loja'] }],
    ];

    it.each(cases)(
      'signup with %s → 400 validation_failed with zod issues, nothing created',
      async (_label, body) => {
        const before = await counts();
        const r = await api(app.baseUrl).post('/api/auth/signup', JSON.stringify(body));
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
        expect(r.body.error.details).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              path: expect.stringMatching(/^body/),
              message: expect.any(String),
              code: expect.any(String),
            }),
          ]),
        );
        expect(await counts()).toMatchObject({ accounts: before.accounts, users: before.users });
      },
    );

    it.each([
      ['/api/auth/login', 'an empty object', {}],
      ['/api/auth/login', 'null', null],
      ['/api/auth/login', 'an array', [{ email: 'a@b.co', password: 'x' }]],
      ['/api/auth/login', 'an empty password', { email: 'a@b.co', password: '' }],
      ['/api/auth/login', 'a 1 MB password', { email: 'a@b.co', password: big }],
      ['/api/auth/login', 'a number email', { email: 7, password: 'x' }],
      ['/api/auth/invite/accept', 'an empty object', {}],
      ['/api/auth/invite/accept', 'a short token', { token: 'short', password: 'long enough password' }],
      ['/api/auth/invite/accept', 'a short password', { token: 'x'.repeat(40), password: 'short' }],
      ['/api/auth/invite/accept', 'a 1 MB token', { token: big, password: 'long enough password' }],
    ])('%s with %s → 400 validation_failed', async (path, _label, body) => {
      const r = await api(app.baseUrl, undefined, fromIp()).post(path, JSON.stringify(body));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(Array.isArray(r.body.error.details)).toBe(true);
    });

    it('password change with bad bodies → 400 and the password is unchanged', async () => {
      const s = await signup(app.baseUrl);
      for (const body of [
        {},
        null,
        [],
        { currentPassword: s.password },
        { currentPassword: s.password, newPassword: 'short' },
        { currentPassword: s.password, newPassword: big },
      ]) {
        const r = await api(app.baseUrl, s.cookie).post('/api/auth/password', JSON.stringify(body));
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
      }
      expect(
        (
          await api(app.baseUrl, undefined, fromIp()).post('/api/auth/login', {
            email: s.email,
            password: s.password,
          })
        ).status,
      ).toBe(200);
    });

    it('malformed JSON and a non-JSON content type get clear 4xx', async () => {
      const bad = await api(app.baseUrl).post('/api/auth/login', '{"email":', {});
      expect(bad.status).toBe(400);
      const form = await api(app.baseUrl).post('/api/auth/login', 'email=a', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
    });
  });
});
