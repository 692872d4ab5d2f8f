import { upstreamFailed } from '../../src/errors.js';
import { classifyEvolutionFailure } from '../../src/adapters/evolution/evolution.reasons.js';
import type { SentMessage, WhatsAppGateway } from '../../src/ports/whatsapp.port.js';

/**
 * A WhatsApp gateway for unit tests (the port is the only edge faked). `sendText` answers from a
 * script: `next.push(...)` queues outcomes, otherwise it succeeds with a fresh id. Every other
 * method fails loudly, so a test notices a call it did not expect.
 *
 * @example
 *   const wa = fakeWhatsApp();
 *   wa.next.push({ error: 'Connection Closed' });
 *   await startTestApp({ deps: { whatsapp: wa } });
 */
export function fakeWhatsApp() {
  const sent: Array<{ instanceName: string; number: string; text: string }> = [];
  const next: Array<{ waMessageId?: string; error?: string; wait?: Promise<unknown> }> = [];
  let n = 0;
  const unexpected = (name: string) => () =>
    Promise.reject(new Error(`fakeWhatsApp: unexpected call to ${name}`));
  const gateway: WhatsAppGateway = {
    version: unexpected('version'),
    createInstance: unexpected('createInstance'),
    connect: unexpected('connect'),
    connectionState: unexpected('connectionState'),
    fetchInstance: unexpected('fetchInstance'),
    logout: unexpected('logout'),
    deleteInstance: unexpected('deleteInstance'),
    setWebhook: unexpected('setWebhook'),
    findWebhook: unexpected('findWebhook'),
    sendMedia: unexpected('sendMedia'),
    findMessages: unexpected('findMessages'),
    fetchAllGroups: unexpected('fetchAllGroups'),
    async sendText(instanceName, input): Promise<SentMessage> {
      sent.push({ instanceName, number: input.number, text: input.text });
      const step = next.shift() ?? {};
      if (step.wait) await step.wait;
      if (step.error)
        throw upstreamFailed(step.error, {
          status: 500,
          reason: classifyEvolutionFailure({ status: 500, message: step.error }),
        });
      n += 1;
      return {
        waMessageId: step.waMessageId ?? `3EB0FAKE${String(n).padStart(14, '0')}`,
        remoteJid: input.number,
        status: 'PENDING',
        messageTimestamp: Math.floor(Date.now() / 1000),
      };
    },
  };
  return Object.assign(gateway, { sent, next });
}
