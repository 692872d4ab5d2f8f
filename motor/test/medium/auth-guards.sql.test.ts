import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSessionSecret } from '../../src/adapters/auth/session-secret.js';
import { isAllowedOrigin } from '../../src/edge/origin.js';
import { createLogger } from '../../src/logger.js';
import { seedDemo } from '../../src/services/auth-demo.service.js';
import { LocalIdentity } from '../../src/adapters/auth/local-identity.adapter.js';
import type { Db } from '../../src/ports/db.port.js';
import { api, sessionCookieOf, signup } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDb } from '../support/test-db.js';

const localIdentity = (db: Db) =>
  new LocalIdentity({ db, sessionSecret: 'd'.repeat(40), sessionTtlSeconds: 3600 });

// Every login spends a deliberately slow scrypt hash; loops of them on a busy 2-core machine
// (the whole suite in parallel) need more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe('origin rule (CSRF)', () => {
  const publicUrl = 'https://atende.example.com';
  it.each([
    [undefined, 'x', true],
    ['', 'x', true],
    ['https://atende.example.com', 'internal:3000', true],
    ['https://atende.example.com:443', 'internal:3000', true],
    ['http://localhost:3000', 'localhost:3000', true],
    ['http://LOCALHOST:3000', 'localhost:3000', true],
    ['http://localhost:3000', '127.0.0.1:3000', false],
    ['https://evil.example', 'atende.example.com', false],
    ['http://atende.example.com', 'other-host', false],
    ['null', 'atende.example.com', false],
    ['not a url', 'atende.example.com', false],
    ['file://atende.example.com', 'atende.example.com', false],
  ])('origin %j with Host %j → %s', (origin, host, allowed) => {
    expect(isAllowedOrigin({ origin, host, publicUrl })).toBe(allowed);
  });

  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PUBLIC_URL: 'https://atende.example.com' } });
  });
  afterAll(() => app?.close());

  it('refuses state-changing /api/ requests from a foreign Origin with 403 and changes nothing', async () => {
    const s = await signup(app.baseUrl);
    const evil = { origin: 'https://evil.example' };
    const r = await api(app.baseUrl, s.cookie, evil).post('/api/auth/logout');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect((await api(app.baseUrl, s.cookie).get('/api/me')).status).toBe(200);
    const up = await api(app.baseUrl, undefined, evil).post('/api/auth/signup', {
      email: 'csrf@example.com',
      password: 'long enough pw',
      name: 'c',
      accountName: 'c',
    });
    expect(up.status).toBe(403);
    expect((await api(app.baseUrl, s.cookie, evil).delete(`/api/users/${s.user.id}`)).status).toBe(403);
    expect(
      (await api(app.baseUrl, s.cookie, evil).patch(`/api/users/${s.user.id}`, { role: 'agent' })).status,
    ).toBe(403);
    // Reads are not state-changing; a missing Origin (curl, server-to-server) is allowed.
    expect((await api(app.baseUrl, s.cookie, evil).get('/api/me')).status).toBe(200);
    expect(
      (
        await api(app.baseUrl).post(
          '/api/auth/login',
          { email: 'nobody@example.com', password: 'x' },
          { 'x-forwarded-for': '10.9.9.9' },
        )
      ).status,
    ).toBe(401);
  });

  it("allows PUBLIC_URL's origin and the request's own origin", async () => {
    const ok = await api(app.baseUrl, undefined, { origin: 'https://atende.example.com' }).post(
      '/api/auth/signup',
      {
        email: `o-${Date.now()}@example.com`,
        password: 'long enough pw',
        name: 'o',
        accountName: 'o',
      },
    );
    expect(ok.status).toBe(201);
    const self = await api(app.baseUrl, undefined, { origin: app.baseUrl }).post('/api/auth/signup', {
      email: `s-${Date.now()}@example.com`,
      password: 'long enough pw',
      name: 's',
      accountName: 's',
    });
    expect(self.status).toBe(201);
    // Secure because PUBLIC_URL is https (a TLS-terminating proxy in front).
    expect(self.headers.getSetCookie()[0]).toMatch(/; Secure/);
  });

  it('leaves the webhook alone (Evolution is not a browser)', async () => {
    const r = await api(app.baseUrl, undefined, { origin: 'https://evil.example' }).post('/api/webhook', {
      event: 'x',
      instance: 'y',
    });
    expect(r.status).not.toBe(403);
  });
});

