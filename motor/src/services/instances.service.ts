import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { failureReasonOf, type Instance, type InstanceStatus } from '@atende/shared';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type {
  EvolutionInstanceInfo,
  QrCode,
  WebhookSettings,
  WhatsAppGateway,
} from '../ports/whatsapp.port.js';

type InstanceView = Instance & { reason: string | null; qrCode: string | null; pairingCode: string | null };

interface Begun {
  created: boolean;
  instance: InstanceView;
  webhookSecret: string;
}

interface Caller {
  accountId: string;
}

export interface InstancesDeps {
  db: Db;
  realtime: RealtimePublisher;
  whatsapp: WhatsAppGateway;
  logger: Logger;
  config: Pick<Config, 'publicUrl'>;
  /** Told when an instance's webhook credentials change (webhook intake drops its cached copy). */
  onCredentialsChanged?: (instanceName: string) => void;
  /** Told when a number (re)connected: reconcile its recent messages (docs/evolution.md). */
  onConnected?: (instance: { accountId: string; instanceId: string; instanceName: string }) => void;
  /**
   * After a create that timed out or failed without an answer, how long to look for what Evolution
   * may still have created (`fetchInstances` by name), and how often. Evolution 2.3.6 takes 5–9 s.
   */
  orphanCheck?: { windowMs: number; everyMs: number };
}

const newSecret = () => randomBytes(32).toString('base64url');
// Evolution's own tokens are upper-case UUIDs; the Motor picks one per incarnation.
const newToken = () => randomUUID().toUpperCase();

/**
 * WhatsApp numbers of an account: create/reconnect at Evolution, the QR stored and pushed,
 * disconnect, remove for good, status and list. Evolution failures surface as 502
 * `upstream_failed` carrying a reason code. Decisions (docs/evolution.md "Instance lifecycle"):
 * - every instance/create is a new incarnation: a fresh webhook secret and instance token, stored
 *   before Evolution is called, so the old session's late webhooks are refused or ignored;
 * - a create that timed out is reconciled through fetchInstances (reused when it appears, deleted
 *   when it appears too late), never left looping at Evolution;
 * - disconnect really stops the session: logout, or delete at Evolution when logout cannot (a
 *   connecting session answers 400 "not connected" and goes on looping).
 *
 * @example
 *   const sut = new InstancesService({ db, realtime, whatsapp, logger, config });
 *   const { instanceName } = await sut.connect(ctx.state.auth, {});
 */
export class InstancesService {
  private readonly reconcileOpts: { windowMs: number; everyMs: number };

  constructor(private readonly deps: InstancesDeps) {
    this.reconcileOpts = deps.orphanCheck ?? { windowMs: 20_000, everyMs: 1_000 };
  }

  /** `POST /api/instance/connect`: a new name is created at Evolution; an existing one reconnected. */
  async connect(caller: Caller, input: { instanceName?: string; number?: string }) {
    const begun = await this.deps.db.call<Begun>('instance_connect_begin', {
      accountId: caller.accountId,
      name: input.instanceName ?? null,
      webhookSecret: newSecret(),
    });
    const { instance } = begun;
    if (begun.created) await this.create(caller, instance, { number: input.number, discardOnFailure: true });
    else await this.reconnect(caller, instance, begun.webhookSecret, input.number);
    return { status: 'initializing' as const, instanceId: instance.id, instanceName: instance.name };
  }

  /** `GET /api/instance/status`: from the database (404 for another account's instance). */
  async status(
    caller: Caller,
    instanceName: string,
  ): Promise<{
    status: InstanceStatus;
    qrCode: string | null;
    phoneNumber: string | null;
    pairingCode?: string | null;
  }> {
    const i = await this.get(caller, instanceName);
    const connecting = i.status === 'connecting';
    const pairingCode = connecting ? i.pairingCode : null; // only when linking by phone number
    return {
      status: i.status,
      qrCode: connecting ? i.qrCode : null,
      phoneNumber: i.phoneNumber,
      ...(pairingCode ? { pairingCode } : {}),
    };
  }

