import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/ports/db.port.js';

export interface TestAccount {
  accountId: string;
  userId: string;
  email: string;
}

/**
 * Creates an account with its owner straight through the SQL API (no HTTP, no password).
 *
 * @example
 *   const a = await createAccount(db, { name: 'Loja A' });
 */
export async function createAccount(db: Db, overrides: { name?: string; email?: string } = {}): Promise<TestAccount> {
  const email = overrides.email ?? `owner-${randomUUID()}@example.com`;
  const r = await db.call<{ user: { id: string }; account: { id: string } }>('signup', {
    email,
    name: 'Owner',
    accountName: overrides.name ?? 'Loja Teste',
    passwordHash: null,
  });
  return { accountId: r.account.id, userId: r.user.id, email };
}
