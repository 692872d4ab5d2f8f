import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../support/factories.js';
import { LoadClient } from '../support/load.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { messageUpsertBody } from '../support/webhook-factory.js';

// 10,000 hostile webhook bodies (fast-check): broken JSON, wrong types, absurd sizes and depths,
// prototype-pollution keys, mutated Evolution payloads, wrong secrets. The Motor must answer every
// one without a 5xx (503 alone is allowed: it means "retry"), a rejected body must write nothing
// (the account's event log does not move), and memory must come back to its baseline.

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);
const EVENTS = [
  'messages.upsert',
  'messages.update',
  'send.message',
  'connection.update',
  'qrcode.updated',
  'contacts.upsert',
  'groups.upsert',
  'logout.instance',
  'messages.delete',
  'messages.edited',
  'presence.update',
  'group-participants.update',
];

/** `global.gc` without starting node with --expose-gc. */
function gcNow(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '__proto__',
    'constructor',
    '@s.whatsapp.net',
    ':12@s.whatsapp.net',
    '@lid',
    '@g.us',
    "'; drop table messages; --",
    '%',
    '_',
    '\\',
    'a'.repeat(70_000),
  ),
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 1e308, 0),
  fc.jsonValue({ maxDepth: 3 }),
);

function hostileBodies(instance: string) {
  // A valid messages.upsert with one field replaced by something hostile.
  const mutatedUpsert = fc
    .record({
      path: fc.constantFrom(
        'data',
        'data.key',
        'data.key.id',
        'data.key.remoteJid',
        'data.key.fromMe',
        'data.message',
        'data.message.conversation',
        'data.messageTimestamp',
        'data.pushName',
        'data.key.remoteJidAlt',
        'data.messageType',
        'event',
        'instance',
        'date_time',
      ),
      value: weirdValue,
      id: fc.string({ minLength: 0, maxLength: 40 }),
    })
    .map(({ path, value, id }) => {
      const body = messageUpsertBody({ instance, phone: '5511977770000', id: id || 'X' }) as Record<
        string,
        unknown
      >;
      const keys = path.split('.');
      let o = body as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) o = (o[k] ?? (o[k] = {})) as Record<string, unknown>;
      o[keys.at(-1)!] = value;
      return JSON.stringify(body);
    });
  const randomEnvelope = fc
    .record({
      event: fc.oneof(fc.constantFrom(...EVENTS), weirdString),
      data: weirdValue,
      extra: fc.dictionary(weirdString, weirdValue, { maxKeys: 3 }),
    })
    .map(({ event, data, extra }) =>
      JSON.stringify({
        ...extra,
        event,
        instance,
        data,
        destination: 'x',
        date_time: 'x',
        server_url: 'x',
        apikey: null,
      }),
    );
  const deep = fc
    .integer({ min: 100, max: 5000 })
    .map(
      (n) => `{"event":"messages.upsert","instance":"${instance}","data":${'['.repeat(n)}${']'.repeat(n)}}`,
    );
  const brokenJson = fc.oneof(
    fc.string(),
    fc.constantFrom('{', '{"event":', 'null', '[]', '"x"', '1', '{"event":"messages.upsert","instance":'),
    fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
  );
  const proto = fc.constantFrom(
    `{"__proto__":{"polluted":true},"event":"messages.upsert","instance":"${instance}","data":{}}`,
    `{"constructor":{"prototype":{"polluted":true}},"event":"messages.upsert","instance":"${instance}","data":{"key":{"__proto__":{"id":"p"}}}}`,
  );
  return fc.oneof(
    { arbitrary: mutatedUpsert, weight: 5 },
    { arbitrary: randomEnvelope, weight: 3 },
    { arbitrary: brokenJson, weight: 2 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: proto, weight: 1 },
    { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 1 },
  );
}

/** The body for a failure message, without the bulky messageContextInfo. */
function compact(body: string): string {
  try {
    const b = JSON.parse(body);
    if (b?.data?.message?.messageContextInfo) delete b.data.message.messageContextInfo;
    return JSON.stringify(b).slice(0, 700);
  } catch {
    return body.slice(0, 300);
  }
}

