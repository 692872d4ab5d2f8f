/**
 * The database could not be reached, or refused us, while the Motor was starting. Its message says
 * which database (password hidden) and why, for the console; main.ts exits instead of retrying.
 *
 * @example
 *   throw new DatabaseStartError('cannot use DATABASE_URL postgres://…: connection timed out');
 */
export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
 *
 * @example
 *   redactUrl('postgres://u:pw@h/db'); // 'postgres://u:***@h/db'
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}
