import { setScryptCost } from '../../src/adapters/auth/password.hasher.js';

// Setup file of the medium tier (vitest.config.ts): new password hashes at a test cost (N=2^10
// instead of 2^15, same algorithm and format; verifying reads the cost from the stored hash).
// security-auth.sql.test.ts, which measures hashing under load, sets the production cost back.
setScryptCost({ N: 2 ** 10, r: 8, p: 1 });
