import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  createInstance,
  fixture,
  postWebhook,
  recorder,
  type TestInstance,
} from '../support/ingest-harness.js';

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
    const jwt = new SignJWT({ app: 'evolution', action: 'webhook' }).setProtectedHeader({
      alg: 'HS256',
      typ: 'JWT',
    });
    jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  const now = () => Math.floor(Date.now() / 1000);
  const presence = () => fixture('presence-update.json', inst.name);

  it('refuses a JWT without exp (it would be valid forever)', async () => {
    const r = await postWebhook(app.baseUrl, presence(), {
      authorization: `Bearer ${await sign(inst.secret)}`,
    });
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

describe('load shedding (WEBHOOK_MAX_INFLIGHT)', () => {
  let app: TestApp;
  let inst: TestInstance;
  let slow = 0;
  beforeAll(async () => {
    app = await startTestApp({
      env: { WEBHOOK_MAX_INFLIGHT: '4' },
      deps: (base) => ({
        db: {
          ...base.db,
          call: async <T>(fn: string, args?: Record<string, unknown>) => {
            if (slow && fn.startsWith('ingest')) await new Promise((r) => setTimeout(r, slow));
            return base.db.call<T>(fn, args);
          },
        },
      }),
    });
    inst = await createInstance(app.db);
  });
  afterAll(() => app?.close());

  it('answers 503 + Retry-After at once past the bound, instead of queueing; every shed webhook lands on retry', async () => {
    slow = 600; // a database that cannot keep up
    const bodies = Array.from({ length: 16 }, (_, i) => {
      const b = fixture('messages-upsert-text.json', inst.name);
      b.data.key.id = `SHED-${i}-${Date.now()}`;
      return b;
    });
    const started = performance.now();
    const answers = await Promise.all(
      bodies.map(async (b) => {
        const r = await fetch(`${app.baseUrl}/api/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-motor-token': inst.secret },
          body: JSON.stringify(b),
        });
        return {
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          ms: performance.now() - started,
          body: b,
        };
      }),
    );
    const shed = answers.filter((a) => a.status === 503);
    const done = answers.filter((a) => a.status === 200);
    expect(done.length).toBeGreaterThanOrEqual(4);
    expect(shed.length).toBeGreaterThanOrEqual(8);
    expect(shed.every((a) => Number(a.retryAfter) > 0)).toBe(true);
    // Shed early: each 503 came back before the first accepted webhook was even committed.
    expect(Math.max(...shed.map((a) => a.ms))).toBeLessThan(Math.min(...done.map((a) => a.ms)));
    slow = 0;
    for (const a of shed) {
      const r = await postWebhook(app.baseUrl, a.body, { 'x-motor-token': inst.secret });
      expect(r.status).toBe(200);
    }
    const [conv] = await app.db.call<Array<{ id: string }>>('conversations_list', {
      accountId: inst.accountId,
      limit: 10,
    });
    const messages = await app.db.call<unknown[]>('messages_list', {
      accountId: inst.accountId,
      conversationId: conv!.id,
      limit: 100,
    });
    expect(messages).toHaveLength(16); // every webhook stored once, shed ones included
  });
});
