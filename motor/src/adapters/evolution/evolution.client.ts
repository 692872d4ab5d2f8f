import type { EvolutionHealth } from '@atende/shared';
import type { z } from 'zod';
import { isAppError } from '../../errors.js';
import type {
  CreatedInstance,
  EvolutionInstanceInfo,
  EvolutionState,
  GroupInfo,
  LogoutOutcome,
  MediaFile,
  QrCode,
  QuotedKey,
  SentMessage,
  SentRecord,
  WebhookSettings,
  WhatsAppGateway,
  WhatsAppNumber,
} from '../../ports/whatsapp.port.js';
import { EvolutionHttp, type EvolutionFailure, type EvolutionHttpOptions } from './evolution.http.js';
import { checkEvolutionHealth } from './evolution.health.js';
import * as s from './evolution.schemas.js';
import { SUBSCRIBED_EVENTS } from './webhook/webhook.events.js';
import { normalizeGroups } from './webhook/webhook.normalizer.js';
import { groupsDataSchema } from './webhook/webhook.schemas.js';

const enc = encodeURIComponent;

/**
 * The Evolution API 2.3.x adapter (real server or the built-in simulator: same protocol). Thin
 * typed methods over {@link EvolutionHttp}; every failure is `upstream_failed` (502) with
 * Evolution's status and message.
 *
 * @example
 *   const wa = new EvolutionClient({ baseUrl: 'http://127.0.0.1:8081', apiKey: 'k', timeoutMs: 15_000 });
 *   const { qr } = await wa.connect('loja-demo-4f2a');
 */
export class EvolutionClient implements WhatsAppGateway {
  private readonly http: EvolutionHttp;

