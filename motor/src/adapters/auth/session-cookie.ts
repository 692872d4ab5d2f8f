import { createHmac, timingSafeEqual } from 'node:crypto';

// The cookie's name lives with the edge rules; re-exported for the tests and benchmarks.
export { SESSION_COOKIE } from '../../edge/credentials.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mac = (secret: string, sessionId: string) =>
  createHmac('sha256', secret).update(sessionId).digest('base64url');

/**
 * The cookie value for a local session: `<sessionId>.<HMAC-SHA256(sessionId)>`.
 *
 * @example
 *   setSessionCookie(ctx, { token: signSessionId(secret, session.id), maxAgeSeconds }, publicUrl);
 */
export function signSessionId(secret: string, sessionId: string): string {
  return `${sessionId}.${mac(secret, sessionId)}`;
}

/**
 * The session id inside a signed value, or null when the value is not one we signed.
 *
 * @example
 *   const id = verifySessionToken(secret, token); // 'b3c…' | null
 */
export function verifySessionToken(secret: string, token: string): string | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const id = token.slice(0, dot);
  if (!UUID.test(id)) return null;
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** Access tokens (bearer mode) start with this, so they are told apart from cookie values. */
const ACCESS_PREFIX = 'at1';

const accessMac = (secret: string, sessionId: string, exp: number) =>
  createHmac('sha256', secret).update(`access.${sessionId}.${exp}`).digest('base64url');

/**
 * A short-lived bearer token of a local session, for a dashboard on another site (where the
 * session cookie is third-party): `at1.<sessionId>.<exp unix seconds>.<HMAC>`. It proves the same
 * session row the cookie does, so revoking the session (logout) kills it too.
 *
 * @example
 *   const { token, expiresIn } = signAccessToken(secret, session.id, 3600);
 */
export function signAccessToken(
  secret: string,
  sessionId: string,
  ttlSeconds: number,
  now = Date.now(),
): { token: string; expiresIn: number } {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  return {
    token: `${ACCESS_PREFIX}.${sessionId}.${exp}.${accessMac(secret, sessionId, exp)}`,
    expiresIn: ttlSeconds,
  };
}

/**
 * What an access token says: not one of ours (`null`), or its session id and whether it expired.
 *
 * @example
 *   verifyAccessToken(secret, token) // → { sessionId: 'b3c…', expired: false } | null
 */
export function verifyAccessToken(
  secret: string,
  token: string,
  now = Date.now(),
): { sessionId: string; expired: boolean } | null {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== ACCESS_PREFIX) return null;
  const [, id, expText, given] = parts as [string, string, string, string];
  if (!UUID.test(id) || !/^\d{1,12}$/.test(expText)) return null;
  const exp = Number(expText);
  const a = Buffer.from(given);
  const b = Buffer.from(accessMac(secret, id, exp));
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return { sessionId: id, expired: exp * 1000 <= now };
}

/** Whether a token has the shape of an access token (for the error message only). */
export const isAccessToken = (token: string) => token.startsWith(`${ACCESS_PREFIX}.`);
