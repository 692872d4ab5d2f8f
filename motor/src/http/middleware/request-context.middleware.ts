import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../logger.js';

/**
 * Gives each request an id (`x-request-id`, echoed back) and a child logger carrying it, and logs
 * one line when the request ends. Bodies are never logged.
 *
 * @example
 *   app.use(requestContext(logger));
 */
export function requestContext(logger: Logger): Middleware {
  return async function requestContextMiddleware(ctx, next) {
    const incoming = ctx.get('x-request-id');
    const id = /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    // The child logger is made on first use: most requests log nothing (the per-request line is
    // at debug level), and a pino child per webhook showed in the ingest profile (docs/perf/).
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (log ??= logger.child({ reqId: id })),
      configurable: true,
      enumerable: true,
    });
    ctx.set('x-request-id', id);
    const start = performance.now();
    try {
      await next();
    } finally {
      const level = ctx.status >= 500 ? 'error' : 'debug';
      if (logger.isLevelEnabled(level)) {
        const ms = Math.round((performance.now() - start) * 10) / 10;
        (ctx.state.log as Logger)[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
      }
    }
  };
}
