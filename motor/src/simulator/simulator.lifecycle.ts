import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import {
  cuid,
  instanceToken,
  jidOf,
  pairingCode,
  renderQr,
  statusInstanceClosed,
  WEBHOOK_EVENT_NAMES,
  type WebhookRow,
} from './evolution-payloads.js';
import {
  newInstance,
  notFoundInstance,
  schedule,
  SimHttpError,
  stopTimers,
  type SimInstance,
  type SimulatorTimings,
} from './simulator.state.js';
import type { SimulatorWebhooks } from './simulator.webhooks.js';

/** What every simulator module shares: the in-memory instances and the webhook emitter. */
export interface SimContext {
  instances: Map<string, SimInstance>;
  hooks: SimulatorWebhooks;
  timings: SimulatorTimings;
  logger: Logger;
  /** Default number a scan pairs (digits). */
  defaultPhone: string;
  /** Set once the simulator is closing: nothing more is sent. */
  closed?: boolean;
}

export const INTEGRATIONS = ['WHATSAPP-BAILEYS', 'WHATSAPP-BUSINESS', 'EVOLUTION'];

export function getInstance(ctx: SimContext, name: string): SimInstance {
  const inst = ctx.instances.get(name);
  if (!inst) throw notFoundInstance(name);
  return inst;
}

const touch = (inst: SimInstance) => void (inst.updatedAt = new Date().toISOString());

/** Validates an Evolution v2 webhook object (`webhookSchema`) into the stored row. */
export function webhookRow(inst: SimInstance, w: unknown, forceEnabled: boolean): WebhookRow {
  if (typeof w !== 'object' || w === null || Array.isArray(w))
    throw new SimHttpError(400, [['instance requires property "webhook"']]);
  const o = w as Record<string, unknown>;
  if (!forceEnabled && typeof o.enabled !== 'boolean')
    throw new SimHttpError(400, [['webhook requires property "enabled"']]);
  if (typeof o.url !== 'string') throw new SimHttpError(400, [['webhook requires property "url"']]);
  const events = o.events === undefined ? [] : o.events;
  if (!Array.isArray(events)) throw new SimHttpError(400, [['webhook.events is not of a type(s) array']]);
  events.forEach((e, i) => {
    if (!(WEBHOOK_EVENT_NAMES as readonly unknown[]).includes(e)) {
      throw new SimHttpError(400, [
        [`webhook.events[${i}] is not one of enum values: ${WEBHOOK_EVENT_NAMES.join(',')}`],
      ]);
    }
  });
  const headers =
    typeof o.headers === 'object' && o.headers !== null ? (o.headers as Record<string, unknown>) : {};
  const enabled = forceEnabled || o.enabled === true;
  const now = new Date().toISOString();
  return {
    id: inst.webhook?.id ?? cuid(),
    url: o.url,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    enabled,
    // enabled with no events means all of them; disabled stores none (docs/evolution.md "REST")
    events: !enabled ? [] : events.length ? (events as string[]) : [...WEBHOOK_EVENT_NAMES],
    webhookByEvents: o.byEvents === true,
    webhookBase64: o.base64 === true,
    createdAt: inst.webhook?.createdAt ?? now,
    updatedAt: now,
    instanceId: inst.id,
  };
}

/** `POST /instance/create` (201). */
export async function createInstance(ctx: SimContext, body: Record<string, unknown>) {
  const name = body.instanceName;
  if (typeof name !== 'string' || name.trim() === '')
    throw new SimHttpError(400, [['instance requires property "instanceName"']]);
  if (typeof body.integration !== 'string' || !INTEGRATIONS.includes(body.integration))
    throw new SimHttpError(400, ['Invalid integration']);
  if (ctx.instances.has(name)) throw new SimHttpError(403, [`This name "${name}" is already in use.`]);
  const inst = newInstance({
    id: randomUUID(),
    name,
    token: typeof body.token === 'string' && body.token ? body.token : instanceToken(),
    integration: body.integration,
  });
  if (body.webhook !== undefined) inst.webhook = webhookRow(inst, body.webhook, true);
  ctx.instances.set(name, inst);
  ctx.hooks.emit(inst, 'instance.create', { instanceName: inst.name, instanceId: inst.id });
  if (typeof body.number === 'string') inst.pairingNumber = body.number;
  if (body.qrcode === true) await startConnecting(ctx, inst);
  // 2.3.6 answers only after waiting for the first QR (5–9 s observed); the instance exists, runs
  // and sends its webhooks meanwhile, whether or not the caller is still waiting.
  if (ctx.timings.createDelayMs > 0) await sleep(ctx.timings.createDelayMs);
  const h = inst.webhook;
  return {
    instance: {
      instanceName: inst.name,
      instanceId: inst.id,
      integration: inst.integration,
      webhookWaBusiness: null,
      accessTokenWaBusiness: '',
      status: inst.state === 'connecting' ? 'connecting' : 'close',
    },
    hash: inst.token,
    webhook: h
      ? {
          webhookUrl: h.url,
          webhookHeaders: h.headers,
          webhookByEvents: h.webhookByEvents,
          webhookBase64: h.webhookBase64,
        }
      : {},
    websocket: {},
    rabbitmq: {},
    nats: {},
    sqs: {},
    settings: {
      rejectCall: false,
      msgCall: '',
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: false,
      readStatus: false,
      syncFullHistory: false,
      wavoipToken: '',
    },
    ...(inst.qr ? { qrcode: qrAnswer(inst) } : {}),
  };
}

