import { createLogger } from '../../src/logger.js';

/** A logger for tests: silent unless LOG_LEVEL is set. */
export const testLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
