import { createHmac, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'atende_session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mac = (secret: string, sessionId: string) =>
  createHmac('sha256', secret).update(sessionId).digest('base64url');

/**
 * The cookie value for a local session: `<sessionId>.<HMAC-SHA256(sessionId)>`.
 *
 * @example
 *   ctx.cookies.set(SESSION_COOKIE, signSessionId(secret, session.id), { httpOnly: true });
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

/**
 * Reads one cookie from a raw `Cookie` header (the socket handshake has no Koa context).
 *
 * @example
 *   readCookie('a=1; atende_session=xyz', SESSION_COOKIE) // 'xyz'
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}
