import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createInstance, fixture, postWebhook, recorder, type TestInstance } from '../support/ingest-harness.js';

// Issue 18.6 and 18.7 (webhook side): crafted webhooks never answer 500 (Evolution would retry them
// for 20 minutes), and a webhook JWT must expire.

describe('webhook hardening', () => {
  let app: TestApp;
  let inst: TestInstance;
  const rt = recorder();
  beforeAll(async () => {
    app = await startTestApp({ deps: { realtime: rt } });
    inst = await createInstance(app.db);
  });
  afterAll(() => app?.close());

  const sign = (secret: string, claims: { exp?: number; iat?: number } = {}) => {
    const jwt = new SignJWT({ app: 'evolution', action: 'webhook' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
    jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  const now = () => Math.floor(Date.now() / 1000);
  const presence = () => fixture('presence-update.json', inst.name);

  it('refuses a JWT without exp (it would be valid forever)', async () => {
    const r = await postWebhook(app.baseUrl, presence(), { authorization: `Bearer ${await sign(inst.secret)}` });
    expect(r).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it('accepts exp within a small clock skew, refuses it past the skew', async () => {
    const ok = await postWebhook(app.baseUrl, presence(), {
      authorization: `Bearer ${await sign(inst.secret, { exp: now() - 10 })}`,
    });
    expect(ok.status).toBe(200);
    const late = await postWebhook(app.baseUrl, presence(), {
      authorization: `Bearer ${await sign(inst.secret, { exp: now() - 120 })}`,
    });
    expect(late.status).toBe(401);
  });

  it('refuses a JWT whose lifetime is longer than Evolution ever issues (10 minutes, plus skew)', async () => {
    const r = await postWebhook(app.baseUrl, presence(), {
      authorization: `Bearer ${await sign(inst.secret, { exp: now() + 30 * 24 * 3600 })}`,
    });
    expect(r.status).toBe(401);
  });

  it('acknowledges and ignores a qrcode.updated whose 10,000-character code cannot be a QR image (never 500)', async () => {
    const body = fixture('qrcode-updated.json', inst.name);
    body.data.qrcode.base64 = null;
    body.data.qrcode.code = 'x'.repeat(10_000);
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
    expect(r).toMatchObject({ status: 200, body: { success: true, ignored: true } });
    expect(rt.qrs).toHaveLength(0);
    // a normal code still renders
    const good = fixture('qrcode-updated.json', inst.name);
    good.data.qrcode.base64 = null;
    good.data.qrcode.code = '2@abc,def,ghi==';
    expect((await postWebhook(app.baseUrl, good, { 'x-motor-token': inst.secret })).status).toBe(200);
    expect(rt.qrs).toHaveLength(1);
  });
});
