import { describeInstancesSql } from '../support/instances-sql.suite.js';
import { createPostgresTestDb, postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

const down = await postgresUnavailable();

describeWithService(down, 'PostgreSQL 15', () => {
  describeInstancesSql('PostgreSQL', () => createPostgresTestDb());
});
