import Router from '@koa/router';
import { bearerOf } from '../../edge/credentials.js';
import type { MetricsService } from '../../services/metrics.service.js';

/** `GET /metrics`: Prometheus text, behind `Authorization: Bearer <METRICS_TOKEN>` (docs/operations.md). */
export function metricsRoutes(deps: { metrics: MetricsService }) {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await deps.metrics.scrape(bearerOf(ctx.get('authorization')));
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
