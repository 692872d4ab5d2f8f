import type { WebhookRow } from './evolution-payloads.js';

export type SimState = 'close' | 'connecting' | 'open' | 'refused';

/** How fast the simulated WhatsApp moves; tests shorten everything. */
export interface SimulatorTimings {
  /** A new QR every … (Baileys `qrTimeout`: 45 s). */
  qrIntervalMs: number;
  /** QR codes before `connection.update refused` (Evolution's QRCODE_LIMIT: 30). */
  qrLimit: number;
  /** From send to `messages.update DELIVERY_ACK`. */
  deliveryAckMs: number;
  /** From DELIVERY_ACK to READ. */
  readMs: number;
  /** Per webhook attempt (Evolution: 30 s). */
  webhookTimeoutMs: number;
  /** Evolution's retry policy with shortened delays (Evolution: 10 attempts, 5 s, ×2, 300 s cap, ±20 %). */
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number; jitter: number };
  /**
   * How long `POST /instance/create` takes to answer (Evolution 2.3.6 with `qrcode: true` starts
   * the session, waits for the first QR and answers after 5–9 s; its webhooks go out meanwhile).
   */
  createDelayMs: number;
  /**
   * While a session waits for its scan, a `connection.update connecting` every … ms (2.3.6 restarts
   * the socket in a loop when WhatsApp cannot be reached: about 4 a second). 0 = no flood.
   */
  connectingFloodMs: number;
  /**
   * Late events of a deleted session that was still connecting (2.3.6's delete does not always
   * stop the socket): this many `connection.update connecting` + `qrcode.updated` after
   * `remove.instance`, `zombieIntervalMs` apart. Sent through the webhook of whatever instance has
   * the name by then (Evolution re-reads it by name), with the dead session's token as `apikey`.
   */
  zombieEvents: number;
  zombieIntervalMs: number;
}

export const DEFAULT_TIMINGS: SimulatorTimings = {
  qrIntervalMs: 45_000,
  qrLimit: 30,
  deliveryAckMs: 1_500,
  readMs: 3_000,
  webhookTimeoutMs: 30_000,
  retry: { maxAttempts: 10, initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.2 },
  createDelayMs: 0,
  connectingFloodMs: 0,
  zombieEvents: 1,
  zombieIntervalMs: 60,
};

export interface SimQr {
  code: string;
  base64: string;
  pairingCode: string | null;
  count: number;
}

export interface SimMessageRecord {
  id: string;
  key: { remoteJid: string; fromMe: boolean; id: string; [k: string]: unknown };
  pushName: string | null;
  messageType: string;
  message: unknown;
  messageTimestamp: number;
  instanceId: string;
  source: string;
  contextInfo: unknown;
  MessageUpdate: { status: string }[];
}

export interface WebhookLogEntry {
  event: string;
  url: string;
  status: number | null;
  attempts: number;
  outcome: 'delivered' | 'dropped' | 'pending';
}

/** One simulated Evolution instance, held in memory only (like Evolution losing its container). */
/** A simulated WhatsApp group (Baileys GroupMetadata, the fields Evolution passes on). */
export interface SimGroup {
  id: string;
  subject: string;
  creation: number;
  owner: string | null;
  desc: string | null;
  participants: Array<{ id: string; phoneNumber: string; admin: 'admin' | 'superadmin' | null }>;
}

export interface SimInstance {
  id: string;
  name: string;
  token: string;
  integration: string;
  state: SimState;
  webhook: WebhookRow | null;
  /** Own JID once paired; `sender` is absent until then. */
  wuid: string | null;
  profileName: string | null;
  pairingNumber: string | null;
  qr: SimQr | null;
  qrTimer: NodeJS.Timeout | null;
  timers: Set<NodeJS.Timeout>;
  /** Known contacts: phone JID → LID. */
  contacts: Map<string, string>;
  /** Groups the number belongs to, by group JID (simulator.groups.ts). */
  groups: Map<string, SimGroup>;
  messages: SimMessageRecord[];
  /** Bytes of the last files sent through sendMedia / sendWhatsAppAudio, by WhatsApp id (not persisted). */
  files?: Map<string, { bytes: Buffer; mimetype: string; fileName?: string }>;
  disconnection: { code: number; at: string } | null;
  createdAt: string;
  updatedAt: string;
  webhooks: { sent: number; failed: number; log: WebhookLogEntry[] };
  /** Customer messages marked read through chat/markMessageAsRead. */
  readReceipts: number;
}

export function newInstance(p: {
  id: string;
  name: string;
  token: string;
  integration: string;
}): SimInstance {
  const now = new Date().toISOString();
  return {
    ...p,
    state: 'close',
    webhook: null,
    wuid: null,
    profileName: null,
    pairingNumber: null,
    qr: null,
    qrTimer: null,
    timers: new Set(),
    contacts: new Map(),
    groups: new Map(),
    messages: [],
    disconnection: null,
    createdAt: now,
    updatedAt: now,
    webhooks: { sent: 0, failed: 0, log: [] },
    readReceipts: 0,
  };
}

/** Stops every timer an instance owns (QR rotation, pending receipts). */
export function stopTimers(inst: SimInstance): void {
  if (inst.qrTimer) clearTimeout(inst.qrTimer);
  inst.qrTimer = null;
  for (const t of inst.timers) clearTimeout(t);
  inst.timers.clear();
}

/** Runs `fn` once after `ms`, as one of the instance's timers (stopped with it). */
export function schedule(inst: SimInstance, ms: number, fn: () => void): void {
  const t = setTimeout(() => (inst.timers.delete(t), fn()), ms);
  t.unref();
  inst.timers.add(t);
}

/** An error the simulator answers in Evolution's envelope `{status, error, response:{message}}`. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly evolutionMessage: unknown,
  ) {
    super(typeof evolutionMessage === 'string' ? evolutionMessage : JSON.stringify(evolutionMessage));
  }
}

export const notFoundInstance = (name: string) =>
  new SimHttpError(404, [`The "${name}" instance does not exist`]);