  /**
   * `DELETE /api/instance/disconnect`: logout at Evolution; a session that is not open (still
   * connecting: 2.3.x answers 400 and keeps looping) is deleted at Evolution instead, and gets a
   * new secret here so its late webhooks are refused. Then `disconnected`, and it stays so.
   */
  async disconnect(caller: Caller, instanceName: string): Promise<{ success: true }> {
    const i = await this.get(caller, instanceName);
    const outcome = await this.deps.whatsapp.logout(i.name);
    if (outcome === 'not_connected') {
      await this.deps.whatsapp.deleteInstance(i.name);
      await this.newIncarnation(caller, i, newSecret(), null);
    }
    await this.setStatus(caller, i.id, { status: 'disconnected', reason: 'logged_out' });
    return { success: true };
  }

  /** `DELETE /api/instance?instanceName=`: delete at Evolution, then gone from the lists for good. */
  async remove(caller: Caller, instanceName: string): Promise<{ success: true }> {
    const i = await this.get(caller, instanceName);
    await this.deps.whatsapp.deleteInstance(i.name);
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('instance_remove', {
      accountId: caller.accountId,
      instanceId: i.id,
      webhookSecret: newSecret(),
    });
    this.deps.onCredentialsChanged?.(i.name);
    this.deps.realtime.publish(r.events);
    return { success: true };
  }

  /** `GET /api/instances`. */
  async list(caller: Caller): Promise<Instance[]> {
    return this.deps.db.call<Instance[]>('instance_list', { accountId: caller.accountId });
  }

  /** One instance of the caller's account by name (404 otherwise). */
  get(caller: Caller, instanceName: string): Promise<InstanceView> {
    return this.deps.db.call<InstanceView>('instance_get', {
      accountId: caller.accountId,
      name: instanceName,
    });
  }

  private webhook(secret: string): WebhookSettings {
    return { url: `${this.deps.config.publicUrl}/api/webhook`, headers: { 'x-motor-token': secret } };
  }

  private async newIncarnation(caller: Caller, instance: InstanceView, secret: string, token: string | null) {
    await this.deps.db.call('instance_new_incarnation', {
      accountId: caller.accountId,
      instanceId: instance.id,
      webhookSecret: secret,
      evolutionToken: token,
    });
    this.deps.onCredentialsChanged?.(instance.name);
  }

  /**
   * instance/create as a new incarnation. When Evolution gives no answer in time it may still be
   * creating: look for the instance by name and reuse it; if it only shows up later, delete it.
   * A refusal of a brand-new name removes its row (nothing half-written).
   */
  private async create(
    caller: Caller,
    instance: InstanceView,
    opts: { number?: string; discardOnFailure: boolean },
  ) {
    const secret = newSecret();
    const token = newToken();
    await this.newIncarnation(caller, instance, secret, token);
    const { whatsapp } = this.deps;
    try {
      const created = await whatsapp.createInstance({
        instanceName: instance.name,
        webhook: this.webhook(secret),
        token,
        number: opts.number,
      });
      return await this.storeConnecting(caller, instance, created.token ?? token, created.qr);
    } catch (first) {
      let err = first;
      const reason = failureReasonOf(err);
      if (reason === 'timeout' || reason === 'evolution_error' || reason === 'evolution_unreachable') {
        const found = await this.awaitCreated(instance.name);
        if (found) {
          this.deps.logger.info(
            { instance: instance.name, reason },
            'Evolution created the instance after all; reusing it',
          );
          try {
            return await this.reuse(caller, instance, secret, found, opts.number);
          } catch (again) {
            err = again; // taking it over failed too: delete it below, never leave it looping
          }
        }
        this.deleteWhenSeen(instance.name);
      }
      if (reason === 'invalid_request') {
        // Name already in use at Evolution: a concurrent connect of the same number got there first.
        const info = await whatsapp.fetchInstance(instance.name).catch(() => null);
        if (info && !opts.discardOnFailure)
          return await this.reuse(caller, instance, newSecret(), info, opts.number);
      }
      if (opts.discardOnFailure) {
        await this.deps.db
          .call('instance_discard', { accountId: caller.accountId, instanceId: instance.id })
          .catch((e: unknown) =>
            this.deps.logger.warn(
              { err: e, instance: instance.name },
              'could not discard an instance Evolution refused',
            ),
          );
      }
      throw err;
    }
  }

