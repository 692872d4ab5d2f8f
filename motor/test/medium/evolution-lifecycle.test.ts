import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { InstancesService } from '../../src/services/instances.service.js';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/simulator.server.js';
import { api, signup } from '../support/http-client.js';
import { recorder } from '../support/ingest-harness.js';
import { testLogger } from '../support/silent-logger.js';
import { createTestDb } from '../support/test-db.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

// Issue 12, points 1–6, against the simulator behaving like a real Evolution 2.3.6.
const KEY = 'lifecycle-test-key';
const FAST = {
  qrIntervalMs: 60_000,
  deliveryAckMs: 10,
  readMs: 10,
  retry: { maxAttempts: 2, initialDelayMs: 20 },
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One database for the file: each rig is a new simulator, Motor and account, and every test
// uses instance names of its own.
let db: PgliteDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db?.close());

interface Rig {
  sim: RunningSimulator;
  app: TestApp;
  as: ReturnType<typeof api>;
  rt: ReturnType<typeof recorder>;
  status(name: string): Promise<any>;
  close(): Promise<void>;
}

async function rig(
  o: {
    timings?: SimulatorOptions['timings'];
    timeoutMs?: number;
    orphanCheck?: { windowMs: number; everyMs: number };
    apiKey?: string;
  } = {},
): Promise<Rig> {
  const sim = await startSimulator({
    port: 0,
    logger: testLogger,
    apiKey: KEY,
    timings: { ...FAST, ...o.timings },
  });
  const client = { baseUrl: sim.url, apiKey: o.apiKey ?? KEY, timeoutMs: o.timeoutMs ?? 5000 };
  const rt = recorder();
  const app = await startTestApp({
    db,
    deps: () => ({
      realtime: rt,
      whatsapp: new EvolutionClient(client),
      sandbox: new SimulatorSandboxClient(client),
      ...(o.orphanCheck ? { orphanCheck: o.orphanCheck } : {}),
      evolutionCheck: false, // test 4 starts against a wrong key on purpose
    }),
  });
  app.deps.config.publicUrl = app.baseUrl;
  const owner = await signup(app.baseUrl, { accountName: 'Loja Ciclo' });
  const as = api(app.baseUrl, owner.cookie);
  return {
    sim,
    app,
    as,
    rt,
    status: async (name) => (await as.get(`/api/instance/status?instanceName=${name}`)).body,
    async close() {
      await app.close();
      await sim.close();
    },
  };
}

