import type { InstanceQrPayload } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import type { AccountEvent, RealtimePublisher } from '../../src/ports/realtime.port.js';
import { InstancesService } from '../../src/services/instances.service.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { testLogger } from '../support/silent-logger.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEY = 'instances-test-key';

function recorder(): RealtimePublisher & {
  events: AccountEvent[];
  qrs: { accountId: string; payload: InstanceQrPayload }[];
} {
  const events: AccountEvent[] = [];
  const qrs: { accountId: string; payload: InstanceQrPayload }[] = [];
  return {
    events,
    qrs,
    publish: (e) => void events.push(...e),
    publishQr: (accountId, payload) => void qrs.push({ accountId, payload }),
    publishTyping() {},
  };
}

/** Polls a condition without fixed sleeps in the assertions (bounded). */
async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe(InstancesService.name, () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let rt: ReturnType<typeof recorder>;
  let a: SignedUp;
  let b: SignedUp;
  let asA: ReturnType<typeof api>;
  let asB: ReturnType<typeof api>;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: {
        qrIntervalMs: 60_000,
        deliveryAckMs: 10,
        readMs: 10,
        retry: { maxAttempts: 2, initialDelayMs: 10 },
      },
    });
    rt = recorder();
    const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
    app = await startTestApp({
      deps: {
        realtime: rt,
        whatsapp: new EvolutionClient(client),
        sandbox: new SimulatorSandboxClient(client),
      },
    });
    app.deps.config.publicUrl = app.baseUrl; // the webhook URL registered at the simulator
    a = await signup(app.baseUrl, { accountName: 'Loja Ção Demo' });
    b = await signup(app.baseUrl, { accountName: 'Outra Loja' });
    asA = api(app.baseUrl, a.cookie);
    asB = api(app.baseUrl, b.cookie);
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  const statusOf = (who: ReturnType<typeof api>, name: string) =>
    who.get(`/api/instance/status?instanceName=${encodeURIComponent(name)}`);

  it('connects a new number: generated name, Evolution instance with the webhook secret, QR stored and pushed', async () => {
    const r = await asA.post('/api/instance/connect', {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'initializing',
      instanceId: expect.any(String),
      instanceName: expect.stringMatching(/^loja-cao-demo-[0-9a-f]{4}$/),
    });
    const name = r.body.instanceName as string;

    const evo = sim.instances.get(name)!;
    const auth = await app.db.call<{ webhookSecret: string; accountId: string }>('instance_auth', { name });
    expect(auth.accountId).toBe(a.account.id);
    expect(auth.webhookSecret.length).toBeGreaterThanOrEqual(32);
    expect(evo.webhook).toMatchObject({
      url: `${app.baseUrl}/api/webhook`,
      headers: { 'x-motor-token': auth.webhookSecret },
      enabled: true,
      webhookByEvents: false,
    });
    expect(evo.webhook?.events).toEqual(
      expect.arrayContaining([
        'QRCODE_UPDATED',
        'CONNECTION_UPDATE',
        'MESSAGES_UPSERT',
        'SEND_MESSAGE',
        'LOGOUT_INSTANCE',
        'REMOVE_INSTANCE',
      ]),
    );

    const status = await statusOf(asA, name);
    expect(status.body).toEqual({
      status: 'connecting',
      qrCode: expect.stringMatching(/^data:image\/png;base64,/),
      phoneNumber: null,
    });
    expect(rt.qrs.find((q) => q.payload.instanceName === name)).toMatchObject({
      accountId: a.account.id,
      payload: { instanceId: r.body.instanceId, qrCode: expect.stringMatching(/^data:image/) },
    });
    expect(
      rt.events.find((e) => e.type === 'instance.updated' && (e.data as any).instance.name === name),
    ).toMatchObject({ accountId: a.account.id, data: { instance: { status: 'connecting' } } });

    const list = await asA.get('/api/instances');
    expect(list.body).toEqual([
      expect.objectContaining({
        id: r.body.instanceId,
        name,
        status: 'connecting',
        phoneNumber: null,
        profileName: null,
        updatedAt: expect.any(String),
      }),
    ]);
    expect((await asB.get('/api/instances')).body).toEqual([]);
  });

  it('a sandbox scan sends connection.update open with the secret, and the number becomes connected', async () => {
    const { body } = await asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' });
    const scan = await asA.post('/api/sandbox/scan', { instanceName: body.instanceName });
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({ success: true, simulated: true, state: 'open' });
    await sim.webhooksIdle();
    // Every webhook reached the Motor's intake and was accepted with the instance's secret.
    const log = sim.instances.get('loja-a-scan')!.webhooks.log;
    expect(log.map((h) => h.event)).toEqual(expect.arrayContaining(['qrcode.updated', 'connection.update']));
    for (const h of log)
      expect(h).toMatchObject({
        url: `${app.baseUrl}/api/webhook`,
        status: 200,
        outcome: 'delivered',
        attempts: 1,
      });
    const s = await waitFor(
      () => statusOf(asA, 'loja-a-scan'),
      (r) => r.body.status === 'connected',
    );
    expect(s.body).toEqual({ status: 'connected', qrCode: null, phoneNumber: '5511999990000' });

    const msg = await asA.post('/api/sandbox/messages', {
      instanceName: 'loja-a-scan',
      phone: '5511988887777',
      name: 'Cliente',
      text: 'Oi, tudo bem?',
    });
    expect(msg.status).toBe(200);
    expect(msg.body.waMessageId).toMatch(/^3A/);
    // Connecting an open number again changes nothing but answers like the contract says.
    expect((await asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' })).body.status).toBe(
      'initializing',
    );
    expect((await statusOf(asA, 'loja-a-scan')).body.status).toBe('connected');
  });

  it('disconnects (logout at Evolution) and a second disconnect still succeeds', async () => {
    const r = await asA.delete('/api/instance/disconnect?instanceName=loja-a-scan');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(sim.instances.get('loja-a-scan')!.state).toBe('close');
    expect((await statusOf(asA, 'loja-a-scan')).body).toMatchObject({ status: 'disconnected', qrCode: null });
    expect(rt.events.filter((e) => e.type === 'instance.updated').at(-1)).toMatchObject({
      data: { instance: { name: 'loja-a-scan', status: 'disconnected', reason: 'logged_out' } },
    });
    expect((await asA.delete('/api/instance/disconnect?instanceName=loja-a-scan')).body).toEqual({
      success: true,
    });
  });

  it('reconnects an instance Evolution still has: webhook re-registered, new QR', async () => {
    const r = await asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' });
    expect(r.status).toBe(200);
    expect(sim.instances.get('loja-a-scan')!.state).toBe('connecting');
    expect((await statusOf(asA, 'loja-a-scan')).body).toMatchObject({
      status: 'connecting',
      qrCode: expect.stringMatching(/^data:image/),
    });
  });

  it('recreates an instance Evolution lost (its container recreated): same name, a new secret and token (a new incarnation)', async () => {
    const old = await app.db.call<{ webhookSecret: string; evolutionToken: string }>('instance_auth', {
      name: 'loja-a-scan',
    });
    const reset = await fetch(`${sim.url}/_sim/reset`, { method: 'POST', headers: { apikey: KEY } });
    expect(reset.status).toBe(200);
    expect(sim.instances.has('loja-a-scan')).toBe(false);
    const r = await asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' });
    expect(r.status).toBe(200);
    const now = await app.db.call<{ webhookSecret: string; evolutionToken: string }>('instance_auth', {
      name: 'loja-a-scan',
    });
    expect(now.webhookSecret).not.toBe(old.webhookSecret);
    expect(sim.instances.get('loja-a-scan')?.webhook?.headers).toEqual({
      'x-motor-token': now.webhookSecret,
    });
    expect(sim.instances.get('loja-a-scan')?.token).toBe(now.evolutionToken);
    expect((await statusOf(asA, 'loja-a-scan')).body.status).toBe('connecting');
  });

  it('two concurrent connects of a lost instance both succeed (one recreates, the other reuses)', async () => {
    await fetch(`${sim.url}/_sim/reset`, { method: 'POST', headers: { apikey: KEY } });
    const [r1, r2] = await Promise.all([
      asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' }),
      asA.post('/api/instance/connect', { instanceName: 'loja-a-scan' }),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(sim.instances.get('loja-a-scan')?.state).toBe('connecting');
  });

  it("hides another account's instance: 404 on status, disconnect and sandbox; 409 when connecting its name", async () => {
    expect((await statusOf(asB, 'loja-a-scan')).status).toBe(404);
    expect((await asB.delete('/api/instance/disconnect?instanceName=loja-a-scan')).status).toBe(404);
    expect((await asB.post('/api/sandbox/scan', { instanceName: 'loja-a-scan' })).status).toBe(404);
    expect(
      (
        await asB.post('/api/sandbox/messages', {
          instanceName: 'loja-a-scan',
          phone: '5511988887777',
          name: 'X',
          text: 'oi',
        })
      ).status,
    ).toBe(404);
    const taken = await asB.post('/api/instance/connect', { instanceName: 'loja-a-scan' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('conflict');
    expect((await statusOf(asA, 'no-such-instance')).status).toBe(404);
  });

  it('answers 400 to bad input on every route and 401 without a session', async () => {
    const bad: [string, () => Promise<{ status: number; body: any }>][] = [
      ['connect: name with spaces', () => asA.post('/api/instance/connect', { instanceName: 'bad name!' })],
      ['connect: name not a string', () => asA.post('/api/instance/connect', { instanceName: 5 })],
      ['connect: name too long', () => asA.post('/api/instance/connect', { instanceName: 'x'.repeat(65) })],
      ['connect: body an array', () => asA.post('/api/instance/connect', [])],
      ['connect: malformed JSON', () => asA.post('/api/instance/connect', '{nope')],
      ['status: no name', () => asA.get('/api/instance/status')],
      ['status: empty name', () => asA.get('/api/instance/status?instanceName=')],
      ['disconnect: no name', () => asA.delete('/api/instance/disconnect')],
      ['scan: no name', () => asA.post('/api/sandbox/scan', {})],
      [
        'messages: phone not digits',
        () =>
          asA.post('/api/sandbox/messages', {
            instanceName: 'loja-a-scan',
            phone: '+55 11 9',
            name: 'X',
            text: 'oi',
          }),
      ],
      [
        'messages: empty text',
        () =>
          asA.post('/api/sandbox/messages', {
            instanceName: 'loja-a-scan',
            phone: '5511988887777',
            name: 'X',
            text: '  ',
          }),
      ],
      [
        'messages: missing name',
        () =>
          asA.post('/api/sandbox/messages', {
            instanceName: 'loja-a-scan',
            phone: '5511988887777',
            text: 'oi',
          }),
      ],
    ];
    for (const [what, call] of bad) {
      const r = await call();
      expect(r.status, what).toBe(400);
      expect(r.body.error.code, what).toBe('validation_failed');
    }
    const anon = api(app.baseUrl);
    for (const r of [
      await anon.post('/api/instance/connect', {}),
      await anon.get('/api/instances'),
      await anon.get('/api/sandbox'),
      await anon.post('/api/sandbox/scan', { instanceName: 'x' }),
    ]) {
      expect(r.status).toBe(401);
    }
  });

  it('a sandbox scan of a number that is not waiting for one is a 409', async () => {
    await asA.post('/api/instance/connect', { instanceName: 'loja-a-409' });
    expect((await asA.post('/api/sandbox/scan', { instanceName: 'loja-a-409' })).status).toBe(200);
    const again = await asA.post('/api/sandbox/scan', { instanceName: 'loja-a-409' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/^simulated WhatsApp: /);
  });

  it("answers 502 with Evolution's message when Evolution refuses a new name, and keeps no row", async () => {
    // Someone else created this name at Evolution behind the Motor's back.
    await new EvolutionClient({ baseUrl: sim.url, apiKey: KEY }).createInstance({
      instanceName: 'loja-a-clash',
      webhook: { url: 'http://127.0.0.1:9/x', headers: {}, events: [] },
    });
    const r = await asA.post('/api/instance/connect', { instanceName: 'loja-a-clash' });
    expect(r.status).toBe(502);
    expect(r.body.error).toMatchObject({
      code: 'upstream_failed',
      message:
        'Evolution API POST /instance/create failed with status 403: This name "loja-a-clash" is already in use.',
    });
    expect((await statusOf(asA, 'loja-a-clash')).status).toBe(404);
    expect((await asA.get('/api/instances')).body.map((i: { name: string }) => i.name)).not.toContain(
      'loja-a-clash',
    );
  });

  it('answers 502 when Evolution cannot be reached, and keeps no row', async () => {
    const down = await startTestApp({
      db: app.db,
      deps: {
        whatsapp: new EvolutionClient({ baseUrl: 'http://127.0.0.1:9', apiKey: KEY, timeoutMs: 1000 }),
        sandbox: null,
        // A create with no answer is looked up at Evolution before the 502 (20 s in production).
        orphanCheck: { windowMs: 300, everyMs: 50 },
      },
    });
    try {
      const asA2 = api(down.baseUrl, a.cookie);
      const r = await asA2.post('/api/instance/connect', { instanceName: 'loja-a-down' });
      expect(r.status).toBe(502);
      expect(r.body.error.message).toMatch(/^Evolution API POST \/instance\/create could not be reached/);
      expect((await statusOf(asA2, 'loja-a-down')).status).toBe(404);
      // Sandbox off with a real Evolution.
      expect((await asA2.get('/api/sandbox')).body).toEqual({ enabled: false });
      expect((await asA2.post('/api/sandbox/scan', { instanceName: 'loja-a-scan' })).status).toBe(404);
      expect((await asA.get('/api/sandbox')).body).toEqual({ enabled: true });
    } finally {
      await down.close();
    }
  });
});

describe('QR expiry through the simulator and the webhook intake', () => {
  let sim: RunningSimulator;
  let app: TestApp;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { qrIntervalMs: 400, qrLimit: 3, retry: { maxAttempts: 2, initialDelayMs: 10 } },
    });
    app = await startTestApp({
      deps: {
        whatsapp: new EvolutionClient({ baseUrl: sim.url, apiKey: KEY }),
        sandbox: new SimulatorSandboxClient({ baseUrl: sim.url, apiKey: KEY }),
      },
    });
    app.deps.config.publicUrl = app.baseUrl;
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  it('ends disconnected with reason qr_limit_reached after the QR limit; connecting again offers a new QR', async () => {
    const owner = await signup(app.baseUrl);
    const as = api(app.baseUrl, owner.cookie);
    const { body } = await as.post('/api/instance/connect', { instanceName: 'qr-expiry' });
    expect(body.status).toBe('initializing');
    const list = await waitFor(
      () => as.get('/api/instances'),
      (r) => r.body[0]?.status === 'disconnected',
    );
    expect(list.body[0]).toMatchObject({
      name: 'qr-expiry',
      status: 'disconnected',
      reason: 'qr_limit_reached',
    });
    await sim.webhooksIdle();
    // The "QR code limit reached" qrcode.updated Evolution sends is not a 5xx for the intake.
    for (const h of sim.instances.get('qr-expiry')!.webhooks.log) expect(h.status, h.event).toBeLessThan(500);
    expect((await as.post('/api/instance/connect', { instanceName: 'qr-expiry' })).status).toBe(200);
    expect((await as.get('/api/instance/status?instanceName=qr-expiry')).body).toMatchObject({
      status: 'connecting',
      qrCode: expect.stringMatching(/^data:image/),
    });
  });
});
