import { setScryptCost } from '../../src/adapters/auth/password.hasher.js';

/** The test cost: N=2^10 instead of 2^15, same algorithm and format. */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 } as const;

// Setup file of the medium tier (vitest.config.ts), run before each file: new password hashes at
// the test cost (verifying reads the cost from the stored hash). The tests in
// security-auth.sql.test.ts that measure hashing under load set the production cost for their
// describe block and put this one back after it.
setScryptCost(TEST_SCRYPT);
