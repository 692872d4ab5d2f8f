import type { z } from 'zod';
import type { FailureReason } from '@atende/shared';
import { upstreamFailed } from '../../errors.js';
import { classifyEvolutionFailure } from './evolution.reasons.js';

/** What an `upstream_failed` error from Evolution carries in `details` (never the API key). */
export interface EvolutionFailure {
  upstream: 'evolution';
  method: string;
  path: string;
  /** Evolution's HTTP status; null for network failures and timeouts. */
  status: number | null;
  /** Evolution's `response.message`, flattened to one line. */
  evolutionMessage: string | null;
  /** The stable reason code (evolution.reasons.ts); what the Motor stores and shows, translated. */
  reason: FailureReason;
}

export interface EvolutionHttpOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** Per-call timeout; Evolution's `instance/create` itself waits ~5 s for the first QR. */
  timeoutMs?: number;
}

export interface RequestSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  schema: S;
}

/**
 * The one place that talks HTTP to Evolution: `apikey` header, per-call timeout, Evolution's error
 * envelope `{status, error, response:{message}}` and its 200-with-`{error:true}` quirk turned into
 * AppError `upstream_failed` naming Evolution, the call, the status and Evolution's message.
 *
 * @example
 *   const http = new EvolutionHttp({ baseUrl: 'http://127.0.0.1:8081', apiKey: 'k' });
 *   const root = await http.request({ method: 'GET', path: '/', schema: rootSchema });
 */
export class EvolutionHttp {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: EvolutionHttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    const { status, json } = await this.send(spec);
    const label = `${spec.method} ${spec.path}`;
    if (status < 200 || status > 299)
      throw failure(spec, status, rawMessageOf(json), `failed with status ${status}`);
    // instance/connect and instance/restart swallow errors into a 200 (docs/evolution.md "Errors").
    if (isErrorQuirk(json))
      throw failure(spec, status, json.message, `answered status ${status} with an error`);
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw upstreamFailed(
        `Evolution API ${label} answered an unexpected body (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`,
        {
          upstream: 'evolution',
          method: spec.method,
          path: spec.path,
          status,
          evolutionMessage: null,
          reason: classifyEvolutionFailure({ status, unexpectedBody: true }),
        } satisfies EvolutionFailure,
      );
    }
    return parsed.data;
  }

  private async send(spec: RequestSpec<z.ZodType>): Promise<{ status: number; json: unknown }> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { apikey: this.apiKey, accept: 'application/json' };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.fetchFn(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, json: parseJson(text) };
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
      const why = timedOut
        ? `did not answer within ${this.timeoutMs} ms`
        : `could not be reached (${networkReason(err)})`;
      throw upstreamFailed(
        `Evolution API ${spec.method} ${spec.path} ${why}`,
        {
          upstream: 'evolution',
          method: spec.method,
          path: spec.path,
          status: null,
          evolutionMessage: null,
          reason: classifyEvolutionFailure({ status: null, noAnswer: timedOut ? 'timeout' : 'network' }),
        } satisfies EvolutionFailure,
        err,
      );
    }
  }
}

function failure(spec: RequestSpec<z.ZodType>, status: number, raw: unknown, what: string) {
  const message = flattenMessage(raw);
  const reason = classifyEvolutionFailure({ status, message: raw });
  const details: EvolutionFailure = {
    upstream: 'evolution',
    method: spec.method,
    path: spec.path,
    status,
    evolutionMessage: message,
    reason,
  };
  return upstreamFailed(
    `Evolution API ${spec.method} ${spec.path} ${what}${message ? `: ${message}` : ''}`,
    details,
  );
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}

function isErrorQuirk(json: unknown): json is { error: true; message: unknown } {
  return typeof json === 'object' && json !== null && (json as { error?: unknown }).error === true;
}

/** Evolution's `response.message` (or a bare string body), flattened; null when there is none. */
export function evolutionMessageOf(json: unknown): string | null {
  return flattenMessage(rawMessageOf(json));
}

/** Evolution's `response.message` as sent (or the bare body / `message` / `error`, e.g. 2.4's licence gate). */
function rawMessageOf(json: unknown): unknown {
  if (typeof json === 'string') return json || null;
  if (typeof json !== 'object' || json === null) return null;
  const o = json as { response?: { message?: unknown }; message?: unknown; error?: unknown; code?: unknown };
  if (o.response && typeof o.response === 'object' && 'message' in o.response) return o.response.message;
  if (typeof o.code === 'string' && 'message' in o) return `${o.code}: ${flattenMessage(o.message) ?? ''}`;
  if ('message' in o) return o.message;
  if (typeof o.error === 'string') return o.error;
  return null;
}

/**
 * Evolution's `message` is `string | (string | string[] | object)[]` (docs/evolution.md "Errors"); one line.
 *
 * @example
 *   flattenMessage([['instance requires property "webhook"']]) // 'instance requires property "webhook"'
 */
export function flattenMessage(message: unknown): string | null {
  if (message === null || message === undefined) return null;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) {
    const parts = message.map(flattenMessage).filter((p): p is string => p !== null && p !== '');
    return parts.length ? parts.join('; ') : null;
  }
  if (typeof message === 'object') {
    const m = message as { exists?: unknown; number?: unknown; jid?: unknown };
    if (m.exists === false) return `number ${String(m.number ?? m.jid)} is not on WhatsApp`;
    return JSON.stringify(message);
  }
  return String(message);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? 'network error';
}