const qrAnswer = (inst: SimInstance) => ({
  pairingCode: inst.qr?.pairingCode ?? null,
  code: inst.qr?.code,
  base64: inst.qr?.base64,
  count: inst.qr?.count ?? 0,
});

/** `GET /instance/connect/{name}`: starts a session when closed, else the current QR or `open`. */
export async function connectInstance(ctx: SimContext, inst: SimInstance, number?: string) {
  if (inst.state === 'open') return { instance: { instanceName: inst.name, state: 'open' } };
  if (number) inst.pairingNumber = number;
  if (inst.state !== 'connecting') await startConnecting(ctx, inst);
  return qrAnswer(inst);
}

async function startConnecting(ctx: SimContext, inst: SimInstance) {
  stopTimers(inst);
  inst.state = 'connecting';
  inst.qr = null;
  touch(inst);
  ctx.hooks.emit(inst, 'connection.update', { instance: inst.name, state: 'connecting', statusReason: 200 });
  startFlood(ctx, inst);
  await nextQr(ctx, inst);
}

/** 2.3.6 restarts an unpaired socket in a loop (WhatsApp unreachable): `connecting` over and over. */
function startFlood(ctx: SimContext, inst: SimInstance) {
  const every = ctx.timings.connectingFloodMs;
  if (every <= 0) return;
  const tick = () => {
    if (inst.state !== 'connecting' || ctx.instances.get(inst.name) !== inst) return;
    ctx.hooks.emit(inst, 'connection.update', {
      instance: inst.name,
      state: 'connecting',
      statusReason: 200,
    });
    schedule(inst, every, tick);
  };
  schedule(inst, every, tick);
}

async function nextQr(ctx: SimContext, inst: SimInstance): Promise<void> {
  if (inst.state !== 'connecting' || ctx.instances.get(inst.name) !== inst) return;
  const count = (inst.qr?.count ?? 0) + 1;
  if (count > ctx.timings.qrLimit) {
    inst.state = 'refused';
    inst.qrTimer = null;
    touch(inst);
    ctx.hooks.emit(inst, 'qrcode.updated', {
      message: 'QR code limit reached, please login again',
      statusCode: 500,
    });
    ctx.hooks.emit(inst, 'connection.update', { instance: inst.name, state: 'refused', statusReason: 428 });
    return;
  }
  const { code, base64 } = await renderQr();
  if (inst.state !== 'connecting') return; // scanned or logged out while rendering
  inst.qr = { code, base64, pairingCode: inst.pairingNumber ? pairingCode() : null, count };
  ctx.hooks.emit(inst, 'qrcode.updated', {
    qrcode: { instance: inst.name, pairingCode: inst.qr.pairingCode, code, base64 },
  });
  inst.qrTimer = setTimeout(
    () => void nextQr(ctx, inst).catch((err) => ctx.logger.error({ err }, 'simulated QR failed')),
    ctx.timings.qrIntervalMs,
  );
  inst.qrTimer.unref();
}

/** The phone scanned the QR: `connection.update open` with the paired number. */
export function scanQr(ctx: SimContext, inst: SimInstance, p: { phone?: string; profileName?: string }) {
  if (inst.state !== 'connecting')
    throw new SimHttpError(409, [
      `The "${inst.name}" instance is not waiting for a QR scan (state: ${inst.state})`,
    ]);
  stopTimers(inst);
  inst.state = 'open';
  inst.wuid = jidOf(p.phone ?? ctx.defaultPhone);
  inst.profileName = p.profileName ?? 'Loja Simulada';
  inst.qr = null;
  inst.disconnection = null;
  touch(inst);
  ctx.hooks.emit(inst, 'connection.update', {
    instance: inst.name,
    wuid: inst.wuid,
    profileName: inst.profileName,
    profilePictureUrl: null,
    state: 'open',
    statusReason: 200,
  });
  return { instanceName: inst.name, state: inst.state, wuid: inst.wuid, profileName: inst.profileName };
}

