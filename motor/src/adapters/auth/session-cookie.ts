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
