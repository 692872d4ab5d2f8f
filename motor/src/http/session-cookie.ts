import type { ParameterizedContext } from 'koa';
import { SESSION_COOKIE } from '../edge/credentials.js';
import type { IssuedSession } from '../ports/identity.port.js';

// Written by hand rather than with ctx.cookies: `cookies` refuses a Secure cookie on a plain
// http hop, which is exactly the TLS-terminating-proxy case when PUBLIC_URL is https.
const isSecure = (ctx: ParameterizedContext, publicUrl: string) =>
  ctx.secure || publicUrl.startsWith('https:');

/**
 * Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over https (behind a proxy
 * that says so in X-Forwarded-Proto, or when PUBLIC_URL is https).
 *
 * @example
 *   setSessionCookie(ctx, result.session, config.publicUrl);
 */
export function setSessionCookie(ctx: ParameterizedContext, s: IssuedSession, publicUrl: string) {
  ctx.append('Set-Cookie', serialize(encodeURIComponent(s.token), s.maxAgeSeconds, isSecure(ctx, publicUrl)));
}

/** Clears the session cookie. @example clearSessionCookie(ctx, config.publicUrl) */
export function clearSessionCookie(ctx: ParameterizedContext, publicUrl: string) {
  ctx.append('Set-Cookie', serialize('', 0, isSecure(ctx, publicUrl)));
}

function serialize(value: string, maxAge: number, secure: boolean) {
  const expires = new Date(maxAge > 0 ? Date.now() + maxAge * 1000 : 0).toUTCString();
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    `Expires=${expires}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