/** A failing case, whole: which sample, the request body (up to 8 kB) and the full response. */
function offending(
  i: number,
  body: string,
  r: { status: number; body: string },
  wrongSecret: boolean,
): string {
  return [
    `  sample #${i} (fast-check seed 7), ${wrongSecret ? 'WRONG' : 'correct'} x-motor-token, ${body.length} chars`,
    `  request body: ${body.length > 8000 ? `${body.slice(0, 8000)}… (${body.length - 8000} more chars)` : body}`,
    `  response: ${r.status} ${r.body.slice(0, 2000)}`,
  ].join('\n');
}

describe('10,000 hostile webhook bodies', () => {
  let app: TestApp;
  let accountId: string;
  const instance = `hostile-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');

  beforeAll(async () => {
    app = await startTestApp();
    ({ accountId } = await createAccount(app.db));
    await app.db.call('instance_create', { accountId, name: instance, webhookSecret: secret });
  }, 120_000);
  afterAll(() => app?.close());

  it('never answers a 5xx other than 503, never half-writes, and gives its memory back', async () => {
    const gc = gcNow();
    const client = new LoadClient(app.baseUrl, { maxSockets: 1 });
    const head = async () => (await app.db.call<{ seq: number }>('event_head', { accountId })).seq;
    // Warm up (first requests allocate caches, JIT), then take the baseline.
    for (let i = 0; i < 200; i++) await client.post('/api/webhook', '{}', { 'x-motor-token': secret });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    const statuses: Record<number, number> = {};
    const partial: string[] = [];
    const fiveXx: string[] = [];
    const noEnvelope: string[] = [];
    let firstFiveXx = '';
    let firstNoEnvelope = '';
    let seq = await head();
    const samples = fc.sample(hostileBodies(instance), { numRuns: RUNS, seed: 7 });
    for (const [i, body] of samples.entries()) {
      const wrongSecret = i % 10 === 9;
      const r = await client.post('/api/webhook', body, { 'x-motor-token': wrongSecret ? 'nope' : secret });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status >= 500 && r.status !== 503) {
        fiveXx.push(`${r.status} ${r.body.slice(0, 120)} ← ${compact(body)}`);
        if (fiveXx.length === 1) firstFiveXx = offending(i, body, r, wrongSecret);
      }
      if (r.status >= 400) {
        const now = await head();
        if (now !== seq)
          partial.push(`${r.status} moved the event log ${seq} → ${now}: ${body.slice(0, 200)}`);
        seq = now;
        let code: unknown;
        try {
          code = JSON.parse(r.body).error.code; // the contract's error envelope
        } catch {
          code = undefined;
        }
        if (typeof code !== 'string') {
          noEnvelope.push(`${r.status} ${r.body.slice(0, 120)} ← ${compact(body)}`);
          if (noEnvelope.length === 1) firstNoEnvelope = offending(i, body, r, wrongSecret);
        }
      } else {
        seq = await head();
      }
    }
    client.close();
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `[reliability:hostile] ${samples.length} bodies, statuses ${JSON.stringify(statuses)}; heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MB after GC`,
    );
    // The first offending body is printed whole (up to 8 kB) with the full response, so it can be
    // replayed: `curl -X POST …/api/webhook -H 'x-motor-token: <secret>' --data-binary @body.json`.
    if (firstFiveXx) console.error(`[reliability:hostile] FIRST 5xx (of ${fiveXx.length}):\n${firstFiveXx}`);
    if (firstNoEnvelope)
      console.error(
        `[reliability:hostile] FIRST error without the envelope (of ${noEnvelope.length}):\n${firstNoEnvelope}`,
      );
    expect(
      fiveXx.length,
      `${fiveXx.length} answers were a 5xx other than 503; the first:\n${firstFiveXx}`,
    ).toBe(0);
    expect(
      noEnvelope.length,
      `${noEnvelope.length} error answers lack {error:{code}}; the first:\n${firstNoEnvelope}`,
    ).toBe(0);
    expect(partial.slice(0, 5)).toEqual([]);
    expect(statuses[503] ?? 0).toBe(0); // the database is up: no reason to ask for a retry
    expect(heapAfter - heapBefore).toBeLessThan(32 * 2 ** 20);
  }, 600_000);
});
