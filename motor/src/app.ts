import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Db } from './ports/db.port.js';
import type { RealtimePublisher } from './ports/realtime.port.js';
import { errorHandler } from './http/middleware/error.middleware.js';
import { jsonBody } from './http/middleware/json-body.middleware.js';
import { requestContext } from './http/middleware/request-context.middleware.js';
import { healthRoutes } from './http/routes/health.routes.js';
import { staticDashboard } from './http/static-dashboard.js';

/** Everything the app needs from the outside, built in main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  realtime: RealtimePublisher;
}

/**
 * Builds the Koa application from its ports. Nothing runs at import time; nothing listens here.
 *
 * @example
 *   const app = createApp(deps);
 *   http.createServer(app.callback()).listen(0);
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true; // errors are logged by errorHandler, once
  app.use(errorHandler(deps.logger));
  app.use(requestContext(deps.logger));
  app.use(jsonBody());

  const routers = [healthRoutes(deps)];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());

  app.use(staticDashboard());
  return app;
}
