import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { WhatsAppGateway, WhatsAppSandbox } from '../../ports/whatsapp.port.js';
import { startSimulator } from '../../simulator/simulator.server.js';
import { EvolutionClient } from './evolution.client.js';
import { SimulatorSandboxClient } from './simulator-sandbox.client.js';

export interface WhatsAppWiring {
  whatsapp: WhatsAppGateway;
  /** Only in simulator mode. */
  sandbox: WhatsAppSandbox | null;
  /** The simulator's base URL in simulator mode. */
  simulatorUrl: string | null;
  close(): Promise<void>;
}

/**
 * The WhatsApp gateway for the configured mode: the real Evolution API, or the built-in Evolution
 * simulator started in-process on SIMULATOR_PORT (loopback only) with a generated global apikey.
 *
 * @example
 *   const wa = await createWhatsApp({ config, logger });
 *   await wa.whatsapp.sendText('loja-1', { number: '5511999990000', text: 'Olá' });
 *   await wa.close();
 */
export async function createWhatsApp(opts: {
  config: Config;
  logger: Logger;
  fetch?: typeof fetch;
}): Promise<WhatsAppWiring> {
  const { evolution } = opts.config;
  if (evolution.mode === 'real') {
    return {
      whatsapp: new EvolutionClient({
        baseUrl: evolution.url,
        apiKey: evolution.apiKey,
        timeoutMs: evolution.timeoutMs,
        fetch: opts.fetch,
      }),
      sandbox: null,
      simulatorUrl: null,
      close: async () => {},
    };
  }
  const apiKey = randomBytes(24).toString('base64url');
  const sim = await startSimulator({
    port: evolution.port,
    host: '127.0.0.1',
    logger: opts.logger.child({ component: 'evolution-simulator' }),
    apiKey,
    stateFile: path.join(opts.config.dataDir, 'simulator.json'),
    timings: { createDelayMs: evolution.createDelayMs },
  });
  const client = { baseUrl: sim.url, apiKey, timeoutMs: evolution.timeoutMs, fetch: opts.fetch };
  return {
    whatsapp: new EvolutionClient(client),
    sandbox: new SimulatorSandboxClient(client),
    simulatorUrl: sim.url,
    close: () => sim.close(),
  };
}
