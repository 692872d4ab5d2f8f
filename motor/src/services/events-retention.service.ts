import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';

/** Each account keeps at least this many newest events, however old (a quiet account can still catch up). */
export const EVENT_RETENTION_MIN_EVENTS = 1000;

export interface EventRetentionOptions {
  db: Db;
  logger: Logger;
  /** Events older than this go (EVENT_RETENTION_HOURS, default 72). */
  keepHours: number;
  keepMin?: number;
  /** How often to prune; the first run is one interval after start. */
  intervalMs?: number;
}

export interface EventRetention {
  /** One pruning pass; resolves with the number of events deleted. */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Prunes the event log periodically. The timer is unref'd (it never keeps the process alive)
 * and a pass never overlaps the previous one; several Motor processes may run it at once
 * (app.prune_events lets one of them work and the others skip).
 *
 * @example
 *   const retention = startEventRetention({ db, logger, keepHours: config.eventRetentionHours });
 *   process.on('SIGTERM', () => retention.stop());
 */
export function startEventRetention(opts: EventRetentionOptions): EventRetention {
  const keepMin = opts.keepMin ?? EVENT_RETENTION_MIN_EVENTS;
  let running: Promise<number> | null = null;

  const runOnce = () => {
    running ??= opts.db
      .call<{ deleted: number }>('prune_events', { keepHours: opts.keepHours, keepMin })
      .then((r) => {
        if (r.deleted > 0) opts.logger.info({ deleted: r.deleted }, 'pruned the event log');
        return r.deleted;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => {
    runOnce().catch((err) => opts.logger.warn({ err }, 'event log pruning failed; will retry'));
  }, opts.intervalMs ?? 10 * 60_000);
  timer.unref();

  return { runOnce, stop: () => clearInterval(timer) };
}
