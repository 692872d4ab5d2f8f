import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../errors.js';

// The 10,000 most common passwords of zxcvbn-ts's list (ordered by frequency, from leaked
// password sets); only those long enough to pass the length rule matter.
const COMMON = new Set(
  (dictionary['passwords-common'] as string[]).slice(0, 10_000).filter((p) => p.length >= 8),
);

/** Whether a password is one of the most common ones (case and surrounding spaces ignored). */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.trim().toLowerCase());
}

/**
 * Refuses a new password from the common-password list with 400 `validation_failed` on `path`
 * (the length, blank and control-character rules are the shared zod schema's).
 *
 * @example
 *   assertPasswordAllowed(body.password, 'body.password');
 */
export function assertPasswordAllowed(password: string, path: string): void {
  if (isCommonPassword(password)) {
    throw new AppError('validation_failed', 'this password is too common; choose another', [
      { path, message: 'too common' },
    ]);
  }
}