describe('Evolution lifecycle against a faithful simulator', () => {
  let r: Rig | null = null;
  afterEach(async () => {
    await r?.close();
    r = null;
  });

  it('1. disconnect while connecting really stops the session and the number stays disconnected', async () => {
    r = await rig({ timings: { connectingFloodMs: 40 } });
    expect((await r.as.post('/api/instance/connect', { instanceName: 'ciclo-1' })).status).toBe(200);
    expect((await r.status('ciclo-1')).status).toBe('connecting');
    // Real 2.3.6: logout of a connecting session is 400 "not connected" and the loop goes on.
    const logout = await fetch(`${r.sim.url}/instance/logout/ciclo-1`, {
      method: 'DELETE',
      headers: { apikey: KEY },
    });
    expect(logout.status).toBe(400);
    expect(r.sim.instances.get('ciclo-1')?.state).toBe('connecting');

    const d = await r.as.delete('/api/instance/disconnect?instanceName=ciclo-1');
    expect(d.status).toBe(200);
    expect(r.sim.instances.has('ciclo-1')).toBe(false); // deleted at Evolution: nothing loops there
    await pause(400); // the flood and the dead session's late `connecting` come and go
    await r.sim.webhooksIdle();
    expect(await r.status('ciclo-1')).toMatchObject({ status: 'disconnected' });
    // Connecting again works: a new incarnation.
    expect((await r.as.post('/api/instance/connect', { instanceName: 'ciclo-1' })).status).toBe(200);
    expect((await r.status('ciclo-1')).status).toBe('connecting');
  });

  it('2a. a create slower than the timeout is reconciled: the instance Evolution made is reused, not orphaned', async () => {
    r = await rig({
      timings: { createDelayMs: 1200 },
      timeoutMs: 300,
      orphanCheck: { windowMs: 3000, everyMs: 100 },
    });
    const c = await r.as.post('/api/instance/connect', { instanceName: 'ciclo-2a' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(await r.status('ciclo-2a')).toMatchObject({
      status: 'connecting',
      qrCode: expect.stringMatching(/^data:image/),
    });
    const auth = await r.app.db.call<{ webhookSecret: string; evolutionToken: string }>('instance_auth', {
      name: 'ciclo-2a',
    });
    const evo = r.sim.instances.get('ciclo-2a')!;
    expect(evo.webhook?.headers).toEqual({ 'x-motor-token': auth.webhookSecret });
    expect(evo.token).toBe(auth.evolutionToken);
    // Its webhooks are accepted (a scan connects the number).
    await fetch(`${r.sim.url}/_sim/instances/ciclo-2a/scan`, {
      method: 'POST',
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: '{}',
    });
    await waitFor(
      () => r!.status('ciclo-2a'),
      (s) => s.status === 'connected',
    );
  });

  it('2b. a create that shows up only after the Motor gave up is deleted at Evolution (no orphan looping)', async () => {
    r = await rig({
      timings: { createDelayMs: 1500, connectingFloodMs: 50 },
      timeoutMs: 200,
      orphanCheck: { windowMs: 2500, everyMs: 100 },
    });
    // Evolution is slow to even register it: the create request is held before it exists.
    const sim = r.sim;
    const c = await r.as.post('/api/instance/connect', { instanceName: 'ciclo-2b' });
    // Reused (it appeared inside the window) or refused with no row; either way nothing loops unowned.
    if (c.status === 200) {
      expect((await r.status('ciclo-2b')).status).toBe('connecting');
    } else {
      expect(c.status).toBe(502);
      await waitFor(
        () => sim.instances.has('ciclo-2b'),
        (has) => !has,
        8000,
      );
    }
    const rows = await r.as.get('/api/instances');
    const evolutionHas = sim.instances.has('ciclo-2b');
    expect(rows.body.some((i: any) => i.name === 'ciclo-2b')).toBe(evolutionHas);
  });

  it('3. late webhooks after removal change nothing; a reused name ignores the old session (old token)', async () => {
    r = await rig({ timings: { zombieEvents: 3, zombieIntervalMs: 250 } });
    await r.as.post('/api/instance/connect', { instanceName: 'ciclo-3' });
    const first = await r.app.db.call<{ evolutionToken: string }>('instance_auth', { name: 'ciclo-3' });
    const dead = r.sim.instances.get('ciclo-3')!;
    // Remove for good while connecting: Evolution deletes, the dead session still sends.
    expect((await r.as.delete('/api/instance?instanceName=ciclo-3')).status).toBe(200);
    expect((await r.as.get('/api/instances')).body.map((i: any) => i.name)).not.toContain('ciclo-3');
    await pause(300);
    await r.sim.webhooksIdle();
    expect((await r.as.get('/api/instances')).body.map((i: any) => i.name)).not.toContain('ciclo-3');
    expect((await r.status('ciclo-3')).error?.code).toBe('not_found');

    // The same name connected again while the dead session still sends (through the new webhook).
    const qrsBefore = r.rt.qrs.length;
    await r.as.post('/api/instance/connect', { instanceName: 'ciclo-3' });
    const second = await r.app.db.call<{ evolutionToken: string }>('instance_auth', { name: 'ciclo-3' });
    expect(second.evolutionToken).not.toBe(first.evolutionToken);
    const current = r.sim.instances.get('ciclo-3')!;
    await pause(800);
    await r.sim.webhooksIdle();
    const ghostQrs = r.rt.qrs
      .slice(qrsBefore)
      .filter((q) => q.instanceName === 'ciclo-3' && q.qrCode !== current.qr?.base64);
    expect(ghostQrs).toEqual([]); // no QR of the dead session reached the dashboard
    // The dead session did send through the new webhook, and was answered 200 ignored.
    const ghostHooks = dead.webhooks.log.filter((w) => w.event === 'qrcode.updated' && w.status === 200);
    expect(ghostHooks.length).toBeGreaterThan(0);
    expect(await r.status('ciclo-3')).toMatchObject({ status: 'connecting', qrCode: current.qr?.base64 });
  });

  it('4. checks EVOLUTION_API_KEY: /readyz fails with a clear message, the overview shows the status', async () => {
    r = await rig({ apiKey: 'wrong-key' });
    const ready = await fetch(`${r.app.baseUrl}/readyz`);
    const body = (await ready.json()) as any;
    expect(ready.status).toBe(503);
    expect(body.error.message).toMatch(/EVOLUTION_API_KEY/);
    expect(body.error.details.evolution).toMatchObject({ status: 'key_rejected', version: '2.3.6' });
    const overview = await r.as.get('/api/overview');
    expect(overview.body.evolution).toMatchObject({ status: 'key_rejected' });
  });

  it('4b. a good key is ok; a 2.4 server is refused with the licence explained; an unreachable one is reported', async () => {
    r = await rig();
    const ok = await fetch(`${r.app.baseUrl}/readyz`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).evolution).toMatchObject({
      status: 'ok',
      version: '2.3.6',
      simulated: true,
    });

    const v24 = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/')
        return res.end(JSON.stringify({ status: 200, message: 'Welcome', version: '2.4.0' }));
      res.statusCode = 503;
      res.end(
        JSON.stringify({ error: 'service not activated', code: 'LICENSE_REQUIRED', message: 'activate' }),
      );
    });
    await new Promise<void>((done) => v24.listen(0, '127.0.0.1', done));
    try {
      const h = await new EvolutionClient({
        baseUrl: `http://127.0.0.1:${(v24.address() as AddressInfo).port}`,
        apiKey: 'k',
      }).health();
      expect(h).toMatchObject({ status: 'licence_locked', version: '2.4.0' });
      expect(h.message).toMatch(/2\.4.*licen[cs]/i);
      expect(h.message).toMatch(/2\.3/);
    } finally {
      v24.close();
    }
    const down = await new EvolutionClient({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      timeoutMs: 1000,
    }).health();
    expect(down.status).toBe('unreachable');
  });

  it('5. a send to a disconnected number stores the reason code instance_disconnected', async () => {
    r = await rig();
    await r.as.post('/api/instance/connect', { instanceName: 'ciclo-5' });
    await r.as.post('/api/sandbox/scan', { instanceName: 'ciclo-5' });
    await waitFor(
      () => r!.status('ciclo-5'),
      (s) => s.status === 'connected',
    );
    await r.as.post('/api/sandbox/messages', {
      instanceName: 'ciclo-5',
      phone: '5511988887777',
      name: 'Rita',
      text: 'Oi',
    });
    const conv = await waitFor(
      async () => (await r!.as.get('/api/conversations')).body?.[0],
      (c) => !!c,
    );
    // The phone unlinks the number (Evolution then answers sends with 500 "Connection Closed").
    await fetch(`${r.sim.url}/_sim/instances/ciclo-5/disconnect`, {
      method: 'POST',
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: '{"reason":"closed"}',
    });
    const sent = await r.as.post(`/api/conversations/${conv.id}/messages`, { text: 'Tudo bem?' });
    expect(sent.status).toBe(200);
    // The outbox sends it; Evolution's 500 "Connection Closed" becomes the stable reason code.
    const failed = await waitFor(
      async () =>
        ((await r!.as.get(`/api/conversations/${conv.id}/messages`)).body as any[]).find(
          (m) => m.id === sent.body.message.id,
        ),
      (m) => m?.status === 'failed',
    );
    expect(failed.error).toBe('instance_disconnected');
  });

  it('6. repeated `connecting` webhooks do not rewrite the instance row', async () => {
    r = await rig({ timings: { connectingFloodMs: 20 } });
    await r.as.post('/api/instance/connect', { instanceName: 'ciclo-6' });
    const before = await r.app.db.call<{ updatedAt: string }>('instance_get', {
      accountId: (await r.as.get('/api/me')).body.account.id,
      name: 'ciclo-6',
    });
    const accepted = () =>
      r!.sim.instances
        .get('ciclo-6')!
        .webhooks.log.filter((w) => w.event === 'connection.update' && w.status === 200).length;
    await waitFor(accepted, (n) => n >= 10);
    const after = await r.app.db.call<{ updatedAt: string }>('instance_get', {
      accountId: (await r.as.get('/api/me')).body.account.id,
      name: 'ciclo-6',
    });
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(
      r.rt.published.filter(
        (e) => e.type === 'instance.updated' && (e.data as any).instance.name === 'ciclo-6',
      ),
    ).toHaveLength(1);
  });
});

