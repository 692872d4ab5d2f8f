import { ERROR_STATUS, type ErrorCode } from '@atende/shared';

/**
 * The one error taxonomy: every failure a user can see is an AppError with a stable `code`
 * (docs/api.md "Errors"). Anything else that escapes becomes a 500 `internal` with a request id.
 *
 * @example
 *   throw new AppError('not_found', 'conversation not found');
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly retryAfterSeconds?: number;
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'your role does not allow this') => new AppError('forbidden', message);
export const unauthenticated = (message = 'sign in first') => new AppError('unauthenticated', message);
export const unavailable = (message = 'the database is unavailable; retry', cause?: unknown) =>
  new AppError('unavailable', message, undefined, { cause });
export const upstreamFailed = (message: string, details?: unknown, cause?: unknown) =>
  new AppError('upstream_failed', message, details, { cause });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
