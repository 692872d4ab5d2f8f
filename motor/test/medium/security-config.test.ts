import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { applyServerLimits } from '../../src/http/server-limits.js';
import { dashboardCsp } from '../../src/http/static-dashboard.js';
import { api, sessionCookieOf, signup } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 18.7 (headers, production without Evolution, connection cap) and issue 19's
// cross-origin mode (DASHBOARD_ORIGINS: CORS, cookies, Origin guard).

describe('configuration guards', () => {
  it('refuses NODE_ENV=production without EVOLUTION_API_URL unless the simulator is asked for', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /EVOLUTION_API_URL: required when NODE_ENV=production/,
    );
    expect(loadConfig({ NODE_ENV: 'production', EVOLUTION_SIMULATOR: 'true' }).evolution.mode).toBe(
      'simulator',
    );
    expect(
      loadConfig({ NODE_ENV: 'production', EVOLUTION_API_URL: 'http://evo:8080', EVOLUTION_API_KEY: 'k' })
        .evolution.mode,
    ).toBe('real');
    expect(loadConfig({}).evolution.mode).toBe('simulator'); // development keeps the zero-config start
  });

  it('parses TRUST_PROXY and refuses "true" (any client could choose its IP)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'my proxy' })).toThrow(/TRUST_PROXY/);
  });

  it('parses DASHBOARD_ORIGINS as exact origins only', () => {
    expect(
      loadConfig({ DASHBOARD_ORIGINS: 'https://a.example, http://localhost:5173' }).dashboardOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
    for (const bad of ['*', 'https://a.example/path', 'a.example', 'ftp://a.example']) {
      expect(() => loadConfig({ DASHBOARD_ORIGINS: bad }), bad).toThrow(/DASHBOARD_ORIGINS/);
    }
  });
});

describe('security headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('every answer (JSON, errors, health) carries nosniff, no framing, no referrer and a locked CSP', async () => {
    for (const path of ['/healthz', '/api/me', '/api/nope']) {
      const r = await fetch(app.baseUrl + path);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(r.headers.get('content-security-policy'), path).toMatch(/default-src 'none'/);
    }
  });

  it("the dashboard page's CSP keeps SvelteKit's script hashes and adds frame-ancestors 'none'", () => {
    const html = `<meta http-equiv="content-security-policy" content="script-src 'self' 'sha256-abc='; style-src 'self' 'unsafe-inline'">`;
    const csp = dashboardCsp(html);
    expect(csp).toContain("script-src 'self' 'sha256-abc='");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
  });
});

describe('connection cap (MAX_CONNECTIONS)', () => {
  it('closes connections past the cap at once instead of holding them', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    applyServerLimits(server, { maxConnections: 3 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const open = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((r) => {
            const s = net.connect(port, '127.0.0.1', () => r(s));
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const extra = net.connect(port, '127.0.0.1');
    const closed = await new Promise<boolean>((resolve) => {
      extra.on('close', () => resolve(true));
      extra.on('error', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(closed).toBe(true);
    for (const s of open) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('cross-origin mode (DASHBOARD_ORIGINS)', () => {
  const DASH = 'https://atende.netlify.example';
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PUBLIC_URL: 'https://motor.example', DASHBOARD_ORIGINS: DASH } });
  });
  afterAll(() => app?.close());

  it('answers CORS with credentials to the dashboard origin only, preflight included', async () => {
    const pre = await fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'OPTIONS',
      headers: {
        origin: DASH,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe(DASH);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${app.baseUrl}/api/me`, { headers: { origin: 'https://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('issues SameSite=None; Secure cookies and accepts writes from the dashboard origin, refuses others', async () => {
    const body = {
      email: `x-${Date.now()}@example.com`,
      password: 'cross origin pw 1',
      name: 'X',
      accountName: 'X',
    };
    const r = await api(app.baseUrl, undefined, { origin: DASH }).post('/api/auth/signup', body);
    expect(r.status).toBe(201);
    expect(r.headers.get('access-control-allow-origin')).toBe(DASH);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('atende_session='))!;
    expect(set).toMatch(/SameSite=None/);
    expect(set).toMatch(/Secure/);
    const cookie = sessionCookieOf(r.headers);
    const evil = await api(app.baseUrl, cookie, { origin: 'https://evil.example' }).post('/api/auth/logout');
    expect(evil.status).toBe(403);
    expect((await api(app.baseUrl, cookie).get('/api/me')).status).toBe(200);
    expect((await api(app.baseUrl, cookie, { origin: DASH }).post('/api/auth/logout')).status).toBe(204);
    expect((await api(app.baseUrl, cookie).get('/api/me')).status).toBe(401);
  });

  it('accepts the session as a bearer token from the dashboard origin (no cookie at all)', async () => {
    const s = await signup(app.baseUrl);
    const token = decodeURIComponent(s.cookie.split('=')[1]!);
    const r = await api(app.baseUrl, undefined, { origin: DASH, authorization: `Bearer ${token}` }).get(
      '/api/me',
    );
    expect(r.status).toBe(200);
  });
});
