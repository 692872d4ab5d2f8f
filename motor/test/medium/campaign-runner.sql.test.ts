import type { Campaign } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { setInstanceStatus } from '../support/campaign-fixtures.js';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { recordingPublisher, startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

// The runner end to end on one Motor: the real app, the real Evolution simulator (REST and its
// webhooks back into the app), the outbox sender. Campaign messages leave paced, once each, land
// in the contacts' conversations as sender "campaign", receipts move the counters, an opt-out word
// skips the contact with one confirmation, and a disconnect pauses until the number is back.

const KEY = 'campaign-runner-key';

const textOf = (m: { message?: unknown }) =>
  (m.message as { conversation?: string } | undefined)?.conversation;

describe('campaign runner', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let owner: SignedUp;
  let as: ReturnType<typeof api>;
  let instanceId: string;
  const name = `camp-run-${Date.now().toString(36)}`;
  const rt = recordingPublisher();

  const customers = Array.from({ length: 6 }, (_, i) => ({
    phone: `55119876500${10 + i}`,
    name: `Cliente ${i + 1}`,
  }));
  const sentTo = (jid: string) =>
    sim.instances.get(name)!.messages.filter((m) => m.key.fromMe && m.key.remoteJid === jid);

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { qrIntervalMs: 60_000, deliveryAckMs: 20, readMs: 20 },
    });
    const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    app = await startTestApp({
      env: { CAMPAIGN_JITTER: '0', CAMPAIGN_BREAK_EVERY: '0' },
      deps: {
        realtime: rt,
        whatsapp: new EvolutionClient(client),
        sandbox: new SimulatorSandboxClient(client),
      },
      outbox: { pollMs: 100 },
    });
    app.deps.config.publicUrl = app.baseUrl;
    owner = await signup(app.baseUrl, { accountName: 'Loja Runner' });
    as = api(app.baseUrl, owner.cookie);
    instanceId = (await as.post('/api/instance/connect', { instanceName: name })).body.instanceId;
    await as.post('/api/sandbox/scan', { instanceName: name });
    await waitFor(
      () => as.get('/api/instances'),
      (r) => r.body[0]?.status === 'connected',
    );
    for (const c of customers)
      await as.post('/api/sandbox/messages', { instanceName: name, ...c, text: 'Oi!' });
    await sim.webhooksIdle();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  const create = async (phones: string[], over: Record<string, unknown> = {}) =>
    (
      await as.post('/api/campaigns', {
        name: 'Promo',
        instanceId,
        text: 'Oi {{name}}, promoção hoje!',
        audience: { type: 'phones', phones },
        ...over,
      })
    ).body as Campaign;
  const get = (id: string) => as.get(`/api/campaigns/${id}`).then((r) => r.body as Campaign);

  it('sends each recipient once, paced, as sender "campaign" in their conversation; receipts reach read', async () => {
    const phones = customers.slice(0, 4).map((c) => c.phone);
    const c = await create(phones, { ratePerMinute: 120 });
    expect((await as.post(`/api/campaigns/${c.id}/start`)).body.status).toBe('running');
    const done = await waitFor(
      () => get(c.id),
      (x) => x.status === 'completed' && x.read === 4,
      30_000,
    );
    expect(done).toMatchObject({
      total: 4,
      sent: 4,
      delivered: 4,
      read: 4,
      failed: 0,
      skipped: 0,
      finishedAt: expect.any(String),
    });
    for (const p of phones)
      expect(sentTo(`${p}@s.whatsapp.net`).map((m) => textOf(m))).toEqual([
        `Oi ${customers.find((x) => x.phone === p)!.name}, promoção hoje!`,
      ]);

    const created = rt.published.filter(
      (e) => e.type === 'message.created' && (e.data as any).message.sender === 'campaign',
    );
    expect(created).toHaveLength(4);
    const gaps = created.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(created[i]!.at));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(480); // 60000/120 ms apart, never sooner
    const recipients = (await as.get(`/api/campaigns/${c.id}/recipients`)).body;
    expect(recipients.map((r: { status: string }) => r.status)).toEqual(['read', 'read', 'read', 'read']);
    expect(recipients[0].sentAt).toEqual(expect.any(String));

    const conv = (await as.get('/api/conversations')).body.find((x: any) => x.contact?.phone === phones[0]);
    const thread = (await as.get(`/api/conversations/${conv.id}/messages`)).body;
    expect(thread.filter((m: any) => m.sender === 'campaign')).toEqual([
      expect.objectContaining({ direction: 'out', status: 'read' }),
    ]);

    const progress = rt.published.filter(
      (e) => e.type === 'campaign.updated' && (e.data as any).campaign.id === c.id,
    );
    expect(progress.at(-1)!.seq).toBeGreaterThan(0);
    expect((progress.at(-1)!.data as any).campaign).toMatchObject({ status: 'completed', read: 4 });
  });

  it('an opt-out word mid-campaign skips the contact in every campaign and sends one confirmation', async () => {
    const [a, b, x] = customers.slice(3, 6);
    const c = await create([a!.phone, b!.phone, x!.phone], { ratePerMinute: 20 });
    const other = await create([x!.phone], { ratePerMinute: 20 });
    await as.post(`/api/campaigns/${c.id}/start`);
    await waitFor(
      () => get(c.id),
      (v) => v.sent >= 1,
    ); // the first (a) went out at once; next one 3 s later
    await as.post('/api/sandbox/messages', { instanceName: name, ...x, text: 'Sair!' });
    await as.post('/api/sandbox/messages', { instanceName: name, ...x, text: 'SAIR' });
    await waitFor(
      () => as.get(`/api/campaigns/${c.id}/recipients?status=skipped`),
      (r) => r.body.length === 1,
    );
    const skipped = (await as.get(`/api/campaigns/${c.id}/recipients?status=skipped`)).body;
    expect(skipped).toEqual([expect.objectContaining({ phone: x!.phone, error: 'opted_out' })]);
    const confirmations = await waitFor(
      async () => sentTo(`${x!.phone}@s.whatsapp.net`),
      (l) => l.length >= 1,
    );
    expect(confirmations.map((m) => textOf(m))).toEqual([expect.stringMatching(/não vai mais receber/)]);
    // It went to WhatsApp, so it is stored as a campaign message: system notices are never sent.
    const xConv = (await as.get('/api/conversations')).body.find((v: any) => v.contact?.phone === x!.phone);
    const xThread = (await as.get(`/api/conversations/${xConv.id}/messages`)).body;
    expect(xThread.filter((m: any) => /não vai mais receber/.test(m.text ?? ''))).toEqual([
      expect.objectContaining({ direction: 'out', sender: 'campaign' }),
    ]);
    expect(xThread.filter((m: any) => m.sender === 'system' && m.waMessageId !== null)).toEqual([]);
    await as.post(`/api/campaigns/${other.id}/start`);
    await waitFor(
      () => get(other.id),
      (v) => v.status === 'completed',
    );
    expect(await get(other.id)).toMatchObject({ total: 1, skipped: 1, sent: 0 });
    await waitFor(
      () => get(c.id),
      (v) => v.status === 'completed',
      20_000,
    );
    expect(await get(c.id)).toMatchObject({ total: 3, sent: 2, skipped: 1 });
    expect(sentTo(`${x!.phone}@s.whatsapp.net`)).toHaveLength(1); // the confirmation only, once
  });

  it('pauses by itself when the number disconnects and goes on when it reconnects', async () => {
    const c = await create(
      customers.slice(0, 3).map((x) => x.phone),
      { ratePerMinute: 60, text: 'Segunda chamada' },
    );
    await as.post(`/api/campaigns/${c.id}/start`);
    await waitFor(
      () => get(c.id),
      (v) => v.sent >= 1,
    );
    await setInstanceStatus(app.db, owner.account.id, instanceId, 'disconnected');
    const paused = await waitFor(
      () => get(c.id),
      (v) => v.status === 'paused',
    );
    expect(paused.pausedReason).toBe('instance_disconnected');
    const sentWhilePaused = paused.sent;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get(c.id)).sent).toBe(sentWhilePaused);
    await setInstanceStatus(app.db, owner.account.id, instanceId, 'connected');
    await waitFor(
      () => get(c.id),
      (v) => v.status === 'running',
    );
    const done = await waitFor(
      () => get(c.id),
      (v) => v.status === 'completed',
      20_000,
    );
    expect(done.sent).toBe(3);
    for (const x of customers.slice(0, 3)) {
      expect(sentTo(`${x.phone}@s.whatsapp.net`).filter((m) => textOf(m) === 'Segunda chamada')).toHaveLength(
        1,
      );
    }
  });
});
