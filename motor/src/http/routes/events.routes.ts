import Router from '@koa/router';
import { eventsQuerySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { EventsService } from '../../services/events.service.js';
import { authOf, requireAuth } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * `GET /api/events?after=<seq>&limit=` → `{events, seq}` (ascending, the caller's account only)
 * or `{reset:true, seq}` past the retained log: how a client fills a hole or catches up after a
 * reconnect (docs/api.md "Catch-up").
 *
 * @example
 *   const router = eventsRoutes({ auth, events });
 *   app.use(router.routes()).use(router.allowedMethods());
 */
export function eventsRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; events: EventsService }) {
  const { events } = deps;
  const router = new Router();
  router.get('/api/events', requireAuth(deps.auth), validate({ query: eventsQuerySchema }), async (ctx) => {
    const { after, limit } = input(ctx, 'query', eventsQuerySchema);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await events.after({ accountId: authOf(ctx).accountId, after, limit });
  });
  return router;
}
