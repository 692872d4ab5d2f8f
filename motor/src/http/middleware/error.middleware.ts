import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/**
 * First in the chain: turns every thrown error into the contract's JSON error body. AppErrors keep
 * their code and message; anything else becomes 500 `internal` with the request id, logged with
 * its stack (which never reaches the client).
 *
 * @example
 *   app.use(errorHandler(logger));
 */
export function errorHandler(logger: Logger): Middleware {
  return async function errorMiddleware(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const log: Logger = ctx.state.log ?? logger;
      const appError = toAppError(err);
      if (appError.status >= 500) log.error({ err }, appError.message);
      else log.debug({ code: appError.code }, appError.message);
      ctx.status = appError.status;
      if (appError.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(appError.retryAfterSeconds));
      ctx.body = {
        error: {
          code: appError.code,
          message: appError.message,
          ...(appError.details !== undefined ? { details: appError.details } : {}),
          ...(appError.status >= 500 ? { requestId: ctx.state.requestId } : {}),
        },
      };
    }
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; expose?: boolean; type?: string; message?: string };
  // Koa/http-errors thrown by ctx.throw or the body reader.
  if (typeof e?.status === 'number' && e.status < 500) {
    if (e.status === 413) return new AppError('payload_too_large', 'request body too large');
    if (e.status === 415) return new AppError('unsupported_media_type', e.message ?? 'unsupported media type');
    if (e.status === 400) return new AppError('validation_failed', e.expose ? (e.message ?? 'bad request') : 'bad request');
    if (e.status === 401) return new AppError('unauthenticated', 'sign in first');
    if (e.status === 403) return new AppError('forbidden', 'forbidden');
    if (e.status === 404) return new AppError('not_found', 'not found');
  }
  return new AppError('internal', 'internal error', undefined, { cause: err });
}
