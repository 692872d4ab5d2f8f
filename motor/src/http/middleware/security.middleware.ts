import cors from '@koa/cors';
import { BEARER_REQUEST_HEADER } from '@atende/shared';
import type { Middleware } from 'koa';
import helmet from 'koa-helmet';
import proxyaddr from 'proxy-addr';
import type { Config } from '../../config.js';

/**
 * The client's address as `ctx.ip`: the socket's peer, or, only when that peer is a configured
 * proxy (TRUST_PROXY), the address it forwarded in X-Forwarded-For, hop by hop from the right. A
 * client that sends its own X-Forwarded-For to a Motor that trusts no proxy changes nothing, so
 * rotating the header cannot dodge the per-IP limits.
 *
 * @example
 *   app.proxy = config.trustProxy !== false; // X-Forwarded-Proto → ctx.secure
 *   app.use(clientIp(config.trustProxy));
 */
export function clientIp(trust: Config['trustProxy']): Middleware {
  const trusted =
    trust === false
      ? () => false
      : typeof trust === 'number'
        ? (_addr: string, hop: number) => hop < trust
        : proxyaddr.compile(trust);
  return async function clientIpMiddleware(ctx, next) {
    ctx.request.ip = proxyaddr(ctx.req, trusted);
    return next();
  };
}

/**
 * Security headers on every answer (helmet): nosniff, no framing (`frame-ancestors 'none'` and
 * X-Frame-Options DENY), no referrer, HSTS, and a CSP that lets an API answer load nothing. The
 * dashboard's HTML replaces the CSP with its own (static-dashboard.ts). In cross-origin mode
 * (DASHBOARD_ORIGINS) media may be embedded by the dashboard's origin, so CORP is relaxed.
 */
export function securityHeaders(opts: { crossOrigin: boolean }): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: opts.crossOrigin ? 'cross-origin' : 'same-origin' },
  });
}

/**
 * CORS with credentials for the configured dashboard origins only (cross-origin mode), on `/api/`
 * paths; any other Origin gets no CORS headers, so the browser keeps the answer from the page.
 *
 * @example
 *   app.use(dashboardCors(['https://atende.netlify.app']));
 */
export function dashboardCors(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (ctx) => (allowed.has(ctx.get('origin')) ? ctx.get('origin') : ''),
    credentials: true,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['content-type', 'authorization', BEARER_REQUEST_HEADER],
    exposeHeaders: ['retry-after', 'x-request-id', 'x-next-cursor'],
    maxAge: 600,
  });
  return async function dashboardCorsMiddleware(ctx, next) {
    if (allowed.size === 0 || !/^\/api\//i.test(ctx.path)) return next();
    ctx.vary('Origin');
    return handler(ctx, next);
  };
}

/**
 * Load shedding: while `max` matching requests are already in progress, a new one is answered at
 * once with 503 `unavailable` + `Retry-After` (before its body is read) instead of queueing for
 * seconds behind the others. Meant for webhooks: Evolution retries a 503 with backoff, and ingest
 * is idempotent, so a shed webhook arrives again later and nothing is lost.
 *
 * @example
 *   app.use(shedLoad({ match: (p) => /^\/api\/webhook/i.test(p), max: config.webhookMaxInflight, logger }));
 */
export function shedLoad(opts: {
  match: (path: string) => boolean;
  max: number;
  retryAfterSeconds?: number;
  logger: { warn(obj: object, msg: string): void };
}): Middleware {
  let inflight = 0;
  let shed = 0;
  let lastWarn = 0;
  return async function shedLoadMiddleware(ctx, next) {
    if (!opts.match(ctx.path)) return next();
    if (inflight >= opts.max) {
      shed++;
      if (Date.now() - lastWarn > 5000) {
        lastWarn = Date.now();
        opts.logger.warn({ inflight, shed }, 'shedding webhooks: too many in progress (503 + Retry-After)');
      }
      ctx.status = 503;
      ctx.set('Retry-After', String(opts.retryAfterSeconds ?? 5));
      ctx.body = { error: { code: 'unavailable', message: 'the Motor is busy; retry shortly' } };
      return;
    }
    inflight++;
    try {
      await next();
    } finally {
      inflight--;
    }
  };
}
