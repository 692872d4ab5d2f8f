import { describeInstancesSql } from '../support/instances-sql.suite.js';
import { createTestDb } from '../support/test-db.js';

describeInstancesSql('PGlite', () => createTestDb());
