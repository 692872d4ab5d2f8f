/** The session cookie's name. */
export const SESSION_COOKIE = 'atende_session';

/** What a request or a socket handshake may carry to say who it is. */
export interface Credentials {
  /** The raw `Cookie` header (the session cookie is read from it). */
  cookieHeader?: string;
  /** A bearer token: `Authorization: Bearer …`, or the socket's `auth.token`. */
  bearerToken?: string;
}

/** Longest token accepted anywhere; longer ones are not ours. */
const MAX_TOKEN = 8192;

/**
 * The token of an `Authorization: Bearer …` header, if any.
 *
 * @example
 *   bearerOf('Bearer abc') // → 'abc'
 */
export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim() || undefined;
}

/**
 * The credentials of an HTTP request or a Socket.IO handshake, one rule for both: the cookie
 * header, and a bearer token from the socket's `auth.token` or else the Authorization header.
 *
 * @example
 *   credentialsOf({ cookie: ctx.get('cookie'), authorization: ctx.get('authorization') })
 *   credentialsOf(socket.request.headers, socket.handshake.auth)
 */
export function credentialsOf(
  headers: { cookie?: string; authorization?: string },
  handshakeAuth?: unknown,
): Credentials {
  const token = (handshakeAuth as { token?: unknown } | undefined)?.token;
  const fromHandshake =
    typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN ? token : undefined;
  return {
    cookieHeader: headers.cookie || undefined,
    bearerToken: fromHandshake ?? bearerOf(headers.authorization),
  };
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
