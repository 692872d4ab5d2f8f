import type Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 18.1: the Origin guard once checked only paths starting with a lower-case `/api/`, while
// the router matches case-insensitively, so `POST /API/users` with a foreign Origin and the
// victim's cookie created an admin. Every state-changing route the app registers (enumerated from
// the routers themselves, so new routes are covered the day they land) must refuse a foreign
// Origin in lower, upper and mixed case.

const STATE_CHANGING = ['POST', 'PUT', 'PATCH', 'DELETE'];
const UUID = '00000000-0000-4000-8000-000000000000';

/** Every (method, path) a router in the app serves; `:params` filled with a UUID. */
function stateChangingRoutes(app: TestApp): { method: string; path: string }[] {
  const koa = app.motor.app;
  const routes = new Map<string, { method: string; path: string }>();
  for (const mw of koa.middleware as Array<{ router?: Router }>) {
    for (const layer of mw.router?.stack ?? []) {
      for (const method of layer.methods) {
        if (!STATE_CHANGING.includes(method)) continue;
        const path = String(layer.path).replace(/:[A-Za-z_]+/g, UUID);
        routes.set(`${method} ${path}`, { method, path });
      }
    }
  }
  return [...routes.values()];
}

const isWebhook = (path: string) => path.toLowerCase().startsWith('/api/webhook');

const cases = (path: string) => ({
  lower: path,
  upper: path.toUpperCase(),
  mixed: path.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
});

describe('CSRF: every state-changing route refuses a foreign Origin, whatever the path case', () => {
  let app: TestApp;
  let victim: SignedUp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PUBLIC_URL: 'https://atende.example.com' } });
    victim = await signup(app.baseUrl);
  });
  afterAll(() => app?.close());

  it('finds the routes (sanity: the enumeration sees the known ones)', () => {
    const keys = stateChangingRoutes(app).map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /api/users',
        'POST /api/instance/connect',
        `PATCH /api/conversations/${UUID}`,
        'DELETE /api/instance/disconnect',
        'POST /api/auth/signup',
      ]),
    );
  });

  it('answers 403 forbidden for each route in lower, upper and mixed case, and changes nothing', async () => {
    const evil = api(app.baseUrl, victim.cookie, { origin: 'http://127.0.0.1:1' });
    const failures: string[] = [];
    const before = await app.db.call<{ users: number; accounts: number }>('auth_counts', {});
    for (const { method, path } of stateChangingRoutes(app).filter((r) => !isWebhook(r.path))) {
      for (const [kind, p] of Object.entries(cases(path))) {
        const body = { email: 'csrf@example.com', name: 'x', role: 'admin', password: 'csrf password 1' };
        const r = await evil.request(method, p, method === 'DELETE' ? undefined : body);
        if (r.status !== 403 || r.body?.error?.code !== 'forbidden')
          failures.push(`${kind} ${method} ${p} → ${r.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await app.db.call('auth_counts', {})).toMatchObject({
      users: before.users,
      accounts: before.accounts,
    });
    const instances = await api(app.baseUrl, victim.cookie).get('/api/instances');
    expect(instances.body).toEqual([]);
  });

  it('a text/plain or form POST (what an HTML form sends) is refused the same way', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await fetch(`${app.baseUrl}/API/instance/connect`, {
        method: 'POST',
        headers: { origin: 'http://127.0.0.1:1', cookie: victim.cookie, 'content-type': type },
        body: 'instanceName=evil',
      });
      expect(r.status, type).toBe(403);
    }
  });

  it('still lets the webhook through without Origin checks (Evolution is not a browser)', async () => {
    const r = await api(app.baseUrl, undefined, { origin: 'http://127.0.0.1:1' }).post('/API/WEBHOOK', {
      event: 'qrcode.updated',
      instance: 'nope',
      data: {},
    });
    expect(r.status).toBe(401);
  });
});
