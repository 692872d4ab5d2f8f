import { randomBytes } from 'node:crypto';

/**
 * Builders for Evolution-shaped webhook bodies (Evolution 2.3.6, Baileys 7: see
 * test/fixtures/evolution/messages-upsert-text.json), for load generators, benchmarks and
 * reliability tests. Every body is exactly what Evolution POSTs: the envelope
 * `{event, instance, data, destination, date_time, sender, server_url, apikey}` and, for
 * `messages.upsert`, `data` as `prepareMessage` builds it (bytes as `{"0":n,…}`, int64 as
 * `{low,high,unsigned}`, `date_time` 3 h behind UTC with a `Z`).
 */

export interface MessageUpsertOptions {
  /** The instance's name at Evolution (`body.instance`). */
  instance: string;
  /** WhatsApp message id (`data.key.id`); unique per instance unless you want a duplicate. */
  id?: string;
  /** The contact's phone, digits only, country code first (e.g. `5511999990001`). */
  phone: string;
  text?: string;
  pushName?: string;
  fromMe?: boolean;
  /** Epoch seconds (`data.messageTimestamp`); defaults to now. */
  timestamp?: number;
  /** Evolution's own id for the instance (`data.instanceId`). */
  instanceId?: string;
  /** The connected number's phone (`body.sender`); omitted when null, as before the first `open`. */
  sender?: string | null;
}

let counter = 0;
const processTag = randomBytes(3).toString('hex').toUpperCase();

/**
 * A WhatsApp-like message id (20 upper-case hex chars, `3A…` like an iPhone's), unique within
 * this process and very likely across processes.
 *
 * @example
 *   uniqueMessageId() // '3A1F2E3D0000000000A7'
 */
export function uniqueMessageId(): string {
  counter += 1;
  return `3A${processTag}${counter.toString(16).toUpperCase().padStart(12, '0')}`;
}

const bytes = (n: number, seed: number): Record<string, number> => {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[String(i)] = (seed + i * 37) % 256;
  return o;
};

/** Evolution's `date_time`: the server's São Paulo wall clock passed off as UTC. */
const evolutionDateTime = (ms: number) => new Date(ms - 3 * 3600_000).toISOString();

/**
 * A `messages.upsert` webhook body for one text message, shaped like Evolution 2.3.6 sends it.
 *
 * @example
 *   const body = messageUpsertBody({ instance: 'loja-1', phone: '5511999990001', text: 'Oi' });
 *   await fetch(`${url}/api/webhook`, { method: 'POST', body: JSON.stringify(body), headers });
 */
export function messageUpsertBody(o: MessageUpsertOptions) {
  const now = Date.now();
  const ts = o.timestamp ?? Math.floor(now / 1000);
  const seed = counter & 0xff;
  const body: Record<string, unknown> = {
    event: 'messages.upsert',
    instance: o.instance,
    data: {
      key: {
        remoteJid: `${o.phone}@s.whatsapp.net`,
        remoteJidAlt: `${lidFor(o.phone)}@lid`,
        fromMe: o.fromMe ?? false,
        id: o.id ?? uniqueMessageId(),
        addressingMode: 'pn',
      },
      pushName: o.pushName ?? `Cliente ${o.phone.slice(-4)}`,
      status: o.fromMe ? 'SERVER_ACK' : 'DELIVERY_ACK',
      message: {
        conversation: o.text ?? 'Olá! Vocês entregam no sábado?',
        messageContextInfo: {
          deviceListMetadata: {
            senderKeyIndexes: [],
            recipientKeyIndexes: [],
            senderKeyHash: bytes(10, seed),
            senderTimestamp: { low: ts - 144_503, high: 0, unsigned: true },
            recipientKeyHash: bytes(10, seed + 11),
            recipientTimestamp: { low: ts - 44_503, high: 0, unsigned: true },
          },
          deviceListMetadataVersion: 2,
          messageSecret: bytes(32, seed + 33),
        },
      },
      messageType: 'conversation',
      messageTimestamp: ts,
      instanceId: o.instanceId ?? '5f0c1c1e-7d1a-4c8e-9b1e-2a3b4c5d6e7f',
      source: 'ios',
    },
    destination: 'http://127.0.0.1:3000/api/webhook',
    date_time: evolutionDateTime(now),
    server_url: 'http://127.0.0.1:8080',
    apikey: null,
  };
  if (o.sender !== null) body.sender = `${o.sender ?? '5511999990000'}@s.whatsapp.net`;
  return body;
}

/** A stable fake LID for a phone (Baileys 7 sends both identities). */
function lidFor(phone: string): string {
  return ('1' + phone.replace(/\D/g, '')).padEnd(15, '0').slice(0, 15);
}

export interface TrafficTarget {
  /** The instance's name at Evolution. */
  instance: string;
  /** The secret that authenticates its webhooks (`x-motor-token`). */
  secret: string;
}

/**
 * A deterministic phone for conversation `i` (`5511988800000 + i`): the same `i` always lands in
 * the same conversation.
 */
export const phoneFor = (i: number) => String(5511988800000 + i);

/**
 * An endless round-robin of messages spread over `conversations` contacts per target, every one
 * with a unique id: the traffic the ingest benchmark and the reliability tests send.
 *
 * @example
 *   const next = messageTraffic({ targets, conversationsPerTarget: 10 });
 *   const { target, body, id } = next();
 */
export function messageTraffic(o: { targets: TrafficTarget[]; conversationsPerTarget: number; text?: (n: number) => string }) {
  let n = 0;
  return () => {
    const target = o.targets[n % o.targets.length]!;
    const conv = Math.floor(n / o.targets.length) % o.conversationsPerTarget;
    const id = uniqueMessageId();
    const body = messageUpsertBody({
      instance: target.instance,
      id,
      phone: phoneFor(conv),
      text: o.text ? o.text(n) : `mensagem ${n}`,
    });
    n += 1;
    return { target, body, id, conversation: conv };
  };
}
