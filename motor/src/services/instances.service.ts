import { randomBytes } from 'node:crypto';
import type { Instance, InstanceStatus } from '@atende/shared';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { QrCode, WebhookSettings, WhatsAppGateway } from '../ports/whatsapp.port.js';

type InstanceView = Instance & { reason: string | null; qrCode: string | null; pairingCode: string | null };

interface Begun {
  created: boolean;
  instance: InstanceView;
  webhookSecret: string;
}

interface Caller {
  accountId: string;
}

/**
 * WhatsApp numbers of an account: create/reconnect at Evolution with a per-instance webhook
 * secret, the QR stored and pushed, logout, status and list. Evolution failures surface as 502
 * `upstream_failed`; a failed first create leaves no row behind.
 *
 * @example
 *   const sut = new InstancesService({ db, realtime, whatsapp, logger, config });
 *   const { instanceName } = await sut.connect(ctx.state.auth, {});
 */
export class InstancesService {
  constructor(
    private readonly deps: { db: Db; realtime: RealtimePublisher; whatsapp: WhatsAppGateway; logger: Logger; config: Pick<Config, 'publicUrl'> },
  ) {}

  /** `POST /api/instance/connect`: a new name is created at Evolution; an existing one reconnected. */
  async connect(caller: Caller, input: { instanceName?: string }) {
    const begun = await this.deps.db.call<Begun>('instance_connect_begin', {
      accountId: caller.accountId,
      name: input.instanceName ?? null,
      webhookSecret: randomBytes(32).toString('base64url'),
    });
    const { instance } = begun;
    const webhook = this.webhook(begun.webhookSecret);
    if (begun.created) await this.createFirst(caller, instance, webhook);
    else await this.reconnect(caller, instance, webhook);
    return { status: 'initializing' as const, instanceId: instance.id, instanceName: instance.name };
  }

  /** `GET /api/instance/status`: from the database (404 for another account's instance). */
  async status(caller: Caller, instanceName: string): Promise<{ status: InstanceStatus; qrCode: string | null; phoneNumber: string | null }> {
    const i = await this.get(caller, instanceName);
    return { status: i.status, qrCode: i.status === 'connecting' ? i.qrCode : null, phoneNumber: i.phoneNumber };
  }

  /** `DELETE /api/instance/disconnect`: logout at Evolution (already closed counts), then `disconnected`. */
  async disconnect(caller: Caller, instanceName: string): Promise<{ success: true }> {
    const i = await this.get(caller, instanceName);
    await this.deps.whatsapp.logout(i.name);
    await this.setStatus(caller, i.id, { status: 'disconnected', reason: 'logged_out' });
    return { success: true };
  }

  /** `GET /api/instances`. */
  async list(caller: Caller): Promise<Instance[]> {
    return this.deps.db.call<Instance[]>('instance_list', { accountId: caller.accountId });
  }

  /** One instance of the caller's account by name (404 otherwise). */
  get(caller: Caller, instanceName: string): Promise<InstanceView> {
    return this.deps.db.call<InstanceView>('instance_get', { accountId: caller.accountId, name: instanceName });
  }

  private webhook(secret: string): WebhookSettings {
    return { url: `${this.deps.config.publicUrl}/api/webhook`, headers: { 'x-motor-token': secret } };
  }

  // A brand-new name: if Evolution refuses, the row goes too (nothing half-written). If even that
  // fails (database down), the row stays `disconnected` and the next connect recreates it.
  private async createFirst(caller: Caller, instance: InstanceView, webhook: WebhookSettings) {
    let created;
    try {
      created = await this.deps.whatsapp.createInstance({ instanceName: instance.name, webhook });
    } catch (err) {
      await this.deps.db
        .call('instance_discard', { accountId: caller.accountId, instanceId: instance.id })
        .catch((e: unknown) => this.deps.logger.warn({ err: e, instance: instance.name }, 'could not discard an instance Evolution refused'));
      throw err;
    }
    await this.storeConnecting(caller, instance, created.token, created.qr);
  }

  private async reconnect(caller: Caller, instance: InstanceView, webhook: WebhookSettings) {
    const { whatsapp } = this.deps;
    let info = await whatsapp.fetchInstance(instance.name);
    if (!info) {
      // Evolution lost it (e.g. its container was recreated): same name, same secret.
      this.deps.logger.info({ instance: instance.name }, 'Evolution does not know the instance; recreating it');
      try {
        const created = await whatsapp.createInstance({ instanceName: instance.name, webhook });
        return await this.storeConnecting(caller, instance, created.token, created.qr);
      } catch (err) {
        // A concurrent connect of the same number may have recreated it first: carry on with it.
        info = await whatsapp.fetchInstance(instance.name).catch(() => null);
        if (!info) throw err;
      }
    }
    if (info.connectionStatus !== 'open') {
      await whatsapp.setWebhook(instance.name, webhook);
      const r = await whatsapp.connect(instance.name);
      if (r.state !== 'open') return this.storeConnecting(caller, instance, null, r.qr);
    }
    await this.setStatus(caller, instance.id, {
      status: 'connected',
      phoneNumber: info.ownerJid ? phoneOf(info.ownerJid) : null,
      profileName: info.profileName,
    });
  }

  private async storeConnecting(caller: Caller, instance: InstanceView, token: string | null, qr: QrCode | null) {
    const r = await this.deps.db.call<{ instance: InstanceView; events: AccountEvent[] }>('instance_connecting', {
      accountId: caller.accountId,
      instanceId: instance.id,
      evolutionToken: token,
      qrCode: qr?.base64 ?? null,
      pairingCode: qr?.pairingCode ?? null,
    });
    this.deps.realtime.publish(r.events);
    if (qr?.base64) {
      this.deps.realtime.publishQr(caller.accountId, { instanceId: instance.id, instanceName: instance.name, qrCode: qr.base64, pairingCode: qr.pairingCode });
    }
  }

  private async setStatus(
    caller: Caller,
    instanceId: string,
    s: { status: InstanceStatus; reason?: string; phoneNumber?: string | null; profileName?: string | null },
  ) {
    // The same SQL as webhook intake's connection.update, so repeats collapse the same way.
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('ingest_connection', {
      accountId: caller.accountId,
      instanceId,
      status: s.status,
      reason: s.reason ?? null,
      phoneNumber: s.phoneNumber ?? null,
      profileName: s.profileName ?? null,
    });
    this.deps.realtime.publish(r.events);
  }
}

/** `5511999990000:12@s.whatsapp.net` → `5511999990000`. */
const phoneOf = (jid: string) => jid.split('@')[0]!.split(':')[0]!;
