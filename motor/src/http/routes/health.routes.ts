import Router from '@koa/router';
import type { Db } from '../../ports/db.port.js';
import { AppError } from '../../errors.js';

/** `GET /healthz` (process up) and `GET /readyz` (database answers, else 503). */
export function healthRoutes(deps: { db: Db }) {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await withTimeout(deps.db.ping(), 2000);
    } catch (err) {
      throw new AppError('unavailable', 'the database does not answer', undefined, { cause: err });
    }
    ctx.body = { ok: true, database: deps.db.driver };
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
