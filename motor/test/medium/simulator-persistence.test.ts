import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorStore } from '../../src/simulator/simulator.persistence.js';
import { startSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const API_KEY = 'persist-key';

describe(SimulatorStore.name, () => {
  let dir: string;
  let rx: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sim-state-'));
    rx = await startWebhookReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps paired numbers across a restart, as Evolution keeps its instances', async () => {
    const stateFile = path.join(dir, 'simulator.json');
    const timings = { deliveryAckMs: 10, readMs: 10 };
    const first = await startSimulator({ port: 0, logger: testLogger, apiKey: API_KEY, stateFile, timings });
    const wa1 = new EvolutionClient({ baseUrl: first.url, apiKey: API_KEY });
    await wa1.createInstance({ instanceName: 'p-open', webhook: { url: rx.url, headers: { 'x-motor-token': 's' }, events: ['CONNECTION_UPDATE'] } });
    await wa1.createInstance({ instanceName: 'p-waiting', webhook: { url: rx.url, headers: { 'x-motor-token': 's' }, events: [] } });
    const scan = await fetch(`${first.url}/_sim/instances/p-open/scan`, { method: 'POST', headers: { apikey: API_KEY } });
    expect(scan.status).toBe(200);
    await first.webhooksIdle();
    await first.close();

    const second = await startSimulator({ port: 0, logger: testLogger, apiKey: API_KEY, stateFile, timings });
    try {
      const wa2 = new EvolutionClient({ baseUrl: second.url, apiKey: API_KEY });
      await expect(wa2.connectionState('p-open')).resolves.toBe('open');
      await expect(wa2.connectionState('p-waiting')).resolves.toBe('close');
      await expect(wa2.findWebhook('p-open')).resolves.toMatchObject({ url: rx.url, headers: { 'x-motor-token': 's' } });
      const sent = await wa2.sendText('p-open', { number: '5511988880000', text: 'still here' });
      expect(sent.waMessageId).toMatch(/^3EB0/);
      await second.webhooksIdle();
    } finally {
      await second.close();
    }
  });

  it('starts empty from a missing or unreadable file', async () => {
    const sim = await startSimulator({ port: 0, logger: testLogger, apiKey: API_KEY, stateFile: path.join(dir, 'nope', 'x.json') });
    expect(sim.instances.size).toBe(0);
    await sim.close();
  });
});
