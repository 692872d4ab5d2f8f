import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unavailable } from '../../src/errors.js';
import type { Db } from '../../src/ports/db.port.js';
import { WebhookIntakeService } from '../../src/services/webhook-intake.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  createInstance,
  fixture,
  fixtureNames,
  headSeq,
  postWebhook,
  recorder,
  snapshot,
  type TestInstance,
} from '../support/ingest-harness.js';

const GLOBAL_TOKEN = 'global-webhook-token-for-tests';

/** Delegates to the real database until `down` is set, then fails like an unreachable one. */
function switchableDb(real: Db): Db & { down: boolean } {
  const db = {
    down: false,
    driver: real.driver,
    call: <T>(fn: string, args?: Record<string, unknown>) =>
      db.down ? Promise.reject(unavailable()) : real.call<T>(fn, args),
    ping: () => real.ping(),
    close: () => real.close(),
  };
  return db;
}

describe(`${WebhookIntakeService.name} — HTTP edge`, () => {
  let app: TestApp;
  let db: ReturnType<typeof switchableDb>;
  let inst: TestInstance;
  const rt = recorder();
  beforeAll(async () => {
    app = await startTestApp({
      env: { WEBHOOK_TOKEN: GLOBAL_TOKEN },
      deps: (base) => {
        db = switchableDb(base.db);
        return { db, realtime: rt };
      },
    });
    inst = await createInstance(app.db);
  });
  afterAll(() => app?.close());

  const text = () => fixture('messages-upsert-text.json', inst.name);
  const jwt = (secret: string, exp: string | number = '10m') =>
    new SignJWT({ app: 'evolution', action: 'webhook' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));

  describe('authentication', () => {
    it('answers 401 without a token, with a wrong one, and for an unknown instance', async () => {
      for (const headers of [
        {},
        { 'x-motor-token': 'wrong' },
        { authorization: 'Bearer not-a-jwt' },
      ] as Array<Record<string, string>>) {
        const r = await postWebhook(app.baseUrl, text(), headers);
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('unauthenticated');
      }
      const unknown = { ...text(), instance: 'no-such-instance' };
      const r = await postWebhook(app.baseUrl, unknown, { 'x-motor-token': inst.secret });
      expect(r).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
      expect(await postWebhook(app.baseUrl, text(), {}, '?token=wrong')).toMatchObject({ status: 401 });
    });

    it("accepts Evolution's JWT signed with the instance secret, and refuses others", async () => {
      const ok = await postWebhook(app.baseUrl, fixture('presence-update.json', inst.name), {
        authorization: `Bearer ${await jwt(inst.secret)}`,
      });
      expect(ok).toMatchObject({ status: 200, body: { success: true } });
      const wrong = await postWebhook(app.baseUrl, fixture('presence-update.json', inst.name), {
        authorization: `Bearer ${await jwt('another secret')}`,
      });
      expect(wrong.status).toBe(401);
      const expired = await postWebhook(app.baseUrl, fixture('presence-update.json', inst.name), {
        authorization: `Bearer ${await jwt(inst.secret, Math.floor(Date.now() / 1000) - 60)}`,
      });
      expect(expired.status).toBe(401);
    });

    it('accepts the global ?token= and the per-event URLs', async () => {
      const r = await postWebhook(
        app.baseUrl,
        fixture('connection-update-connecting.json', inst.name),
        {},
        `/connection-update?token=${GLOBAL_TOKEN}`,
      );
      expect(r).toMatchObject({ status: 200, body: { success: true } });
    });
  });

  describe('bad bodies', () => {
    it('answers 413 past 5 MB, and the JSON error reaches the client', async () => {
      const huge = JSON.stringify({ ...text(), padding: 'x'.repeat(6 * 1024 * 1024) });
      const r = await postWebhook(app.baseUrl, huge, { 'x-motor-token': inst.secret });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
    });

    it('answers 400 for non-JSON, non-objects and envelopes without event/instance', async () => {
      const seq = await headSeq(app.db, inst.accountId);
      for (const body of [
        '{not json',
        '[]',
        '"text"',
        'null',
        '42',
        JSON.stringify({ event: 1, instance: inst.name }),
        JSON.stringify({ instance: inst.name }),
        JSON.stringify({ event: 'messages.upsert', instance: null }),
      ]) {
        const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret });
        expect(r.status, body).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
      }
      expect(await postWebhook(app.baseUrl, '', { 'x-motor-token': inst.secret })).toMatchObject({
        status: 400,
      });
      expect(await headSeq(app.db, inst.accountId)).toBe(seq);
    });

    it('answers 400 validation_failed for a handled event with malformed data, and 200 ignored for unknown events', async () => {
      const bad = { ...text(), data: { key: { remoteJid: 5, id: null }, message: 'x' } };
      const r = await postWebhook(app.baseUrl, bad, { 'x-motor-token': inst.secret });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'validation_failed', details: expect.any(Array) });
      const unknown = await postWebhook(
        app.baseUrl,
        { event: 'labels.edit', instance: inst.name, data: [1, 2] },
        { 'x-motor-token': inst.secret },
      );
      expect(unknown).toMatchObject({ status: 200, body: { success: true, ignored: true } });
    });

    it('never answers 5xx nor writes anything for generated bad bodies (property)', async () => {
      const handled = fixtureNames().map((n) => fixture(n, inst.name));
      const weird = fc.oneof(
        fc.constant(null),
        fc.constant('x'.repeat(200_000)),
        fc.constant(''),
        fc.constant([]),
        fc.constant({}),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.string(),
        fc.string({ unit: 'binary' }), // any code point, U+0000 included
        fc.constant({ low: 2 ** 31 - 1, high: 2 ** 31 - 1, unsigned: false }), // an int64 far past year 9999
        fc.constant(1e300),
        fc.jsonValue({ maxDepth: 2 }),
      );
      // Take a real sample and break one value somewhere in it (or replace `data` wholesale).
      const mutated = fc.tuple(fc.constantFrom(...handled), fc.nat(), weird).map(([sample, pick, value]) => {
        const body = structuredClone(sample);
        const paths: Array<[any, string]> = [];
        const walk = (o: any, depth: number) => {
          if (!o || typeof o !== 'object' || depth > 4) return;
          for (const k of Object.keys(o)) {
            if (k !== 'instance' || depth > 0) paths.push([o, k]);
            walk(o[k], depth + 1);
          }
        };
        walk(body, 0);
        const [parent, key] = paths[pick % paths.length]!;
        parent[key] = value;
        return body;
      });
      const garbage = fc.jsonValue({ maxDepth: 3 });
      const envelopes = fc.record({
        event: fc.constantFrom(...handled.map((h) => h.event), 'x.y'),
        instance: fc.constant(inst.name),
        data: fc.jsonValue({ maxDepth: 3 }),
      });

      await fc.assert(
        fc.asyncProperty(fc.oneof(mutated, garbage, envelopes), async (body) => {
          const before = await headSeq(app.db, inst.accountId);
          const state = await snapshot(app.db, inst.accountId, inst.instanceId);
          const r = await postWebhook(app.baseUrl, body as object, { 'x-motor-token': inst.secret });
          expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBeLessThan(500);
          expect(typeof r.body).toBe('object');
          if (r.status !== 200) {
            expect(r.body.error.code).toMatch(/^(validation_failed|unauthenticated)$/);
            expect(await headSeq(app.db, inst.accountId)).toBe(before);
            expect(await snapshot(app.db, inst.accountId, inst.instanceId)).toEqual(state);
          }
        }),
        { numRuns: 300 },
      );
    }, 300_000);
  });

  it('stores text with U+0000 and absurd timestamps without failing', async () => {
    const fresh = await createInstance(app.db);
    const body = fixture('messages-upsert-text.json', fresh.name);
    body.data.message = { conversation: 'a\u0000b' };
    body.data.pushName = 'Ma\u0000ria';
    body.data.messageTimestamp = { low: -1, high: 2 ** 31 - 1, unsigned: false };
    const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': fresh.secret });
    expect(r).toMatchObject({ status: 200, body: { success: true } });
    const s = await snapshot(app.db, fresh.accountId, fresh.instanceId);
    expect(s.convs[0]!.messages[0]).toMatchObject({ text: 'ab', sentAt: expect.any(String) });
    expect(s.contacts[0]!.name).toBe('Maria');
  });

  it('answers 503 when the database is down, and the retry then succeeds', async () => {
    const fresh = await createInstance(app.db);
    const body = fixture('messages-upsert-text.json', fresh.name);
    db.down = true;
    try {
      const r = await postWebhook(app.baseUrl, body, { 'x-motor-token': fresh.secret });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('unavailable');
    } finally {
      db.down = false;
    }
    const retry = await postWebhook(app.baseUrl, body, { 'x-motor-token': fresh.secret });
    expect(retry).toMatchObject({ status: 200, body: { success: true } });
    expect((await snapshot(app.db, fresh.accountId, fresh.instanceId)).convs[0]!.messages).toHaveLength(1);
  });
});
