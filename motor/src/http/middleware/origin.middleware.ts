import type { Middleware } from 'koa';
import { isAllowedOrigin } from '../../edge/origin.js';
import { forbidden } from '../../errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `/api/webhook` and `/api/webhook/<event>` in any letter case (as the router matches them). */
export const isWebhookPath = (path: string) => /^\/api\/webhook(\/|$)/i.test(path);

/**
 * Refuses every state-changing request from a foreign `Origin` with 403 `forbidden`, whatever
 * its path or the path's letter case (the router matches `/API/users` like `/api/users`), so no
 * route can be forgotten. Webhooks are the one exception (Evolution is not a browser; they carry
 * their own secret and no cookie is read there).
 *
 * @example
 *   app.use(originGuard({ publicUrl: config.publicUrl }));
 */
export function originGuard(opts: { publicUrl: string; dashboardOrigins?: readonly string[] }): Middleware {
  return async function originGuardMiddleware(ctx, next) {
    if (
      STATE_CHANGING.has(ctx.method) &&
      !isWebhookPath(ctx.path) &&
      !isAllowedOrigin({ origin: ctx.get('origin'), host: ctx.get('host'), ...opts })
    ) {
      throw forbidden('cross-site request refused (Origin does not match)');
    }
    return next();
  };
}