  /** Polls fetchInstances by name for what a timed-out create may still produce. */
  private async awaitCreated(name: string): Promise<EvolutionInstanceInfo | null> {
    const until = Date.now() + this.reconcileOpts.windowMs;
    for (;;) {
      const info = await this.deps.whatsapp.fetchInstance(name).catch(() => null);
      if (info) return info;
      if (Date.now() + this.reconcileOpts.everyMs > until) return null;
      await sleep(this.reconcileOpts.everyMs);
    }
  }

  /** An instance Evolution created too late for anyone to use: delete it once it shows up. */
  private deleteWhenSeen(name: string) {
    void (async () => {
      const info = await this.awaitCreated(name);
      if (!info) return;
      await this.deps.whatsapp.deleteInstance(name);
      this.deps.logger.warn(
        { instance: name },
        'deleted an instance Evolution created after the Motor gave up',
      );
    })().catch((err: unknown) =>
      this.deps.logger.warn({ err, instance: name }, 'could not delete a late Evolution instance'),
    );
  }

  /** Takes over an instance Evolution has: its token, our webhook with this secret, a fresh QR. */
  private async reuse(
    caller: Caller,
    instance: InstanceView,
    secret: string,
    info: EvolutionInstanceInfo,
    number?: string,
  ) {
    await this.newIncarnation(caller, instance, secret, info.token);
    await this.deps.whatsapp.setWebhook(instance.name, this.webhook(secret));
    if (info.connectionStatus === 'open') return this.markConnected(caller, instance, info);
    const r = await this.deps.whatsapp.connect(instance.name, { number });
    if (r.state === 'open') return this.markConnected(caller, instance, info);
    return this.storeConnecting(caller, instance, info.token, r.qr);
  }

  private async reconnect(caller: Caller, instance: InstanceView, secret: string, number?: string) {
    const info = await this.deps.whatsapp.fetchInstance(instance.name);
    if (!info) {
      // Evolution lost it (container recreated, or our disconnect deleted it): a new incarnation.
      this.deps.logger.info({ instance: instance.name }, 'Evolution does not know the instance; creating it');
      return this.create(caller, instance, { number, discardOnFailure: false });
    }
    if (info.connectionStatus === 'open') return this.markConnected(caller, instance, info);
    await this.deps.whatsapp.setWebhook(instance.name, this.webhook(secret));
    const r = await this.deps.whatsapp.connect(instance.name, { number });
    if (r.state === 'open') return this.markConnected(caller, instance, info);
    return this.storeConnecting(caller, instance, null, r.qr);
  }

  private async markConnected(caller: Caller, instance: InstanceView, info: EvolutionInstanceInfo) {
    await this.setStatus(caller, instance.id, {
      status: 'connected',
      phoneNumber: info.ownerJid ? phoneOf(info.ownerJid) : null,
      profileName: info.profileName,
    });
    this.deps.onConnected?.({
      accountId: caller.accountId,
      instanceId: instance.id,
      instanceName: instance.name,
    });
  }

  private async storeConnecting(
    caller: Caller,
    instance: InstanceView,
    token: string | null,
    qr: QrCode | null,
  ) {
    const r = await this.deps.db.call<{ instance: InstanceView; events: AccountEvent[] }>(
      'instance_connecting',
      {
        accountId: caller.accountId,
        instanceId: instance.id,
        evolutionToken: token,
        qrCode: qr?.base64 ?? null,
        pairingCode: qr?.pairingCode ?? null,
      },
    );
    this.deps.realtime.publish(r.events);
    if (qr?.base64) {
      this.deps.realtime.publishQr(caller.accountId, {
        instanceId: instance.id,
        instanceName: instance.name,
        qrCode: qr.base64,
        pairingCode: qr.pairingCode,
      });
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
