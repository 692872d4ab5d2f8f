import type { DurableEvent } from '@atende/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { ReconcileService } from '../../src/services/reconcile.service.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { api, signup } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { createTestDb } from '../support/test-db.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const KEY = 'outage-test-key';

// Nothing lost after an outage: the Motor is down while Evolution "receives" 20 messages and
// gives up on their webhooks; the Motor comes back and reads them back through findMessages.
describe(`${ReconcileService.name}: an outage longer than Evolution's retries`, () => {
  let sim: RunningSimulator;
  let app: TestApp | null = null;
  let client: TestRealtimeClient | null = null;
  afterAll(async () => {
    client?.close();
    await app?.close();
    await sim?.close();
  });

  it('after the Motor comes back, the 20 messages are in the inbox once each, in order, pushed to a socket client', async () => {
    // Evolution's retry policy, shortened: 3 attempts, 50 ms doubling, then the event is dropped.
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: {
        webhookTimeoutMs: 1000,
        retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200, jitter: 0.2 },
      },
    });
    const gateway = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    const deps = () => ({
      whatsapp: new EvolutionClient(gateway),
      sandbox: new SimulatorSandboxClient(gateway),
    });
    const db = await createTestDb();
    app = await startTestApp({ db, deps });
    app.config.publicUrl = app.baseUrl;
    const owner = await signup(app.baseUrl, { accountName: 'Loja Apagão' });
    const as = api(app.baseUrl, owner.cookie);
    await as.post('/api/instance/connect', { instanceName: 'apagao' });
    await as.post('/api/sandbox/scan', { instanceName: 'apagao' });
    await waitFor(
      async () => (await as.get('/api/instance/status?instanceName=apagao')).body.status,
      (s) => s === 'connected',
    );
    const customer = { from: '5511955554444', name: 'Joana' };
    const say = (text: string) =>
      fetch(`${sim.url}/_sim/instances/apagao/messages`, {
        method: 'POST',
        headers: { apikey: KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ ...customer, text }),
      });
    await say('Oi, antes da queda');
    const conv = await waitFor(
      async () => (await as.get('/api/conversations')).body?.[0],
      (c) => !!c,
    );
    const seqBefore = (await as.get('/api/events?after=0&limit=1')).body.seq as number;

    // The Motor goes down; Evolution receives 20 messages and exhausts its retries for each.
    await app.close();
    app = null;
    for (let i = 1; i <= 20; i++) expect((await say(`mensagem ${i}`)).status).toBe(201);
    await sim.webhooksIdle();
    const log = sim.instances.get('apagao')!.webhooks.log.filter((w) => w.event === 'messages.upsert');
    expect(log.slice(-20).every((w) => w.outcome === 'dropped' && w.attempts === 3)).toBe(true);

    // The Motor comes back (same database); an agent's socket catches up from before the outage.
    app = await startTestApp({ db, deps });
    client = await TestRealtimeClient.connect({ url: app.baseUrl, cookie: owner.cookie, fromSeq: seqBefore });
    const created = () =>
      client!.applied.filter((e): e is DurableEvent<'message.created'> => e.type === 'message.created');
    await client.waitFor(() => created().length >= 20, 20_000, '20 message.created');

    const texts = created().map((e) => e.data.message.text);
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `mensagem ${i + 1}`));
    const inbox = (
      await api(app.baseUrl, owner.cookie).get(`/api/conversations/${conv.id}/messages?limit=100`)
    ).body as {
      text: string;
    }[];
    const all = inbox.map((m) => m.text);
    expect(all).toEqual(['Oi, antes da queda', ...texts]); // once each, in WhatsApp order
    // A second reconcile (e.g. the number reconnecting) changes nothing.
    const again = await app.services.reconcile.run({ why: 'test: again' });
    expect(again).toMatchObject({ ingested: 0, failed: 0 });
    expect(
      (
        (await api(app.baseUrl, owner.cookie).get(`/api/conversations/${conv.id}/messages?limit=100`))
          .body as unknown[]
      ).length,
    ).toBe(21);
    // Pushed: the socket delivered each live (or, for any that committed before it joined, by catch-up).
    const live = client.live.filter((e) => e.type === 'message.created').length;
    expect(live + client.fetches.length).toBeGreaterThan(0);
  }, 90_000);
});
