import { randomUUID } from 'node:crypto';
import type { Account, User } from '@atende/shared';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A tiny JSON client for one caller: `api(baseUrl, cookie).get('/api/me')`. Sends no Origin
 * (like curl; the origin rule allows it). Bodies that are not JSON come back as text.
 *
 * @example
 *   const a = api(app.baseUrl, cookie);
 *   const r = await a.post('/api/users', { email, name, role: 'agent' });
 *   expect(r.status).toBe(201);
 */
export function api(baseUrl: string, cookie?: string, extraHeaders: Record<string, string> = {}) {
  const request = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const h: Record<string, string> = { ...extraHeaders, ...headers };
    if (cookie) h.cookie = cookie;
    let payload: string | undefined;
    if (body !== undefined) {
      h['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T } satisfies ApiResponse<T>;
  };
  return {
    request,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>('POST', path, body, headers),
    put: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>('PUT', path, body, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>('PATCH', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>('DELETE', path, undefined, headers),
  };
}

/** The `name=value` part of a response's session Set-Cookie, ready for a Cookie header. */
export function sessionCookieOf(headers: Headers): string {
  const set = headers.getSetCookie().find((c) => c.startsWith('atende_session='));
  if (!set) throw new Error('no session cookie in the response');
  return set.split(';')[0]!;
}

export interface SignedUp {
  cookie: string;
  user: User;
  account: Account;
  email: string;
  password: string;
}

/**
 * Signs up a new account through the real route and returns its owner's session cookie.
 *
 * @example
 *   const owner = await signup(app.baseUrl, { accountName: 'Loja A' });
 *   await api(app.baseUrl, owner.cookie).get('/api/me');
 */
export async function signup(
  baseUrl: string,
  overrides: Partial<{ email: string; password: string; name: string; accountName: string }> = {},
): Promise<SignedUp> {
  const body = {
    email: overrides.email ?? `owner-${randomUUID()}@example.com`,
    password: overrides.password ?? 'correct horse battery',
    name: overrides.name ?? 'Owner',
    accountName: overrides.accountName ?? 'Loja Teste',
  };
  const r = await api(baseUrl).post('/api/auth/signup', body);
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    cookie: sessionCookieOf(r.headers),
    user: r.body.user,
    account: r.body.account,
    email: body.email,
    password: body.password,
  };
}

/**
 * Logs in through the real route; returns the cookie (throws unless 200).
 *
 * @example
 *   const { cookie } = await login(app.baseUrl, { email, password });
 */
export async function login(
  baseUrl: string,
  creds: { email: string; password: string },
): Promise<{ cookie: string; user: User; account: Account }> {
  const r = await api(baseUrl).post('/api/auth/login', creds);
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { cookie: sessionCookieOf(r.headers), user: r.body.user, account: r.body.account };
}

/**
 * Adds a teammate with a password (as `owner`) and logs them in.
 *
 * @example
 *   const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
 */
export async function addMember(
  baseUrl: string,
  ownerCookie: string,
  opts: { role: 'admin' | 'agent'; email?: string; name?: string; password?: string },
): Promise<{ cookie: string; user: User; email: string; password: string }> {
  const email = opts.email ?? `${opts.role}-${randomUUID()}@example.com`;
  const password = opts.password ?? 'member password 1';
  const r = await api(baseUrl, ownerCookie).post('/api/users', {
    email,
    name: opts.name ?? opts.role,
    role: opts.role,
    password,
  });
  if (r.status !== 201) throw new Error(`invite failed: ${r.status} ${JSON.stringify(r.body)}`);
  const l = await login(baseUrl, { email, password });
  return { cookie: l.cookie, user: l.user, email, password };
}
