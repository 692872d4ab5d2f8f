import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import os from 'node:os';

// OWASP's scrypt floor (N=2^17, r=8, p=1) needs 128 MiB per hash; N=2^15 keeps a login under
// ~60 ms on the 2-core target while staying well above brute-force comfort for a SaaS login
// that is also rate limited.
export const PRODUCTION_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
let PARAMS: { N: number; r: number; p: number } = PRODUCTION_SCRYPT;

/**
 * The cost of NEW hashes (a stored hash always verifies with the cost written in it). Only the
 * test tiers lower it (test/support/fast-hashing.ts): hundreds of signups at the production cost
 * were a large share of `npm test`; the tests of hashing itself set it back.
 */
export function setScryptCost(params: { N: number; r: number; p: number }): void {
  PARAMS = params;
}
const KEY_LEN = 32;

/**
 * At most `size` tasks at once, the rest wait in order. Hashing new passwords (signup, invite) and
 * checking logins get separate small pools, so a flood of one cannot starve the other or fill
 * libuv's 4 threads.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const cores = os.availableParallelism();
const hashing = new Semaphore(Math.max(1, Math.floor(cores / 2)));
const verifying = new Semaphore(Math.max(2, cores));

function derive(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Hashes a password with scrypt and a random salt, as `scrypt$N$r$p$salt$hash` (base64url).
 *
 * @example
 *   const stored = await hashPassword('correct horse');
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await hashing.run(() => derive(password, salt, PARAMS));
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/**
 * Checks a password against a stored hash in constant time. A null or malformed hash spends the
 * same work and answers false, so an unknown email takes as long as a wrong password.
 *
 * @example
 *   if (!(await verifyPassword(body.password, row.passwordHash))) throw unauthenticated();
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    await verifying.run(() => derive(password, Buffer.alloc(16), PARAMS));
    return false;
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const key = await verifying.run(() =>
    derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }),
  );
  return expected.length === key.length && timingSafeEqual(expected, key);
}
