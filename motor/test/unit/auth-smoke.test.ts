import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signup } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('auth smoke', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('signs up and reads /api/me', async () => {
    const s = await signup(app.baseUrl, { accountName: 'Loja A' });
    const me = await api(app.baseUrl, s.cookie).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.account.name).toBe('Loja A');
    expect((await api(app.baseUrl).get('/api/me')).status).toBe(401);
  });
});
