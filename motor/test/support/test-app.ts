import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import type { RealtimePublisher, AccountEvent } from '../../src/ports/realtime.port.js';
import { AuthService } from '../../src/services/auth.service.js';
import { UsersService } from '../../src/services/users.service.js';
import type { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
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
  /** Replace any dependency; functions receive the defaults built so far. */
  deps?: Partial<AppDeps> | ((base: AppDeps) => Partial<AppDeps>);
  /** Runs after the server exists and before it listens (e.g. attach Socket.IO). */
  onServer?: (server: http.Server, deps: AppDeps) => void | Promise<void>;
}

export interface TestApp {
  baseUrl: string;
  db: PgliteDb;
  deps: AppDeps;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * The real app on an ephemeral port with a fresh migrated PGlite, a silent logger, a
 * recording realtime publisher and the strict fake WhatsApp gateway (fake-whatsapp.ts).
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
  const logger = testLogger;
  const auth = new AuthService({
    db,
    logger,
    sessionSecret: config.sessionSecret ?? TEST_SESSION_SECRET,
    supabase: opts.supabase,
    signupRateLimit: config.signupRateLimit,
  });
  const users = new UsersService({ db, logger, publicUrl: config.publicUrl, supabase: opts.supabase });
  const base: AppDeps = {
    config,
    logger,
    db,
    realtime: recordingPublisher(),
    auth,
    users,
    whatsapp: fakeWhatsApp(),
  };
  const extra = typeof opts.deps === 'function' ? opts.deps(base) : (opts.deps ?? {});
  const deps: AppDeps = { ...base, ...extra };

  const server = http.createServer(createApp(deps).callback());
  await opts.onServer?.(server, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    deps,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!opts.db) await db.close();
    },
  };
}
