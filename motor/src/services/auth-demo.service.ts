import { randomBytes } from 'node:crypto';
import type { Db } from '../ports/db.port.js';
import type { IdentityPort } from '../ports/identity.port.js';

export const DEMO_EMAIL = 'demo@atende.local';

export interface DemoSeedResult {
  created: boolean;
  email?: string;
  password?: string;
}

/**
 * On the very first start (no account at all, not production), creates "Loja Demo" with the
 * owner demo@atende.local and a random password, and prints the login through `print` — once:
 * the SQL function only seeds an empty database, atomically, so it never happens again. Local
 * auth only (with Supabase Auth the users live in Supabase).
 *
 * @example
 *   await seedDemo({ db, identity, env: config.env, print: (l) => console.log(l) });
 */
export async function seedDemo(opts: {
  db: Db;
  env: 'development' | 'production' | 'test';
  print: (line: string) => void;
  /** Local users only: the demo login's password is hashed the local adapter's way. */
  identity: Pick<IdentityPort, 'mode' | 'hashPassword'>;
}): Promise<DemoSeedResult> {
  const hash = opts.identity.hashPassword?.bind(opts.identity);
  if (opts.env === 'production' || opts.identity.mode !== 'local' || !hash) return { created: false };
  const password = randomBytes(9).toString('base64url');
  const r = await opts.db.call<{ created: boolean }>('seed_demo', {
    email: DEMO_EMAIL,
    passwordHash: await hash(password),
  });
  if (!r.created) return { created: false };
  opts.print(
    [
      '',
      '  A demo account was created (first start, empty database):',
      `    login:    ${DEMO_EMAIL}`,
      `    password: ${password}`,
      '  It is shown only this once; change it under Configurações → Equipe → "Alterar senha"',
      '  (Settings → Team → Change password).',
      '',
    ].join('\n'),
  );
  return { created: true, email: DEMO_EMAIL, password };
}
