import { upstreamFailed } from '../../src/errors.js';
import { classifyEvolutionFailure } from '../../src/adapters/evolution/evolution.reasons.js';
import type { GroupInfo, SentMessage, SentRecord, WhatsAppGateway } from '../../src/ports/whatsapp.port.js';

/**
 * A WhatsApp gateway for unit tests (the port is the only edge faked). `sendText` answers from a
 * script: `next.push(...)` queues outcomes, otherwise it succeeds with a fresh id. Every other
 * method fails loudly, so a test notices a call it did not expect. `findSentMessages` answers from
 * what was sent successfully (`delivered`, as Evolution would keep it), and counts `lookups`.
 *
 * @example
 *   const wa = fakeWhatsApp();
 *   wa.next.push({ error: 'Connection Closed' });
 *   await startTestApp({ deps: { whatsapp: wa } });
 */
export function fakeWhatsApp() {
  const sent: Array<{
    instanceName: string;
    number: string;
    text: string;
    quoted?: { waMessageId: string; fromMe: boolean; participant?: string | null; text: string };
  }> = [];
  const reactions: Array<{ instanceName: string; number: string; waMessageId: string; fromMe: boolean; emoji: string }> =
    [];
  const reads: Array<{ instanceName: string; messages: Array<{ waMessageId: string; remoteJid: string }> }> = [];
  /** Profile picture URL per number (digits or JID) for fetchProfilePictureUrl; absent = none. */
  const pictures = new Map<string, string>();
  const pictureAsks: string[] = [];
  /** Chats whose typing an agent's reply asked WhatsApp to report (sendText `delay`). */
  const presenceSubscriptions: string[] = [];
  // `lost`: WhatsApp got the message but the answer never came back (throws like a timeout).
  const next: Array<{
    waMessageId?: string;
    error?: string;
    status?: number | null;
    wait?: Promise<unknown>;
    lost?: boolean;
  }> = [];
  const delivered: Array<SentRecord & { instanceName: string; remoteJid: string }> = [];
  const lookups: Array<{ instanceName: string; remoteJid: string; since: number; until: number }> = [];
  // whatsappNumbers: numbers without an account, and JIDs WhatsApp knows a number by (else digits@s.whatsapp.net).
  const notOnWhatsApp = new Set<string>();
  const registeredAs = new Map<string, string>();
  const numberLookups: string[][] = [];
  // fetchAllGroups answers these, per instance name.
  const groups = new Map<string, GroupInfo[]>();
  const groupFetches: string[] = [];
  let n = 0;
  const run = Math.random().toString(36).slice(2, 8).toUpperCase(); // ids unique across fakes sharing a db
  const unexpected = (name: string) => () =>
    Promise.reject(new Error(`fakeWhatsApp: unexpected call to ${name}`));
  const gateway: WhatsAppGateway = {
    // /readyz and the overview ask; the fake is a healthy 2.3.6.
    health: async () => ({
      status: 'ok',
      version: '2.3.6',
      simulated: true,
      message: 'fake WhatsApp',
      checkedAt: new Date().toISOString(),
    }),
    createInstance: unexpected('createInstance'),
    connect: unexpected('connect'),
    fetchInstance: unexpected('fetchInstance'),
    logout: unexpected('logout'),
    deleteInstance: unexpected('deleteInstance'),
    setWebhook: unexpected('setWebhook'),
    sendMedia: unexpected('sendMedia'),
    sendVoiceNote: unexpected('sendVoiceNote'),
    getMediaFile: unexpected('getMediaFile'),
    findMessages: async () => ({ total: 0, pages: 0, records: [] }), // reconciliation after a reconnect asks
    async findSentMessages(instanceName, input) {
      lookups.push({ instanceName, ...input });
      return delivered
        .filter((d) => d.instanceName === instanceName && d.remoteJid === input.remoteJid)
        .filter((d) => d.timestamp !== null && d.timestamp >= input.since && d.timestamp <= input.until)
        .reverse();
    },
    async fetchAllGroups(instanceName) {
      groupFetches.push(instanceName);
      return groups.get(instanceName) ?? [];
    },
    async whatsappNumbers(_instanceName, numbers) {
      numberLookups.push(numbers);
      return numbers.map((number) => ({
        number,
        exists: !notOnWhatsApp.has(number),
        jid: registeredAs.get(number) ?? `${number}@s.whatsapp.net`,
        name: null,
      }));
    },
    async sendReaction(instanceName, input): Promise<SentMessage> {
      const step = next.shift() ?? {};
      if (step.error) throw upstreamFailed(step.error, { status: step.status ?? 400, reason: 'invalid_request' });
      reactions.push({ instanceName, number: input.number, ...input.target, emoji: input.emoji });
      n += 1;
      const waMessageId = `3EB0REACT${run}${String(n).padStart(8, '0')}`;
      return { waMessageId, remoteJid: input.number, status: 'PENDING', messageTimestamp: Math.floor(Date.now() / 1000) };
    },
    async markMessagesRead(instanceName, messages) {
      reads.push({ instanceName, messages: messages.map((m) => ({ waMessageId: m.waMessageId, remoteJid: m.remoteJid })) });
    },
    async fetchProfilePictureUrl(_instanceName, number) {
      pictureAsks.push(number);
      return pictures.get(number) ?? pictures.get(number.split('@')[0]!) ?? null;
    },
    async sendText(instanceName, input): Promise<SentMessage> {
      sent.push({ instanceName, number: input.number, text: input.text, ...(input.quoted ? { quoted: input.quoted } : {}) });
      if (input.subscribePresence) presenceSubscriptions.push(input.number);
      const step = next.shift() ?? {};
      if (step.wait) await step.wait;
      if (step.error) {
        const status = step.status === undefined ? 500 : step.status;
        const reason = classifyEvolutionFailure(
          status === null ? { status, noAnswer: 'network' } : { status, message: jsonOr(step.error) },
        );
        throw upstreamFailed(step.error, { status, reason });
      }
      n += 1;
      const waMessageId = step.waMessageId ?? `3EB0FAKE${run}${String(n).padStart(8, '0')}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const remoteJid = input.number.includes('@') ? input.number : `${input.number}@s.whatsapp.net`;
      delivered.push({
        instanceName,
        remoteJid,
        waMessageId,
        text: input.text,
        messageType: 'conversation',
        timestamp,
      });
      if (step.lost)
        throw upstreamFailed('Evolution API did not answer within 15000 ms', {
          status: null,
          reason: 'timeout',
        });
      return { waMessageId, remoteJid: input.number, status: 'PENDING', messageTimestamp: timestamp };
    },
  };
  return Object.assign(gateway, {
    sent,
    next,
    delivered,
    lookups,
    notOnWhatsApp,
    registeredAs,
    numberLookups,
    groups,
    groupFetches,
    reactions,
    reads,
    pictures,
    pictureAsks,
    presenceSubscriptions,
  });
}

/** Evolution's `response.message` may be JSON (e.g. `[{"exists":false,…}]`); a script gives it as text. */
function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
