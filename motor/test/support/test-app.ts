import {
  createMotor,
  type Motor,
  type MotorOverrides,
  type MotorPorts,
  type MotorServices,
} from '../../src/composition-root.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import type { RealtimePublisher, AccountEvent } from '../../src/ports/realtime.port.js';
import type { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
import type { Logger } from '../../src/logger.js';
import type { OutboxOptions } from '../../src/services/outbox.service.js';
import type { AiResponderOptions } from '../../src/services/ai-responder.service.js';
import { testLogger } from './silent-logger.js';
import { createTestDb } from './test-db.js';
import { fakeWhatsApp } from './fake-whatsapp.js';

export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789';

/** A realtime publisher that only records what it was given (tests can read `published`). */
export function recordingPublisher(): RealtimePublisher & { published: AccountEvent[] } {
  const published: AccountEvent[] = [];
  return {
    published,
    publish: (events) => void published.push(...events),
    publishQr() {},
    publishTyping() {},
  };
}

export interface TestAppOptions {
  /** Environment for loadConfig (merged over test defaults). */
  env?: Record<string, string | undefined>;
  /** Reuse a database (e.g. one file's db shared by two apps); default: a fresh createTestDb(). */
  db?: PgliteDb;
  /** Supabase Auth mode (see gotrue-server.ts). */
  supabase?: SupabaseAuth;
  /**
   * Replace ports for createMotor (realtime, whatsapp, sandbox, logger, db, …); a function
   * receives the database and config chosen so far.
   */
  deps?: MotorOverrides | ((base: { db: PgliteDb; config: Config }) => MotorOverrides);
  /** Options of the outbox sender loop the test app runs (short leases for crash tests). */
  outbox?: OutboxOptions;
  /** Options of the AI responder loop (it runs when `deps` gives an `llm`; none by default). */
  ai?: AiResponderOptions;
}

export interface TestApp {
  baseUrl: string;
  db: PgliteDb;
  config: Config;
  motor: Motor;
  services: MotorServices;
  /** Everything the composition root built: config, logger, ports and services in one bag. */
  deps: { config: Config; logger: Logger } & MotorPorts & MotorServices;
  close(): Promise<void>;
}

/**
 * The real Motor from the one composition root (createMotor) on an ephemeral port, with a fresh
 * migrated PGlite, a silent logger and the strict fake WhatsApp gateway (fake-whatsapp.ts).
 * Start once per test file (beforeAll).
 *
 * @example
 *   let app: TestApp;
 *   beforeAll(async () => { app = await startTestApp(); });
 *   afterAll(() => app.close());
 *   const { cookie } = await signup(app.baseUrl);
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDb());
  // Test files sign up many accounts from 127.0.0.1; a test of the signup limit sets its own.
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: TEST_SESSION_SECRET,
    SIGNUP_RATE_LIMIT: '100000',
    ...opts.env,
  });
  const extra = typeof opts.deps === 'function' ? opts.deps({ db, config }) : (opts.deps ?? {});
  const motor = await createMotor(config, {
    logger: testLogger,
    db,
    whatsapp: fakeWhatsApp(),
    supabaseAuth: opts.supabase ?? null,
    sessionSecret: config.sessionSecret ?? TEST_SESSION_SECRET,
    demo: false,
    print: () => {},
    outbox: { pollMs: 200, retryDelayMs: 50, ...opts.outbox },
    llm: null, // tests opt in with deps.llm (ai-harness.ts)
    ai: { pollMs: 50, backoffMs: 20, ...opts.ai },
    campaignRunner: { tickMs: 100, idleMs: 100 },
    ...extra,
  });
  const { url } = await motor.start({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl: url,
    db,
    config,
    motor,
    services: motor.services,
    deps: { config, logger: motor.logger, ...motor.ports, ...motor.services },
    async close() {
      motor.server.closeAllConnections();
      await motor.stop();
      if (!opts.db) await db.close();
    },
  };
}