describe(`${InstancesService.name}: pairing code`, () => {
  let r: Rig;
  afterAll(() => r?.close());
  it('connects with a phone number: Evolution gives a pairing code, shown with the status', async () => {
    r = await rig();
    const c = await r.as.post('/api/instance/connect', {
      instanceName: 'ciclo-pair',
      number: '5511987654321',
    });
    expect(c.status).toBe(200);
    const s = await r.status('ciclo-pair');
    expect(s).toMatchObject({ status: 'connecting', pairingCode: expect.stringMatching(/^[0-9A-Z]{8}$/) });
    expect(r.sim.instances.get('ciclo-pair')?.pairingNumber).toBe('5511987654321');
    const bad = await r.as.post('/api/instance/connect', { instanceName: 'ciclo-pair', number: '+55 11' });
    expect(bad.status).toBe(400);
  });
});

describe('7. what the docs say about the subscription', () => {
  it('docker-compose and docs/evolution.md list exactly the events the Motor subscribes to', async () => {
    const { readFile } = await import('node:fs/promises');
    const { SUBSCRIBED_EVENTS: MOTOR_WEBHOOK_EVENTS } =
      await import('../../src/adapters/evolution/webhook/webhook.events.js');
    const root = new URL('../../../', import.meta.url);
    const compose = await readFile(new URL('docker/docker-compose.yml', root), 'utf8');
    const comment = compose.slice(
      compose.indexOf('events it subscribes to'),
      compose.indexOf('The WEBHOOK_EVENTS_'),
    );
    const listed = (text: string) =>
      [...new Set(text.match(/\b[A-Z]+(?:_[A-Z]+)+\b/g) ?? [])]
        .filter((n) => n !== 'SUBSCRIBED_EVENTS')
        .sort();
    expect(listed(comment)).toEqual([...MOTOR_WEBHOOK_EVENTS].sort());
    expect(compose).toContain(`The ${MOTOR_WEBHOOK_EVENTS.length} events`);
    const doc = await readFile(new URL('docs/evolution.md', root), 'utf8');
    const section = doc.slice(
      doc.indexOf('## Subscribed events'),
      doc.indexOf('\n## ', doc.indexOf('## Subscribed events') + 5),
    );
    expect(listed(section)).toEqual([...MOTOR_WEBHOOK_EVENTS].sort());
  });
});
