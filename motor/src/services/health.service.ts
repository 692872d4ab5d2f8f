import type { EvolutionHealth } from '@atende/shared';
import { AppError } from '../errors.js';
import type { Db } from '../ports/db.port.js';
import { EVOLUTION_CONFIG_FAULTS } from './evolution-health.service.js';

/**
 * Readiness (`GET /readyz`): 503 `unavailable` when the database does not answer within
 * `timeoutMs`, or when Evolution is misconfigured (key refused, not 2.3.x, 2.4's licence lock;
 * `details.evolution` says which). An Evolution that is only unreachable is reported in the
 * answer (`evolution.status`) without failing readiness: the inbox still works.
 * `onDatabaseRecovered` runs when the database answers again after a failed probe. Once shutdown
 * began (`beginDrain`) readiness is 503 with `details.draining`.
 *
 * @example
 *   const health = new HealthService({ db, evolution });
 *   await health.ready(); // → { database: 'pglite', evolution: { status: 'ok', … } }
 */
export class HealthService {
  private databaseDown = false;
  private drainingSince: number | null = null;

  constructor(
    private readonly deps: {
      db: Db;
      timeoutMs?: number;
      evolution?: { current(): Promise<EvolutionHealth> };
      onDatabaseRecovered?: () => void;
    },
  ) {}

  /** Shutdown began (SIGTERM): readiness answers 503 so a load balancer sends nothing new here. */
  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /** Whether this process is shutting down (responses then close their connection). */
  get draining(): boolean {
    return this.drainingSince !== null;
  }

  async ready(): Promise<{ database: Db['driver']; evolution?: EvolutionHealth }> {
    if (this.draining) throw new AppError('unavailable', 'this Motor process is shutting down', { draining: true });
    try {
      await withTimeout(this.deps.db.ping(), this.deps.timeoutMs ?? 2000);
    } catch (err) {
      this.databaseDown = true;
      throw new AppError('unavailable', 'the database does not answer', undefined, { cause: err });
    }
    if (this.databaseDown) {
      this.databaseDown = false;
      this.deps.onDatabaseRecovered?.();
    }
    const evolution = await this.deps.evolution?.current();
    if (evolution && EVOLUTION_CONFIG_FAULTS.includes(evolution.status)) {
      throw new AppError('unavailable', evolution.message, { evolution });
    }
    return { database: this.deps.db.driver, ...(evolution ? { evolution } : {}) };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
