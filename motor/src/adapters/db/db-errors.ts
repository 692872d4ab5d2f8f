import { AppError, unavailable } from '../../errors.js';

/**
 * SQLSTATEs the app.* functions raise on purpose (`raise exception … using errcode = 'AT404'`),
 * mapped to the error taxonomy. Postgres' own codes that reach a caller are mapped too.
 */
const SQLSTATE_TO_CODE: Record<string, AppError['code']> = {
  AT400: 'validation_failed',
  AT401: 'unauthenticated',
  AT403: 'forbidden',
  AT404: 'not_found',
  AT409: 'conflict',
  AT429: 'rate_limited',
  '23505': 'conflict', // unique_violation
  '23503': 'not_found', // foreign_key_violation: a referenced row of another account / gone
  '22P02': 'validation_failed', // invalid_text_representation (e.g. a malformed uuid)
  '22001': 'validation_failed', // string_data_right_truncation
  '23514': 'validation_failed', // check_violation
  '22023': 'validation_failed', // invalid_parameter_value
  '22021': 'validation_failed', // character_not_in_repertoire (e.g. U+0000 in a text argument)
  '22P05': 'validation_failed', // untranslatable_character (U+0000 inside jsonb)
  '54000': 'validation_failed', // program_limit_exceeded (e.g. a value too large to index)
};

/** Connection-level failures: the database is down or unreachable, retry later (503). */
const UNAVAILABLE_STATES = /^(08|53|57P0[1-3])/;
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

export interface SqlErrorLike {
  code?: string;
  message?: string;
  errno?: string;
}

/** Maps any driver error to an AppError; unknown database errors stay 500 `internal`. */
export function mapDbError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SqlErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && SQLSTATE_TO_CODE[code]) {
    const mapped = SQLSTATE_TO_CODE[code]!;
    const message = code.startsWith('AT') ? (e.message ?? mapped) : defaultMessage(mapped);
    return new AppError(mapped, message, undefined, { cause: err });
  }
  if ((code && (UNAVAILABLE_STATES.test(code) || NETWORK_ERRNOS.has(code))) || (e.errno && NETWORK_ERRNOS.has(e.errno))) {
    return unavailable(undefined, err);
  }
  return new AppError('internal', 'internal error', undefined, { cause: err });
}

function defaultMessage(code: AppError['code']) {
  switch (code) {
    case 'conflict':
      return 'already exists';
    case 'not_found':
      return 'not found';
    default:
      return 'invalid value';
  }
}
