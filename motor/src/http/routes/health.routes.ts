import Router from '@koa/router';
import type { Db } from '../../ports/db.port.js';
import { AppError } from '../../errors.js';
import {
  EVOLUTION_CONFIG_FAULTS,
  type EvolutionHealthService,
} from '../../services/evolution-health.service.js';

/**
 * `GET /healthz` (process up) and `GET /readyz`: 503 when the database does not answer, or when
 * Evolution is misconfigured (key refused, not 2.3.x, 2.4's licence lock); an Evolution that is
 * only unreachable is reported in the body (`evolution.status`) without failing readiness.
 * `onDatabaseRecovered` runs when the database answers again after a failed probe.
 */
export function healthRoutes(deps: {
  db: Db;
  evolutionHealth?: EvolutionHealthService;
  onDatabaseRecovered?: () => void;
}) {
  const router = new Router();
  let databaseDown = false;
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await withTimeout(deps.db.ping(), 2000);
    } catch (err) {
      databaseDown = true;
      throw new AppError('unavailable', 'the database does not answer', undefined, { cause: err });
    }
    if (databaseDown) {
      databaseDown = false;
      deps.onDatabaseRecovered?.();
    }
    const evolution = deps.evolutionHealth ? await deps.evolutionHealth.current() : undefined;
    if (evolution && EVOLUTION_CONFIG_FAULTS.includes(evolution.status)) {
      throw new AppError('unavailable', evolution.message, { evolution });
    }
    ctx.body = { ok: true, database: deps.db.driver, ...(evolution ? { evolution } : {}) };
  });
  return router;
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
