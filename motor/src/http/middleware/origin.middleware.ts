import type { Middleware } from 'koa';
import { isAllowedOrigin } from '../../edge/origin.js';
import { forbidden } from '../../errors.js';


const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses state-changing `/api/` requests from a foreign `Origin` with 403 `forbidden`
 * (webhooks excepted: Evolution is not a browser).
 *
 * @example
 *   app.use(originGuard({ publicUrl: config.publicUrl }));
 */
export function originGuard(opts: { publicUrl: string }): Middleware {
  return async function originGuardMiddleware(ctx, next) {
    if (
      STATE_CHANGING.has(ctx.method) &&
      ctx.path.startsWith('/api/') &&
      !ctx.path.startsWith('/api/webhook') &&
      !isAllowedOrigin({ origin: ctx.get('origin'), host: ctx.get('host'), publicUrl: opts.publicUrl })
    ) {
      throw forbidden('cross-site request refused (Origin does not match)');
    }
    return next();
  };
}
