import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Db } from './ports/db.port.js';
import type { RealtimePublisher } from './ports/realtime.port.js';
import { errorHandler } from './http/middleware/error.middleware.js';
import { jsonBody } from './http/middleware/json-body.middleware.js';
import { requestContext } from './http/middleware/request-context.middleware.js';
import { healthRoutes } from './http/routes/health.routes.js';
import { eventsRoutes } from './http/routes/events.routes.js';
import { authRoutes } from './http/routes/auth.routes.js';
import { usersRoutes } from './http/routes/users.routes.js';
import { isWebhookPath, originGuard } from './http/middleware/origin.middleware.js';
import { clientIp, dashboardCors, securityHeaders, shedLoad } from './http/middleware/security.middleware.js';
import type { AuthService } from './services/auth.service.js';
import type { UsersService } from './services/users.service.js';
import { staticDashboard } from './http/static-dashboard.js';
import type { WhatsAppGateway, WhatsAppSandbox } from './ports/whatsapp.port.js';
import { instancesRoutes } from './http/routes/instances.routes.js';
import { sandboxRoutes } from './http/routes/sandbox.routes.js';
import { InstancesService } from './services/instances.service.js';
import { webhookRoutes } from './http/routes/webhook.routes.js';
import { conversationsRoutes } from './http/routes/conversations.routes.js';
import { WebhookIntakeService } from './services/webhook-intake.service.js';
import { ConversationsService } from './services/conversations.service.js';
import { SendMessageService } from './services/send-message.service.js';

/** Everything the app needs from the outside, built in main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  realtime: RealtimePublisher;
  /** Sessions and logins (local or Supabase Auth); also used by the Socket.IO handshake. */
  auth: AuthService;
  /** The team API (/api/users). */
  users: UsersService;
  /** Evolution API (or the simulator), through adapters/evolution. */
  whatsapp: WhatsAppGateway;
  /** Webhook intake, when main.ts registers follow-ups on it (e.g. AI replies); built here otherwise. */
  webhookIntake?: WebhookIntakeService;
  /** The simulator's phone side for the dashboard's sandbox panel; null/absent with a real Evolution. */
  sandbox?: WhatsAppSandbox | null;
}

/**
 * Builds the Koa application from its ports. Nothing runs at import time; nothing listens here.
 *
 * @example
 *   const app = createApp(deps);
 *   http.createServer(app.callback()).listen(0);
 */
export function createApp(deps: AppDeps): Koa {
  // X-Forwarded-* count only from the proxies TRUST_PROXY names (clientIp), so a client cannot
  // pick its own IP for the per-IP limits by sending a forged header.
  const { config } = deps;
  const app = new Koa({ proxy: config.trustProxy !== false });
  app.silent = true; // errors are logged by errorHandler, once
  app.use(clientIp(config.trustProxy));
  app.use(errorHandler(deps.logger));
  app.use(securityHeaders({ crossOrigin: config.dashboardOrigins.length > 0 }));
  app.use(requestContext(deps.logger));
  app.use(dashboardCors(config.dashboardOrigins));
  app.use(originGuard({ publicUrl: config.publicUrl, dashboardOrigins: config.dashboardOrigins }));
  app.use(shedLoad({ match: isWebhookPath, max: config.webhookMaxInflight, logger: deps.logger }));
  app.use(jsonBody());

  const intake =
    deps.webhookIntake ??
    new WebhookIntakeService({ db: deps.db, realtime: deps.realtime, logger: deps.logger, webhookToken: deps.config.webhookToken });
  const conversations = new ConversationsService(deps);
  const sender = new SendMessageService(deps);

  const instances = new InstancesService(deps);
  const routers = [
    healthRoutes(deps),
    authRoutes(deps),
    usersRoutes(deps),
    eventsRoutes(deps),
    webhookRoutes({ intake }),
    conversationsRoutes({ auth: deps.auth, conversations, sender }),
    instancesRoutes({ auth: deps.auth, instances }),
    sandboxRoutes({ auth: deps.auth, instances, sandbox: deps.sandbox ?? null }),
  ];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());

  app.use(staticDashboard());
  return app;
}