/** A terminal close as `connectionUpdate` reports it: status.instance, [logout.instance], close. */
export function closeSession(ctx: SimContext, inst: SimInstance, code: 401 | 403) {
  stopTimers(inst);
  inst.state = 'close';
  inst.qr = null;
  inst.disconnection = { code, at: new Date().toISOString() };
  touch(inst);
  ctx.hooks.emit(inst, 'status.instance', statusInstanceClosed(inst.name, code));
  if (code === 401) ctx.hooks.emit(inst, 'logout.instance', null);
  ctx.hooks.emit(inst, 'connection.update', { instance: inst.name, state: 'close', statusReason: code });
}

/**
 * `DELETE /instance/logout/{name}`: only an open session logs out. 2.3.6 answers 400 "… is not
 * connected" for anything else, a session still connecting included, and that session goes on
 * (its QR rotation and reconnect loop keep running). 2.4 made this idempotent.
 */
export function logoutInstance(ctx: SimContext, inst: SimInstance) {
  if (inst.state !== 'open') throw new SimHttpError(400, [`The "${inst.name}" instance is not connected`]);
  closeSession(ctx, inst, 401);
  return { status: 'SUCCESS', error: false, response: { message: 'Instance logged out' } };
}

/**
 * `DELETE /instance/delete/{name}`: logs out first when connected, then instance.delete +
 * remove.instance. A session that was still connecting is not always stopped: it sends
 * `zombieEvents` more `connecting` + QR webhooks afterwards (see SimulatorTimings).
 */
export function deleteInstance(ctx: SimContext, inst: SimInstance) {
  const wasConnecting = inst.state === 'connecting';
  if (inst.state === 'open') closeSession(ctx, inst, 401);
  stopTimers(inst);
  ctx.hooks.emit(inst, 'instance.delete', { instanceName: inst.name, instanceId: inst.id });
  ctx.hooks.emit(inst, 'remove.instance', null);
  ctx.instances.delete(inst.name);
  inst.state = 'close';
  if (wasConnecting) haunt(ctx, inst);
  return { status: 'SUCCESS', error: false, response: { message: 'Instance deleted' } };
}

/** The deleted session's socket lives on for a while: late `connecting` and QR webhooks. */
function haunt(ctx: SimContext, dead: SimInstance) {
  let left = ctx.timings.zombieEvents;
  const oldWebhook = dead.webhook;
  const tick = () => {
    if (left-- <= 0 || ctx.closed) return;
    // Evolution re-reads the webhook by instance name on every emit: a reused name's webhook
    // (with the new instance's headers) carries the dead session's events and token.
    const ghost = {
      ...dead,
      webhook: ctx.instances.get(dead.name)?.webhook ?? oldWebhook,
      webhooks: dead.webhooks,
    };
    ctx.hooks.emit(ghost, 'connection.update', {
      instance: dead.name,
      state: 'connecting',
      statusReason: 200,
    });
    void renderQr().then(({ code, base64 }) => {
      if (ctx.closed) return;
      ctx.hooks.emit(ghost, 'qrcode.updated', {
        qrcode: { instance: dead.name, pairingCode: null, code, base64 },
      });
    });
    const t = setTimeout(tick, ctx.timings.zombieIntervalMs);
    t.unref();
  };
  const t = setTimeout(tick, ctx.timings.zombieIntervalMs);
  t.unref();
}

/** A row of `GET /instance/fetchInstances`. */
export function instanceRow(inst: SimInstance) {
  return {
    id: inst.id,
    name: inst.name,
    connectionStatus: inst.state === 'refused' ? 'close' : inst.state,
    ownerJid: inst.wuid,
    profileName: inst.profileName,
    profilePicUrl: null,
    integration: inst.integration,
    number: inst.pairingNumber,
    businessId: null,
    token: inst.token,
    clientName: 'simulator',
    disconnectionReasonCode: inst.disconnection?.code ?? null,
    disconnectionObject: null,
    disconnectionAt: inst.disconnection?.at ?? null,
    createdAt: inst.createdAt,
    updatedAt: inst.updatedAt,
    Chatwoot: null,
    Proxy: null,
    Rabbitmq: null,
    Nats: null,
    Sqs: null,
    Websocket: null,
    Setting: {
      rejectCall: false,
      msgCall: '',
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: false,
      readStatus: false,
      syncFullHistory: false,
    },
    _count: { Message: inst.messages.length, Contact: inst.contacts.size, Chat: inst.contacts.size },
  };
}

/** Forgets every instance, as Evolution does when its container is recreated without a volume. */
export function resetAll(ctx: SimContext) {
  for (const inst of ctx.instances.values()) stopTimers(inst);
  ctx.instances.clear();
}
