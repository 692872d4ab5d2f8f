import { z } from 'zod';

/** The shortest password accepted anywhere (signup, invite, invite acceptance, password change). */
export const PASSWORD_MIN_LENGTH = 8;

// C0/C1 control characters (NUL, escape, DEL…): never typed on purpose, and NUL breaks storage.
const CONTROL = /\p{Cc}/u;

/**
 * A new password: 8–200 characters, not only spaces, no control characters. The Motor also
 * refuses the most common passwords (a list too large for the browser bundle).
 *
 * @example
 *   newPasswordSchema.parse('correct horse battery'); // ok
 *   newPasswordSchema.safeParse('        ').success;   // false
 */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `must have at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(200)
  .refine((p) => p.trim().length > 0, { message: 'must not be only spaces' })
  .refine((p) => !CONTROL.test(p), { message: 'must not contain control characters' });
