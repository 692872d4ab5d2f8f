import Router from '@koa/router';
import type { Context } from 'koa';
import { bearerOf } from '../../edge/credentials.js';
import type { WebhookIntakeService } from '../../services/webhook-intake.service.js';

/**
 * `POST /api/webhook` and `POST /api/webhook/<event-kebab>` (Evolution's byEvents URLs; the body's
 * `event` is what counts). 200 only after the change committed; 400 malformed; 401 bad secret;
 * 503 database down (Evolution retries). The 5 MB limit (413) is the app-wide jsonBody's.
 *
 * @example
 *   const router = webhookRoutes({ intake });
 *   app.use(router.routes());
 */
export function webhookRoutes(deps: { intake: WebhookIntakeService }) {
  const router = new Router();
  const handler = async (ctx: Context) => {
    const query = ctx.query.token;
    ctx.body = await deps.intake.handle(ctx.request.body, {
      motorToken: ctx.get('x-motor-token') || undefined,
      bearer: bearerOf(ctx.get('authorization')),
      queryToken: typeof query === 'string' ? query : undefined,
    });
  };
  router.post('/api/webhook', handler);
  router.post('/api/webhook/:event', handler);
  return router;
}
