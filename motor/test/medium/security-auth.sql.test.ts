import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PRODUCTION_SCRYPT, setScryptCost } from '../../src/adapters/auth/password.hasher.js';
import { isCommonPassword } from '../../src/services/password-policy.js';
import { addMember, api, login, signup, type SignedUp } from '../support/http-client.js';
import { TEST_SCRYPT } from '../support/fast-hashing.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 18.2–18.5: lockout and throttling, hashing work before any check, signup limits, password
// rules. Each case here failed before the fix.

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const login$ = (
  app: TestApp,
  body: { email: string; password: string },
  headers: Record<string, string> = {},
) => api(app.baseUrl, undefined, headers).post('/api/auth/login', body);

describe('login throttling', () => {
  let app: TestApp;
  let victim: SignedUp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'loopback' } });
    victim = await signup(app.baseUrl);
  });
  afterAll(() => app?.close());

  it("an attacker's wrong passwords do not lock the owner out from their own IP", async () => {
    const attacker = { 'x-forwarded-for': '198.51.100.7' };
    for (let i = 0; i < 8; i++) await login$(app, { email: victim.email, password: `guess ${i}` }, attacker);
    expect((await login$(app, { email: victim.email, password: victim.password }, attacker)).status).toBe(
      429,
    );
    const owner = await login$(
      app,
      { email: victim.email, password: victim.password },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    expect(owner.status).toBe(200);
  });

  it('blocks for at most a minute after the 5th failure, then backs off: each further failure blocks twice as long', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.8' };
    for (let i = 0; i < 5; i++) await login$(app, { email: victim.email, password: `bad ${i}` }, ip);
    const r = await login$(app, { email: victim.email, password: 'nope nope' }, ip);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // The same function with a 1-second base block: 1 s, then 2 s, then 4 s.
    const key = `test:${randomUUID()}`;
    const count = () =>
      app.db.call('throttle_count', {
        key,
        limit: 1,
        windowSeconds: 3600,
        blockSeconds: 1,
        maxBlockSeconds: 900,
      });
    const blocked = () => app.db.call<number>('throttle_blocked', { key });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      while ((await blocked()) > 0) await new Promise((r) => setTimeout(r, 100));
      await count();
      waits.push(await blocked());
    }
    expect(waits).toEqual([1, 2, 4]);
  });

  it('X-Forwarded-For from an untrusted peer is ignored: rotating it does not dodge the per-IP limit', async () => {
    const direct = await startTestApp({ db: app.db }); // no TRUST_PROXY
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) {
        const r = await login$(
          direct,
          { email: `ghost-${randomUUID()}@example.com`, password: 'x' },
          { 'x-forwarded-for': `10.0.${i}.1` },
        );
        statuses.push(r.status);
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429]);
    } finally {
      await direct.close();
    }
  });
});

