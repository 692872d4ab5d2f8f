import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsService } from '../../src/services/metrics.service.js';
import { createInstance, fixture, postWebhook } from '../support/ingest-harness.js';
import { waitUntil } from '../support/load.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
const scrape = (app: TestApp, token?: string) =>
  fetch(`${app.baseUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const sample = (text: string, line: RegExp) =>
  Number(
    text
      .split('\n')
      .find((l) => line.test(l))
      ?.split(' ')
      .pop(),
  );

describe(`${MetricsService.name} — GET /metrics`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => app?.close());

  it('counts webhooks by event and outcome, ingest latency, broadcasts, sockets and Evolution calls', async () => {
    const inst = await createInstance(app.db);
    const r = await postWebhook(app.baseUrl, fixture('messages-upsert-text.json', inst.name), {
      'x-motor-token': inst.secret,
    });
    expect(r.status).toBe(200);
    await postWebhook(app.baseUrl, fixture('messages-upsert-text.json', inst.name), {
      'x-motor-token': 'wrong',
    });

    await app.deps.whatsapp.health();

    const res = await scrape(app, TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, /^atende_webhooks_total\{event="messages.upsert",outcome="ok"\}/)).toBe(1);
    expect(sample(text, /^atende_webhooks_total\{event="unknown",outcome="unauthenticated"\}/)).toBe(1);
    expect(sample(text, /^atende_webhook_ingest_seconds_count\{event="messages.upsert"\}/)).toBe(1);
    expect(sample(text, /^atende_events_broadcast_total /)).toBeGreaterThan(0);
    expect(text).toMatch(/^atende_sockets_connected 0$/m);
    expect(sample(text, /^atende_evolution_calls_total\{operation="health",outcome="ok"\}/)).toBeGreaterThan(
      0,
    );
    expect(text).toMatch(/^atende_evolution_call_seconds_count\{operation="health"\}/m);
    expect(text).toMatch(/^atende_process_resident_memory_bytes /m);
  });

  it('reports the outbox depth by status and each outbox attempt by kind and outcome (campaign sends are kind="campaign")', async () => {
    const inst = await createInstance(app.db);
    const body = fixture('messages-upsert-text.json', inst.name);
    expect((await postWebhook(app.baseUrl, body, { 'x-motor-token': inst.secret })).status).toBe(200);
    const [conv] = await app.db.call<Array<{ id: string }>>('conversations_list', { accountId: inst.accountId });
    const before = await (await scrape(app, TOKEN)).text();
    const sentBefore = sample(before, /^atende_outbox_sends_total\{kind="reply",outcome="sent"\}/) || 0;
    expect(before).toMatch(/^atende_outbox_depth\{status="pending"\} \d+$/m);

    await app.db.call('send_message_begin', {
      accountId: inst.accountId,
      conversationId: conv!.id,
      userId: inst.userId,
      text: 'resposta medida',
    });
    app.deps.outbox.wake();
    await waitUntil(
      async () => sample(await (await scrape(app, TOKEN)).text(), /^atende_outbox_sends_total\{kind="reply",outcome="sent"\}/) === sentBefore + 1,
      { what: 'the reply counted as sent' },
    );
    const text = await (await scrape(app, TOKEN)).text();
    expect(sample(text, /^atende_outbox_depth\{status="pending"\}/)).toBe(0);
    expect(sample(text, /^atende_outbox_depth\{status="sending"\}/)).toBe(0);
    expect(text).toMatch(/^# TYPE atende_campaign_messages_queued_total counter$/m);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    expect((await scrape(app)).status).toBe(401);
    const wrong = await scrape(app, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('answers 404, as if the route did not exist', async () => {
    expect((await scrape(app, 'anything')).status).toBe(404);
  });
});
