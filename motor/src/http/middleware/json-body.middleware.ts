import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors.js';

export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024;

/** A route that takes a non-JSON body: its path, and the media types it accepts (e.g. `text/csv`). */
export interface RawBodyRoute {
  path: string;
  types: string[];
}

/**
 * Reads a JSON body into `ctx.request.body` for requests that carry one. Past `limit` bytes it
 * answers 413, but only after draining the rest of the upload, so the client actually receives
 * the answer instead of a reset connection. A body that is not JSON → 415; malformed JSON → 400.
 * On a `raw` route, a body of one of its types is kept as bytes in `ctx.request.rawBody` instead;
 * a `streamed` request (a file upload) is left unread for its route.
 *
 * @example
 *   app.use(jsonBody({ raw: [{ path: '/api/products/import', types: ['text/csv'] }] }));
 */
export function jsonBody(
  opts: { limit?: number; raw?: RawBodyRoute[]; streamed?: (ctx: Context) => boolean } = {},
): Middleware {
  const limit = opts.limit ?? DEFAULT_BODY_LIMIT;
  return async function jsonBodyMiddleware(ctx, next) {
    const method = ctx.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
    if (opts.streamed?.(ctx)) return next(); // the route reads the body itself, as it streams in
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
    const raw = opts.raw?.find((r) => r.path === ctx.path);
    if (raw && ctx.is(raw.types)) {
      ctx.request.rawBody = Buffer.concat(chunks);
      return next();
    }
    if (!ctx.is('json') && !ctx.is('+json')) {
      if (raw)
        throw new AppError('unsupported_media_type', `send ${raw.types[0]} (Content-Type: ${raw.types[0]})`);
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
    /** The bytes of a body taken by a `raw` route of jsonBody. */
    rawBody?: Buffer;
  }
}