describe('no secret in the logs', () => {
  it('never writes a password, cookie or session token, even at trace level', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logger = createLogger({ level: 'trace', destination: sink });
    const app = await startTestApp({ deps: { logger } });
    try {
      const password = 'super-secret-passphrase-42';
      const s = await signup(app.baseUrl, { password });
      const login = await api(app.baseUrl).post('/api/auth/login', { email: s.email, password });
      const cookie = sessionCookieOf(login.headers);
      await api(app.baseUrl, cookie).get('/api/me');
      await api(app.baseUrl, undefined, {
        authorization: `Bearer ${decodeURIComponent(cookie.split('=')[1]!)}`,
      }).get('/api/me');
      await api(app.baseUrl, cookie).post('/api/auth/password', {
        currentPassword: 'wrong-' + password,
        newPassword: password + '-new',
      });
      await api(app.baseUrl, cookie).post('/api/auth/password', {
        currentPassword: password,
        newPassword: password + '-new',
      });
      await api(app.baseUrl).post('/api/auth/login', { email: s.email, password: 'bad-' + password });
      await api(app.baseUrl).post('/api/auth/signup', {
        email: s.email,
        password,
        name: 'x',
        accountName: 'y',
      });
      expect(out.length).toBeGreaterThan(0);
      for (const secret of [
        password,
        cookie.split('=')[1]!,
        decodeURIComponent(cookie.split('=')[1]!),
        'scrypt$',
      ]) {
        expect(out).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  });
});

describe(seedDemo.name, () => {
  it('creates the demo account once on an empty database, prints the login, and never again', async () => {
    const db = await createTestDb();
    try {
      const lines: string[] = [];
      const print = (l: string) => lines.push(l);
      expect(await seedDemo({ db, identity: localIdentity(db), env: 'production', print })).toEqual({
        created: false,
      });
      const [first, second] = await Promise.all([
        seedDemo({ db, identity: localIdentity(db), env: 'development', print }),
        seedDemo({ db, identity: localIdentity(db), env: 'development', print }),
      ]);
      expect([first.created, second.created].sort()).toEqual([false, true]);
      expect(lines).toHaveLength(1);
      const made = first.created ? first : second;
      expect(lines[0]).toContain('demo@atende.local');
      expect(lines[0]).toContain(made.password);
      expect(await seedDemo({ db, identity: localIdentity(db), env: 'development', print })).toEqual({
        created: false,
      });
      expect(lines).toHaveLength(1);
      expect(await db.call('auth_counts')).toMatchObject({ accounts: 1, users: 1 });
      const app = await startTestApp({ db });
      try {
        const r = await api(app.baseUrl).post('/api/auth/login', {
          email: 'demo@atende.local',
          password: made.password,
        });
        expect(r.status).toBe(200);
        expect(r.body.account.name).toBe('Loja Demo');
        expect(r.body.user.role).toBe('owner');
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
  });

  it('does not seed a database that already has an account', async () => {
    const db = await createTestDb();
    try {
      await db.call('signup', { email: 'someone@example.com', name: 'S', accountName: 'S' });
      const lines: string[] = [];
      expect(
        await seedDemo({ db, identity: localIdentity(db), env: 'development', print: (l) => lines.push(l) }),
      ).toEqual({
        created: false,
      });
      expect(lines).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe(loadSessionSecret.name, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'atende-secret-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses SESSION_SECRET when set', async () => {
    expect(await loadSessionSecret({ configured: 'c'.repeat(40), dataDir: dir })).toBe('c'.repeat(40));
  });

  it('generates 48 random bytes into DATA_DIR/session-secret (0600) once and reuses them', async () => {
    const data = path.join(dir, 'nested', 'data');
    const [a, b] = await Promise.all([
      loadSessionSecret({ dataDir: data }),
      loadSessionSecret({ dataDir: data }),
    ]);
    expect(a).toMatch(/^[0-9a-f]{96}$/);
    expect(b).toBe(a);
    expect(await loadSessionSecret({ dataDir: data })).toBe(a);
    expect((await readFile(path.join(data, 'session-secret'), 'utf8')).trim()).toBe(a);
    expect((await stat(path.join(data, 'session-secret'))).mode & 0o777).toBe(0o600);
  });
});
