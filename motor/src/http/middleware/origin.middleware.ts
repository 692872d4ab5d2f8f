import type { Middleware } from 'koa';
import { forbidden } from '../../errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `/api/webhook` and `/api/webhook/<event>` in any letter case (as the router matches them). */
export const isWebhookPath = (path: string) => /^\/api\/webhook(\/|$)/i.test(path);

/**
 * The CSRF rule (CONTRACT.md "Auth"), shared by HTTP and the Socket.IO handshake. Allowed: no
 * Origin at all; PUBLIC_URL's origin; or the request's own origin (the Host it was sent to,
 * either scheme), because the Motor serves the dashboard itself and a browser on
 * `http://localhost:3000` must work while PUBLIC_URL says `http://127.0.0.1:3000`. A foreign
 * site cannot forge Host in a browser, so same-host stays a same-origin request.
 *
 * @example
 *   isAllowedOrigin({ origin: req.headers.origin, host: req.headers.host, publicUrl: config.publicUrl })
 */
export function isAllowedOrigin(opts: {
  origin?: string | null;
  host?: string | null;
  publicUrl: string;
  /** DASHBOARD_ORIGINS: a dashboard served from another origin (cross-origin mode). */
  dashboardOrigins?: readonly string[];
}): boolean {
  const origin = opts.origin?.trim();
  if (!origin) return true;
  if (opts.dashboardOrigins?.includes(origin)) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // includes the literal "null" origin of sandboxed frames
  }
  if (o.origin === new URL(opts.publicUrl).origin) return true;
  const host = opts.host?.trim().toLowerCase();
  return !!host && (o.protocol === 'http:' || o.protocol === 'https:') && o.host.toLowerCase() === host;
}

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