  constructor(opts: EvolutionHttpOptions) {
    this.http = new EvolutionHttp(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async version(): Promise<string> {
    return (await this.http.request({ method: 'GET', path: '/', schema: s.rootSchema })).version;
  }

  async health(): Promise<EvolutionHealth> {
    return checkEvolutionHealth(this.http);
  }

  async createInstance(input: {
    instanceName: string;
    webhook: WebhookSettings;
    qrcode?: boolean;
    number?: string;
    token?: string;
  }): Promise<CreatedInstance> {
    const r = await this.http.request({
      method: 'POST',
      path: '/instance/create',
      schema: s.createInstanceSchema,
      body: {
        instanceName: input.instanceName,
        integration: 'WHATSAPP-BAILEYS',
        qrcode: input.qrcode ?? true,
        ...(input.number ? { number: input.number } : {}),
        ...(input.token ? { token: input.token } : {}),
        webhook: webhookBody(input.webhook),
      },
    });
    const token = typeof r.hash === 'string' ? r.hash : (r.hash?.apikey ?? null);
    return {
      instanceName: r.instance.instanceName,
      evolutionId: r.instance.instanceId ?? null,
      token,
      status: r.instance.status ?? 'close',
      qr: toQr(r.qrcode),
    };
  }

  async connect(
    instanceName: string,
    opts: { number?: string } = {},
  ): Promise<{ state: EvolutionState | null; qr: QrCode | null }> {
    const r = await this.http.request({
      method: 'GET',
      path: `/instance/connect/${enc(instanceName)}`,
      query: { number: opts.number },
      schema: s.connectSchema,
    });
    const open = s.connectOpenSchema.safeParse(r);
    if (open.success) return { state: toState(open.data.instance.state), qr: null };
    return { state: 'connecting', qr: toQr(r as z.infer<typeof s.qrSchema>) };
  }

  async connectionState(instanceName: string): Promise<EvolutionState> {
    const r = await this.http.request({
      method: 'GET',
      path: `/instance/connectionState/${enc(instanceName)}`,
      schema: s.connectionStateSchema,
    });
    return toState(r.instance.state) ?? 'close';
  }

  async fetchInstance(instanceName: string): Promise<EvolutionInstanceInfo | null> {
    const rows = await ifFound(() =>
      this.http.request({
        method: 'GET',
        path: '/instance/fetchInstances',
        query: { instanceName },
        schema: s.fetchInstancesSchema,
      }),
    );
    const row = rows?.find((r) => r.name === instanceName);
    if (!row) return null;
    return {
      name: row.name,
      connectionStatus: row.connectionStatus,
      ownerJid: row.ownerJid ?? null,
      profileName: row.profileName ?? null,
      token: row.token ?? null,
    };
  }

  async logout(instanceName: string): Promise<LogoutOutcome> {
    try {
      await this.http.request({
        method: 'DELETE',
        path: `/instance/logout/${enc(instanceName)}`,
        schema: s.anySchema,
      });
      return 'logged_out';
    } catch (err) {
      // 2.3.x answers 400 "… is not connected" for any session that is not open, one still
      // connecting included (its loop goes on); 2.4 made logout idempotent. An instance Evolution
      // does not know (404) is not logged in anywhere either.
      if (statusOf(err) === 400 && /not connected/i.test(messageOf(err))) return 'not_connected';
      if (statusOf(err) === 404) return 'unknown_instance';
      throw err;
    }
  }

  async deleteInstance(instanceName: string): Promise<void> {
    await ifFound(() =>
      this.http.request({
        method: 'DELETE',
        path: `/instance/delete/${enc(instanceName)}`,
        schema: s.anySchema,
      }),
    );
  }

  async setWebhook(instanceName: string, webhook: WebhookSettings): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `/webhook/set/${enc(instanceName)}`,
      body: { webhook: webhookBody(webhook) },
      schema: s.anySchema,
    });
  }

  async findWebhook(instanceName: string): Promise<(WebhookSettings & { enabled: boolean }) | null> {
    const r = await this.http.request({
      method: 'GET',
      path: `/webhook/find/${enc(instanceName)}`,
      schema: s.webhookRowSchema,
    });
    if (!r) return null;
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v)]));
    return {
      url: r.url,
      enabled: r.enabled,
      headers,
      events: r.events ?? [],
      byEvents: r.webhookByEvents ?? false,
    };
  }

  async sendText(
    instanceName: string,
    input: { number: string; text: string; quoted?: QuotedKey & { text: string }; subscribePresence?: boolean },
  ): Promise<SentMessage> {
    const r = await this.http.request({
      method: 'POST',
      path: `/message/sendText/${enc(instanceName)}`,
      body: {
        number: input.number,
        text: input.text,
        // Any `delay` makes Evolution subscribe to the chat's presence (Baileys presenceSubscribe)
        // before sending; without it no presence.update ever comes. 1 ms of "typing" is invisible.
        ...(input.subscribePresence ? { delay: 1 } : {}),
        // With `message`, Evolution quotes without looking the original up in its own database
        // (which may not hold it: a message from before the instance was created, say).
        ...(input.quoted
          ? {
              quoted: {
                key: keyOf(input.number, input.quoted),
                message: { conversation: input.quoted.text },
              },
            }
          : {}),
      },
      schema: s.sentMessageSchema,
    });
    return toSent(r);
  }

  async sendReaction(
    instanceName: string,
    input: { number: string; target: QuotedKey; emoji: string },
  ): Promise<SentMessage> {
    const r = await this.http.request({
      method: 'POST',
      path: `/message/sendReaction/${enc(instanceName)}`,
      body: { key: keyOf(input.number, input.target), reaction: input.emoji },
      schema: s.sentMessageSchema,
    });
    return toSent(r);
  }

  async markMessagesRead(
    instanceName: string,
    messages: Array<{ waMessageId: string; remoteJid: string; participant: string | null }>,
  ): Promise<void> {
    if (messages.length === 0) return;
    await this.http.request({
      method: 'POST',
      path: `/chat/markMessageAsRead/${enc(instanceName)}`,
      body: {
        readMessages: messages.map((m) => ({
          id: m.waMessageId,
          fromMe: false,
          remoteJid: m.remoteJid,
          ...(m.participant ? { participant: m.participant } : {}),
        })),
      },
      schema: s.anySchema,
    });
  }

  async fetchProfilePictureUrl(instanceName: string, number: string): Promise<string | null> {
    const r = await this.http.request({
      method: 'POST',
      path: `/chat/fetchProfilePictureUrl/${enc(instanceName)}`,
      body: { number },
      schema: s.profilePictureSchema,
    });
    return r.profilePictureUrl ?? null;
  }

  async sendMedia(
    instanceName: string,
    input: {
      number: string;
      mediatype: 'image' | 'video' | 'document' | 'audio';
      media: string;
      mimetype?: string;
      caption?: string;
      fileName?: string;
    },
  ): Promise<SentMessage> {
    const r = await this.http.request({
      method: 'POST',
      path: `/message/sendMedia/${enc(instanceName)}`,
      body: input,
      schema: s.sentMessageSchema,
    });
    return toSent(r);
  }

  async sendVoiceNote(instanceName: string, input: { number: string; audio: string }): Promise<SentMessage> {
    const r = await this.http.request({
      method: 'POST',
      path: `/message/sendWhatsAppAudio/${enc(instanceName)}`,
      body: { number: input.number, audio: input.audio },
      schema: s.sentMessageSchema,
    });
    return toSent(r);
  }

  async getMediaFile(instanceName: string, waMessageId: string): Promise<MediaFile> {
    const r = await this.http.request({
      method: 'POST',
      path: `/chat/getBase64FromMediaMessage/${enc(instanceName)}`,
      body: { message: { key: { id: waMessageId } }, convertToMp4: false },
      schema: s.mediaBase64Schema,
    });
    return { bytes: Buffer.from(r.base64, 'base64'), mimetype: r.mimetype ?? null, fileName: r.fileName ?? null };
  }

  async findMessages(
    instanceName: string,
    input: { remoteJid: string; page?: number; pageSize?: number },
  ): Promise<{ total: number; pages: number; records: unknown[] }> {
    const r = await this.http.request({
      method: 'POST',
      path: `/chat/findMessages/${enc(instanceName)}`,
      body: {
        where: { key: { remoteJid: input.remoteJid } },
        page: input.page ?? 1,
        offset: input.pageSize ?? 50,
      },
      schema: s.findMessagesSchema,
    });
    return { total: r.messages.total, pages: r.messages.pages ?? 1, records: r.messages.records };
  }

  async findSentMessages(
    instanceName: string,
    input: { remoteJid: string; since: number; until: number },
  ): Promise<SentRecord[]> {
    const r = await this.http.request({
      method: 'POST',
      path: `/chat/findMessages/${enc(instanceName)}`,
      body: {
        where: {
          key: { remoteJid: input.remoteJid, fromMe: true },
          // Evolution applies the range only when both bounds are given.
          messageTimestamp: {
            gte: new Date(input.since * 1000).toISOString(),
            lte: new Date(input.until * 1000).toISOString(),
          },
        },
        page: 1,
        offset: 100,
      },
      schema: s.findMessagesSchema,
    });
    return r.messages.records.flatMap((rec) => {
      const m = s.sentRecordSchema.safeParse(rec);
      if (!m.success || m.data.key.fromMe === false) return [];
      const ts = Number(m.data.messageTimestamp);
      // Evolution filters by these bounds too; checked again for servers that ignore the filter.
      if (Number.isFinite(ts) && (ts < input.since || ts > input.until)) return [];
      const msg = m.data.message ?? {};
      const text =
        msg.conversation ??
        msg.extendedTextMessage?.text ??
        msg.imageMessage?.caption ??
        msg.videoMessage?.caption ??
        msg.documentMessage?.caption ??
        null;
      return [
        {
          waMessageId: m.data.key.id,
          text,
          messageType: m.data.messageType ?? null,
          timestamp: Number.isFinite(ts) ? ts : null,
        },
      ];
    });
  }

  async fetchAllGroups(instanceName: string, opts: { getParticipants?: boolean } = {}): Promise<GroupInfo[]> {
    const raw = await this.http.request({
      method: 'GET',
      path: `/group/fetchAllGroups/${enc(instanceName)}`,
      query: { getParticipants: String(opts.getParticipants ?? false) },
      schema: s.groupsSchema,
    });
    // One odd entry must not hide the others.
    return raw.flatMap((g) => {
      const parsed = groupsDataSchema.safeParse(g);
      return parsed.success ? normalizeGroups(parsed.data) : [];
    });
  }

  async whatsappNumbers(instanceName: string, numbers: string[]): Promise<WhatsAppNumber[]> {
    const r = await this.http.request({
      method: 'POST',
      path: `/chat/whatsappNumbers/${enc(instanceName)}`,
      body: { numbers },
      schema: s.whatsappNumbersSchema,
    });
    return r.map((n) => ({ number: n.number, exists: n.exists, jid: n.jid, name: n.name ?? null }));
  }
}

