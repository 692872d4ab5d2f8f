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
import { originGuard } from './http/middleware/origin.middleware.js';
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
import { EvolutionHealthService } from './services/evolution-health.service.js';
import { ReconcileService } from './services/reconcile.service.js';
import { InstanceAuthCache } from './services/webhook-auth.service.js';

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
  /** Evolution's health (start-up check, /readyz, overview); built here when absent. */
  evolutionHealth?: EvolutionHealthService;
  /** Reads missed messages back from Evolution; built here when absent (main.ts runs it at start). */
  reconcile?: ReconcileService;
  /** Webhook credentials cache shared by intake and instances; built here when absent. */
  authCache?: InstanceAuthCache;
  /** How long to look for an instance a timed-out create may still make (tests shorten it). */
  orphanCheck?: { windowMs: number; everyMs: number };
}

/**
 * Builds the Koa application from its ports. Nothing runs at import time; nothing listens here.
 *
 * @example
 *   const app = createApp(deps);
 *   http.createServer(app.callback()).listen(0);
 */
export function createApp(deps: AppDeps): Koa {
  // Behind one reverse proxy: trust X-Forwarded-* (https → Secure cookies), and take the client
  // IP from the last X-Forwarded-For hop only (the one our proxy appended), so a client cannot
  // pick its own IP for the per-IP login throttle by sending a forged header.
  const app = new Koa({ proxy: true, maxIpsCount: 1 });
  app.silent = true; // errors are logged by errorHandler, once
  app.use(errorHandler(deps.logger));
  app.use(requestContext(deps.logger));
  app.use(originGuard({ publicUrl: deps.config.publicUrl }));
  app.use(jsonBody());

  const { intake, reconcile, evolutionHealth, authCache } = evolutionParts(deps);
  const conversations = new ConversationsService({ ...deps, evolutionHealth });
  const sender = new SendMessageService(deps);

  const instances = new InstancesService({
    ...deps,
    onCredentialsChanged: (name) => authCache.forget(name),
    onConnected: (i) => reconcile.trigger({ why: 'reconnect', instanceId: i.instanceId }),
  });
  const routers = [
    healthRoutes({
      db: deps.db,
      evolutionHealth,
      onDatabaseRecovered: () => reconcile.trigger({ why: 'database recovered' }),
    }),
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

/**
 * The Evolution-facing pieces, built once per deps (main.ts builds them itself to run the start-up
 * check and reconcile): webhook intake sharing its credentials cache with InstancesService, the
 * health checker, and reconciliation triggered when a number reconnects.
 */
export function evolutionParts(deps: AppDeps) {
  const authCache = deps.authCache ?? new InstanceAuthCache({ ttlMs: 10_000 });
  const intake =
    deps.webhookIntake ??
    new WebhookIntakeService({
      db: deps.db,
      realtime: deps.realtime,
      logger: deps.logger,
      webhookToken: deps.config.webhookToken,
      authCache,
    });
  const evolutionHealth =
    deps.evolutionHealth ?? new EvolutionHealthService({ whatsapp: deps.whatsapp, logger: deps.logger });
  const reconcile =
    deps.reconcile ??
    new ReconcileService({ db: deps.db, whatsapp: deps.whatsapp, intake, logger: deps.logger });
  if (!deps.reconcile) {
    intake.onIngested(({ who, events }) => {
      const connected = events.some(
        (e) =>
          e.type === 'instance.updated' &&
          (e.data as { instance?: { status?: string } }).instance?.status === 'connected',
      );
      if (connected) reconcile.trigger({ why: 'reconnect', instanceId: who.instanceId });
    });
  }
  return { authCache, intake, evolutionHealth, reconcile };
}
