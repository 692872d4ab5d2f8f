import type { Logger } from '../logger.js';
import type { MetricsPort } from '../ports/metrics.port.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';

export interface CampaignRunnerOptions {
  /** Per-number sends a day (CAMPAIGN_DAILY_CAP). */
  dailyCap: number;
  /** A break of `breakMs` every `breakEvery` sends (0: none). */
  breakEvery: number;
  breakMs: number;
  /** Each gap is 60000/rate ms ± this fraction. */
  jitter: number;
  /** How often the campaigns' clock runs (auto pause/resume, schedule, progress). Default 250 ms. */
  tickMs?: number;
  /** The longest the feeder sleeps between looks. Default 250 ms. */
  idleMs?: number;
}

interface Fed {
  fed: { campaignId: string; messageId: string; accountId: string } | null;
  events: AccountEvent[];
  nextAt: string | null;
}

/**
 * The campaign runner, on every Motor process (docs/campaigns.md). Two loops, both one SQL call
 * per turn, so several processes cooperate through the database alone:
 * - the feeder (`app.campaign_feed`): when an instance's next slot is due, the next recipient
 *   becomes a message + outbox row (paced per instance, at most three in flight, daily cap), then the
 *   outbox is woken so this process sends it at once (the outbox's own claim re-checks the
 *   rate, and owns exactly-once: lease, findMessages before any resend);
 * - the clock (`app.campaigns_tick`): schedules, pauses when a number disconnects and resumes
 *   when it reconnects, completes, and pushes throttled progress (`campaign.updated`).
 *
 * @example
 *   const runner = new CampaignRunner({ db, realtime, logger, outbox }, config.campaigns);
 *   runner.start();
 *   await runner.stop();
 */
export class CampaignRunner {
  private stopped = true;
  private feedTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      db: Db;
      realtime: RealtimePublisher;
      logger: Logger;
      outbox: { wake(): void } | null;
      /** Counts the recipients queued (default: none recorded). */
      metrics?: MetricsPort;
    },
    private readonly o: CampaignRunnerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.scheduleFeed(0);
    this.scheduleTick();
  }

  /** Stops both loops and waits for the turn in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.feedTimer, this.tickTimer]) if (t) clearTimeout(t);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** One feeder turn: feeds at most one recipient; resolves with the ms until the next look. */
  async feedOnce(): Promise<number> {
    const r = await this.deps.db.call<Fed>('campaign_feed', {
      jitter: this.o.jitter,
      breakEvery: this.o.breakEvery,
      breakMs: this.o.breakMs,
      dailyCap: this.o.dailyCap,
    });
    this.deps.realtime.publish(r.events);
    if (r.fed) {
      this.deps.metrics?.campaignQueued();
      this.deps.outbox?.wake();
      return 0; // another instance may be due too
    }
    const idle = this.o.idleMs ?? 250;
    if (!r.nextAt) return idle;
    // A slot just passed but nothing was fed: three sends are still in flight; look again soon.
    return Math.min(idle, Math.max(10, Date.parse(r.nextAt) - Date.now()));
  }

  /** One clock turn (exposed for tests). */
  async tickOnce(): Promise<void> {
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('campaigns_tick');
    this.deps.realtime.publish(r.events);
  }

  private scheduleFeed(ms: number) {
    if (this.stopped) return;
    this.feedTimer = setTimeout(() => {
      this.track(
        this.feedOnce().then(
          (next) => this.scheduleFeed(next),
          (err) => {
            this.deps.logger.warn({ err }, 'campaign feeder turn failed');
            this.scheduleFeed(1000);
          },
        ),
      );
    }, ms);
    this.feedTimer.unref();
  }

  private scheduleTick() {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      this.track(
        this.tickOnce()
          .catch((err) => this.deps.logger.warn({ err }, 'campaign clock turn failed'))
          .then(() => this.scheduleTick()),
      );
    }, this.o.tickMs ?? 250);
    this.tickTimer.unref();
  }

  private track(p: Promise<unknown>) {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }
}