describe('unauthenticated hashing work and signups', () => {
  let app: TestApp;
  beforeAll(async () => {
    // These measure hashing under load: the production cost, not the tiers' test cost.
    setScryptCost(PRODUCTION_SCRYPT);
    app = await startTestApp({ env: { TRUST_PROXY: 'loopback', SIGNUP_RATE_LIMIT: '3' } });
  });
  afterAll(async () => {
    setScryptCost(TEST_SCRYPT);
    await app?.close();
  });

  const timedLogin = async (creds: { email: string; password: string }) => {
    const t0 = performance.now();
    await login(app.baseUrl, creds);
    return performance.now() - t0;
  };

  it('40 concurrent bogus invite-accepts do not slow a real login (no hash before the token is found)', async () => {
    const s = await signup(app.baseUrl);
    const baseline = Math.min(await timedLogin(s), await timedLogin(s), await timedLogin(s));
    const bogus = Array.from({ length: 40 }, (_, i) =>
      api(app.baseUrl, undefined, { 'x-forwarded-for': `192.0.2.${i}` }).post('/api/auth/invite/accept', {
        token: `bogus-token-${randomUUID()}`,
        password: 'some long password',
      }),
    );
    const during = timedLogin(s);
    const answers = await Promise.all(bogus);
    expect(answers.every((a) => a.status === 404)).toBe(true);
    const took = await during;
    console.log(
      `login alone ${baseline.toFixed(0)} ms, during 40 bogus invite-accepts ${took.toFixed(0)} ms`,
    );
    expect(took).toBeLessThan(baseline * 4 + 1500); // before the fix: 13.7 s on a busy 2-core machine
  });

  it('limits signups per client IP (429 + Retry-After), and a taken email answers 409 without hashing', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.50' };
    const body = () => ({
      email: `s-${randomUUID()}@example.com`,
      password: 'signup password 1',
      name: 'S',
      accountName: 'S',
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await api(app.baseUrl, undefined, ip).post('/api/auth/signup', body())).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const r = await api(app.baseUrl, undefined, ip).post('/api/auth/signup', body());
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another network is not affected.
    expect(
      (
        await api(app.baseUrl, undefined, { 'x-forwarded-for': '198.51.100.51' }).post(
          '/api/auth/signup',
          body(),
        )
      ).status,
    ).toBe(201);
  });

  it('40 concurrent signups from 40 addresses do not slow a real login beyond a bound (hashing is pooled)', async () => {
    const s = await signup(app.baseUrl, {});
    const baseline = Math.min(await timedLogin(s), await timedLogin(s), await timedLogin(s));
    const flood = Array.from({ length: 40 }, (_, i) =>
      api(app.baseUrl, undefined, { 'x-forwarded-for': `203.0.113.${100 + i}` }).post('/api/auth/signup', {
        email: `flood-${randomUUID()}@example.com`,
        password: 'flood password 1',
        name: 'F',
        accountName: 'F',
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    const during = timedLogin(s);
    const answers = await Promise.all(flood);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const took = await during;
    console.log(`login alone ${baseline.toFixed(0)} ms, during 40 signups ${took.toFixed(0)} ms`);
    expect(took).toBeLessThan(baseline * 4 + 1500); // before the fix: 3.5 s on a busy 2-core machine
  });
});

describe('password rules', () => {
  let app: TestApp;
  let owner: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    owner = await signup(app.baseUrl);
  });
  afterAll(() => app?.close());

  const BAD = [
    '12345678',
    'password',
    'PASSWORD',
    'iloveyou',
    'qwertyuiop',
    '        ',
    '\u0000'.repeat(8),
    'abc\u0007defgh',
    '',
  ];

  it('knows the common ones (and not a passphrase)', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('12345678')).toBe(true);
    expect(isCommonPassword('correct horse battery')).toBe(false);
  });

  it('signup refuses blank, whitespace-only, control characters and common passwords with 400 on body.password', async () => {
    for (const password of BAD) {
      const r = await api(app.baseUrl).post('/api/auth/signup', {
        email: `p-${randomUUID()}@example.com`,
        password,
        name: 'P',
        accountName: 'P',
      });
      expect(r.status, JSON.stringify(password)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(r.body.error.details)).toContain('password');
    }
  });

  it('invites with a password, invite acceptance and password change follow the same rules', async () => {
    const o = api(app.baseUrl, owner.cookie);
    for (const password of BAD) {
      const inv = await o.post('/api/users', {
        email: `m-${randomUUID()}@example.com`,
        name: 'M',
        role: 'agent',
        password,
      });
      expect(inv.status, `invite ${JSON.stringify(password)}`).toBe(400);
      const ch = await o.post('/api/auth/password', {
        currentPassword: owner.password,
        newPassword: password,
      });
      expect(ch.status, `change ${JSON.stringify(password)}`).toBe(400);
    }
    const link = await o.post('/api/users', {
      email: `l-${randomUUID()}@example.com`,
      name: 'L',
      role: 'agent',
    });
    const token = String(link.body.inviteUrl).split('/invite/')[1]!;
    for (const password of BAD) {
      const r = await api(app.baseUrl).post('/api/auth/invite/accept', { token, password });
      expect(r.status, `accept ${JSON.stringify(password)}`).toBe(400);
    }
    expect(
      (await api(app.baseUrl).post('/api/auth/invite/accept', { token, password: 'a fine pass phrase' }))
        .status,
    ).toBe(200);
    const member = await addMember(app.baseUrl, owner.cookie, {
      role: 'agent',
      password: 'a fine member phrase',
    });
    expect(member.cookie).toBeTruthy();
  });
});
