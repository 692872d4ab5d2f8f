import type { Middleware } from 'koa';

/**
 * While the process shuts down, every response closes its connection (`Connection: close`), so
 * keep-alive clients (Evolution, a load balancer) open their next request elsewhere instead of
 * holding this process open. Requests already here are still served to the end.
 *
 * @example
 *   app.use(closeWhenDraining(() => health.draining));
 */
export function closeWhenDraining(draining: () => boolean): Middleware {
  return async function closeWhenDrainingMiddleware(ctx, next) {
    try {
      await next();
    } finally {
      if (draining()) ctx.set('Connection', 'close');
    }
  };
}
