import type { ParameterizedContext } from 'koa';
import { SESSION_COOKIE } from '../edge/credentials.js';
import type { IssuedSession } from '../ports/identity.port.js';

// Written by hand rather than with ctx.cookies: `cookies` refuses a Secure cookie on a plain
// http hop, which is exactly the TLS-terminating-proxy case when PUBLIC_URL is https.
/** Where the cookie is used: PUBLIC_URL, and DASHBOARD_ORIGINS when the dashboard lives elsewhere. */
export interface CookieSite {
  publicUrl: string;
  dashboardOrigins?: readonly string[];
}

// A dashboard on another site (cross-origin mode) only sends the cookie with SameSite=None, which
// browsers accept only with Secure; the Origin guard and the CORS allow-list keep other sites out.
const attrsOf = (ctx: ParameterizedContext, site: CookieSite) => {
  const crossSite = (site.dashboardOrigins?.length ?? 0) > 0;
  return {
    secure: crossSite || ctx.secure || site.publicUrl.startsWith('https:'),
    sameSite: crossSite ? 'None' : 'Lax',
  };
};

/**
 * Sets the session cookie: HttpOnly, Path=/, SameSite=Lax and Secure over https (behind a proxy
 * that says so in X-Forwarded-Proto, or when PUBLIC_URL is https); SameSite=None; Secure in
 * cross-origin mode.
 *
 * @example
 *   setSessionCookie(ctx, result.session, config);
 */
export function setSessionCookie(ctx: ParameterizedContext, s: IssuedSession, site: CookieSite) {
  ctx.append('Set-Cookie', serialize(encodeURIComponent(s.token), s.maxAgeSeconds, attrsOf(ctx, site)));
}

/** Clears the session cookie. @example clearSessionCookie(ctx, config) */
export function clearSessionCookie(ctx: ParameterizedContext, site: CookieSite) {
  ctx.append('Set-Cookie', serialize('', 0, attrsOf(ctx, site)));
}

function serialize(
  value: string,
  maxAge: number,
  { secure, sameSite }: { secure: boolean; sameSite: string },
) {
  const expires = new Date(maxAge > 0 ? Date.now() + maxAge * 1000 : 0).toUTCString();
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    `Expires=${expires}`,
    'HttpOnly',
    `SameSite=${sameSite}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
