import type { ErrorCode } from '@atende/shared';
import { motorUrl } from '$lib/config';
import { withCredentials } from './token';

/** One issue of a `validation_failed` answer, flattened to a field path. */
export interface FieldIssue {
  field: string;
  message: string;
  /** zod issue code (too_small, invalid_format, invalid_type, …) when the server sent one. */
  code?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  /** A custom rule's stable reason (a phone number's `area_code`, `not_on_whatsapp`, …). */
  reason?: string;
}

/**
 * The one error type every API call throws: the Motor's `{error:{code,message,details?}}` body,
 * plus the HTTP status and, for 429, the Retry-After seconds. Branch on `code`, never on `message`.
 *
 * @example
 * try { await api.post('/api/auth/login', body) }
 * catch (e) { if (e instanceof ApiError && e.code === 'rate_limited') wait(e.retryAfter) }
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error';
  readonly details: unknown;
  readonly retryAfter: number | null;

  constructor(opts: {
    status: number;
    code: ApiError['code'];
    message: string;
    details?: unknown;
    retryAfter?: number | null;
  }) {
    super(opts.message);
    this.name = 'ApiError';
    this.status = opts.status;
    this.code = opts.code;
    this.details = opts.details;
    this.retryAfter = opts.retryAfter ?? null;
  }

  /** zod issues (`{path, message}`) or `{field, message}` items, flattened per field. */
  get fieldIssues(): FieldIssue[] {
    return toFieldIssues(this.details);
  }
}

/** Turns `details` of a validation error into `{field, message}` pairs (first path segment = field). */
export function toFieldIssues(details: unknown): FieldIssue[] {
  const list = Array.isArray(details)
    ? details
    : details && typeof details === 'object' && Array.isArray((details as { issues?: unknown }).issues)
      ? (details as { issues: unknown[] }).issues
      : [];
  const out: FieldIssue[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const { path, field, message, code, minimum, maximum, format, reason } = item as Record<string, unknown>;
    const name = Array.isArray(path)
      ? path.join('.')
      : typeof path === 'string'
        ? path.replace(/^(body|query|params)\./, '')
        : typeof field === 'string'
          ? field
          : '';
    if (typeof message !== 'string') continue;
    const issue: FieldIssue = { field: name, message };
    if (typeof code === 'string') issue.code = code;
    if (typeof minimum === 'number') issue.minimum = minimum;
    if (typeof maximum === 'number') issue.maximum = maximum;
    if (typeof format === 'string') issue.format = format;
    if (typeof reason === 'string') issue.reason = reason;
    out.push(issue);
  }
  return out;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A body sent as is (a file), with its Content-Type, instead of JSON; a form sets its own. */
  raw?: { body: Blob | string; type: string } | { body: FormData };
  signal?: AbortSignal;
  /** Reads the response headers of a successful answer. */
  onHeaders?: (headers: Headers) => void;
}

export interface HttpClientOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  baseUrl?: string;
}

/** Builds `/path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * A tiny typed fetch wrapper: JSON in, JSON out, `ApiError` on any non-2xx or network failure.
 *
 * @example
 * const http = new HttpClient();
 * const me = await http.get<Me>('/api/me');
 */
export class HttpClient {
  readonly #fetch: typeof fetch;
  readonly #baseUrl: string;

  constructor(opts: HttpClientOptions = {}) {
    this.#fetch = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#baseUrl = opts.baseUrl ?? motorUrl;
  }

  get<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, opts);
  }
  /** A keyset-paginated list: the array, with the `x-next-cursor` header as `nextCursor` (null at the end). */
  async getPage<T>(path: string, opts?: RequestOptions): Promise<T[] & { nextCursor: string | null }> {
    let cursor: string | null = null;
    const items = await this.request<T[]>('GET', path, {
      ...opts,
      onHeaders: (h) => (cursor = h.get('x-next-cursor')),
    });
    return Object.assign(items ?? [], { nextCursor: cursor });
  }
  post<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>('POST', path, { ...opts, body });
  }
  patch<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...opts, body });
  }
  put<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>('PUT', path, { ...opts, body });
  }
  delete<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, opts);
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.raw && 'type' in opts.raw) headers['content-type'] = opts.raw.type;
    let res: Response;
    try {
      // The cookie (same origin), or the bearer token of a dashboard on another site (token.ts).
      res = await this.#fetch(
        this.#baseUrl + withQuery(path, opts.query),
        withCredentials({
          method,
          headers,
          body: opts.raw ? opts.raw.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: opts.signal,
        }),
      );
    } catch (cause) {
      if ((cause as Error)?.name === 'AbortError') throw cause;
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: (cause as Error)?.message ?? 'network',
      });
    }
    if (res.ok) opts.onHeaders?.(res.headers);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const json = text ? safeJson(text) : undefined;
    if (!res.ok) throw toApiError(res, json);
    return json as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(res: Response, json: unknown): ApiError {
  const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const retry = res.headers.get('retry-after');
  return new ApiError({
    status: res.status,
    code: (err?.code as ErrorCode | undefined) ?? codeForStatus(res.status),
    message: err?.message ?? res.statusText ?? `HTTP ${res.status}`,
    details: err?.details,
    retryAfter: retry && /^\d+$/.test(retry) ? Number(retry) : null,
  });
}

function codeForStatus(status: number): ErrorCode {
  const map: Record<number, ErrorCode> = {
    400: 'validation_failed',
    401: 'unauthenticated',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'rate_limited',
    502: 'upstream_failed',
    503: 'unavailable',
  };
  return map[status] ?? 'internal';
}
