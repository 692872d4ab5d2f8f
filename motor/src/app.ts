import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { MotorServices } from './motor-services.js';
import { closeWhenDraining } from './http/middleware/drain.middleware.js';
import { errorHandler } from './http/middleware/error.middleware.js';
import { jsonBody } from './http/middleware/json-body.middleware.js';
import { isWebhookPath, originGuard } from './http/middleware/origin.middleware.js';
import { clientIp, dashboardCors, securityHeaders, shedLoad } from './http/middleware/security.middleware.js';
import { requestContext } from './http/middleware/request-context.middleware.js';
import { authRoutes } from './http/routes/auth.routes.js';
import { campaignsRoutes } from './http/routes/campaigns.routes.js';
import { contactsRoutes } from './http/routes/contacts.routes.js';
import { conversationsRoutes, isMediaUpload } from './http/routes/conversations.routes.js';
import { eventsRoutes } from './http/routes/events.routes.js';
import { groupsRoutes } from './http/routes/groups.routes.js';
import { healthRoutes } from './http/routes/health.routes.js';
import { instancesRoutes } from './http/routes/instances.routes.js';
import { metricsRoutes } from './http/routes/metrics.routes.js';
import { mediaRoutes } from './http/routes/media.routes.js';
import { PRODUCTS_IMPORT_BODY, productsRoutes } from './http/routes/products.routes.js';
import { sandboxRoutes } from './http/routes/sandbox.routes.js';
import { usersRoutes } from './http/routes/users.routes.js';
import { webhookRoutes } from './http/routes/webhook.routes.js';
import { aiRoutes } from './http/routes/ai.routes.js';
import { teamRoutes } from './http/routes/team.routes.js';
import { staticDashboard } from './http/static-dashboard.js';

/** What the HTTP app needs: the services built once by the composition root (createMotor). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  services: MotorServices;
}

/**
 * Builds the Koa application: middleware, then one router per resource, each handed the services
 * it calls (routes never see a port). Nothing runs at import time; nothing listens here.
 *
 * @example
 *   const { app } = await createMotor(config); // createApp is called there, once
 *   http.createServer(app.callback()).listen(0);
 */
export function createApp(deps: AppDeps): Koa {
  const { config, logger, services: s } = deps;
  // X-Forwarded-* count only from the proxies TRUST_PROXY names (clientIp), so a client cannot
  // pick its own IP for the per-IP limits by sending a forged header.
  const app = new Koa({ proxy: config.trustProxy !== false });
  app.silent = true; // errors are logged by errorHandler, once
  app.use(clientIp(config.trustProxy));
  app.use(closeWhenDraining(() => s.health.draining));
  app.use(errorHandler(logger));
  app.use(securityHeaders({ crossOrigin: config.dashboardOrigins.length > 0 }));
  app.use(requestContext(logger));
  app.use(dashboardCors(config.dashboardOrigins));
  app.use(originGuard({ publicUrl: config.publicUrl, dashboardOrigins: config.dashboardOrigins }));
  app.use(shedLoad({ match: isWebhookPath, max: config.webhookMaxInflight, logger }));
  app.use(jsonBody({ raw: [PRODUCTS_IMPORT_BODY], streamed: isMediaUpload }));

  const { auth } = s;
  // The webhook first: it is most of the traffic, and each router before it costs a path match.
  const routers = [
    webhookRoutes({ intake: s.webhookIntake }),
    healthRoutes({ health: s.health }),
    authRoutes({ auth, config }),
    usersRoutes({ auth, users: s.users }),
    eventsRoutes({ auth, events: s.events }),
    conversationsRoutes({ auth, conversations: s.conversations, sender: s.sender, starter: s.conversationStart }),
    instancesRoutes({ auth, instances: s.instances }),
    sandboxRoutes({ auth, sandbox: s.sandboxPanel }),
    productsRoutes({ auth, products: s.products }),
    aiRoutes({ auth, ai: s.ai }),
    campaignsRoutes({ auth, campaigns: s.campaigns }),
    contactsRoutes({ auth, contacts: s.contacts }),
    groupsRoutes({ auth, groups: s.groups }),
    mediaRoutes({ auth, media: s.media }),
    teamRoutes({
      auth,
      threadTools: s.threadTools,
      quickReplies: s.quickReplies,
      accountSettings: s.accountSettings,
    }),
    metricsRoutes({ metrics: s.metricsScrape }),
  ];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());

  app.use(staticDashboard());
  return app;
}
