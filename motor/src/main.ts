import http from 'node:http';
import { createApp } from './app.js';
import { applyServerLimits } from './http/server-limits.js';
import { ConfigError, loadConfig } from './config.js';
import { createDb } from './adapters/db/create-db.js';
import { createLogger } from './logger.js';
import { useRedisAdapter } from './realtime/redis.adapter.js';
import { attachRealtimeGateway } from './realtime/socket.gateway.js';
import { createSocketPublisher } from './realtime/socket.publisher.js';
import { createSocketServer } from './realtime/socket.server.js';
import { ConversationsService } from './services/conversations.service.js';
import { EventsService } from './services/events.service.js';
import { startEventRetention } from './services/events-retention.service.js';
import { loadSessionSecret } from './adapters/auth/session-secret.js';
import { SupabaseAuth } from './adapters/auth/supabase-auth.adapter.js';
import { AuthService } from './services/auth.service.js';
import { seedDemo } from './services/auth-demo.service.js';
import { UsersService } from './services/users.service.js';
import { createWhatsApp } from './adapters/evolution/create-whatsapp.js';

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

  // Socket.IO is created before the app (services publish through it) and attached to the HTTP
  // server below; with REDIS_URL its rooms are shared by every Motor process.
  const io = createSocketServer({ dashboardOrigins: config.dashboardOrigins });
  const realtime = createSocketPublisher({ io, logger });
  const redis = config.redisUrl ? await useRedisAdapter({ io, url: config.redisUrl, logger }) : null;
  const sessionSecret = await loadSessionSecret({ configured: config.sessionSecret, dataDir: config.dataDir });
  const supabaseAuth = config.supabase ? new SupabaseAuth(config.supabase) : null;
  const auth = new AuthService({ db, logger, sessionSecret, supabase: supabaseAuth, sockets: realtime, signupRateLimit: config.signupRateLimit });
  const users = new UsersService({ db, logger, publicUrl: config.publicUrl, supabase: supabaseAuth, sockets: realtime });
  await seedDemo({ db, env: config.env, authMode: auth.mode, print: (text) => console.log(text) });
  const wa = await createWhatsApp({ config, logger });
  if (wa.simulatorUrl) {
    console.log(`Evolution simulator running at ${wa.simulatorUrl} (simulated WhatsApp; set EVOLUTION_API_URL for a real Evolution API)`);
  }
  const app = createApp({ config, logger, db, realtime, auth, users, whatsapp: wa.whatsapp, sandbox: wa.sandbox });
  const server = http.createServer(app.callback());
  applyServerLimits(server, config);
  io.attach(server);
  attachRealtimeGateway({
    io,
    auth,
    publicUrl: config.publicUrl,
    dashboardOrigins: config.dashboardOrigins,
    events: new EventsService({ db }),
    conversations: new ConversationsService({ db, realtime }),
    realtime,
    logger,
  });
  const retention = startEventRetention({ db, logger, keepHours: config.eventRetentionHours });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  logger.info(`Atende is running at http://localhost:${config.port}`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    retention.stop();
    await io.close(); // disconnects the sockets and closes the HTTP server
    await redis?.close();
    await wa.close();
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