/** Evolution's message key for a message of the chat `number` (digits or a JID). */
function keyOf(number: string, q: QuotedKey) {
  return {
    id: q.waMessageId,
    remoteJid: number.includes('@') ? number : `${number}@s.whatsapp.net`,
    fromMe: q.fromMe,
    ...(q.participant ? { participant: q.participant } : {}),
  };
}

function webhookBody(w: WebhookSettings) {
  return {
    enabled: true,
    url: w.url,
    byEvents: w.byEvents ?? false,
    base64: false,
    headers: w.headers,
    events: w.events ?? SUBSCRIBED_EVENTS,
  };
}

function toQr(q: z.infer<typeof s.qrSchema> | null | undefined): QrCode | null {
  if (!q || (!q.base64 && !q.code && !q.pairingCode)) return null;
  return { base64: q.base64 ?? null, code: q.code ?? null, pairingCode: q.pairingCode ?? null };
}

function toState(state: string): EvolutionState | null {
  return state === 'open' || state === 'connecting' || state === 'close' || state === 'refused'
    ? state
    : null;
}

function toSent(r: z.infer<typeof s.sentMessageSchema>): SentMessage {
  const ts =
    r.messageTimestamp === null || r.messageTimestamp === undefined ? null : Number(r.messageTimestamp);
  return {
    waMessageId: r.key.id,
    remoteJid: r.key.remoteJid,
    status: r.status ?? null,
    messageTimestamp: Number.isFinite(ts) ? ts : null,
  };
}

function statusOf(err: unknown): number | null {
  return isAppError(err) ? ((err.details as EvolutionFailure | undefined)?.status ?? null) : null;
}

function messageOf(err: unknown): string {
  return isAppError(err) ? ((err.details as EvolutionFailure | undefined)?.evolutionMessage ?? '') : '';
}

/** Runs an Evolution call whose 404 means "no such instance": resolves null instead. */
async function ifFound<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}
