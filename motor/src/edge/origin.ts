/**
 * The same-origin rule shared by HTTP (http/middleware/origin.middleware.ts) and the Socket.IO
 * handshake (realtime/socket-auth.middleware.ts); docs/api.md "Origin". Allowed: no Origin at
 * all; PUBLIC_URL's origin; or the request's own origin (the Host it was sent to, either scheme),
 * because the Motor serves the dashboard itself and a browser on `http://localhost:3000` must work
 * while PUBLIC_URL says `http://127.0.0.1:3000`. A foreign site cannot forge Host in a browser, so
 * same-host stays a same-origin request.
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
