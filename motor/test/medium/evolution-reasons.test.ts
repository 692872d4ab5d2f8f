import { FAILURE_REASONS, failureReasonOf } from '@atende/shared';
import { describe, expect, it } from 'vitest';
import { classifyEvolutionFailure } from '../../src/adapters/evolution/evolution.reasons.js';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { startSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';

describe(classifyEvolutionFailure.name, () => {
  // What Evolution 2.3.6 answers (docs/evolution.md "Errors") → the stable reason code.
  it.each([
    [{ status: 500, message: 'Connection Closed' }, 'instance_disconnected'],
    [{ status: 404, message: ['The "x" instance does not exist'] }, 'instance_disconnected'],
    [
      { status: 400, message: [{ jid: '5511@s.whatsapp.net', exists: false, number: '5511' }] },
      'number_not_on_whatsapp',
    ],
    [{ status: 401, message: 'Unauthorized' }, 'evolution_rejected'],
    [{ status: 503, message: 'LICENSE_REQUIRED: service not activated' }, 'evolution_rejected'],
    [{ status: 400, message: ['Text is required'] }, 'invalid_request'],
    [{ status: 403, message: ['This name "x" is already in use.'] }, 'invalid_request'],
    [{ status: 502, message: 'Bad Gateway' }, 'evolution_error'],
    [{ status: null, noAnswer: 'timeout' as const }, 'timeout'],
    [{ status: null, noAnswer: 'network' as const }, 'evolution_unreachable'],
    [{ status: 200, unexpectedBody: true }, 'evolution_error'],
  ])('%j → %s', (outcome, reason) => {
    expect(classifyEvolutionFailure(outcome)).toBe(reason);
    expect(FAILURE_REASONS).toContain(reason);
  });

  it('reaches callers as details.reason of the AppError (real HTTP against the simulator and a closed port)', async () => {
    const sim = await startSimulator({ port: 0, logger: testLogger, apiKey: 'k' });
    try {
      const wa = new EvolutionClient({ baseUrl: sim.url, apiKey: 'k', timeoutMs: 2000 });
      await wa.createInstance({
        instanceName: 'r1',
        webhook: { url: 'http://127.0.0.1:9/none', headers: {}, events: [] },
        qrcode: false,
      });
      const closed = await wa
        .sendText('r1', { number: '5511999990001', text: 'oi' })
        .catch((e: unknown) => e);
      expect(failureReasonOf(closed)).toBe('instance_disconnected');
      const wrongKey = await new EvolutionClient({ baseUrl: sim.url, apiKey: 'nope' })
        .sendText('r1', { number: '5511999990001', text: 'oi' })
        .catch((e: unknown) => e);
      expect(failureReasonOf(wrongKey)).toBe('evolution_rejected');
      const unreachable = await new EvolutionClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k' })
        .version()
        .catch((e: unknown) => e);
      expect(failureReasonOf(unreachable)).toBe('evolution_unreachable');
    } finally {
      await sim.close();
    }
  });
});
