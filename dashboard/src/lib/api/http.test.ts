import { describe, expect, it, vi } from 'vitest';
import { ApiError, HttpClient, toFieldIssues, withQuery } from './http';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe(HttpClient.name, () => {
  it('sends JSON with the session cookie and returns the parsed answer', async () => {
    const fetch = vi.fn(async () => json(200, { ok: 1 }));
    const sut = new HttpClient({ fetch: fetch as unknown as typeof globalThis.fetch });
    await expect(sut.post('/api/x', { a: 1 })).resolves.toEqual({ ok: 1 });
    expect(fetch).toHaveBeenCalledWith(
      '/api/x',
      expect.objectContaining({ method: 'POST', body: '{"a":1}', credentials: 'same-origin' }),
    );
  });

  it('throws ApiError with the stable code, details and Retry-After', async () => {
    const fetch = vi.fn(async () =>
      json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '42' }),
    );
    const sut = new HttpClient({ fetch: fetch as unknown as typeof globalThis.fetch });
    const err = await sut.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 42 });
  });

  it('maps a bodyless error status to a code, and a network failure to network_error', async () => {
    const sut = new HttpClient({
      fetch: (async () => new Response('', { status: 503 })) as unknown as typeof fetch,
    });
    await expect(sut.get('/api/x')).rejects.toMatchObject({ code: 'unavailable' });
    const down = new HttpClient({
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(down.get('/api/x')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('returns undefined for 204', async () => {
    const sut = new HttpClient({
      fetch: (async () => new Response(null, { status: 204 })) as unknown as typeof fetch,
    });
    await expect(sut.post('/api/auth/logout')).resolves.toBeUndefined();
  });
});

describe('toFieldIssues', () => {
  it('flattens zod issues and {field,message} items', () => {
    expect(
      toFieldIssues([
        { path: ['password'], message: 'Too small', code: 'too_small', minimum: 8 },
        { field: 'email', message: 'Invalid email' },
        'junk',
      ]),
    ).toEqual([
      { field: 'password', message: 'Too small', code: 'too_small', minimum: 8 },
      { field: 'email', message: 'Invalid email' },
    ]);
    expect(toFieldIssues({ issues: [{ path: ['a', 0], message: 'x' }] })).toEqual([
      { field: 'a.0', message: 'x' },
    ]);
  });

  it("reads the Motor's string paths ('body.name' → 'name')", () => {
    expect(
      toFieldIssues([
        { path: 'body.priceCents', message: 'Too small' },
        { path: 'query.q', message: 'x' },
      ]),
    ).toEqual([
      { field: 'priceCents', message: 'Too small' },
      { field: 'q', message: 'x' },
    ]);
  });

  it('builds query strings without empty values', () => {
    expect(withQuery('/api/c', { status: 'open', q: '', before: null, limit: 50 })).toBe(
      '/api/c?status=open&limit=50',
    );
  });
});
