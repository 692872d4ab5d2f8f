import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';
import type { WebhookPrincipal } from './webhook-auth.service.js';

/** Where reconciliation stops (docs/evolution.md "Nothing lost after an outage"). */
export interface ReconcileLimits {
  /** Conversations with a message in the last … hours. */
  hours: number;
  /** At most this many conversations per connected number (the most recent first). */
  conversationsPerInstance: number;
  /** Messages per findMessages page, and pages per conversation. */
  pageSize: number;
  maxPages: number;
}

export const DEFAULT_RECONCILE_LIMITS: ReconcileLimits = {
  hours: 48,
  conversationsPerInstance: 50,
  pageSize: 50,
  maxPages: 2,
};

interface Target {
  accountId: string;
  instanceId: string;
  instanceName: string;
  conversations: { id: string; remoteJid: string }[];
}

export interface ReconcileReport {
  why: string;
  instances: number;
  conversations: number;
  fetched: number;
  ingested: number;
  failed: number;
}

/**
 * Nothing lost after an outage: Evolution retries a failed webhook for about 20 minutes and then
 * drops it. When a number reconnects, when the Motor starts, and when the database is back, the
 * recent messages of each active conversation are read back through `chat/findMessages` and fed
 * to the normal ingest, oldest first (WhatsApp time order). Ingest is idempotent, so a message
 * already stored changes nothing and nothing is duplicated. Bounded by {@link ReconcileLimits};
 * one run at a time (a trigger during a run schedules one more run after it).
 *
 * @example
 *   const sut = new ReconcileService({ db, whatsapp, intake, logger });
 *   await sut.run({ why: 'start' });
 */
export class ReconcileService {
  private running: Promise<ReconcileReport> | null = null;
  private again: { why: string; instanceId?: string } | null = null;
  private readonly limits: ReconcileLimits;

  constructor(
    private readonly deps: {
      db: Db;
      whatsapp: Pick<WhatsAppGateway, 'findMessages'>;
      intake: { ingestStored(who: WebhookPrincipal, record: unknown): Promise<number> };
      logger: Logger;
      limits?: Partial<ReconcileLimits>;
    },
  ) {
    this.limits = { ...DEFAULT_RECONCILE_LIMITS, ...deps.limits };
  }

  /** Starts a run in the background (errors are logged); for triggers that must not wait. */
  trigger(scope: { why: string; instanceId?: string }): void {
    this.run(scope).catch((err: unknown) =>
      this.deps.logger.warn({ err, why: scope.why }, 'reconcile failed'),
    );
  }

  /** Reconciles every connected number (or one); resolves with what it did. */
  async run(scope: { why: string; instanceId?: string }): Promise<ReconcileReport> {
    if (this.running) {
      this.again = this.again && this.again.instanceId !== scope.instanceId ? { why: scope.why } : scope;
      return this.running.then(() => this.drain());
    }
    this.running = this.once(scope).finally(() => (this.running = null));
    const report = await this.running;
    await this.drain();
    return report;
  }

  private async drain(): Promise<ReconcileReport> {
    const next = this.again;
    this.again = null;
    if (!next) return { why: 'none', instances: 0, conversations: 0, fetched: 0, ingested: 0, failed: 0 };
    return this.run(next);
  }

  private async once(scope: { why: string; instanceId?: string }): Promise<ReconcileReport> {
    const { hours, conversationsPerInstance } = this.limits;
    const targets = await this.deps.db.call<Target[]>('reconcile_targets', {
      hours,
      perInstance: conversationsPerInstance,
      instanceId: scope.instanceId ?? null,
    });
    const report: ReconcileReport = {
      why: scope.why,
      instances: targets.length,
      conversations: 0,
      fetched: 0,
      ingested: 0,
      failed: 0,
    };
    for (const t of targets) {
      const who: WebhookPrincipal = {
        accountId: t.accountId,
        instanceId: t.instanceId,
        instanceName: t.instanceName,
      };
      for (const c of t.conversations) {
        report.conversations++;
        try {
          const records = await this.recent(t.instanceName, c.remoteJid);
          report.fetched += records.length;
          for (const r of records) report.ingested += await this.deps.intake.ingestStored(who, r);
        } catch (err) {
          report.failed++;
          this.deps.logger.warn(
            { err, instance: t.instanceName, conversationId: c.id },
            'reconcile of a conversation failed',
          );
        }
      }
    }
    if (report.ingested > 0 || report.failed > 0)
      this.deps.logger.info(report, 'reconciled messages with Evolution');
    return report;
  }

  /** The conversation's latest messages at Evolution, oldest first. */
  private async recent(instanceName: string, remoteJid: string): Promise<unknown[]> {
    const pages: unknown[][] = [];
    for (let page = 1; page <= this.limits.maxPages; page++) {
      const r = await this.deps.whatsapp.findMessages(instanceName, {
        remoteJid,
        page,
        pageSize: this.limits.pageSize,
      });
      pages.push(r.records);
      if (page >= r.pages || r.records.length < this.limits.pageSize) break;
    }
    // Evolution answers newest first; ingest oldest first. Reversing keeps same-second messages
    // in the order Evolution listed them (reversed too), then a stable sort by timestamp.
    const all = pages.flat().reverse();
    return all
      .map((r, i) => ({ r, i, ts: timestampOf(r) }))
      .sort((a, b) => a.ts - b.ts || a.i - b.i)
      .map((x) => x.r);
  }
}

function timestampOf(record: unknown): number {
  const ts = (record as { messageTimestamp?: unknown } | null)?.messageTimestamp;
  const n = typeof ts === 'number' ? ts : Number(ts);
  return Number.isFinite(n) ? n : 0;
}
