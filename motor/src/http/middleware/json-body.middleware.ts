import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';

export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * Reads a JSON body into `ctx.request.body` for requests that carry one. Past `limit` bytes it
 * answers 413, but only after draining the rest of the upload, so the client actually receives
 * the answer instead of a reset connection. A body that is not JSON → 415; malformed JSON → 400.
 *
 * @example
 *   router.post('/api/webhook', jsonBody({ limit: 5 * 1024 * 1024 }), handler);
 */
export function jsonBody(opts: { limit?: number } = {}): Middleware {
  const limit = opts.limit ?? DEFAULT_BODY_LIMIT;
  return async function jsonBodyMiddleware(ctx, next) {
    const method = ctx.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
    const declared = Number(ctx.get('content-length') || 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    }
    if (tooLarge) throw new AppError('payload_too_large', `request body exceeds ${limit} bytes`);
    if (size === 0) {
      ctx.request.body = undefined;
      return next();
    }
    if (!ctx.is('json') && !ctx.is('+json')) {
      throw new AppError('unsupported_media_type', 'send JSON (Content-Type: application/json)');
    }
    try {
      ctx.request.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new AppError('validation_failed', 'malformed JSON body');
    }
    return next();
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
