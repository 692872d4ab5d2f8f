import { expect } from 'vitest';
import type { api } from './http-client.js';
import { waitFor } from './wait-for.js';

/**
 * Connects a number through the Motor's API and scans its QR on the simulator, then waits until
 * the Motor says it is connected (the path an owner takes in Configurações → WhatsApp).
 */
export async function connectOnSimulator(opts: {
  as: ReturnType<typeof api>;
  simUrl: string;
  apiKey: string;
  instanceName: string;
}): Promise<void> {
  const { as, simUrl, apiKey, instanceName } = opts;
  expect((await as.post('/api/instance/connect', { instanceName })).status).toBe(200);
  await fetch(`${simUrl}/_sim/instances/${instanceName}/scan`, {
    method: 'POST',
    headers: { apikey: apiKey, 'content-type': 'application/json' },
    body: '{}',
  });
  await waitFor(
    async () => (await as.get(`/api/instance/status?instanceName=${instanceName}`)).body,
    (s) => s.status === 'connected',
  );
}
