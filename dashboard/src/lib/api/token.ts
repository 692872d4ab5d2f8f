import { BEARER_REQUEST_HEADER } from '@atende/shared';
import { motorUrl } from '$lib/config';

/**
 * The session as a bearer token, for a dashboard served from another site than the Motor (where
 * the browser would treat the Motor's session cookie as third-party and may refuse it). Kept in
 * memory and in sessionStorage (this tab survives a reload; nothing outlives the browser session,
 * unlike localStorage), sent as `Authorization: Bearer` on every API call and as the socket's
 * `auth.token`, renewed at half its life, and dropped at logout. Same-origin (the default) uses
 * the HttpOnly cookie and none of this.
 *
 * @example
 *   if (bearerMode) headers.authorization = `Bearer ${accessToken()}`;
 */
export const bearerMode = motorUrl !== '';

const KEY = 'atende.session';

interface Stored {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

let current: Stored | null = load();
let timer: ReturnType<typeof setTimeout> | null = null;
let renew: (() => Promise<{ accessToken: string; expiresIn: number }>) | null = null;

function load(): Stored | null {
  if (!bearerMode) return null;
  try {
    const s = JSON.parse(globalThis.sessionStorage?.getItem(KEY) ?? 'null') as Stored | null;
    return s && typeof s.token === 'string' && typeof s.expiresAt === 'number' ? s : null;
  } catch {
    return null;
  }
}

/** The token to send, or null (none, or expired). */
export function accessToken(): string | null {
  if (!current || current.expiresAt <= Date.now()) return null;
  return current.token;
}

/** Keeps a token from a signup, login, invite acceptance, password change or renewal. */
export function setAccessToken(r: { accessToken?: unknown; expiresIn?: unknown }): void {
  if (!bearerMode || typeof r.accessToken !== 'string' || typeof r.expiresIn !== 'number') return;
  current = { token: r.accessToken, expiresAt: Date.now() + r.expiresIn * 1000 };
  try {
    globalThis.sessionStorage?.setItem(KEY, JSON.stringify(current));
  } catch {
    // private mode without storage: memory only
  }
  schedule();
}

/** Forgets the token (logout, or a renewal the Motor refused). */
export function clearAccessToken(): void {
  current = null;
  if (timer) clearTimeout(timer);
  timer = null;
  try {
    globalThis.sessionStorage?.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

/** How the token is renewed (POST /api/auth/token); set once by the API module. */
export function onRenew(fn: typeof renew): void {
  renew = fn;
  schedule();
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!current || !renew || typeof setTimeout === 'undefined') return;
  const left = current.expiresAt - Date.now();
  if (left <= 0) return;
  timer = setTimeout(
    () => {
      const fn = renew;
      if (!fn) return;
      fn().then(setAccessToken, (e: unknown) => {
        // The session ended (logout elsewhere, revoked): forget it. A network blip: try later.
        if ((e as { status?: number })?.status === 401) clearAccessToken();
        else if (current) timer = setTimeout(schedule, 30_000);
      });
    },
    Math.max(5_000, left / 2),
  );
}

/**
 * The fetch options every call to the Motor uses: the bearer token in cross-site mode (no
 * cookies at all), else the cookie.
 *
 * @example
 *   fetch(`${motorUrl}/api/events`, withCredentials({ headers: { accept: 'application/json' } }));
 */
export function withCredentials(init: RequestInit = {}): RequestInit {
  if (!bearerMode) return { ...init, credentials: 'same-origin' };
  const headers = new Headers(init.headers);
  const t = accessToken();
  if (t) headers.set('authorization', `Bearer ${t}`);
  headers.set(BEARER_REQUEST_HEADER, '1');
  return { ...init, headers, credentials: 'omit' };
}

/**
 * A media file of the Motor (`/api/messages/:id/media`) as something an `<img>`, `<audio>` or
 * link can use: the path itself on the same origin (the cookie goes along), or in cross-site
 * mode the file fetched with the token into a `blob:` URL, since those elements cannot send an
 * Authorization header. The caller revokes the blob URL when done.
 *
 * @example
 *   const src = await mediaSource('/api/messages/1/media'); // '/api/messages/1/media' or 'blob:…'
 */
export async function mediaSource(path: string): Promise<string> {
  if (!bearerMode) return path;
  const res = await fetch(motorUrl + path, withCredentials());
  if (!res.ok) throw Object.assign(new Error(`media ${res.status}`), { status: res.status });
  return URL.createObjectURL(await res.blob());
}
