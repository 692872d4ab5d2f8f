import http from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createDb } from './adapters/db/create-db.js';
import { createLogger } from './logger.js';
import type { RealtimePublisher } from './ports/realtime.port.js';
import { loadSessionSecret } from './adapters/auth/session-secret.js';
import { SupabaseAuth } from './adapters/auth/supabase-auth.adapter.js';
import { AuthService } from './services/auth.service.js';
import { seedDemo } from './services/auth-demo.service.js';
import { UsersService } from './services/users.service.js';

// Composition root: config → adapters → app → listen. The only module with side effects at start.
async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG: a restart loop would not help
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const db = await createDb(config.database);
  logger.info({ driver: db.driver }, 'database ready');

  const realtime: RealtimePublisher = { publish() {}, publishQr() {}, publishTyping() {} };
  const sessionSecret = await loadSessionSecret({ configured: config.sessionSecret, dataDir: config.dataDir });
  const supabaseAuth = config.supabase ? new SupabaseAuth(config.supabase) : null;
  const auth = new AuthService({ db, logger, sessionSecret, supabase: supabaseAuth });
  const users = new UsersService({ db, logger, publicUrl: config.publicUrl, supabase: supabaseAuth });
  await seedDemo({ db, env: config.env, authMode: auth.mode, print: (text) => console.log(text) });
  const app = createApp({ config, logger, db, realtime, auth, users });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  logger.info(`Atende is running at http://localhost:${config.port}`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`Atende failed to start: ${(err as Error).message}`);
  process.exit(1);
});
