import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The secret that signs session cookies: SESSION_SECRET when configured, else the one stored in
 * `DATA_DIR/session-secret` (created once, mode 0600), so sessions survive restarts.
 *
 * @example
 *   const secret = await loadSessionSecret({ configured: config.sessionSecret, dataDir: config.dataDir });
 */
export async function loadSessionSecret(opts: { configured?: string; dataDir: string }): Promise<string> {
  if (opts.configured) return opts.configured;
  const file = path.join(opts.dataDir, 'session-secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(opts.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('hex');
  try {
    // 'wx': if another process won the race, use its secret instead of overwriting it.
    await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw err;
  }
}
