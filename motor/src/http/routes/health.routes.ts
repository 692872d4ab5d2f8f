import Router from '@koa/router';
import type { HealthService } from '../../services/health.service.js';

/** `GET /healthz` (process up) and `GET /readyz` (database answers, else 503). */
export function healthRoutes(deps: { health: HealthService }) {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/readyz', async (ctx) => {
    ctx.body = { ok: true, ...(await deps.health.ready()) };
  });
  return router;
}
