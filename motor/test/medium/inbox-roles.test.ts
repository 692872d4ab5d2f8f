import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 11 (4): an agent could connect and disconnect the company's number. Number management is
// owner/admin only; every role still reads the number's status (the inbox banner needs it).
describe('number management is owner/admin only (issue 11)', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let owner: SignedUp;
  let agent: ReturnType<typeof api>;
  let admin: ReturnType<typeof api>;

  beforeAll(async () => {
    const apiKey = 'roles-test-key';
    sim = await startSimulator({ port: 0, logger: testLogger, apiKey, timings: { qrIntervalMs: 60_000 } });
    const client = { baseUrl: sim.url, apiKey, timeoutMs: 5000 };
    app = await startTestApp({
      deps: { whatsapp: new EvolutionClient(client), sandbox: new SimulatorSandboxClient(client) },
    });
    app.deps.config.publicUrl = app.baseUrl;
    owner = await signup(app.baseUrl);
    agent = api(app.baseUrl, (await addMember(app.baseUrl, owner.cookie, { role: 'agent' })).cookie);
    admin = api(app.baseUrl, (await addMember(app.baseUrl, owner.cookie, { role: 'admin' })).cookie);
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  it('answers 403 forbidden to an agent for connect, disconnect and the sandbox scan', async () => {
    const calls = [
      () => agent.post('/api/instance/connect', { instanceName: 'loja-agente' }),
      () => agent.delete('/api/instance/disconnect?instanceName=loja-agente'),
      () => agent.post('/api/sandbox/scan', { instanceName: 'loja-agente' }),
    ];
    for (const call of calls) {
      const r = await call();
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
  });

  it('lets an admin (and the owner) connect, and every role read the list and status', async () => {
    const r = await admin.post('/api/instance/connect', { instanceName: `loja-admin-${Date.now()}` });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await agent.get('/api/instances')).status).toBe(200);
    const status = await agent.get(`/api/instance/status?instanceName=${r.body.instanceName}`);
    expect(status.status).toBe(200);
    const scan = await admin.post('/api/sandbox/scan', { instanceName: r.body.instanceName });
    expect(scan.status, JSON.stringify(scan.body)).toBe(200);
    const off = await api(app.baseUrl, owner.cookie).delete(
      `/api/instance/disconnect?instanceName=${r.body.instanceName}`,
    );
    expect(off.status, JSON.stringify(off.body)).toBe(200);
  });
});
